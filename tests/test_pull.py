"""`avlint pull`: live validation stages (and their flows) as blueprint files that lint clean,
hold no read-only fields and no raw pks (only as comments), come out byte-identical for the same
SOURCE_DATE_EPOCH, and re-import: pulled from one fake authentik, applied to a second, fresh one,
they show no drift there. File names are safe, visible and unique whatever the server's names,
and no existing file is replaced without --force.

The golden pull of the seed's default-authentication-flow lives in tests/golden/live/pull/;
regenerate with `AVLINT_REGENERATE_GOLDEN=1 python3 -m pytest tests/test_pull.py -k golden`.
"""

from __future__ import annotations

import json
import os
import re
import stat
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from avlint import __version__
from avlint.cli import cli
from avlint.engine import lint_text
from avlint.live.pull import public_url
from avlint.live.pull_names import file_name
from avlint.settings import Settings
from avlint.spec import model_spec
from avlint.versions import resolve_release
from tests.fake_authentik import FakeAuthentik, seed, views_policies
from tests.fake_authentik.http import Request
from tests.pull_support import give_real_default_flow

GOLDEN = Path(__file__).resolve().parent / "golden" / "live" / "pull"
REGENERATE = os.environ.get("AVLINT_REGENERATE_GOLDEN") == "1"
RELEASE = resolve_release("2025.12")
VALIDATE_MODEL = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
FLOW_MODEL = "authentik_flows.flow"
BINDING_MODEL = "authentik_flows.flowstagebinding"
POLICY_BINDING_MODEL = "authentik_policies.policybinding"
IDENTIFICATION_MODEL = "authentik_stages_identification.identificationstage"
LOGIN_MODEL = "authentik_stages_user_login.userloginstage"
VERSION = "/api/v3/admin/version/"
SEED_STAGES = [
    "default-authentication-mfa-validation",
    "lint-api-applied-validate",
    "lint-bp-good-validate",
    "lint-good-validate",
    "probe-1795445869",
]
TOTP_SETUP_PK = "08e2f220-9a7f-40de-a915-8f5fbf95c4e3"
EPOCH = "1795000000"
EPOCH_TEXT = "2026-11-18T11:06:40Z"
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
READ_ONLY = {
    "pk",
    "component",
    "verbose_name",
    "verbose_name_plural",
    "meta_model_name",
    "flow_set",
    "webauthn_allowed_device_types_obj",
    "policybindingmodel_ptr_id",
    "background_url",
    "background_themed_urls",
    "stages",
    "policies",
    "cache_count",
    "export_url",
    "stage_obj",
    "target_obj",
}


# -- helpers ------------------------------------------------------------------------------------------
@pytest.fixture
def fake_authentik(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """The recorded server: a fresh server's defaults plus the four validation stages made by hand
    on it (``lint-good-validate`` ...), which these tests read, change and delete."""
    seed.add_hand_made_stages(fake_authentik.state)
    return fake_authentik


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AUTHENTIK_URL", "AUTHENTIK_TOKEN", "NO_COLOR", "SOURCE_DATE_EPOCH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _real_default_flow(request: pytest.FixtureRequest) -> None:
    """The seed's default authentication flow as a real server holds it (its stages' fields, its
    two policies and their bindings): what `pull --with-flows` must carry over whole."""
    if "fake_authentik" in request.fixturenames:
        give_real_default_flow(request.getfixturevalue("fake_authentik"))
        request.getfixturevalue("fake_authentik").requests.clear()


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def pull(fake: FakeAuthentik, out: Path, *args: object):
    return invoke("pull", "--url", fake.url, "--token", fake.token, "--out", out, *args)


def api(fake: FakeAuthentik, method: str, path: str, body: Any = None) -> Any:
    """One request handled by the fake in-process (not logged)."""
    headers = {"authorization": f"Bearer {fake.token}", "content-type": "application/json"}
    raw = json.dumps(body).encode() if body is not None else b""
    response = fake.handle(Request(method, "/api/v3" + path, {}, headers, raw))
    assert response.status < 300, response.body
    return json.loads(response.body) if response.body else None


def stage_pk(fake: FakeAuthentik, name: str) -> str:
    stage = fake.state.stage_named(name)
    assert stage is not None, name
    return stage.pk


class _TagLoader(yaml.SafeLoader):
    pass


_TagLoader.add_constructor("!KeyOf", lambda loader, node: ("!KeyOf", loader.construct_scalar(node)))
_TagLoader.add_constructor("!Find", lambda loader, node: ("!Find", loader.construct_sequence(node, deep=True)))


def load(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_TagLoader)


def files_of(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def all_pks(fake: FakeAuthentik) -> set[str]:
    state = fake.state
    return set(state.stages) | set(state.flows) | {f.pbm_pk for f in state.flows.values()} | set(state.bindings)


def build_custom_objects(fake: FakeAuthentik) -> None:
    """A new flow with a new validation stage between two seed stages of other types, a
    stand-alone new stage, and an edited seed stage."""
    mfa = api(
        fake,
        "POST",
        "/stages/authenticator/validate/",
        {
            "name": "avlint-pulled-mfa",
            "not_configured_action": "configure",
            "device_classes": ["webauthn", "totp"],
            "configuration_stages": [TOTP_SETUP_PK],
            "last_auth_threshold": "hours=12",
            "webauthn_user_verification": "required",
        },
    )
    api(
        fake,
        "POST",
        "/stages/authenticator/validate/",
        {"name": "avlint-standalone", "device_classes": ["static"], "not_configured_action": "deny"},
    )
    flow = api(
        fake,
        "POST",
        "/flows/instances/",
        {
            "name": "avlint pulled flow",
            "slug": "avlint-pulled-flow",
            "title": "Pulled",
            "designation": "authentication",
            "layout": "sidebar_left",
            "denied_action": "message",
        },
    )
    bindings = [
        (stage_pk(fake, "default-authentication-identification"), 10, {}),
        (mfa["pk"], 20, {"invalid_response_action": "restart", "evaluate_on_plan": True}),
        (stage_pk(fake, "default-authentication-login"), 100, {}),
    ]
    for stage, order, extra in bindings:
        api(fake, "POST", "/flows/bindings/", {"target": flow["pk"], "stage": stage, "order": order, **extra})
    api(
        fake,
        "PATCH",
        f"/stages/authenticator/validate/{stage_pk(fake, 'lint-good-validate')}/",
        {"last_auth_threshold": "minutes=30"},
    )
    fake.requests.clear()


# -- what is written ------------------------------------------------------------------------------------
def test_pull_writes_one_file_per_validation_stage(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = pull(fake_authentik, out, "--all")
    assert result.exit_code == 0, result.output
    assert sorted(files_of(out)) == [f"stage-{name}.yaml" for name in SEED_STAGES]
    assert sorted(result.stdout.splitlines()) == [f"wrote {out / 'stage-'}{name}.yaml" for name in SEED_STAGES]
    assert result.stderr == ""
    document = load(out / "stage-lint-bp-good-validate.yaml")
    assert document["version"] == 1
    assert document["entries"] == [
        {
            "model": VALIDATE_MODEL,
            "identifiers": {"name": "lint-bp-good-validate"},
            "attrs": {
                "not_configured_action": "skip",
                "device_classes": ["totp", "static", "webauthn"],
                "last_auth_threshold": "hours=1",
                "webauthn_user_verification": "preferred",
            },
        }
    ]
    assert all(r.method == "GET" for r in fake_authentik.requests)


def test_pulled_files_lint_clean(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    build_custom_objects(fake_authentik)
    out = tmp_path / "out"
    assert pull(fake_authentik, out, "--with-flows").exit_code == 0
    assert len(files_of(out)) == 7  # two flows, five stages on their own
    for path in sorted(out.iterdir()):
        findings = lint_text(str(path), path.read_text(encoding="utf-8"), Settings(release=RELEASE)).findings
        assert [f for f in findings if f.severity == "error"] == [], path.name
    # And through the command line, as a user would check them.
    lint = invoke("lint", "--isolated", "--target-version", "2025.12", out)
    assert lint.exit_code == 0, lint.output


def test_pulled_files_hold_no_read_only_fields(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    build_custom_objects(fake_authentik)
    out = tmp_path / "out"
    assert pull(fake_authentik, out, "--with-flows").exit_code == 0
    seen_models = set()
    for path in out.iterdir():
        for entry in load(path)["entries"]:
            seen_models.add(entry["model"])
            spec = model_spec(entry["model"], RELEASE)
            fields = set(entry.get("attrs", {})) | set(entry["identifiers"])
            assert fields <= set(spec.writable), (path.name, fields - set(spec.writable))
            assert not fields & READ_ONLY, (path.name, fields & READ_ONLY)
    assert seen_models == {
        VALIDATE_MODEL,
        FLOW_MODEL,
        BINDING_MODEL,
        "authentik_stages_identification.identificationstage",
        "authentik_stages_password.passwordstage",
        "authentik_stages_user_login.userloginstage",
        "authentik_policies_expression.expressionpolicy",
        POLICY_BINDING_MODEL,
    }


def strings_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings_in(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in strings_in(item)]
    return [value] if isinstance(value, str) else []


def test_references_are_keyof_or_find_never_raw_pks(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    build_custom_objects(fake_authentik)
    out = tmp_path / "out"
    assert pull(fake_authentik, out, "--with-flows").exit_code == 0
    pks = all_pks(fake_authentik)
    for path in out.iterdir():
        values = strings_in(load(path))
        assert not {pk for value in values for pk in UUID.findall(value)} & pks, path.name
        # The pks that are in the text are the comments on the entries, nothing else.
        commented = re.findall(r"^  identifiers:  # pk (\S+)$", path.read_text(encoding="utf-8"), re.M)
        assert set(UUID.findall(path.read_text(encoding="utf-8"))) == set(commented), path.name
    document = load(out / "flow-avlint-pulled-flow.yaml")
    entries = document["entries"]
    # Every stage the flow binds is in its file, of any type (flows are pulled in slug order: this
    # file comes first, and the default flow's file finds these two seed stages by name).
    assert [e["model"] for e in entries] == [
        FLOW_MODEL,
        IDENTIFICATION_MODEL,
        VALIDATE_MODEL,
        LOGIN_MODEL,
        BINDING_MODEL,
        BINDING_MODEL,
        BINDING_MODEL,
    ]
    flow, identification, mfa, login, *bindings = entries
    assert identification["attrs"]["user_fields"] == ["email", "username"]
    assert login["attrs"]["remember_device"] == "days=30"
    assert (flow["id"], flow["identifiers"]) == ("avlint-pulled-flow", {"slug": "avlint-pulled-flow"})
    assert mfa["id"] == "avlint-pulled-mfa"
    assert mfa["attrs"]["configuration_stages"] == [
        (
            "!Find",
            [
                "authentik_stages_authenticator_totp.authenticatortotpstage",
                ["name", "default-authenticator-totp-setup"],
            ],
        )
    ]
    assert [b["identifiers"] for b in bindings] == [
        {
            "target": ("!KeyOf", "avlint-pulled-flow"),
            "stage": ("!KeyOf", "default-authentication-identification"),
            "order": 10,
        },
        {"target": ("!KeyOf", "avlint-pulled-flow"), "stage": ("!KeyOf", "avlint-pulled-mfa"), "order": 20},
        {
            "target": ("!KeyOf", "avlint-pulled-flow"),
            "stage": ("!KeyOf", "default-authentication-login"),
            "order": 100,
        },
    ]
    assert bindings[1]["attrs"]["invalid_response_action"] == "restart"
    assert bindings[1]["attrs"]["evaluate_on_plan"] is True
    # Stages placed in a flow's file are not written again on their own.
    assert not (out / "stage-avlint-pulled-mfa.yaml").exists()
    assert (out / "stage-avlint-standalone.yaml").exists()


def test_each_entry_notes_its_live_pk(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    build_custom_objects(fake_authentik)
    out = tmp_path / "out"
    assert pull(fake_authentik, out, "--with-flows").exit_code == 0
    state = fake_authentik.state
    flow = state.flow_by_slug("avlint-pulled-flow")
    bindings = sorted(state.bindings_of_flow(flow.pk), key=lambda b: b.order)
    expected = [flow.pk, *(b.stage for b in bindings), *(b.pk for b in bindings)]
    text = (out / "flow-avlint-pulled-flow.yaml").read_text(encoding="utf-8")
    default = state.flow_by_slug("default-authentication-flow")
    default_bindings = sorted(state.bindings_of_flow(default.pk), key=lambda b: b.order)
    policies = views_policies.tables(state)["policies"]
    policy_bindings = views_policies.tables(state)["policy_bindings"]
    default_expected = [
        default.pk,
        *policies,  # in the order they are bound: the password stage's, then the MFA stage's
        # identification and login are defined in the other flow's file (see above)
        stage_pk(fake_authentik, "default-authentication-password"),
        stage_pk(fake_authentik, "default-authentication-mfa-validation"),
        *(b.pk for b in default_bindings),
        *policy_bindings,
    ]
    default_text = (out / "flow-default-authentication-flow.yaml").read_text(encoding="utf-8")
    assert re.findall(r"^  identifiers:  # pk (\S+)$", default_text, re.M) == default_expected
    assert re.findall(r"^  identifiers:  # pk (\S+)$", text, re.M) == expected
    standalone = (out / "stage-avlint-standalone.yaml").read_text(encoding="utf-8")
    assert f"  identifiers:  # pk {stage_pk(fake_authentik, 'avlint-standalone')}\n" in standalone


def test_the_header_names_the_server_its_version_and_the_time(
    fake_authentik: FakeAuthentik, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = tmp_path / "out"
    assert pull(fake_authentik, out, "--with-flows", "--target-version", "2025.12").exit_code == 0
    first_line = f"# Pulled from {fake_authentik.url} (authentik 2025.12.4) at {EPOCH_TEXT} by avlint {__version__}."
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        assert text.splitlines()[0] == first_line, path.name
        assert fake_authentik.token not in text
    # Without SOURCE_DATE_EPOCH, the time is the time of the run.
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    before = datetime.now(UTC).replace(microsecond=0)
    assert pull(fake_authentik, tmp_path / "now", "--name", "lint-good-validate").exit_code == 0
    after = datetime.now(UTC)
    header = (tmp_path / "now" / "stage-lint-good-validate.yaml").read_text(encoding="utf-8").splitlines()[0]
    when = datetime.strptime(re.search(r" at (\S+) by ", header).group(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= when <= after


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:secret@auth.example.com:8443/sub/?token=abc#frag", "https://auth.example.com:8443/sub"),
        ("https://:secret@auth.example.com", "https://auth.example.com"),
        ("http://[::1]:9000", "http://[::1]:9000"),
        ("https://auth.example.com/", "https://auth.example.com"),
    ],
)
def test_the_header_url_carries_no_credentials(url: str, shown: str) -> None:
    assert public_url(url) == shown


def test_a_bad_source_date_epoch_is_refused(
    fake_authentik: FakeAuthentik, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    out = tmp_path / "out"
    result = pull(fake_authentik, out)
    assert result.exit_code == 2
    assert "SOURCE_DATE_EPOCH" in result.stderr and "Traceback" not in result.output
    assert not out.exists()


def test_golden_pull_of_the_seed_flow(
    fake_authentik: FakeAuthentik, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = tmp_path / "out"
    assert pull(fake_authentik, out, "--with-flows").exit_code == 0
    assert sorted(files_of(out)) == [
        "flow-default-authentication-flow.yaml",
        *(f"stage-{name}.yaml" for name in SEED_STAGES[1:]),
    ]
    # The fake listens on a new port each run.
    pulled = (out / "flow-default-authentication-flow.yaml").read_text(encoding="utf-8")
    pulled = pulled.replace(fake_authentik.url, "http://127.0.0.1:PORT").replace(f"avlint {__version__}.", "avlint X.")
    expected = GOLDEN / "flow-default-authentication-flow.yaml"
    if REGENERATE:
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_bytes(pulled.encode("utf-8"))
    assert pulled == expected.read_bytes().decode("utf-8")


def test_pull_output_is_stable(fake_authentik: FakeAuthentik, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    build_custom_objects(fake_authentik)
    first, second = tmp_path / "first", tmp_path / "second"
    assert pull(fake_authentik, first, "--with-flows").exit_code == 0
    assert pull(fake_authentik, second, "--with-flows").exit_code == 0
    assert files_of(first) == files_of(second)
    # Pulling again over the same folder replaces the files only with --force, with the same bytes.
    before = files_of(first)
    forced = pull(fake_authentik, first, "--with-flows", "--force")
    assert forced.exit_code == 0, forced.output
    assert sorted(forced.stdout.splitlines()) == sorted(f"replaced {first / name}" for name in before)
    assert files_of(first) == before
    assert not [p for p in first.iterdir() if p.name.startswith(".")]  # no temporary files left


# -- never overwrite silently ---------------------------------------------------------------------------
def test_existing_files_are_never_replaced_without_force(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "stage-lint-good-validate.yaml"
    mine.write_text("# written by hand\nversion: 1\n", encoding="utf-8")
    mine.chmod(0o600)
    result = pull(fake_authentik, out, "--all")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{mine}: error: exists" in result.stderr.splitlines()
    assert "nothing written" in result.stderr and "--force" in result.stderr
    # Refused before anything was written: not even the files that did not exist.
    assert list(files_of(out)) == [mine.name]
    assert mine.read_text(encoding="utf-8") == "# written by hand\nversion: 1\n"

    forced = pull(fake_authentik, out, "--all", "--force")
    assert forced.exit_code == 0, forced.output
    assert f"replaced {mine}" in forced.stdout.splitlines()
    assert sorted(line.split()[0] for line in forced.stdout.splitlines()) == ["replaced"] + ["wrote"] * 4
    assert load(mine)["entries"][0]["identifiers"] == {"name": "lint-good-validate"}
    assert stat.S_IMODE(mine.stat().st_mode) == 0o600  # replaced atomically, its mode kept
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_file_that_appears_after_the_check_is_not_overwritten(
    fake_authentik: FakeAuthentik, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program (or a second run) creates a file between pull's check for existing files
    and its write: that file is kept, reported, and the exit code says so."""
    from avlint import atomic_write

    out = tmp_path / "out"
    out.mkdir()
    theirs = out / "stage-lint-good-validate.yaml"
    original = atomic_write.write_file

    def racing_write(path: str, text: str, **options: bool) -> None:
        if path == str(theirs) and not theirs.exists():
            theirs.write_text("# written by someone else meanwhile\n", encoding="utf-8")
        original(path, text, **options)

    monkeypatch.setattr(atomic_write, "write_file", racing_write)
    result = pull(fake_authentik, out, "--all")
    assert result.exit_code != 0
    assert theirs.read_text(encoding="utf-8") == "# written by someone else meanwhile\n"
    assert f"{theirs}: error: a file of that name appeared" in result.stderr
    assert f"wrote {theirs}" not in result.stdout
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_folder_in_the_way_refuses_the_run_even_with_force(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "stage-lint-good-validate.yaml").mkdir(parents=True)
    result = pull(fake_authentik, out, "--all", "--force")
    assert result.exit_code == 2
    assert "a folder is in the way" in result.stderr
    assert [p.name for p in out.iterdir()] == ["stage-lint-good-validate.yaml"]


def test_a_symbolic_link_is_replaced_never_written_through(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "outside.yaml"
    outside.write_text("precious\n", encoding="utf-8")
    link = out / "stage-lint-good-validate.yaml"
    link.symlink_to(outside)
    refused = pull(fake_authentik, out, "--name", "lint-good-validate")
    assert refused.exit_code == 2 and link.is_symlink()
    forced = pull(fake_authentik, out, "--name", "lint-good-validate", "--force")
    assert forced.exit_code == 0, forced.output
    assert not link.is_symlink() and load(link)["entries"][0]["identifiers"] == {"name": "lint-good-validate"}
    assert outside.read_text(encoding="utf-8") == "precious\n"


def test_out_that_is_a_file_is_a_usage_error(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("not a folder\n", encoding="utf-8")
    result = pull(fake_authentik, out)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert out.read_text(encoding="utf-8") == "not a folder\n"


# -- names from the server ------------------------------------------------------------------------------
AWKWARD_NAMES = [
    ".",
    "..",
    "../../etc/x",
    "a/b",
    "a_b",
    "default-authentication-flow",  # the slug of the seed flow, whose file is pulled too
    "x" * 300,
    "Ünïcödé name",
    "Foo",
    "foo",
    "-rf",
    "con",
]


def test_awkward_stage_names_give_safe_unique_visible_files(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    for name in AWKWARD_NAMES:
        api(fake_authentik, "POST", "/stages/authenticator/validate/", {"name": name, "device_classes": ["totp"]})
    out = tmp_path / "out"
    result = pull(fake_authentik, out, "--with-flows")
    assert result.exit_code == 0, result.output
    names = sorted(files_of(out))
    expected_count = 1 + (len(SEED_STAGES) - 1) + len(AWKWARD_NAMES)  # the flow, the others, the new
    assert len(names) == expected_count
    assert sorted(tmp_path.iterdir()) == [out]  # nothing escaped --out
    for name in names:
        assert not name.startswith((".", "-")) and name.endswith(".yaml"), name
        assert len(name.encode("utf-8")) <= 255, name
    assert len({name.casefold() for name in names}) == len(names)
    # Stages and flows cannot collide: the flow file still holds the flow.
    assert load(out / "flow-default-authentication-flow.yaml")["entries"][0]["model"] == FLOW_MODEL
    assert load(out / "stage-default-authentication-flow.yaml")["entries"][0]["model"] == VALIDATE_MODEL
    # Every stage is in exactly one file; the run listed every file it wrote.
    pulled = sorted(
        e["identifiers"].get("name") for n in names for e in load(out / n)["entries"] if e["model"] == VALIDATE_MODEL
    )
    assert pulled == sorted([*SEED_STAGES, *AWKWARD_NAMES])
    assert sorted(result.stdout.splitlines()) == sorted(f"wrote {out / name}" for name in names)
    # The 300-character name is shortened, readable and keeps its extension.
    long_name = next(name for name in names if name.startswith("stage-xxx"))
    assert long_name.endswith(".yaml") and len(long_name.encode("utf-8")) <= 255
    # A later lint of the folder sees every file (a hidden one would be skipped).
    lint = invoke("lint", "--isolated", "--target-version", "2025.12", out)
    assert lint.exit_code == 0, lint.output
    assert f"{expected_count} files" in lint.output


def test_awkward_names_reimport_into_a_fresh_server(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    for name in ("../../etc/x", "a/b", "a_b", "x" * 300, "Ünïcödé name"):
        api(fake_authentik, "POST", "/stages/authenticator/validate/", {"name": name, "device_classes": ["totp"]})
    out = tmp_path / "out"
    assert pull(fake_authentik, out, "--with-flows").exit_code == 0
    with FakeAuthentik() as target:
        applied = invoke("apply", out, "--url", target.url, "--token", target.token, "--yes")
        assert applied.exit_code == 0, applied.output
        assert target.state.stage_named("x" * 300) is not None and target.state.stage_named("a/b") is not None
        diff = invoke("diff", out, "--url", target.url, "--token", target.token)
        assert diff.exit_code == 0, diff.output


def test_entry_ids_are_unique_within_a_flow_file(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    """Two stage names that give one id (`A B`, `a-b`), and a stage named as its flow's slug:
    each `!KeyOf` must still point at its own entry."""
    flow = api(
        fake_authentik,
        "POST",
        "/flows/instances/",
        {"name": "a-b", "slug": "a-b", "title": "a-b", "designation": "authentication"},
    )
    for order, name in enumerate(("A B", "a-b"), start=1):
        stage = api(
            fake_authentik, "POST", "/stages/authenticator/validate/", {"name": name, "device_classes": ["totp"]}
        )
        api(fake_authentik, "POST", "/flows/bindings/", {"target": flow["pk"], "stage": stage["pk"], "order": order})
    out = tmp_path / "out"
    assert pull(fake_authentik, out, "--with-flows").exit_code == 0
    entries = load(out / "flow-a-b.yaml")["entries"]
    ids = [e.get("id") for e in entries if "id" in e]
    assert len(ids) == 3 and len(set(ids)) == 3
    by_id = {e["id"]: e for e in entries if "id" in e}
    bound = [by_id[e["identifiers"]["stage"][1]]["identifiers"]["name"] for e in entries if e["model"] == BINDING_MODEL]
    assert bound == ["A B", "a-b"]
    with FakeAuthentik() as target:
        assert invoke("apply", out, "--url", target.url, "--token", target.token, "--yes").exit_code == 0
        diff = invoke("diff", out, "--url", target.url, "--token", target.token)
        assert diff.exit_code == 0, diff.output


_NAME_PARTS = st.sampled_from(["/", "\\", ".", "..", "~", "A", "a", "ß", "ss", "é", "e\u0301", "CON", " ", "\x00", "ǅ"])
_NAMES = st.lists(st.text(max_size=40) | _NAME_PARTS, max_size=12).map("".join) | st.text(min_size=200, max_size=400)


def _views(name: str) -> tuple[str, ...]:
    """How file systems that ignore case or normalisation may see a name (APFS, NTFS, ext4 casefold)."""
    return (
        name,
        name.casefold(),
        unicodedata.normalize("NFD", name).casefold(),
        unicodedata.normalize("NFKC", name.casefold()),
    )


def _variants(label: str) -> set[str]:
    """*label* and the names a case- or normalisation-blind file system would confuse with it."""
    return {
        label,
        label.upper(),
        label.lower(),
        label.swapcase(),
        unicodedata.normalize("NFD", label),
        unicodedata.normalize("NFC", label),
    }


@settings(max_examples=300, deadline=None)
@given(st.lists(_NAMES, max_size=12))
def test_generated_names_give_unique_visible_short_files_inside_out(bases: list[str]) -> None:
    labels = sorted({(kind, variant) for base in bases for variant in _variants(base) for kind in ("flow", "stage")})
    names = [file_name(kind, label) for kind, label in labels]
    assert [file_name(kind, label) for kind, label in labels] == names  # the same every run
    for view in range(4):
        assert len({_views(name)[view] for name in names}) == len(names), view
    out = "/srv/pulled"
    for name in names:
        assert not name.startswith(".") and name.endswith(".yaml"), name
        assert len(name.encode("utf-8")) <= 255, name
        assert "/" not in name and "\\" not in name and "\x00" not in name, name
        assert os.path.dirname(os.path.normpath(os.path.join(out, name))) == out, name


# -- options ------------------------------------------------------------------------------------------
def test_name_pulls_one_stage(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = pull(fake_authentik, out, "--name", "lint-good-validate")
    assert result.exit_code == 0, result.output
    assert list(files_of(out)) == ["stage-lint-good-validate.yaml"]
    assert load(out / "stage-lint-good-validate.yaml")["entries"][0]["identifiers"] == {"name": "lint-good-validate"}


def test_name_of_no_stage_is_an_error(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = pull(fake_authentik, out, "--name", "no-such-stage")
    assert result.exit_code == 1
    assert "no validation stage named 'no-such-stage'" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []
    both = pull(fake_authentik, out, "--name", "lint-good-validate", "--all")
    assert both.exit_code == 2
    assert "exclude each other" in both.output


def test_pull_asks_the_server_its_version_unless_told(
    fake_authentik: FakeAuthentik, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # the two pulls compared may fall in different seconds
    assert pull(fake_authentik, tmp_path / "a").exit_code == 0
    assert len([r for r in fake_authentik.requests if r.path == VERSION]) == 1
    fake_authentik.requests.clear()
    # Told the version, pull still asks once (the connection check), and writes the same files.
    assert pull(fake_authentik, tmp_path / "b", "--target-version", "2025.12").exit_code == 0
    assert len([r for r in fake_authentik.requests if r.path == VERSION]) == 1
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")
    bad = pull(fake_authentik, tmp_path / "c", "--target-version", "1999.1")
    assert bad.exit_code == 2
    assert "not a release avlint knows" in bad.stderr


def test_pull_reports_server_errors_and_writes_nothing(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    fake_authentik.set_limited_permissions("none")
    out = tmp_path / "out"
    result = invoke(
        "pull",
        "--url",
        fake_authentik.url,
        "--token",
        fake_authentik.limited_token,
        "--out",
        out,
        "--target-version",
        "2025.12",
    )
    assert result.exit_code == 2
    assert "lacks permission" in result.stderr
    assert not out.exists()


# -- re-import -------------------------------------------------------------------------------------------
def test_pulled_files_reimport_into_a_fresh_server(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    source = fake_authentik
    build_custom_objects(source)
    out = tmp_path / "out"
    assert pull(source, out, "--with-flows").exit_code == 0
    assert invoke("diff", out, "--url", source.url, "--token", source.token).exit_code == 0  # true to the source

    with FakeAuthentik() as target:
        server = ["--url", target.url, "--token", target.token]
        applied = invoke("apply", out, *server, "--yes")
        assert applied.exit_code == 0, applied.output
        # a fresh server lacks the source's four hand-made stages (lint-good-validate edited among them)
        assert "Applied: 10 created, 0 updated, 0 deleted, 0 failed" in applied.stdout
        diff = invoke("diff", out, *server, "--format", "json")
        assert diff.exit_code == 0, diff.output
        document = json.loads(diff.stdout)
        assert {obj["action"] for obj in document["objects"]} == {"in-sync"}
        names = {obj["name"] for obj in document["objects"]}
        assert {"avlint-pulled-flow", "avlint-pulled-mfa", "avlint-standalone", "lint-good-validate"} <= names
        # The target now holds the same things, pointing at its own objects.
        mfa = target.state.stage_named("avlint-pulled-mfa")
        assert mfa.fields["configuration_stages"] == [stage_pk(target, "default-authenticator-totp-setup")]
        assert mfa.fields["last_auth_threshold"] == "hours=12"
        flow = target.state.flow_by_slug("avlint-pulled-flow")
        bound = sorted(
            (b.order, target.state.stages[b.stage].name, b.invalid_response_action)
            for b in target.state.bindings_of_flow(flow.pk)
        )
        assert bound == [
            (10, "default-authentication-identification", "retry"),
            (20, "avlint-pulled-mfa", "restart"),
            (100, "default-authentication-login", "retry"),
        ]
        assert target.state.stage_named("lint-good-validate").fields["last_auth_threshold"] == "minutes=30"
        # A second apply has nothing left to do.
        target.requests.clear()
        again = invoke("apply", out, *server, "--yes")
        assert again.exit_code == 0
        assert [r for r in target.requests if r.method != "GET"] == []


def test_a_stage_shared_by_two_flows_reimports_in_one_run(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    """A validation stage bound in two flows: the pulled folder must apply cleanly to a fresh
    server in one run (the stage created once, both flows bound to it)."""
    shared = api(
        fake_authentik, "POST", "/stages/authenticator/validate/", {"name": "shared-mfa", "device_classes": ["totp"]}
    )
    for slug in ("flow-one", "flow-two"):
        flow = api(
            fake_authentik,
            "POST",
            "/flows/instances/",
            {"name": slug, "slug": slug, "title": slug, "designation": "authentication"},
        )
        api(fake_authentik, "POST", "/flows/bindings/", {"target": flow["pk"], "stage": shared["pk"], "order": 10})
    out = tmp_path / "out"
    assert pull(fake_authentik, out, "--with-flows").exit_code == 0
    with FakeAuthentik() as target:
        applied = invoke("apply", out, "--url", target.url, "--token", target.token, "--yes")
        assert applied.exit_code == 0, applied.output
        assert [s.name for s in target.state.stages.values()].count("shared-mfa") == 1
        diff = invoke("diff", out, "--url", target.url, "--token", target.token)
        assert diff.exit_code == 0, diff.output


def test_the_readme_naming_examples_are_what_pull_writes() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| (flow|stage) `([^`]+)`(?: \(and `([^`]+)`\))? \| `([^`]+)`(?: \(and `([^`]+)`\))? \|$", readme, re.M
    )
    assert len(rows) == 5
    for kind, label, other_label, name, other_name in rows:
        assert file_name(kind, label) == name
        if other_label:
            assert file_name(kind, other_label) == other_name


def test_an_out_folder_that_cannot_be_created_is_one_clear_error(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    out = tmp_path / "file" / "out"
    result = pull(fake_authentik, out, "--all")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"avlint: error: cannot create --out {out}: Not a directory"]
    assert result.stdout == ""


def test_server_values_in_comments_cannot_act_as_directives() -> None:
    """The version and the pks come from the server; in a comment, `avlint: disable-file` would
    switch off the lint that checks the pulled file."""
    from avlint.blueprint import VALIDATE_STAGE
    from avlint.live.pull import Origin, pull_files
    from avlint.live.state import LiveState

    sneaky = "1 # avlint: disable-file"
    stage = {"pk": sneaky, "name": "n", "device_classes": ["totp"], "not_configured_action": "skip"}
    origin = Origin("https://auth.example.com", f"2025.12.4\nversion: 2 {sneaky}", datetime(2026, 1, 1, tzinfo=UTC))
    (pulled,) = pull_files(LiveState(objects={VALIDATE_STAGE: [stage]}), RELEASE, False, origin)
    assert "avlint:" not in pulled.text
    assert pulled.text.splitlines()[0].startswith("# Pulled from https://auth.example.com (authentik ?) at ")
    assert "  identifiers:  # pk ?\n" in pulled.text
    assert yaml.safe_load(pulled.text)["version"] == 1


def test_the_token_reaches_neither_a_file_nor_its_name(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    leaky = f"leak-{fake_authentik.token}"
    api(fake_authentik, "POST", "/stages/authenticator/validate/", {"name": leaky, "device_classes": ["totp"]})
    out = tmp_path / "out"
    result = pull(fake_authentik, out, "--all")
    assert result.exit_code == 0, result.output
    assert fake_authentik.token not in result.output
    for path in out.iterdir():
        assert fake_authentik.token not in path.name
        assert fake_authentik.token not in path.read_text(encoding="utf-8")
    assert any(path.name.startswith("stage-leak~") for path in out.iterdir())
