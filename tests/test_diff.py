"""`avlint diff`: blueprint files against the fake authentik (or a saved retrieval).

The starting point is the real export tests/data/exports/default-authentication-flow.yaml,
which is in sync with the fake's seed state, and edited copies of it. Golden plans live in
tests/golden/live/; after a deliberate change of the output, regenerate them with

    AVLINT_REGENERATE_GOLDEN=1 python3 -m pytest tests/test_diff.py -k golden

and review `git diff tests/golden/live` before committing.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from avlint.cli import cli
from tests.conftest import DATA, ROOT
from tests.fake_authentik import FakeAuthentik, seed

EXPORT = DATA / "exports" / "default-authentication-flow.yaml"
GOLDEN = Path(__file__).resolve().parent / "golden" / "live"
REGENERATE = os.environ.get("AVLINT_REGENERATE_GOLDEN") == "1"
VALIDATE_MODEL = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
FLOW_MODEL = "authentik_flows.flow"
BINDING_MODEL = "authentik_flows.flowstagebinding"

MFA = "default-authentication-mfa-validation"
MFA_PK = "0f8a4b41-0608-487d-82d3-6c2e8eb7738e"
FLOW_PK = "2a841ebe-d5a2-4341-9a77-935409b6a3e5"
BINDING_30_PK = "153a38fd-130c-4018-9944-2628067db699"
LINT_GOOD_PK = "56ced7c7-6c7e-4717-9751-0e07e6d477e3"
TOTP_SETUP_PK = "08e2f220-9a7f-40de-a915-8f5fbf95c4e3"
STATIC_SETUP_PK = "af98752b-3aef-4126-9117-cb2df15982bb"
ORPHANS = {
    "fcb00c87-97f1-4775-ab71-10f02dc21a18": "lint-api-applied-validate",
    "26f7a1d6-6ce1-480b-b364-efa42038fc6f": "lint-bp-good-validate",
    LINT_GOOD_PK: "lint-good-validate",
    "8b2baa91-1087-42b1-bddb-34e0c76c225c": "probe-1795445869",
}
FIND_TOTP = (
    "!Find [authentik_stages_authenticator_totp.authenticatortotpstage, [name, default-authenticator-totp-setup]]"
)
FIND_STATIC = (
    "!Find [authentik_stages_authenticator_static.authenticatorstaticstage, [name, default-authenticator-static-setup]]"
)

# The edits of the issue: each one a (old, new) replacement of the export's text.
CHANGE_ACTION = ("not_configured_action: skip", "not_configured_action: deny")
REORDER_CLASSES = (
    "    - static\n    - totp\n    - webauthn\n    - duo\n    - sms\n    - email\n",
    "    - email\n    - sms\n    - duo\n    - webauthn\n    - totp\n    - static\n",
)
NEW_STAGE = f"""\
- model: {VALIDATE_MODEL}
  identifiers:
    name: avlint-new-mfa
  attrs:
    device_classes: [totp, webauthn]
    not_configured_action: deny
"""
ABSENT_STAGE = f"""\
- model: {VALIDATE_MODEL}
  state: absent
  identifiers:
    name: lint-good-validate
"""


# -- helpers ------------------------------------------------------------------------------------------
@pytest.fixture
def fake_authentik(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """The recorded server: a fresh server's defaults plus the four validation stages made by hand
    on it (``lint-good-validate`` ...), which these tests read, change and delete."""
    seed.add_hand_made_stages(fake_authentik.state)
    return fake_authentik


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AUTHENTIK_URL", "AUTHENTIK_TOKEN", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # relative paths in the output; no project config applies


def edited(*replacements: tuple[str, str], append: str = "") -> str:
    text = EXPORT.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    if append:
        text = text.replace("metadata:\n  labels:", append + "metadata:\n  labels:")
    return text


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.write_text(text, encoding="utf-8")
    return path


def blueprint(entries: str) -> str:
    return "version: 1\nmetadata:\n  name: test\nentries:\n" + entries


def diff(fake: FakeAuthentik, *args: object):
    return CliRunner().invoke(cli, ["diff", *(str(a) for a in args), "--url", fake.url, "--token", fake.token])


def diff_json(fake: FakeAuthentik, *args: object) -> tuple[int, dict]:
    result = diff(fake, *args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def by_name(document: dict, name: str) -> dict:
    matches = [obj for obj in document["objects"] if obj["name"] == name]
    assert len(matches) == 1, [obj["name"] for obj in document["objects"]]
    return matches[0]


def position(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the value after `needle` (e.g. "not_configured_action: ")."""
    index = text.index(needle) + len(needle)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def no_writes(fake: FakeAuthentik) -> bool:
    return all(r.method == "GET" for r in fake.requests)


def set_configuration_stages(fake: FakeAuthentik, pk: str, stages: list[str]) -> None:
    with fake.state.lock:
        fake.state.stages[pk].fields["configuration_stages"] = list(stages)


# -- the export and its edited copies -------------------------------------------------------------------
def test_the_export_is_in_sync_with_the_seed(fake_authentik: FakeAuthentik) -> None:
    result = diff(fake_authentik, EXPORT)
    assert result.exit_code == 0, result.output
    assert result.stdout == "No drift: 0 to create, 0 to change, 0 to delete; 6 in sync.\n"
    code, document = diff_json(fake_authentik, EXPORT)
    assert code == 0
    assert [obj["action"] for obj in document["objects"]] == ["in-sync"] * 6
    assert by_name(document, MFA)["live_pk"] == MFA_PK
    assert by_name(document, "default-authentication-flow")["live_pk"] == FLOW_PK
    assert by_name(document, "order 30")["live_pk"] == BINDING_30_PK
    assert no_writes(fake_authentik)


def test_a_changed_field_is_drift(fake_authentik: FakeAuthentik) -> None:
    text = edited(CHANGE_ACTION)
    path = write("changed.yaml", text)
    result = diff(fake_authentik, path)
    assert result.exit_code == 1
    assert f'~ {VALIDATE_MODEL} "{MFA}" (changed.yaml:71): changed\n' in result.stdout
    assert '    not_configured_action: "skip" -> "deny"\n' in result.stdout
    assert result.stdout.endswith("Drift: 0 to create, 1 to change, 0 to delete; 5 in sync.\n")
    _, document = diff_json(fake_authentik, path)
    line, column = position(text, "not_configured_action: ")
    assert by_name(document, MFA)["changes"] == [
        {"field": "not_configured_action", "live": "skip", "file": "deny", "line": line, "column": column}
    ]
    assert (line, column) == (80, 28)
    assert no_writes(fake_authentik)


def test_device_classes_in_another_order_are_not_drift(fake_authentik: FakeAuthentik) -> None:
    result = diff(fake_authentik, write("reordered.yaml", edited(REORDER_CLASSES)))
    assert result.exit_code == 0, result.output
    assert "No drift" in result.stdout
    # ...while a different set is.
    fewer = edited(("    - duo\n    - sms\n    - email\n", ""))
    result = diff(fake_authentik, write("fewer.yaml", fewer))
    assert result.exit_code == 1
    assert (
        "    device_classes: [static, totp, webauthn, duo, sms, email] -> [static, totp, webauthn]\n" in result.stdout
    )


def test_a_stage_the_server_lacks_is_to_be_created(fake_authentik: FakeAuthentik) -> None:
    path = write("added.yaml", edited(append=NEW_STAGE))
    result = diff(fake_authentik, path)
    assert result.exit_code == 1
    assert f'+ {VALIDATE_MODEL} "avlint-new-mfa" (added.yaml:' in result.stdout
    assert "): missing on server\n" in result.stdout
    assert "Drift: 1 to create, 0 to change, 0 to delete; 6 in sync." in result.stdout
    _, document = diff_json(fake_authentik, path)
    new = by_name(document, "avlint-new-mfa")
    assert (new["action"], new["live_pk"], new["changes"]) == ("create", None, [])


def test_a_seed_stage_marked_absent_is_to_be_deleted(fake_authentik: FakeAuthentik) -> None:
    path = write("absent.yaml", edited(append=ABSENT_STAGE))
    result = diff(fake_authentik, path)
    assert result.exit_code == 1
    assert f'- {VALIDATE_MODEL} "lint-good-validate" (absent.yaml:' in result.stdout
    assert "): should be absent\n" in result.stdout
    _, document = diff_json(fake_authentik, path)
    assert by_name(document, "lint-good-validate")["action"] == "delete"
    assert by_name(document, "lint-good-validate")["live_pk"] == LINT_GOOD_PK
    # Absent and indeed not on the server: nothing to do.
    gone = write("gone.yaml", edited(append=ABSENT_STAGE.replace("lint-good-validate", "never-existed")))
    result = diff(fake_authentik, gone)
    assert result.exit_code == 0, result.output
    _, document = diff_json(fake_authentik, gone)
    assert by_name(document, "never-existed")["action"] == "absent-ok"


@pytest.mark.parametrize("output_format, golden", [("text", "diff-edited.txt"), ("json", "diff-edited.json")])
def test_golden_plan_of_the_edited_export(fake_authentik: FakeAuthentik, output_format: str, golden: str) -> None:
    path = write("edited.yaml", edited(CHANGE_ACTION, REORDER_CLASSES, append=NEW_STAGE + ABSENT_STAGE))
    result = diff(fake_authentik, path, "--format", output_format, "--orphans")
    assert result.exit_code == 1, result.output
    expected = GOLDEN / golden
    if REGENERATE:
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == expected.read_text(encoding="utf-8")
    assert result.stderr == ""


# -- finding objects as the importer does ------------------------------------------------------------
def test_a_pk_identifier_finds_the_object_by_pk(fake_authentik: FakeAuthentik) -> None:
    text = blueprint(f"""\
- model: {VALIDATE_MODEL}
  identifiers:
    pk: {MFA_PK}
    name: renamed-mfa
""")
    _, document = diff_json(fake_authentik, write("pk.yaml", text))
    found = document["objects"][0]
    assert (found["action"], found["live_pk"]) == ("change", MFA_PK)
    line, column = position(text, "    name: ")
    assert (line, column) == (8, 11)
    assert found["changes"] == [{"field": "name", "live": MFA, "file": "renamed-mfa", "line": line, "column": column}]


def test_without_a_matching_pk_every_other_identifier_must_match(fake_authentik: FakeAuthentik) -> None:
    def entry(identifiers: str) -> str:
        return f"- model: {VALIDATE_MODEL}\n  identifiers:\n{identifiers}"

    text = blueprint(
        entry("    pk: 11111111-2222-4333-8444-555555555555\n    name: lint-good-validate\n")  # pk OR name
        + entry("    name: lint-good-validate\n    not_configured_action: skip\n")  # both match
        + entry("    name: lint-good-validate\n    not_configured_action: deny\n")  # one does not
        + entry("    pk: 11111111-2222-4333-8444-555555555555\n")  # nothing matches
    )
    _, document = diff_json(fake_authentik, write("identifiers.yaml", text))
    assert [(obj["action"], obj["live_pk"]) for obj in document["objects"]] == [
        ("in-sync", LINT_GOOD_PK),
        ("in-sync", LINT_GOOD_PK),
        ("create", None),
        ("create", None),
    ]


def test_a_pk_in_capitals_still_finds_the_object(fake_authentik: FakeAuthentik) -> None:
    """authentik parses UUIDs, so the importer finds `0F8A4B41-...` as `0f8a4b41-...`."""
    text = blueprint(f"""\
- model: {VALIDATE_MODEL}
  identifiers:
    pk: {MFA_PK.upper()}
  attrs:
    not_configured_action: skip
""")
    code, document = diff_json(fake_authentik, write("upper.yaml", text))
    assert document["objects"][0]["live_pk"] == MFA_PK
    assert document["objects"][0]["action"] == "in-sync"
    assert code == 0


def test_identifiers_merge_into_the_compared_data(fake_authentik: FakeAuthentik) -> None:
    text = blueprint(f"""\
- model: {FLOW_MODEL}
  identifiers:
    pk: {FLOW_PK}
    slug: renamed-flow
  attrs:
    title: Welcome to authentik!
""")
    result = diff(fake_authentik, write("flow.yaml", text))
    assert result.exit_code == 1
    assert f'~ {FLOW_MODEL} "renamed-flow" (flow.yaml:5): changed\n' in result.stdout
    assert '    slug: "default-authentication-flow" -> "renamed-flow"\n' in result.stdout
    assert "title" not in result.stdout


def test_fields_the_file_leaves_out_are_not_drift(fake_authentik: FakeAuthentik) -> None:
    text = blueprint(f"""\
- model: {VALIDATE_MODEL}
  identifiers:
    name: {MFA}
  attrs:
    not_configured_action: deny
""")
    path = write("sparse.yaml", text)
    result = diff(fake_authentik, path)
    assert result.exit_code == 1
    assert '    not_configured_action: "skip" -> "deny"\n' in result.stdout
    assert "device_classes" not in result.stdout and "(kept" not in result.stdout
    shown = diff(fake_authentik, path, "--show-defaults")
    assert shown.exit_code == 1
    assert "    device_classes: [static, totp, webauthn, duo, sms, email] (kept; not in the file)\n" in shown.stdout
    assert '    last_auth_threshold: "seconds=0" (kept; not in the file)\n' in shown.stdout
    assert '    webauthn_user_verification: "preferred" (kept; not in the file)\n' in shown.stdout
    assert "Drift: 0 to create, 1 to change, 0 to delete" in shown.stdout
    _, document = diff_json(fake_authentik, path)
    assert "kept" not in document["objects"][0]
    _, document = diff_json(fake_authentik, path, "--show-defaults")
    kept = document["objects"][0]["kept"]
    assert kept["last_auth_threshold"] == "seconds=0"
    assert kept["configuration_stages"] == [] and "not_configured_action" not in kept and "name" not in kept


def test_show_defaults_also_shows_what_in_sync_objects_keep(fake_authentik: FakeAuthentik) -> None:
    """--show-defaults shows the live values of fields the files leave out; the JSON output does
    so for every object, and the text output must not drop them for objects in sync."""
    text = blueprint(f"""\
- model: {VALIDATE_MODEL}
  identifiers:
    name: {MFA}
  attrs:
    not_configured_action: skip
""")
    path = write("sparse-in-sync.yaml", text)
    _, document = diff_json(fake_authentik, path, "--show-defaults")
    assert document["objects"][0]["kept"]["last_auth_threshold"] == "seconds=0"
    result = diff(fake_authentik, path, "--show-defaults")
    assert result.exit_code == 0
    assert '    last_auth_threshold: "seconds=0" (kept; not in the file)' in result.stdout


def test_state_created_only_checks_existence(fake_authentik: FakeAuthentik) -> None:
    text = blueprint(f"""\
- model: {VALIDATE_MODEL}
  state: created
  identifiers:
    name: {MFA}
  attrs:
    not_configured_action: deny
    device_classes: [totp]
- model: {VALIDATE_MODEL}
  state: created
  identifiers:
    name: created-if-missing
  attrs:
    device_classes: [totp]
""")
    path = write("created.yaml", text)
    code, document = diff_json(fake_authentik, path)
    existing, missing = document["objects"]
    assert (existing["action"], existing["changes"]) == ("in-sync", [])
    assert "existence" in existing["note"]
    assert missing["action"] == "create"
    assert code == 1
    result = diff(fake_authentik, path)
    assert "not_configured_action" not in result.stdout
    assert "+ " in result.stdout and '"created-if-missing"' in result.stdout


# -- many-to-many and references ---------------------------------------------------------------------------
def test_many_to_many_lists_compare_as_sets_and_show_names(fake_authentik: FakeAuthentik) -> None:
    set_configuration_stages(fake_authentik, MFA_PK, [TOTP_SETUP_PK, STATIC_SETUP_PK])

    def stage(configuration: str) -> str:
        return blueprint(f"""\
- model: {VALIDATE_MODEL}
  identifiers:
    name: {MFA}
  attrs:
    not_configured_action: configure
    configuration_stages: {configuration}
""")

    found_order = stage(f"[{FIND_STATIC}, {FIND_TOTP}]")
    raw_order = stage(f"[{STATIC_SETUP_PK}, {TOTP_SETUP_PK}]")
    for name, text in (("find.yaml", found_order), ("raw.yaml", raw_order)):
        _, document = diff_json(fake_authentik, write(name, text))
        assert [change["field"] for change in document["objects"][0]["changes"]] == ["not_configured_action"], name
    result = diff(fake_authentik, write("one.yaml", stage(f"[{FIND_TOTP}]")))
    assert result.exit_code == 1
    line = next(line for line in result.stdout.splitlines() if line.startswith("    configuration_stages:"))
    assert (
        line
        == "    configuration_stages: [default-authenticator-totp-setup, default-authenticator-static-setup] -> [default-authenticator-totp-setup]"
    )


def test_keyof_compares_by_the_referenced_entrys_live_object(fake_authentik: FakeAuthentik) -> None:
    def flow(stage_id: str, order: int) -> str:
        return blueprint(f"""\
- id: flow
  model: {FLOW_MODEL}
  identifiers:
    slug: default-authentication-flow
- id: mfa
  model: {VALIDATE_MODEL}
  identifiers:
    name: {MFA}
- id: other
  model: {VALIDATE_MODEL}
  identifiers:
    name: lint-good-validate
- model: {BINDING_MODEL}
  identifiers:
    target: !KeyOf flow
    stage: !KeyOf {stage_id}
    order: {order}
  attrs:
    invalid_response_action: retry
""")

    code, document = diff_json(fake_authentik, write("keyof.yaml", flow("mfa", 30)))
    assert code == 0
    assert by_name(document, "order 30")["live_pk"] == BINDING_30_PK
    _, document = diff_json(fake_authentik, write("other.yaml", flow("other", 30)))
    assert by_name(document, "order 30")["action"] == "create"
    _, document = diff_json(fake_authentik, write("order.yaml", flow("mfa", 31)))
    assert by_name(document, "order 31")["action"] == "create"


def test_find_is_resolved_on_the_server(fake_authentik: FakeAuthentik) -> None:
    text = blueprint(f"""\
- model: {FLOW_MODEL}
  identifiers:
    slug: default-authentication-flow
- model: {BINDING_MODEL}
  identifiers:
    target: !Find [authentik_flows.flow, [slug, default-authentication-flow]]
    stage: !Find [{VALIDATE_MODEL}, [name, {MFA}]]
    order: 30
  attrs:
    re_evaluate_policies: true
""")
    code, document = diff_json(fake_authentik, write("find.yaml", text))
    assert by_name(document, "order 30")["live_pk"] == BINDING_30_PK
    assert code == 0


def test_find_is_resolved_on_the_server_in_a_file_of_bindings_only(fake_authentik: FakeAuthentik) -> None:
    """A file that holds only a binding still finds its flow: `!Find` of a flow must not depend
    on whether the file also defines a flow."""
    text = blueprint(f"""\
- model: {BINDING_MODEL}
  identifiers:
    target: !Find [authentik_flows.flow, [slug, default-authentication-flow]]
    stage: !Find [{VALIDATE_MODEL}, [name, {MFA}]]
    order: 30
""")
    code, document = diff_json(fake_authentik, write("binding-only.yaml", text))
    assert by_name(document, "order 30")["live_pk"] == BINDING_30_PK
    assert by_name(document, "order 30")["action"] == "in-sync"
    assert code == 0


def test_referenced_uuids_are_shown_with_names(fake_authentik: FakeAuthentik) -> None:
    text = blueprint(f"""\
- model: {BINDING_MODEL}
  identifiers:
    pk: {BINDING_30_PK}
  attrs:
    target: {FLOW_PK}
    stage: {LINT_GOOD_PK}
""")
    result = diff(fake_authentik, write("uuids.yaml", text))
    assert result.exit_code == 1
    assert f'    stage: "{MFA}" -> "lint-good-validate"\n' in result.stdout
    assert LINT_GOOD_PK not in result.stdout and MFA_PK not in result.stdout
    assert "target" not in result.stdout  # the same flow


# -- output -----------------------------------------------------------------------------------------------
def test_json_output_has_a_stable_shape(fake_authentik: FakeAuthentik) -> None:
    path = write("edited.yaml", edited(CHANGE_ACTION, append=NEW_STAGE))
    code, document = diff_json(fake_authentik, path, "--orphans")
    assert code == 1
    assert list(document) == ["version", "drift", "objects", "orphans", "summary"]
    assert document["version"] == 1 and document["drift"] is True
    for obj in document["objects"]:
        assert list(obj)[:7] == ["path", "line", "model", "name", "action", "live_pk", "changes"]
        assert set(obj) <= {"path", "line", "model", "name", "action", "live_pk", "changes", "note", "kept"}
        assert obj["path"] == "edited.yaml"
        for change in obj["changes"]:
            assert list(change) == ["field", "live", "file", "line", "column"]
    assert document["summary"] == {"create": 1, "change": 1, "delete": 0, "in-sync": 5, "absent-ok": 0, "unknown": 0}
    assert {tuple(orphan) for orphan in document["orphans"]} == {("pk", "name")}
    _, in_sync = diff_json(fake_authentik, EXPORT)
    assert in_sync["drift"] is False and in_sync["orphans"] == []


def _run_in_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run avlint with its stdout and stderr on a pseudo-terminal; returns what it printed."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "avlint", *args],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env=env,
        cwd=os.getcwd(),
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=120) == 1
    return b"".join(chunks).decode("utf-8")


def test_colour_only_on_a_terminal_and_never_with_no_color(fake_authentik: FakeAuthentik) -> None:
    path = write("changed.yaml", edited(CHANGE_ACTION))
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    env.update({"PYTHONPATH": str(ROOT), "AUTHENTIK_URL": fake_authentik.url, "AUTHENTIK_TOKEN": fake_authentik.token})
    coloured = _run_in_terminal(["diff", str(path)], env)
    assert f'\x1b[33m~ {VALIDATE_MODEL} "{MFA}"\x1b[0m' in coloured
    plain = _run_in_terminal(["diff", str(path)], {**env, "NO_COLOR": "1"})
    assert "\x1b[" not in plain
    assert f'~ {VALIDATE_MODEL} "{MFA}" (changed.yaml:71): changed' in plain
    piped = diff(fake_authentik, path)  # CliRunner: not a terminal
    assert piped.exit_code == 1 and "\x1b[" not in piped.output
    assert "\x1b[" not in diff(fake_authentik, path, "--format", "json").stdout


def test_orphans_are_live_validation_stages_no_file_defines(fake_authentik: FakeAuthentik) -> None:
    result = diff(fake_authentik, EXPORT, "--orphans")
    assert result.exit_code == 1
    for pk, name in ORPHANS.items():
        assert f'? orphan validation stage "{name}" ({pk}): on the server, in no file\n' in result.stdout
    assert MFA not in result.stdout
    assert result.stdout.endswith("Drift: 0 to create, 0 to change, 0 to delete; 6 in sync, 4 orphans.\n")
    _, document = diff_json(fake_authentik, EXPORT, "--orphans")
    assert {orphan["pk"]: orphan["name"] for orphan in document["orphans"]} == ORPHANS
    # Without --orphans they are not reported.
    assert diff(fake_authentik, EXPORT).exit_code == 0
    # A second file that defines the others leaves no orphan.
    others = "".join(
        f"- model: {VALIDATE_MODEL}\n  state: created\n  identifiers:\n    name: {name}\n" for name in ORPHANS.values()
    )
    result = diff(fake_authentik, EXPORT, write("others.yaml", blueprint(others)), "--orphans")
    assert result.exit_code == 0, result.output
    assert "orphan" not in result.stdout


def test_orphans_are_listed_for_files_without_validation_stages(fake_authentik: FakeAuthentik) -> None:
    flow_only = blueprint(f"""\
- model: {FLOW_MODEL}
  identifiers:
    slug: default-authentication-flow
""")
    result = diff(fake_authentik, write("flow-only.yaml", flow_only), "--orphans")
    assert result.exit_code == 1, result.output
    assert "5 orphans" in result.stdout
    assert f'? orphan validation stage "{MFA}" ({MFA_PK})' in result.stdout


def test_errors_exit_2(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    missing = diff(fake_authentik, tmp_path / "missing.yaml")
    assert missing.exit_code == 2
    assert "missing.yaml" in missing.stderr
    fake_authentik.faults.status(500, times=None, path="/api/v3/flows/bindings/")
    server = diff(fake_authentik, EXPORT)
    assert server.exit_code == 2
    assert "GET /flows/bindings/: HTTP 500" in server.stderr
    assert server.stdout == ""
    broken = write("broken.json", "{not json")
    result = CliRunner().invoke(cli, ["diff", str(EXPORT), "--live-file", str(broken)])
    assert result.exit_code == 2
    assert "--live-file" in result.stderr


# -- --live-file ------------------------------------------------------------------------------------------
def _save_listing(fake: FakeAuthentik, name: str, *paths: str) -> Path:
    results = []
    headers = {"Authorization": f"Bearer {fake.token}"}
    with httpx.Client(base_url=fake.api_url, headers=headers, verify=False) as http:
        for path in paths:
            body = http.get(path, params={"page_size": 100}).json()
            assert body["pagination"]["total_pages"] == 1
            results.extend(body["results"])
    path = write(name, json.dumps({"pagination": {"count": len(results)}, "results": results}))
    fake.requests.clear()
    return path


def test_live_file_diffs_against_a_saved_listing(fake_authentik: FakeAuthentik) -> None:
    saved = _save_listing(fake_authentik, "validate.json", "/stages/authenticator/validate/")
    runner = CliRunner()
    result = runner.invoke(cli, ["diff", str(EXPORT), "--live-file", str(saved), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert by_name(document, MFA)["action"] == "in-sync"
    unchecked = [obj for obj in document["objects"] if obj["action"] == "unknown"]
    assert len(unchecked) == 5 and all(obj["note"] == "not in the saved retrieval" for obj in unchecked)
    text = runner.invoke(cli, ["diff", str(EXPORT), "--live-file", str(saved)])
    assert "5 not checked" in text.stdout
    changed = runner.invoke(cli, ["diff", str(write("changed.yaml", edited(CHANGE_ACTION))), "--live-file", str(saved)])
    assert changed.exit_code == 1
    assert '    not_configured_action: "skip" -> "deny"\n' in changed.stdout
    assert len(fake_authentik.requests) == 0  # no server was asked


def test_live_file_with_every_list_covers_the_whole_export(fake_authentik: FakeAuthentik) -> None:
    saved = _save_listing(
        fake_authentik, "all.json", "/stages/authenticator/validate/", "/flows/instances/", "/flows/bindings/"
    )
    result = CliRunner().invoke(cli, ["diff", str(EXPORT), "--live-file", str(saved)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "No drift: 0 to create, 0 to change, 0 to delete; 6 in sync.\n"
    plain_list = write("plain.json", json.dumps(json.loads(saved.read_text())["results"]))
    result = CliRunner().invoke(
        cli, ["diff", str(write("added.yaml", edited(append=NEW_STAGE))), "--live-file", str(plain_list)]
    )
    assert result.exit_code == 1
    assert '"avlint-new-mfa"' in result.stdout and "missing on server" in result.stdout
    assert len(fake_authentik.requests) == 0


# --- reading the files while the lists are fetched ----------------------------------------------


def test_the_files_are_read_while_the_first_requests_are_out(
    fake_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Structural, not timed: reading the files waits until the server has seen a list request.
    Reading them before fetching (one after the other) would never see one and fail here."""
    import threading

    from avlint.live import command

    real_load = command.load_documents
    lists_seen = threading.Event()
    fake_authentik.faults.latency(0.2, path="/api/v3/stages/*")

    def load_when_lists_are_out(*args: object, **kwargs: object):
        for _ in range(200):
            if any(r.path.startswith("/api/v3/stages/") for r in fake_authentik.requests.snapshot()):
                lists_seen.set()
                break
            threading.Event().wait(0.05)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(command, "load_documents", load_when_lists_are_out)
    result = diff(
        fake_authentik,
        write(
            "mfa.yaml",
            blueprint(
                "- model: authentik_stages_authenticator_validate.authenticatorvalidatestage\n  identifiers:\n    name: avlint-overlap\n"
            ),
        ),
    )
    assert lists_seen.is_set()
    assert result.exit_code == 1, result.output
    assert "avlint-overlap" in result.stdout


def test_file_problems_come_before_a_server_error(tmp_path: Path) -> None:
    broken = write("broken.yaml", "version: 1\nentries: [\n")
    result = CliRunner().invoke(
        cli,
        [
            "diff",
            str(broken),
            "--url",
            "http://127.0.0.1:9",
            "--token",
            "t",
            "--retries",
            "0",
            "--connect-timeout",
            "1",
        ],
    )
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{broken}:3:1: error:"), lines
    assert lines[-1].startswith("avlint: error: GET /admin/version/: could not connect"), lines


# -- matching exactly as the importer does (issue 12 item 1) -----------------------------------------
def create_stage(fake: FakeAuthentik, name: str) -> str:
    headers = {"authorization": f"Bearer {fake.token}", "content-type": "application/json"}
    from tests.fake_authentik.http import Request

    body = json.dumps({"name": name, "device_classes": ["totp"]}).encode()
    response = fake.handle(Request("POST", "/api/v3/stages/authenticator/validate/", {}, headers, body))
    assert response.status == 201, response.body
    return str(json.loads(response.body)["pk"])


def test_names_match_with_their_letter_case(fake_authentik: FakeAuthentik) -> None:
    live_pk = create_stage(fake_authentik, "Partner-MFA")
    path = write("partner.yaml", blueprint(NEW_STAGE.replace("avlint-new-mfa", "partner-mfa")))
    code, document = diff_json(fake_authentik, path)
    assert code == 1
    entry = by_name(document, "partner-mfa")
    assert (entry["action"], entry["live_pk"]) == ("create", None)  # not the live `Partner-MFA`
    exact = write("exact.yaml", blueprint(NEW_STAGE.replace("avlint-new-mfa", "Partner-MFA")))
    _, document = diff_json(fake_authentik, exact)
    assert by_name(document, "Partner-MFA")["live_pk"] == live_pk


def test_apply_creates_a_new_stage_instead_of_renaming_one_that_differs_in_case(fake_authentik: FakeAuthentik) -> None:
    live_pk = create_stage(fake_authentik, "Partner-MFA")
    path = write("partner.yaml", blueprint(NEW_STAGE.replace("avlint-new-mfa", "partner-mfa")))
    result = CliRunner().invoke(
        cli, ["apply", str(path), "--yes", "--url", fake_authentik.url, "--token", fake_authentik.token]
    )
    assert result.exit_code == 0, result.output
    assert fake_authentik.state.stages[live_pk].name == "Partner-MFA"
    assert fake_authentik.state.stages[live_pk].fields.get("not_configured_action") != "deny"
    writes = [r for r in fake_authentik.requests if r.method != "GET"]
    assert [(r.method, r.path) for r in writes] == [("POST", "/api/v3/stages/authenticator/validate/")]
    assert sorted(s.name for s in fake_authentik.state.stages.values() if s.name.lower() == "partner-mfa") == [
        "Partner-MFA",
        "partner-mfa",
    ]


def test_a_name_that_looks_like_a_uuid_still_matches_exactly(fake_authentik: FakeAuthentik) -> None:
    looks_like_a_uuid = "ABCDEF01-0000-4000-8000-000000000000"
    create_stage(fake_authentik, looks_like_a_uuid)
    path = write("uuidname.yaml", blueprint(NEW_STAGE.replace("avlint-new-mfa", looks_like_a_uuid.lower())))
    _, document = diff_json(fake_authentik, path)
    assert by_name(document, looks_like_a_uuid.lower())["action"] == "create"


# -- the token is not for blueprints (issue 12 item 4) ----------------------------------------------------
ENV_STAGE = f"""\
- model: {VALIDATE_MODEL}
  identifiers:
    name: avlint-env-mfa
  attrs:
    device_classes: [totp]
    last_auth_threshold: !Format ["hours=1;x=%s", !Env AUTHENTIK_TOKEN]
- model: {VALIDATE_MODEL}
  identifiers:
    name: avlint-env-copy
  attrs:
    device_classes: [totp]
    last_auth_threshold: !Format ["hours=2;x=%s", !Env [MY_COPY, none]]
"""


def test_env_never_resolves_the_token_in_diff_or_apply(fake_authentik: FakeAuthentik) -> None:
    token = fake_authentik.token
    path = write("env.yaml", blueprint(ENV_STAGE))
    env = {"AUTHENTIK_URL": fake_authentik.url, "AUTHENTIK_TOKEN": token, "MY_COPY": token}
    runner = CliRunner()
    outputs = []
    for args in (["diff", str(path)], ["diff", str(path), "--format", "json"], ["apply", str(path), "--yes"]):
        result = runner.invoke(cli, args, env=env)
        assert result.exit_code in (0, 1), result.output
        outputs.append(result.stdout + result.stderr)
        # each use of a withheld variable is reported at its position, as a warning
        line, column = position(path.read_text(), 'x=%s", ')
        assert f"env.yaml:{line}:{column}: warning: !Env AUTHENTIK_TOKEN resolves as unset" in result.stderr
        assert "!Env MY_COPY resolves as unset" in result.stderr
    sent = [r.body.decode() for r in fake_authentik.requests if r.method == "POST"]
    assert len(sent) == 2
    assert all(token not in body and token[:8] not in body for body in sent)
    assert "hours=1;x=None" in sent[0] + sent[1]  # unset, as the importer's `os.getenv` gives it
    for text in outputs:
        assert token[:8] not in text


def test_env_file_values_are_used_as_given(fake_authentik: FakeAuthentik) -> None:
    path = write("env.yaml", blueprint(ENV_STAGE))
    env_file = write("values.env", "AUTHENTIK_TOKEN=deliberate-value\n# a comment\nexport MY_COPY='x'\n")
    result = CliRunner().invoke(
        cli,
        ["diff", str(path), "--env-file", str(env_file), "--format", "json"],
        env={"AUTHENTIK_URL": fake_authentik.url, "AUTHENTIK_TOKEN": fake_authentik.token},
    )
    assert result.exit_code == 1, result.output
    assert "resolves as unset" not in result.stderr
    broken = write("broken.env", "no equals sign\n")
    result = CliRunner().invoke(
        cli, ["diff", str(path), "--env-file", str(broken)], env={"AUTHENTIK_URL": fake_authentik.url}
    )
    assert result.exit_code == 2
    assert "broken.env:1:1: expected KEY=VALUE" in result.stderr


# -- a property: avlint finds what the importer's query finds -------------------------------------------
import uuid  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from avlint.blueprint import build_document  # noqa: E402
from avlint.live.drift import LiveResolver, match_entry  # noqa: E402
from avlint.live.state import LiveState  # noqa: E402
from avlint.loader.yaml_nodes import compose  # noqa: E402

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _importer_finds(objects: list[dict], identifiers: dict, uuid_fields: set[str], int_fields: set[str]) -> list:
    """An independent model of the importer's lookup (authentik's `__query_from_identifier`):
    `pk = <pk>` OR (every other identifier ANDed); Django compares UUID fields as parsed UUIDs,
    integer fields as integers, and text exactly."""

    def equal(field: str, stored: object, given: object) -> bool:
        if field in uuid_fields:
            try:
                return uuid.UUID(hex=str(stored)) == uuid.UUID(hex=str(given))
            except ValueError:
                return False
        if field in int_fields:
            return int(str(stored)) == int(str(given))
        return stored == given

    others = {key: value for key, value in identifiers.items() if key != "pk"}
    return [
        obj
        for obj in objects
        if ("pk" in identifiers and equal("pk", obj["pk"], identifiers["pk"]))
        or (others and all(equal(key, obj.get(key), value) for key, value in others.items()))
    ]


def _avlint_finds(model: str, objects: list[dict], identifiers: dict) -> dict | None:
    lines = "".join(f"    {key}: {json.dumps(value)}\n" for key, value in identifiers.items())
    text = blueprint(f"- model: {model}\n  identifiers:\n{lines}")
    entry = build_document("p.yaml", compose(text), api_body=False).entries[0]
    return match_entry(entry, LiveState({model: objects}), LiveResolver(LiveState(), {}))


def _spellings(value: str) -> st.SearchStrategy[str]:
    """The same UUID as Django reads it: any letter case, with or without hyphens or braces."""
    return st.sampled_from([value, value.upper(), value.replace("-", ""), "{" + value.upper() + "}"])


_UUIDS = st.uuids().map(str)
_NAMES = st.sampled_from(["mfa", "MFA", "Mfa", "partner-mfa", "Partner-MFA", "mfa ", "ﬁ-mfa", "FI-MFA"]) | _UUIDS.map(
    lambda value: value.upper()
)


@PROPERTY
@given(data=st.data(), names=st.lists(_NAMES, min_size=1, max_size=5, unique=True))
def test_stage_matching_agrees_with_the_importer(data: st.DataObject, names: list[str]) -> None:
    objects = [{"pk": data.draw(_UUIDS), "name": name} for name in names]
    identifiers: dict = {}
    if data.draw(st.booleans()):
        known = data.draw(st.sampled_from([obj["pk"] for obj in objects]))
        identifiers["pk"] = data.draw(_spellings(known) | _UUIDS)
    if not identifiers or data.draw(st.booleans()):
        name = data.draw(st.sampled_from(names) | _NAMES)
        identifiers["name"] = data.draw(st.sampled_from([name, name.lower(), name.upper(), name.swapcase()]))
    expected = _importer_finds(objects, identifiers, {"pk"}, set())
    found = _avlint_finds(VALIDATE_MODEL, objects, identifiers)
    assert (found is None) == (not expected), (identifiers, objects)
    assert found is None or found in expected


@PROPERTY
@given(data=st.data(), count=st.integers(min_value=1, max_value=5))
def test_binding_matching_agrees_with_the_importer(data: st.DataObject, count: int) -> None:
    flows, stages = [data.draw(_UUIDS) for _ in range(2)], [data.draw(_UUIDS) for _ in range(2)]
    objects = [
        {
            "pk": data.draw(_UUIDS),
            "target": data.draw(st.sampled_from(flows)),
            "stage": data.draw(st.sampled_from(stages)),
            "order": data.draw(st.integers(0, 3)),
        }
        for _ in range(count)
    ]
    identifiers = {
        "target": data.draw(st.sampled_from(flows).flatmap(_spellings)),
        "stage": data.draw(st.sampled_from(stages).flatmap(_spellings)),
        "order": data.draw(st.integers(0, 3).flatmap(lambda n: st.sampled_from([n, str(n)]))),
    }
    expected = _importer_finds(objects, identifiers, {"pk", "target", "stage"}, {"order"})
    found = _avlint_finds(BINDING_MODEL, objects, identifiers)
    assert (found is None) == (not expected), (identifiers, objects)
    assert found is None or found in expected


# -- the server's release is the default target (issue 14 item 6) --------------------------------------
HINTS_STAGE = f"""\
- model: {VALIDATE_MODEL}
  identifiers:
    name: avlint-hints
  attrs:
    device_classes: [webauthn]
    webauthn_hints: [security-key]
"""


def test_fields_the_servers_release_lacks_are_ignored_not_sent(fake_authentik: FakeAuthentik) -> None:
    text = blueprint(HINTS_STAGE)
    path = write("hints.yaml", text)
    line, column = position(text, "webauthn_hints: ")
    result = diff(fake_authentik, path)
    assert result.exit_code == 1
    assert (
        "    webauthn_hints: ignored (authentik 2025.12 has no writable field of that name; not sent)"
        f" (hints.yaml:{line}:{column})\n"
    ) in result.stdout
    assert "1 field ignored" in result.stdout
    _, document = diff_json(fake_authentik, path)
    assert by_name(document, "avlint-hints")["ignored"] == [
        {"field": "webauthn_hints", "file": ["security-key"], "line": line, "column": column}
    ]
    applied = CliRunner().invoke(
        cli, ["apply", str(path), "--yes", "--url", fake_authentik.url, "--token", fake_authentik.token]
    )
    assert applied.exit_code == 0, applied.output
    sent = [json.loads(r.body) for r in fake_authentik.requests if r.method == "POST"]
    assert len(sent) == 1 and "webauthn_hints" not in sent[0]


def test_a_named_target_version_is_used_instead_of_the_servers(fake_authentik: FakeAuthentik) -> None:
    path = write("hints.yaml", blueprint(HINTS_STAGE))
    result = diff(fake_authentik, path, "--target-version", "2026.5", "--format", "json")
    assert "ignored" not in by_name(json.loads(result.stdout), "avlint-hints")
    write(".avlint.yaml", "target_version: '2026.5'\n")
    result = diff(fake_authentik, path, "--format", "json")
    assert "ignored" not in by_name(json.loads(result.stdout), "avlint-hints")
    result = diff(fake_authentik, path, "--format", "json", "--isolated")  # no config: the server's release
    assert [i["field"] for i in by_name(json.loads(result.stdout), "avlint-hints")["ignored"]] == ["webauthn_hints"]


def test_a_name_another_stage_type_holds_is_a_conflict_not_a_creation(fake_authentik: FakeAuthentik) -> None:
    path = write("taken.yaml", blueprint(NEW_STAGE.replace("avlint-new-mfa", "default-authentication-password")))
    result = diff(fake_authentik, path)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(
        f'! {VALIDATE_MODEL} "default-authentication-password" (taken.yaml:5): cannot be created; '
        "the name is taken by a stage of another type (authentik_stages_password.passwordstage, "
    )
    assert "0 to create" in result.stdout and "1 in conflict" in result.stdout
    code, document = diff_json(fake_authentik, path)
    assert code == 1
    assert by_name(document, "default-authentication-password")["action"] == "conflict"
    assert document["summary"]["conflict"] == 1 and document["summary"]["create"] == 0
    planned = CliRunner().invoke(
        cli, ["apply", str(path), "--url", fake_authentik.url, "--token", fake_authentik.token]
    )
    assert planned.exit_code == 1 and "run again with --yes" not in planned.stdout


def test_a_tag_that_fails_is_reported_not_raised(fake_authentik: FakeAuthentik) -> None:
    text = blueprint(
        NEW_STAGE.replace("not_configured_action: deny", 'last_auth_threshold: !Format ["hours=%s;x=%s", 1]')
    )
    path = write("failing.yaml", text)
    line, column = position(text, "last_auth_threshold: ")
    result = diff(fake_authentik, path)
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert (
        f"(failing.yaml:5): not checked; !Format at line {line}, column {column} cannot be evaluated: "
        "!Format fails: not enough arguments for format string"
    ) in result.stdout
    applied = CliRunner().invoke(
        cli, ["apply", str(path), "--yes", "--url", fake_authentik.url, "--token", fake_authentik.token]
    )
    assert applied.exception is None or isinstance(applied.exception, SystemExit)
    assert all(r.method == "GET" for r in fake_authentik.requests)  # nothing sent


@pytest.mark.parametrize(
    "objects",
    [
        [{"pk": 7, "username": "akadmin", "name": "authentik Default Admin", "is_active": True}],  # /core/users/
        [
            {
                "pk": "b8f32ab4-0000-4000-8000-000000000001",
                "name": "skip-mfa",
                "meta_model_name": "authentik_policies_expression.expressionpolicy",
                "expression": "return True",
            }
        ],  # /policies/all/
    ],
    ids=["users", "policies"],
)
def test_a_saved_listing_of_another_endpoint_is_refused_not_read_as_stages(objects: list[dict]) -> None:
    saved = write("other.json", json.dumps({"pagination": {"count": len(objects)}, "results": objects}))
    result = CliRunner().invoke(cli, ["diff", str(EXPORT), "--live-file", str(saved)])
    assert result.exit_code == 2, result.output
    assert (
        "--live-file" in result.stderr
        and "object 1 of the list is not a stage, flow or flow-stage binding" in result.stderr
    )
    assert result.stdout == ""
