"""`avlint pull`: live validation stages (and their flows) as blueprint files that lint clean,
hold no read-only fields and no raw pks, come out byte-identical every time, and re-import:
pulled from one fake authentik, applied to a second, fresh one, they show no drift there.

The golden pull of the seed's default-authentication-flow lives in tests/golden/live/pull/;
regenerate with `AVLINT_REGENERATE_GOLDEN=1 python3 -m pytest tests/test_pull.py -k golden`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from avlint.cli import cli
from avlint.engine import lint_text
from avlint.settings import Settings
from avlint.spec import model_spec
from avlint.versions import resolve_release
from tests.fake_authentik import FakeAuthentik
from tests.fake_authentik.http import Request

GOLDEN = Path(__file__).resolve().parent / "golden" / "live" / "pull"
REGENERATE = os.environ.get("AVLINT_REGENERATE_GOLDEN") == "1"
RELEASE = resolve_release("2025.12")
VALIDATE_MODEL = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
FLOW_MODEL = "authentik_flows.flow"
BINDING_MODEL = "authentik_flows.flowstagebinding"
VERSION = "/api/v3/admin/version/"
SEED_STAGES = [
    "default-authentication-mfa-validation",
    "lint-api-applied-validate",
    "lint-bp-good-validate",
    "lint-good-validate",
    "probe-1795445869",
]
TOTP_SETUP_PK = "08e2f220-9a7f-40de-a915-8f5fbf95c4e3"
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
@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AUTHENTIK_URL", "AUTHENTIK_TOKEN", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


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
    assert sorted(files_of(out)) == [f"{name}.yaml" for name in SEED_STAGES]
    assert sorted(result.stdout.splitlines()) == [f"wrote {out / name}.yaml" for name in SEED_STAGES]
    assert result.stderr == ""
    document = load(out / "lint-bp-good-validate.yaml")
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
    assert seen_models == {VALIDATE_MODEL, FLOW_MODEL, BINDING_MODEL}


def test_references_are_keyof_or_find_never_raw_pks(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    build_custom_objects(fake_authentik)
    out = tmp_path / "out"
    assert pull(fake_authentik, out, "--with-flows").exit_code == 0
    pks = all_pks(fake_authentik)
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not set(UUID.findall(text)) & pks, path.name
    document = load(out / "avlint-pulled-flow.yaml")
    entries = document["entries"]
    assert [e["model"] for e in entries] == [FLOW_MODEL, VALIDATE_MODEL, BINDING_MODEL, BINDING_MODEL, BINDING_MODEL]
    flow, mfa, *bindings = entries
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
            "stage": (
                "!Find",
                [
                    "authentik_stages_identification.identificationstage",
                    ["name", "default-authentication-identification"],
                ],
            ),
            "order": 10,
        },
        {"target": ("!KeyOf", "avlint-pulled-flow"), "stage": ("!KeyOf", "avlint-pulled-mfa"), "order": 20},
        {
            "target": ("!KeyOf", "avlint-pulled-flow"),
            "stage": (
                "!Find",
                ["authentik_stages_user_login.userloginstage", ["name", "default-authentication-login"]],
            ),
            "order": 100,
        },
    ]
    assert bindings[1]["attrs"]["invalid_response_action"] == "restart"
    assert bindings[1]["attrs"]["evaluate_on_plan"] is True
    # Stages placed in a flow's file are not written again on their own.
    assert not (out / "avlint-pulled-mfa.yaml").exists()
    assert (out / "avlint-standalone.yaml").exists()


def test_golden_pull_of_the_seed_flow(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert pull(fake_authentik, out, "--with-flows").exit_code == 0
    assert sorted(files_of(out)) == ["default-authentication-flow.yaml", *(f"{name}.yaml" for name in SEED_STAGES[1:])]
    expected = GOLDEN / "default-authentication-flow.yaml"
    if REGENERATE:
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_bytes((out / "default-authentication-flow.yaml").read_bytes())
    assert (out / "default-authentication-flow.yaml").read_bytes() == expected.read_bytes()


def test_pull_output_is_stable(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    build_custom_objects(fake_authentik)
    first, second = tmp_path / "first", tmp_path / "second"
    assert pull(fake_authentik, first, "--with-flows").exit_code == 0
    assert pull(fake_authentik, second, "--with-flows").exit_code == 0
    assert files_of(first) == files_of(second)
    # Pulling again over the same folder rewrites the same bytes.
    before = files_of(first)
    assert pull(fake_authentik, first, "--with-flows").exit_code == 0
    assert files_of(first) == before
    assert not [p for p in first.iterdir() if p.name.startswith(".")]  # no temporary files left


# -- options ------------------------------------------------------------------------------------------
def test_name_pulls_one_stage(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = pull(fake_authentik, out, "--name", "lint-good-validate")
    assert result.exit_code == 0, result.output
    assert list(files_of(out)) == ["lint-good-validate.yaml"]
    assert load(out / "lint-good-validate.yaml")["entries"][0]["identifiers"] == {"name": "lint-good-validate"}


def test_name_of_no_stage_is_an_error(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = pull(fake_authentik, out, "--name", "no-such-stage")
    assert result.exit_code == 1
    assert "no validation stage named 'no-such-stage'" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []
    both = pull(fake_authentik, out, "--name", "lint-good-validate", "--all")
    assert both.exit_code == 2
    assert "exclude each other" in both.output


def test_pull_asks_the_server_its_version_unless_told(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
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
        assert "Applied: 6 created, 1 updated, 0 deleted, 0 failed" in applied.stdout
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
