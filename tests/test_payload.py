"""`avlint payload`: create bodies built offline, tags resolved, validated before they are written.

Golden cases live in tests/golden/payload/: `<case>.input.yaml` (or `.input.json`) gives the
files in `<case>.expected/`, one `<model>-<name>.json` per object, compared byte for byte.
`<case>.to` holds the target version when it is not 2026.5; the options of a case (environment,
--context, --all-models, --allow-unresolved) are in CASE_OPTIONS below. The outputs were generated
with the tool and then read and checked by hand against authentik's API. To rewrite them from
the tool's current output:

    AVLINT_REGENERATE_GOLDEN=1 python3 -m pytest tests/test_payload.py -k golden

and then review `git diff tests/golden/payload` before committing anything.

The bodies are also POSTed to the fake authentik 2025.12.4 server (the `fake_authentik` fixture
of tests/conftest.py), which must answer 201 to every body avlint writes and 400 to the bodies it
refuses.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from avlint.cli import cli
from avlint.loader.yaml_nodes import compose
from avlint.migrate.command import migrate_text
from avlint.payload.build import PayloadOptions, build_payloads
from avlint.payload.command import PayloadRequest, run_payload
from avlint.payload.resolve import ResolveError, Resolver, Unresolved
from avlint.settings import Settings
from avlint.settings_options import SettingsOptions
from avlint.versions import resolve_release
from tests.conftest import DATA

GOLDEN = Path(__file__).resolve().parent / "golden" / "payload"
REGENERATE = os.environ.get("AVLINT_REGENERATE_GOLDEN") == "1"
EXPORT = DATA / "exports" / "default-authentication-flow.yaml"
DEFAULT_TARGET = "2026.5"
VALIDATE = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
FLOW = "authentik_flows.flow"
BINDING = "authentik_flows.flowstagebinding"

CASE_OPTIONS: dict[str, dict[str, Any]] = {
    "offline_tags": {
        "all_models": True,
        "environ": {"AK_TENANT": "acme", "AK_EMPTY": ""},
        "context": ("threshold=hours=6",),
    },
    "export_default_authentication_flow": {},
    "unresolved_allowed": {"allow_unresolved": True},
}

# Writable request fields per release line (authentik-facts §1.6, §3.1, §3.2).
_STAGE_2022_1 = {"name", "flow_set", "not_configured_action", "device_classes", "configuration_stage"}
_STAGE_2025_10 = {
    "name",
    "flow_set",
    "not_configured_action",
    "device_classes",
    "configuration_stages",
    "last_auth_threshold",
    "webauthn_user_verification",
    "webauthn_allowed_device_types",
}
_STAGE_2026_5 = (_STAGE_2025_10 - {"flow_set"}) | {
    "webauthn_hints",
    "email_otp_throttling_factor",
    "sms_otp_throttling_factor",
    "totp_otp_throttling_factor",
    "static_otp_throttling_factor",
}
WRITABLE = {
    ("2022.1", VALIDATE): _STAGE_2022_1,
    ("2025.10", VALIDATE): _STAGE_2025_10,
    ("2026.5", VALIDATE): _STAGE_2026_5,
    ("2026.5", FLOW): {
        "name",
        "slug",
        "title",
        "designation",
        "background",
        "policy_engine_mode",
        "compatibility_mode",
        "layout",
        "denied_action",
        "authentication",
    },
    ("2026.5", BINDING): {
        "target",
        "stage",
        "evaluate_on_plan",
        "re_evaluate_policies",
        "order",
        "policy_engine_mode",
        "invalid_response_action",
    },
}
SHORT = {VALIDATE: "authenticatorvalidatestage", FLOW: "flow", BINDING: "flowstagebinding"}
ENDPOINTS = {
    VALIDATE: "/api/v3/stages/authenticator/validate/",
    FLOW: "/api/v3/flows/instances/",
    BINDING: "/api/v3/flows/bindings/",
}


# ---------------------------------------------------------------------------------------------
# helpers


def read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def settings(target: str = DEFAULT_TARGET) -> Settings:
    return Settings(release=resolve_release(target))


def payloads(text: str, target: str = DEFAULT_TARGET, path: str = "blueprint.yaml", **options: Any):
    options.setdefault("environ", {})
    return build_payloads(path, text, settings(target), PayloadOptions(**options))


def one(text: str, target: str = DEFAULT_TARGET, **options: Any):
    found = payloads(text, target, **options)
    assert len(found) == 1, found
    return found[0]


def run(
    paths: list[Path], target: str = DEFAULT_TARGET, out_dir: Path | None = None, **options: Any
) -> tuple[int, str, str]:
    options.setdefault("environ", {})
    out, err = io.StringIO(), io.StringIO()
    request = PayloadRequest(
        tuple(str(p) for p in paths),
        SettingsOptions(target_version=target, isolated=True),
        out_dir=str(out_dir) if out_dir else None,
        **options,
    )
    code = run_payload(request, out, err, cwd=Path.cwd())
    return code, out.getvalue(), err.getvalue()


def invoke(*args: str, env: dict[str, str | None] | None = None):
    return CliRunner().invoke(cli, ["payload", "--isolated", *args], env=env)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def resolve(text: str, **resolver: Any) -> Any:
    """Resolve one YAML value (the text after `v: `) with a fresh Resolver."""
    root = compose(f"v: {text}\n")
    assert root is not None
    instance = Resolver(**{"environ": {}, **resolver})
    value = instance.resolve(root.value[0][1])
    resolve.unresolved = instance.unresolved  # type: ignore[attr-defined]
    return value


def stage(attrs: str, name: str = "mfa", extra: str = "") -> str:
    """A blueprint with one validation stage; `attrs` is indented YAML for its attrs."""
    body = "\n".join(f"      {line}" for line in attrs.strip("\n").splitlines())
    return f"version: 1\n{extra}entries:\n  - model: {VALIDATE}\n    identifiers:\n      name: {name}\n    attrs:\n{body}\n"


# ---------------------------------------------------------------------------------------------
# golden files


def golden_inputs() -> list[Path]:
    return sorted(p for p in GOLDEN.iterdir() if ".input." in p.name)


def case_name(path: Path) -> str:
    return path.name.split(".input.")[0]


def case_target(case: str) -> str:
    to = GOLDEN / f"{case}.to"
    return read_text(to).strip() if to.exists() else DEFAULT_TARGET


def expected_dir(case: str) -> Path:
    return GOLDEN / f"{case}.expected"


CASES = golden_inputs()
CASE_IDS = [case_name(p) for p in CASES]


def _regenerate(path: Path, produced: Path) -> None:
    target = expected_dir(case_name(path))
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(produced, target)


@pytest.mark.parametrize("path", CASES, ids=CASE_IDS)
def test_golden_payloads(path: Path, tmp_path: Path) -> None:
    case = case_name(path)
    out_dir = tmp_path / "out"
    code, out, err = run([path], case_target(case), out_dir, **CASE_OPTIONS.get(case, {}))
    if REGENERATE:
        _regenerate(path, out_dir)
    assert code == 0, err
    assert out == ""
    expected = {p.name: read_text(p) for p in expected_dir(case).iterdir()}
    produced = {p.name: read_text(p) for p in out_dir.iterdir()}
    assert sorted(produced) == sorted(expected)
    for name, text in expected.items():
        assert produced[name] == text, f"{name}:\n{produced[name]}"
    assert err.endswith(f"{len(expected)} payload{'s' if len(expected) != 1 else ''} written, 0 refused.\n")


@pytest.mark.parametrize("path", CASES, ids=CASE_IDS)
def test_golden_json_lines_match_the_files(path: Path) -> None:
    case = case_name(path)
    code, out, _ = run([path], case_target(case), **CASE_OPTIONS.get(case, {}))
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    expected = {p.name: json.loads(read_text(p)) for p in expected_dir(case).iterdir()}
    assert len(lines) == len(expected)
    for line in lines:
        # Each record says where it comes from and where it goes.
        assert set(line) == {"path", "line", "model", "endpoint", "name", "body"}
        assert line["path"] == str(path)
        assert ENDPOINTS[line["model"]] == line["endpoint"]
        assert line["body"] == expected[f"{case}.input.{SHORT[line['model']]}-{line['name']}.json"]


@pytest.mark.parametrize("path", CASES, ids=CASE_IDS)
def test_golden_bodies_hold_only_writable_fields(path: Path) -> None:
    case = case_name(path)
    target = case_target(case)
    for file in expected_dir(case).iterdir():
        own = file.name.removeprefix(f"{case}.input.")  # files are named after their source file first
        model = next(m for m, short in SHORT.items() if own.startswith(short + "-"))
        body = json.loads(read_text(file))
        assert "pk" not in body
        assert set(body) <= WRITABLE[(target, model)], f"{file.name}: {sorted(set(body) - WRITABLE[(target, model)])}"
        if model == VALIDATE:
            assert body.get("name")
            if body.get("not_configured_action") == "configure":
                assert body.get("configuration_stages") or body.get("configuration_stage")
        if model == BINDING:
            assert body.get("evaluate_on_plan", False) or body.get("re_evaluate_policies", True)


def test_golden_folder_is_complete() -> None:
    assert len(CASES) >= 7
    inputs = {case_name(p) for p in CASES}
    for path in GOLDEN.iterdir():
        case, _, kind = path.name.partition(".")
        assert case in inputs, f"stray golden file {path.name}"
        assert kind in ("input.yaml", "input.json", "to", "expected"), path.name
    for case in inputs:
        assert expected_dir(case).is_dir() and any(expected_dir(case).iterdir()), case
    assert set(CASE_OPTIONS) <= inputs
    assert read_text(GOLDEN / "export_default_authentication_flow.input.yaml") == read_text(EXPORT)


def test_command_line_writes_the_same_files(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    result = invoke(
        str(GOLDEN / "offline_tags.input.yaml"),
        "--all-models",
        "--context",
        "threshold=hours=6",
        "--out",
        str(out_dir),
        env={"AK_TENANT": "acme", "AK_EMPTY": "", "AK_UNSET": None},
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == "6 payloads written, 0 refused.\n"
    for expected in expected_dir("offline_tags").iterdir():
        assert read_text(out_dir / expected.name) == read_text(expected)


# ---------------------------------------------------------------------------------------------
# the importer's view: identifiers, writable fields, fixes


def test_identifiers_win_and_pk_is_not_written() -> None:
    payload = one(read_text(GOLDEN / "fixes_applied.input.yaml"))
    assert payload.body["name"] == "mfa-validate"
    assert "pk" not in payload.body
    assert {"component", "verbose_name", "flow_set", "configuration_stage"}.isdisjoint(payload.body)
    assert payload.body["device_classes"] == ["totp", "webauthn"]  # duplicate removed
    assert payload.body["configuration_stages"] == ["9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c"]
    assert payload.body["last_auth_threshold"] == "hours=1"  # `!Env NAME, default` fixed to the sequence form


def test_only_validation_stages_without_all_models() -> None:
    found = payloads(read_text(EXPORT))
    assert [(p.model, p.name) for p in found] == [(VALIDATE, "default-authentication-mfa-validation")]
    everything = payloads(read_text(EXPORT), all_models=True)
    assert [p.model for p in everything] == [FLOW, VALIDATE, BINDING, BINDING, BINDING, BINDING]


def test_migrated_export_gives_the_same_payloads() -> None:
    """pks turned into !KeyOf by `avlint migrate` give the same bodies, and the same references
    stay unresolved: the flow and the stage the bindings name are created by the same run."""
    original = payloads(read_text(EXPORT), all_models=True)
    migrated_text = migrate_text(
        "export.yaml", read_text(EXPORT), settings("2025.12"), resolve_release("2025.12"), {}
    ).text
    migrated = payloads(migrated_text, all_models=True)
    assert [(p.model, p.name, p.body) for p in migrated] == [(p.model, p.name, p.body) for p in original]
    assert [len(p.unresolved) for p in migrated] == [len(p.unresolved) for p in original] == [0, 0, 1, 1, 2, 1]
    assert [m.tag for p in original for m in p.unresolved] == ["pk"] * 5
    assert [m.tag for p in migrated for m in p.unresolved] == ["!KeyOf"] * 5


@pytest.mark.parametrize(
    ("target", "present", "absent"),
    [
        (
            "2022.1",
            {"configuration_stage", "flow_set"},
            {"configuration_stages", "last_auth_threshold", "webauthn_user_verification", "webauthn_hints"},
        ),
        (
            "2022.5",
            {"configuration_stages", "flow_set", "last_auth_threshold"},
            {"webauthn_user_verification", "webauthn_hints"},
        ),
        (
            "2025.10",
            {"configuration_stages", "flow_set", "webauthn_user_verification"},
            {"webauthn_hints", "email_otp_throttling_factor"},
        ),
        (
            "2025.12",
            {"configuration_stages", "webauthn_user_verification"},
            {"flow_set", "webauthn_hints", "email_otp_throttling_factor"},
        ),
        (
            "2026.2",
            {"configuration_stages", "webauthn_user_verification"},
            {"flow_set", "webauthn_hints", "email_otp_throttling_factor"},
        ),
        (
            "2026.5",
            {"configuration_stages", "webauthn_hints", "email_otp_throttling_factor"},
            {"flow_set", "configuration_stage"},
        ),
    ],
)
def test_body_fields_follow_the_target_version(target: str, present: set[str], absent: set[str]) -> None:
    text = stage(
        """
not_configured_action: deny
configuration_stages: [9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c]
device_classes: [totp]
last_auth_threshold: hours=1
webauthn_user_verification: required
webauthn_hints: [hybrid]
email_otp_throttling_factor: 2
flow_set: []
"""
    )
    if target == "2022.1":
        text = text.replace(
            "configuration_stages: [9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c]",
            "configuration_stage: 9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c",
        )
    payload = one(text, target)
    assert payload.valid, payload.problems
    assert present <= set(payload.body), sorted(payload.body)
    assert absent.isdisjoint(payload.body), sorted(payload.body)


def test_flow_set_less_body_stays_flow_set_less_at_2025_10() -> None:
    payload = one(stage("device_classes: [totp]"), "2025.10")
    assert payload.body == {"device_classes": ["totp"], "name": "mfa"}


# ---------------------------------------------------------------------------------------------
# validation before writing


@pytest.mark.parametrize(
    ("attrs", "rule"),
    [
        ("device_classes: []", "AV"),
        ("not_configured_action: configure", "AV301"),
        ("last_auth_threshold: hours = 1", "AV"),
        ("device_classes: [yubikey]", "AV"),
    ],
    ids=["empty-device-classes", "configure-without-stages", "bad-threshold", "bad-device-class"],
)
def test_rejected_body_is_not_written(tmp_path: Path, attrs: str, rule: str) -> None:
    path = write(tmp_path, "bad.yaml", stage(attrs))
    out_dir = tmp_path / "out"
    code, _out, err = run([path], out_dir=out_dir)
    assert code == 1
    assert not out_dir.exists() or list(out_dir.iterdir()) == []
    assert f"{path}:3: {VALIDATE} 'mfa': authentik would reject it: [{rule}" in err
    assert f"{path}:3: {VALIDATE} 'mfa': not written\n" in err
    assert err.endswith("0 payloads written, 1 refused.\n")


def test_binding_with_both_evaluations_off_is_rejected_from_2023_3() -> None:
    text = """\
version: 1
entries:
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: 2a841ebe-d5a2-4341-9a77-935409b6a3e5
      stage: 0f8a4b41-0608-487d-82d3-6c2e8eb7738e
      order: 10
    attrs:
      evaluate_on_plan: false
      re_evaluate_policies: false
"""
    assert one(text, "2023.2", all_models=True).valid
    rejected = one(text, "2023.3", all_models=True)
    assert not rejected.valid
    assert rejected.body == {
        "evaluate_on_plan": False,
        "re_evaluate_policies": False,
        "target": "2a841ebe-d5a2-4341-9a77-935409b6a3e5",
        "stage": "0f8a4b41-0608-487d-82d3-6c2e8eb7738e",
        "order": 10,
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!ParseJSON '[\"totp\"'", "line 7, column 23: [AV113 tag-arguments] !ParseJSON holds invalid JSON"),
        ("!AtIndex [[totp], 3]", "line 7, column 23: !AtIndex"),
        ("!AtIndex [{a: [totp]}, b]", "line 7, column 23: !AtIndex"),
        ("[!Format ['%s-%s', totp]]", "line 7, column 24: !Format fails"),
        (
            "!Enumerate [[totp], SEQ, !Value 1]",
            "line 7, column 48: [AV113 tag-arguments] !Value 1 is inside only 1 !Enumerate",
        ),
    ],
    ids=["parsejson", "atindex-list", "atindex-dict", "format", "value-depth"],
)
def test_tag_that_fails_on_the_server_too_stops_the_payload(tmp_path: Path, value: str, message: str) -> None:
    path = write(tmp_path, "bad.yaml", stage(f"device_classes: {value}"))
    code, out, err = run([path])
    assert code == 1
    assert out == ""
    assert f"{path}:3: {VALIDATE} 'mfa': not written: {message}" in err


# ---------------------------------------------------------------------------------------------
# references that need a server


UNRESOLVED = """\
version: 1
entries:
  - model: authentik_stages_authenticator_totp.authenticatortotpstage
    id: totp
    identifiers:
      name: totp-setup
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      not_configured_action: deny
      configuration_stages:
        - !Find [authentik_stages_authenticator_static.authenticatorstaticstage, [name, static]]
        - !KeyOf totp
        - !FindObject [authentik_stages_authenticator_sms.authenticatorsmsstage, [name, sms]]
      last_auth_threshold: !File [/run/secrets/threshold, hours=1]
"""


def test_unresolved_references_are_listed_and_the_payload_is_not_written(tmp_path: Path) -> None:
    path = write(tmp_path, "unresolved.yaml", UNRESOLVED)
    out_dir = tmp_path / "out"
    code, _out, err = run([path], out_dir=out_dir)
    assert code == 1
    assert not out_dir.exists() or list(out_dir.iterdir()) == []
    assert f"{path}:13:11: unresolved !Find: looks the object up on the server\n" in err
    assert f"{path}:14:11: unresolved !KeyOf: entry 'totp' has no pk in the file" in err
    assert f"{path}:15:11: unresolved !FindObject:" in err
    assert f"{path}:16:28: unresolved !File: reads a file on the authentik server\n" in err
    assert (
        f"{path}:7: {VALIDATE} 'mfa': not written: 4 unresolved reference(s) (use --allow-unresolved to write it without them)\n"
        in err
    )
    assert err.endswith("0 payloads written, 1 refused.\n")


def test_allow_unresolved_writes_the_payload_without_them(tmp_path: Path) -> None:
    path = write(tmp_path, "unresolved.yaml", UNRESOLVED)
    out_dir = tmp_path / "out"
    code, _out, err = run([path], out_dir=out_dir, allow_unresolved=True)
    assert code == 0, err
    assert err.count("unresolved !") == 4
    assert "not written" not in err
    assert json.loads(read_text(out_dir / "unresolved.authenticatorvalidatestage-mfa.json")) == {
        "not_configured_action": "deny",
        "configuration_stages": [],
        "name": "mfa",
    }


def test_keyof_to_an_entry_with_a_pk_resolves_offline() -> None:
    text = """\
version: 1
entries:
  - model: authentik_stages_authenticator_totp.authenticatortotpstage
    id: totp
    identifiers:
      pk: 9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c
      name: totp-setup
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      not_configured_action: configure
      configuration_stages: [!KeyOf totp]
"""
    payload = one(text)
    assert payload.valid and payload.unresolved == []
    assert payload.body["configuration_stages"] == ["9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c"]


def test_context_value_that_needs_a_server_is_unresolved(tmp_path: Path) -> None:
    """A `!Context` whose value is a `!Find` cannot be resolved offline either."""
    text = stage(
        """
not_configured_action: deny
configuration_stages: [!Context setup]
""",
        extra="context:\n  setup: !Find [authentik_stages_authenticator_totp.authenticatortotpstage, [name, totp]]\n",
    )
    payload = one(text)
    assert [marker.tag for marker in payload.unresolved] == ["!Find"]
    path = write(tmp_path, "context.yaml", text)
    code, _, err = run([path])
    assert code == 1
    assert "unresolved !Find" in err and "not written" in err


# ---------------------------------------------------------------------------------------------
# !Env, !Context and their sources


ENV_STAGE = stage(
    """
not_configured_action: deny
last_auth_threshold: !Env [AK_THRESHOLD, hours=1]
device_classes: [!Env [AK_CLASS, totp]]
""",
    name="!Format [mfa-%s, !Env [AK_TENANT, default]]",
)


def threshold(payload) -> str:
    return payload.body["last_auth_threshold"]


def test_env_from_the_environment() -> None:
    assert threshold(one(ENV_STAGE, environ={"AK_THRESHOLD": "minutes=5"})) == "minutes=5"
    assert threshold(one(ENV_STAGE, environ={})) == "hours=1"


def test_empty_env_variable_falls_back_to_the_default() -> None:
    """authentik reads `os.getenv(name) or default`."""
    payload = one(ENV_STAGE, environ={"AK_THRESHOLD": "", "AK_CLASS": "", "AK_TENANT": ""})
    assert threshold(payload) == "hours=1"
    assert payload.body["device_classes"] == ["totp"]
    assert payload.body["name"] == "mfa-default"


def test_env_through_the_command_line(tmp_path: Path) -> None:
    path = write(tmp_path, "env.yaml", ENV_STAGE)
    result = invoke(str(path), env={"AK_THRESHOLD": "days=1", "AK_CLASS": "webauthn", "AK_TENANT": "acme"})
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    assert line["body"] == {
        "not_configured_action": "deny",
        "last_auth_threshold": "days=1",
        "device_classes": ["webauthn"],
        "name": "mfa-acme",
    }
    empty = invoke(str(path), env={"AK_THRESHOLD": "", "AK_CLASS": None, "AK_TENANT": None})
    assert json.loads(empty.stdout)["body"]["last_auth_threshold"] == "hours=1"


def test_env_file_adds_to_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "env.yaml", ENV_STAGE)
    env_file = write(
        tmp_path, "avlint.env", "# values for !Env\nexport AK_THRESHOLD='weeks=1'\nAK_CLASS=\"static\"\n\nAK_TENANT=\n"
    )
    result = invoke(
        str(path), "--env-file", str(env_file), env={"AK_THRESHOLD": "days=1", "AK_TENANT": "from-environment"}
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)["body"]
    assert body["last_auth_threshold"] == "weeks=1"  # the file wins over the environment
    assert body["device_classes"] == ["static"]
    assert body["name"] == "mfa-default"  # empty in the file: the default


CONTEXT_STAGE = stage(
    """
not_configured_action: deny
last_auth_threshold: !Context threshold
device_classes: !Context [classes, [totp]]
webauthn_user_verification: !Context verification
""",
    extra="context:\n  threshold: minutes=10\n  verification: !Env [AK_VERIFICATION, required]\n",
)


def test_context_from_the_file() -> None:
    payload = one(CONTEXT_STAGE)
    assert payload.body["last_auth_threshold"] == "minutes=10"
    assert payload.body["device_classes"] == ["totp"]  # the default of [key, default]
    assert payload.body["webauthn_user_verification"] == "required"  # a tag in the context is resolved
    assert (
        one(CONTEXT_STAGE, environ={"AK_VERIFICATION": "discouraged"}).body["webauthn_user_verification"]
        == "discouraged"
    )


def test_context_option_wins_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "context.yaml", CONTEXT_STAGE)
    values = write(tmp_path, "values.yaml", "classes: [webauthn, static]\nverification: preferred\n")
    result = invoke(str(path), "--context", "threshold=hours=2", "--context", str(values))
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)["body"]
    assert body["last_auth_threshold"] == "hours=2"
    assert body["device_classes"] == ["webauthn", "static"]
    assert body["webauthn_user_verification"] == "preferred"


# ---------------------------------------------------------------------------------------------
# the offline resolver, tag by tag


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!Env AK_X", "x-value"),
        ("!Env [AK_X, fallback]", "x-value"),
        ("!Env [AK_EMPTY, fallback]", "fallback"),
        ("!Env [AK_UNSET, fallback]", "fallback"),
        ("!Env AK_UNSET", None),
        ("!Context key", "from-context"),
        ("!Context [missing, 7]", 7),
        ("!Context missing", None),
        ("!Format ['%s-%03d', abc, 7]", "abc-007"),
        ("!Format [plain]", "plain"),
        ("!If [true]", True),
        ("!If ['']", False),
        ("!If [!Context key, [a, b], no]", ["a", "b"]),
        ("!If [!Context missing, no, !Format ['%s!', yes-branch]]", "yes-branch!"),
        ('!ParseJSON \'{"a": [1, 2], "b": null}\'', {"a": [1, 2], "b": None}),
        ("!AtIndex [[a, b, c], 1]", "b"),
        ("!AtIndex [[a, b, c], 5, fallback]", "fallback"),
        ("!AtIndex [{k: v}, k]", "v"),
        ("!AtIndex [{k: v}, other, fallback]", "fallback"),
        ("!AtIndex [!ParseJSON '[10, 20]', -1]", 20),
    ],
)
def test_offline_tags(text: str, expected: Any) -> None:
    assert resolve(text, environ={"AK_X": "x-value", "AK_EMPTY": ""}, context={"key": "from-context"}) == expected
    assert resolve.unresolved == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("mode", "args", "expected"),
    [
        ("AND", "true, 1, x", True),
        ("AND", "true, 0", False),
        ("NAND", "true, true", False),
        ("NAND", "true, false", True),
        ("OR", "false, '', 0", False),
        ("OR", "false, [a]", True),
        ("NOR", "false, ''", True),
        ("NOR", "false, 1", False),
        ("XOR", "true, false", True),
        ("XOR", "true, true, true", True),
        ("XOR", "true, true", False),
        ("XNOR", "true, false", False),
        ("XNOR", "false, false", True),
        ("xor", "true", True),
        ("and", "!Context key, !Env [AK_X, '']", True),
    ],
)
def test_condition_modes(mode: str, args: str, expected: bool) -> None:
    assert resolve(f"!Condition [{mode}, {args}]", environ={"AK_X": "x"}, context={"key": "v"}) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!Enumerate [[a, b], SEQ, !Index 0]", [0, 1]),
        ("!Enumerate [[a, b], SEQ, !Value 0]", ["a", "b"]),
        ("!Enumerate [{x: 1, y: 2}, SEQ, [!Index 0, !Value 0]]", [["x", 1], ["y", 2]]),
        ("!Enumerate [[a, b], seq, !Format ['%s=%s', !Index 0, !Value 0]]", ["0=a", "1=b"]),
        ("!Enumerate [ab, SEQ, !Value 0]", ["a", "b"]),
        ("!Enumerate [[a, b], MAP, [!Value 0, !Index 0]]", {"a": 0, "b": 1}),
        ("!Enumerate [{x: 1, y: 2}, MAP, [!Value 0, !Index 0]]", {1: "x", 2: "y"}),
        ("!Enumerate [[a, b], map, {k: !Value 0}]", {"k": "b"}),
        # depth 1 in the inner body: the outer item
        (
            "!Enumerate [[a, b], SEQ, !Enumerate [[1, 2], SEQ, !Format ['%s%s-%s%s', !Index 1, !Value 1, !Index 0, !Value 0]]]",
            [["0a-01", "0a-12"], ["1b-01", "1b-12"]],
        ),
        ("!Enumerate [{p: [1, 2]}, MAP, [!Index 0, !Enumerate [[x], SEQ, !Value 1]]]", {"p": [[1, 2]]}),
        ("!Enumerate [[], SEQ, !Value 0]", []),
        ("!Enumerate [!Context classes, SEQ, !Value 0]", ["totp", "webauthn"]),
    ],
)
def test_enumerate(text: str, expected: Any) -> None:
    assert resolve(text, context={"classes": ["totp", "webauthn"]}) == expected


def test_enumerate_iterable_depth_1_is_the_enclosing_enumerate() -> None:
    """Inside an !Enumerate's own iterable, depth 0 is that !Enumerate; depth 1 the one around it."""
    assert resolve("!Enumerate [[[totp, webauthn]], SEQ, !Enumerate [!Value 1, SEQ, !Value 0]]") == [
        ["totp", "webauthn"]
    ]


def test_enumerate_iterable_depth_0_is_an_error() -> None:
    """authentik: "Enumerate tag's iterable references this tag's context. This is a noop."."""
    with pytest.raises(ResolveError):
        resolve("!Enumerate [[[totp, webauthn]], SEQ, !Enumerate [!Value 0, SEQ, !Value 0]]")


def test_enumerate_map_deep_merges_the_items() -> None:
    """MAP merges each item body into the result with deepmerge: lists append, dicts merge."""
    assert resolve("!Enumerate [[totp, webauthn], MAP, [classes, [!Value 0]]]") == {"classes": ["totp", "webauthn"]}
    assert resolve("!Enumerate [{a: {p: 1}, b: {q: 2}}, MAP, [all, !Value 0]]") == {"all": {"p": 1, "q": 2}}


def test_enumerate_map_item_must_be_a_pair_or_a_mapping() -> None:
    with pytest.raises(ResolveError):
        resolve("!Enumerate [[a, b], MAP, !Index 0]")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("!Index 0", "outside its !Enumerate"),
        ("!Value 0", "outside its !Enumerate"),
        ("!ParseJSON 'not json'", "invalid JSON"),
        ("!Format ['%s %s', one]", "!Format fails"),
        ("!AtIndex [[a], 1]", "!AtIndex"),
        ("!AtIndex [{a: 1}, b]", "!AtIndex"),
    ],
)
def test_tags_that_fail_like_the_server(text: str, message: str) -> None:
    with pytest.raises(ResolveError, match=re.escape(message)) as caught:
        resolve(text)
    assert caught.value.line == 1


@pytest.mark.parametrize(
    ("text", "tag", "column"),
    [
        ("!Find [authentik_flows.flow, [slug, login]]", "!Find", 4),
        ("!FindObject [authentik_flows.flow, [slug, login]]", "!FindObject", 4),
        ("!File /run/secrets/x", "!File", 4),
        ("!File [/run/secrets/x, fallback]", "!File", 4),
        ("!KeyOf no-pk", "!KeyOf", 4),
        ("[a, !KeyOf no-pk]", "!KeyOf", 8),
        ("!Format ['%s', !Find [authentik_flows.flow, [slug, login]]]", "!Find", 19),
        ("!If [!Find [authentik_flows.flow, [slug, login]], a, b]", "!Find", 9),
    ],
)
def test_tags_that_need_a_server_are_unresolved(text: str, tag: str, column: int) -> None:
    value = resolve(text)
    markers = resolve.unresolved  # type: ignore[attr-defined]
    assert [(m.tag, m.line, m.column) for m in markers] == [(tag, 1, column)]
    assert isinstance(value, Unresolved) or (isinstance(value, list) and isinstance(value[-1], Unresolved))


def test_keyof_resolves_from_the_pk_table() -> None:
    assert (
        resolve("!KeyOf totp", pks_by_id={"totp": "9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c"})
        == "9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c"
    )
    assert resolve.unresolved == []  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# output


def test_json_lines_on_stdout(tmp_path: Path) -> None:
    path = write(tmp_path, "stage.yaml", stage("device_classes: [totp]\nnot_configured_action: deny"))
    result = invoke(str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "path": str(path),
        "line": 3,
        "model": "authentik_stages_authenticator_validate.authenticatorvalidatestage",
        "endpoint": "/api/v3/stages/authenticator/validate/",
        "name": "mfa",
        "body": {"device_classes": ["totp"], "not_configured_action": "deny", "name": "mfa"},
    }
    assert result.stdout.count("\n") == 1
    assert result.stderr == "1 payload written, 0 refused.\n"


def test_out_dir_holds_one_file_per_object(tmp_path: Path) -> None:
    text = stage("device_classes: [totp]", name="'MFA / admins: 2'")
    path = write(tmp_path, "stage.yaml", text)
    out_dir = tmp_path / "new" / "dir"
    result = invoke(str(path), str(EXPORT), "--all-models", "--out", str(out_dir))
    assert result.exit_code == 1, result.output  # the export's bindings name objects the run creates
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "default-authentication-flow.authenticatorvalidatestage-default-authentication-mfa-validation.json",
        "default-authentication-flow.flow-default-authentication-flow.json",
        "stage.authenticatorvalidatestage-MFA_admins_2.json",
    ]
    assert read_text(out_dir / "default-authentication-flow.flow-default-authentication-flow.json").endswith("}\n")


def test_file_name_uses_the_resolved_name(tmp_path: Path) -> None:
    """A name given by a tag names the file by its resolved value, not by the entry's position."""
    path = write(tmp_path, "env.yaml", ENV_STAGE)
    out_dir = tmp_path / "out"
    code, _, err = run([path], out_dir=out_dir, environ={"AK_TENANT": "acme"})
    assert code == 0, err
    assert [p.name for p in out_dir.iterdir()] == ["env.authenticatorvalidatestage-mfa-acme.json"]


def test_every_object_gets_its_own_file(tmp_path: Path) -> None:
    """Two bindings at the same order in different flows are two objects: two files."""
    text = """\
version: 1
entries:
  - model: authentik_flows.flowstagebinding
    identifiers: {target: 2a841ebe-d5a2-4341-9a77-935409b6a3e5, stage: 0f8a4b41-0608-487d-82d3-6c2e8eb7738e, order: 10}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: 3a841ebe-d5a2-4341-9a77-935409b6a3e5, stage: 0f8a4b41-0608-487d-82d3-6c2e8eb7738e, order: 10}
"""
    path = write(tmp_path, "bindings.yaml", text)
    out_dir = tmp_path / "out"
    code, _, err = run([path], out_dir=out_dir, all_models=True)
    assert code == 0, err
    assert err.endswith("2 payloads written, 0 refused.\n")
    bodies = sorted((json.loads(read_text(p)) for p in out_dir.iterdir()), key=lambda body: body["target"])
    assert [body["target"] for body in bodies] == [
        "2a841ebe-d5a2-4341-9a77-935409b6a3e5",
        "3a841ebe-d5a2-4341-9a77-935409b6a3e5",
    ]


# ---------------------------------------------------------------------------------------------
# exit codes


def test_exit_0_when_every_payload_is_written() -> None:
    result = invoke(str(EXPORT), "--target-version", "2026.5")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1


def test_exit_1_when_a_payload_is_refused(tmp_path: Path) -> None:
    good = write(tmp_path, "a-good.yaml", stage("device_classes: [totp]", name="good"))
    bad = write(tmp_path, "b-bad.yaml", stage("device_classes: []", name="bad"))
    result = invoke(str(good), str(bad))
    assert result.exit_code == 1
    assert [json.loads(line)["name"] for line in result.stdout.splitlines()] == ["good"]
    assert result.stderr.endswith("1 payload written, 1 refused.\n")


def test_exit_1_for_a_file_that_does_not_load(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "version: 1\nentries: [\n")
    result = invoke(str(path))
    assert result.exit_code == 1
    assert f"{path}: no payloads:" in result.stderr


def test_exit_1_for_unresolved_references(tmp_path: Path) -> None:
    path = write(tmp_path, "unresolved.yaml", UNRESOLVED)
    assert invoke(str(path)).exit_code == 1
    assert invoke(str(path), "--allow-unresolved").exit_code == 0


def test_exit_2_for_usage_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "stage.yaml", stage("device_classes: [totp]"))
    unknown = invoke(str(path), "--target-version", "1999.1")
    assert unknown.exit_code == 2 and "avlint: error: authentik 1999.1 is not a release avlint knows" in unknown.stderr
    missing = invoke(str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "nope.yaml: error: no such file or directory" in missing.stderr
    bad_context = invoke(str(path), "--context", str(tmp_path / "nope.yaml"))
    assert bad_context.exit_code == 2 and "avlint: error: --context" in bad_context.stderr
    not_mapping = write(tmp_path, "list.yaml", "- a\n- b\n")
    assert invoke(str(path), "--context", str(not_mapping)).exit_code == 2
    bad_env = write(tmp_path, "bad.env", "NOT A PAIR\n")
    env_result = invoke(str(path), "--env-file", str(bad_env))
    assert env_result.exit_code == 2 and f"{bad_env}:1:1: expected KEY=VALUE" in env_result.stderr
    missing_env = invoke(str(path), "--env-file", str(tmp_path / "nope.env"))
    assert missing_env.exit_code == 2 and f"--env-file: {tmp_path / 'nope.env'}" in missing_env.stderr
    for result in (unknown, bad_context, env_result, missing_env):
        assert result.stdout == ""


# ---------------------------------------------------------------------------------------------
# issue 12 #10 / #11: tag shapes lint reports as AV113 refuse the entry, never crash payload


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!Enumerate x", "!Enumerate takes a sequence, not a scalar"),
        ("!AtIndex [1]", "!AtIndex needs at least 2 items, not 1"),
        ("!Condition []", "!Condition needs at least 2 items, not 0"),
        ("!Format []", "!Format needs at least 1 item, not 0"),
        ("!Index x", "!Index takes an integer depth"),
        ("!Value [a, b]", "!Value takes a scalar, not a sequence"),
        ("!Env {a: b}", "!Env takes a scalar or sequence, not a mapping"),
    ],
)
def test_malformed_tag_refuses_the_entry_with_its_findings(tmp_path: Path, value: str, message: str) -> None:
    path = write(tmp_path, "bad.yaml", stage(f"last_auth_threshold: {value}"))
    code, out, err = run([path])
    assert code == 1
    assert out == ""
    assert f"{path}:3: {VALIDATE} 'mfa': not written: line 7, column 28: [AV113 tag-arguments] {message}" in err
    assert "Traceback" not in err and err.endswith("0 payloads written, 1 refused.\n")


def test_malformed_tag_in_another_entry_does_not_stop_the_good_one(tmp_path: Path) -> None:
    text = stage("not_configured_action: deny", name="good") + (
        f"  - model: {VALIDATE}\n    identifiers:\n      name: bad\n    attrs:\n      last_auth_threshold: !Index x\n"
    )
    code, out, err = run([write(tmp_path, "two.yaml", text)])
    assert code == 1
    assert [json.loads(line)["name"] for line in out.splitlines()] == ["good"]
    assert "'bad': not written: line 12, column 28: [AV113 tag-arguments]" in err


@pytest.mark.parametrize(
    "value",
    [
        "!Enumerate x",
        "!AtIndex [1]",
        "!Condition []",
        "!Format []",
        "!Index x",
        "!Value [a, b]",
        "!Env {a: b}",
        "!Context {a: b}",
        "!Enumerate [5, SEQ, !Value 0]",
        "!Enumerate [[a], MAP, [[x], 1]]",
        "!Condition [[a], true]",
        "!Context [[a], b]",
    ],
)
def test_the_evaluator_raises_only_resolve_errors(value: str) -> None:
    """Malformed shapes, on their own and without lint in front: a ResolveError with a position."""
    with pytest.raises(ResolveError) as caught:
        resolve(value)
    assert caught.value.line == 1 and caught.value.column >= 4


@pytest.mark.parametrize(
    "value",
    [
        "!Enumerate x",
        "!AtIndex [1]",
        "!Condition []",
        "!Format []",
        "!Index x",
        "!Value [a, b]",
        "!Env {a: b}",
        "!If [a, b]",
    ],
)
def test_the_evaluator_words_a_malformed_tag_as_lint_does(value: str) -> None:
    """A malformed tag payload meets first through !Context is described as lint's AV113 does."""
    from avlint.engine import lint_text

    text = f"version: 1\ncontext:\n  a: {value}\nentries: []\n"
    messages = [f.message for f in lint_text("x.yaml", text, settings()).findings if f.rule == "AV113"]
    with pytest.raises(ResolveError) as caught:
        resolve(value)
    assert messages[0].startswith(caught.value.message), (messages, caught.value.message)


def test_a_context_that_refers_to_itself_is_bounded() -> None:
    root = compose("a: !Context a\n")
    assert root is not None
    resolver = Resolver(environ={})
    resolver.context = {"a": root.value[0][1]}
    with pytest.raises(ResolveError, match=r"too deep to evaluate .* a !Context that refers to itself"):
        resolver.resolve(root.value[0][1])


def test_deep_tag_nesting_is_bounded() -> None:
    """Tags nested too deep to evaluate: an error, not a crash. authentik's loader cannot load 450
    levels, so a blueprint is refused before (AV001); a tree composed without that verdict still
    meets the evaluator's own bound."""
    from yaml.nodes import MappingNode

    from avlint.loader.problems import ContentProblem
    from avlint.loader.yaml_nodes import compose_plain

    value = "!If [" * 450 + "true" + ", a, b]" * 450
    with pytest.raises(ContentProblem, match="authentik cannot load this file"):
        resolve(value)
    root = compose_plain(f"v: {value}\n")
    assert isinstance(root, MappingNode)
    with pytest.raises(ResolveError, match="too deep to evaluate"):
        Resolver(environ={}).resolve(root.value[0][1])
    assert resolve("!If [" * 100 + "true" + ", a, b]" * 100) == "a"


def test_parsejson_nested_100000_deep_stops_the_file_without_a_crash(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = write(tmp_path, "deep.yaml", stage(f"device_classes: !ParseJSON '{deep}'"))
    code, out, err = run([path])
    assert code == 1 and out == ""
    assert f"{path}: no payloads: not fixed: !ParseJSON holds JSON nested deeper than 500 levels (line 7)" in err


@pytest.mark.parametrize(
    "value", ['!Format ["%999999999s", x]', '!Format ["%.99999999f", 1.5]', '!Format ["%*s", 999999999, x]']
)
def test_format_too_wide_to_build_is_refused_quickly(value: str) -> None:
    with pytest.raises(ResolveError, match="over 10,000 characters wide"):
        resolve(value)
    assert resolve('!Format ["%%%s-%5s", a, b]') == "%a-    b"


def test_enumerate_that_multiplies_is_stopped() -> None:
    """Four nested !Enumerate over 40 items: 2.5 million values, stopped at the step budget."""
    items = "[" + ", ".join(str(i) for i in range(40)) + "]"
    value = f"!Enumerate [{items}, SEQ, " * 4 + "!Index 0" + "]" * 4
    with pytest.raises(ResolveError, match="over 1,000,000 steps"):
        resolve(value)
    assert len(resolve(f"!Enumerate [{items}, SEQ, !Enumerate [{items}, SEQ, !Index 0]]")) == 40


def test_parsejson_bound_ignores_brackets_inside_strings() -> None:
    assert resolve("!ParseJSON '[\"" + "[" * 600 + "\"]'") == ["[" * 600]


def test_json_body_with_a_lone_surrogate_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "body.json", '{"name": "\\ud800", "not_configured_action": "skip"}')
    result = invoke(str(path))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert (
        "'name' holds a lone surrogate" in result.stderr
        and "not written" not in result.stderr.split("surrogate")[0][-20:]
    )


@pytest.mark.parametrize(
    "value",
    ['!Format ["hours=%s;minutes=%s", 1]', '!Format ["%d", abc]', '!Format ["%s", 1, 2]', '!Format ["%(x)s", 1]'],
)
def test_lint_and_payload_agree_on_a_failing_format(tmp_path: Path, value: str) -> None:
    """issue 12 #14: one evaluator. What payload refuses, lint reports (AV121) at the tag, with
    the same words; what lint passes, payload evaluates."""
    from avlint.engine import lint_text

    text = stage(f"last_auth_threshold: {value}")
    findings = [f for f in lint_text("x.yaml", text, settings()).findings if f.rule == "AV121"]
    assert [(f.line, f.column) for f in findings] == [(7, 28)]
    payload = one(text)
    assert payload.error is not None and payload.error.startswith("line 7, column 28: !Format fails: ")
    assert findings[0].message.startswith(payload.error.removeprefix("line 7, column 28: "))
    good = stage('last_auth_threshold: !Format ["hours=%s;minutes=%s", 1, 30]')
    assert not [f for f in lint_text("x.yaml", good, settings()).findings if f.rule == "AV121"]
    assert one(good).body["last_auth_threshold"] == "hours=1;minutes=30"


def test_lint_imports_the_evaluator_only_for_a_tag_it_evaluates(tmp_path: Path) -> None:
    """The evaluator is imported lazily, and without dataclasses, which cost lint start-up time."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "sys.argv = ['avlint', 'lint', sys.argv[1]]\n"
        "from avlint.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('avlint.payload.resolve' in sys.modules, 'dataclasses' in sys.modules, file=sys.stderr)\n"
    )
    results = []
    for name, value in (("plain.yaml", "hours=1"), ("format.yaml", '!Format ["hours=%s", 1]')):
        path = write(tmp_path, name, stage(f"last_auth_threshold: {value}"))
        done = subprocess.run(
            [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=120, check=False
        )
        results.append(done.stderr.strip().splitlines()[-1])
    assert results == ["False False", "True False"]


# ---------------------------------------------------------------------------------------------
# issue 9 §4.8: references to objects this payload run creates


REFERENCES = """\
version: 1
entries:
  - model: authentik_flows.flow
    id: login
    identifiers:
      pk: 2a841ebe-d5a2-4341-9a77-935409b6a3e5
      slug: login
    attrs: {name: Login, title: Login, designation: authentication}
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    id: setup
    identifiers:
      pk: 9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c
      name: mfa-setup
    attrs: {not_configured_action: deny}
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      not_configured_action: configure
      configuration_stages: [!KeyOf setup]
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: 2a841ebe-d5a2-4341-9a77-935409b6a3e5
      stage: !KeyOf setup
      order: 10
"""


def test_reference_to_an_object_the_run_creates_is_unresolved_never_a_pk(tmp_path: Path) -> None:
    found = payloads(REFERENCES, all_models=True)
    by_name = {p.name: p for p in found}
    for payload in found:  # no body holds a pk of the file: the server ignores them on create
        assert "2a841ebe-d5a2-4341-9a77-935409b6a3e5" not in json.dumps(payload.body)
        assert "9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c" not in json.dumps(payload.body)
    assert [(m.tag, m.line, m.column) for m in by_name["mfa"].unresolved] == [("!KeyOf", 20, 30)]
    assert [(m.tag, m.line, m.column) for m in by_name["binding-10"].unresolved] == [("pk", 23, 15), ("!KeyOf", 24, 14)]
    assert "created by this payload run" in by_name["binding-10"].unresolved[0].reason
    path = write(tmp_path, "refs.yaml", REFERENCES)
    code, out, err = run([path], all_models=True)
    assert code == 1
    assert [json.loads(line)["name"] for line in out.splitlines()] == ["login", "mfa-setup"]
    assert f"{path}:23:15: unresolved pk: {FLOW} 'login' is created by this payload run" in err
    assert f"{path}:20:30: unresolved !KeyOf: {VALIDATE} 'mfa-setup' is created by this payload run" in err


def test_without_all_models_only_validation_stages_count_as_created() -> None:
    """A flow this run does not create is on the server already: its pk stands."""
    found = payloads(REFERENCES.replace("stage: !KeyOf setup", "stage: 0f8a4b41-0608-487d-82d3-6c2e8eb7738e"))
    assert [p.name for p in found] == ["mfa-setup", "mfa"]
    assert [m.tag for m in found[1].unresolved] == ["!KeyOf"]


def test_keyof_to_an_entry_that_is_skipped_is_not_created_by_the_run() -> None:
    text = REFERENCES.replace("      name: mfa-setup\n", "      name: mfa-setup\n    conditions: [false]\n")
    found = payloads(text)
    assert found[0].skipped is not None
    assert found[1].unresolved == [] and found[1].body["configuration_stages"] == [
        "9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c"
    ]


# ---------------------------------------------------------------------------------------------
# issue 9 §4.9: every record can be traced to its source


def test_records_carry_path_line_model_and_endpoint(tmp_path: Path) -> None:
    path = write(tmp_path, "refs.yaml", REFERENCES)
    _, out, _ = run([path], all_models=True, allow_unresolved=True)
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["path"], r["line"], r["model"], r["endpoint"]) for r in records] == [
        (str(path), 3, FLOW, "/api/v3/flows/instances/"),
        (str(path), 9, VALIDATE, "/api/v3/stages/authenticator/validate/"),
    ]  # 'mfa' loses its only configuration stage (AV301) and the binding its stage: not written


def test_record_line_is_the_source_line_when_fixes_remove_lines(tmp_path: Path) -> None:
    """Safe fixes drop read-only keys before the body is built; the record still points at
    the entry's line in the file as written."""
    text = stage("component: ak-stage\nverbose_name: x\nnot_configured_action: deny", name="first") + (
        f"  - model: {VALIDATE}\n    identifiers:\n      name: second\n    attrs:\n      last_auth_threshold: !Index x\n"
    )
    path = write(tmp_path, "fixed.yaml", text)
    code, out, err = run([path])
    assert code == 1
    assert [json.loads(line)["line"] for line in out.splitlines()] == [3]
    assert f"{path}:10: {VALIDATE} 'second': not written: line 14, column 28:" in err


@pytest.mark.skipif(os.name != "posix", reason="file names of arbitrary bytes are a POSIX thing")
def test_record_of_a_file_whose_name_is_not_utf8(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/\xff.yaml"
    with open(raw, "wb") as handle:
        handle.write(stage("not_configured_action: deny").encode("utf-8"))
    result = invoke(str(folder))
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["path"] == os.fsdecode(raw) and record["name"] == "mfa"


def test_out_names_never_collide_across_source_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write(tmp_path / "a", "mfa.yaml", stage("not_configured_action: deny", name="MFA"))
    second = write(tmp_path / "b", "mfa.yaml", stage("not_configured_action: skip", name="mfa"))
    third = write(tmp_path, "other.yaml", stage("not_configured_action: deny", name="mfa"))
    out_dir = tmp_path / "out"
    code, _, err = run([first, second, third], out_dir=out_dir)
    assert code == 0, err
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == [
        "mfa.authenticatorvalidatestage-MFA.json",
        "mfa.authenticatorvalidatestage-mfa-2.json",  # same name but for case: a new name on every file system
        "other.authenticatorvalidatestage-mfa.json",
    ]
    assert len({name.casefold() for name in names}) == 3
    assert (
        json.loads(read_text(out_dir / "mfa.authenticatorvalidatestage-mfa-2.json"))["not_configured_action"] == "skip"
    )


def test_out_dir_that_cannot_be_written_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "stage.yaml", stage("not_configured_action: deny"))
    blocker = write(tmp_path, "file", "")
    code, _, err = run([path], out_dir=blocker / "sub")
    assert code == 1
    assert "error: cannot write in" in err and "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# issue 9 §4.11: entries whose conditions are false are skipped


@pytest.mark.parametrize("conditions", ["[false]", "[true, '']", "[!Condition [AND, true, false]]", "[!Context off]"])
def test_entry_with_false_conditions_is_skipped_not_rejected(tmp_path: Path, conditions: str) -> None:
    text = stage("not_configured_action: configure", extra="context:\n  off: false\n").replace(
        "    attrs:\n", f"    conditions: {conditions}\n    attrs:\n"
    )
    path = write(tmp_path, "skipped.yaml", text)
    code, out, err = run([path])
    assert code == 0, err
    assert out == ""
    assert "would reject" not in err and "not written" not in err
    assert f"{path}:5: {VALIDATE} 'mfa': skipped: its conditions are false (item" in err
    assert err.endswith("0 payloads written, 0 refused, 1 skipped.\n")


def test_entry_with_true_or_unknown_conditions_is_checked() -> None:
    for conditions in ("[true, 1]", "[!Find [authentik_flows.flow, [slug, x]]]"):
        text = stage("not_configured_action: configure").replace(
            "    attrs:\n", f"    conditions: {conditions}\n    attrs:\n"
        )
        payload = one(text)
        assert payload.skipped is None
        assert [f.rule for f in payload.problems] == ["AV301"]


# ---------------------------------------------------------------------------------------------
# issue 9 §4.14: --context values are YAML scalars


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("false", "hours=2"),
        ("no", "hours=2"),
        ("0", "hours=2"),
        ("''", "hours=2"),
        ("null", "hours=2"),
        ("true", "hours=1"),
        ("'false'", "hours=1"),
        ("1", "hours=1"),
        ("text", "hours=1"),
    ],
)
def test_context_option_values_are_yaml_scalars(tmp_path: Path, value: str, expected: str) -> None:
    path = write(tmp_path, "strict.yaml", stage("last_auth_threshold: !If [!Context strict, hours=1, hours=2]"))
    result = invoke(str(path), "--context", f"strict={value}")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["body"]["last_auth_threshold"] == expected


def test_context_option_keeps_its_type_in_the_body(tmp_path: Path) -> None:
    path = write(tmp_path, "typed.yaml", stage("totp_otp_throttling_factor: !Context factor"))
    result = invoke(str(path), "--context", "factor=2.5")
    assert json.loads(result.stdout)["body"]["totp_otp_throttling_factor"] == 2.5


@pytest.mark.parametrize("value", ["[1", "[a, b]", "{a: b}"])
def test_context_option_that_is_not_a_scalar_is_a_usage_error(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "stage.yaml", stage("not_configured_action: deny"))
    result = invoke(str(path), "--context", f"k={value}")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"avlint: error: --context k={value}:") and result.stdout == ""


# ---------------------------------------------------------------------------------------------
# the bodies against the fake authentik server (2025.12.4)

# stages of the fake's seed state (its /api/v3/stages/all/)
FAKE_TOTP_SETUP = "08e2f220-9a7f-40de-a915-8f5fbf95c4e3"
FAKE_STATIC_SETUP = "af98752b-3aef-4126-9117-cb2df15982bb"
MADE_UP_PKS = ("9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c", "7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f")

FAKE_BLUEPRINT = f"""\
version: 1
context:
  classes: [totp, static, webauthn, email]
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: fake-configure
    attrs:
      not_configured_action: configure
      configuration_stages: [{FAKE_TOTP_SETUP}, {FAKE_STATIC_SETUP}]
      device_classes: !Enumerate [!Context classes, SEQ, !Value 0]
      last_auth_threshold: !Env [AK_THRESHOLD, hours=12]
      webauthn_user_verification: required
      webauthn_allowed_device_types: []
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: fake-deny
    attrs:
      not_configured_action: !If [!Condition [OR, false, !Context classes], deny, skip]
      device_classes: [webauthn, webauthn, duo]
      last_auth_threshold: "hours=1;minutes=30"
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: fake-defaults
"""


def post_stage(fake: Any, body: dict) -> httpx.Response:
    return httpx.post(
        f"{fake.url}/api/v3/stages/authenticator/validate/",
        headers={"Authorization": f"Bearer {fake.token}"},
        json=body,
        timeout=30,
    )


def test_written_payloads_are_accepted_by_the_fake_server(fake_authentik: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "fake.yaml", FAKE_BLUEPRINT)
    out_dir = tmp_path / "out"
    code, _, err = run([path], "2025.12", out_dir)
    assert code == 0, err
    files = sorted(out_dir.iterdir())
    assert [p.name for p in files] == [
        "fake.authenticatorvalidatestage-fake-configure.json",
        "fake.authenticatorvalidatestage-fake-defaults.json",
        "fake.authenticatorvalidatestage-fake-deny.json",
    ]
    for file in files:
        body = json.loads(read_text(file))
        response = post_stage(fake_authentik, body)
        assert response.status_code == 201, f"{file.name}: {response.status_code} {response.text}"
        created = response.json()
        for key, value in body.items():
            assert created[key] == value, key


FAKE_CASES = [p for p in CASES if resolve_release(case_target(case_name(p))) >= resolve_release("2025.12")]


@pytest.mark.parametrize("path", FAKE_CASES, ids=[case_name(p) for p in FAKE_CASES])
def test_golden_payloads_are_accepted_by_the_fake_server(fake_authentik: Any, path: Path) -> None:
    """Every golden validation-stage body, under a fresh name and with its made-up stage pks
    pointing at a stage of the fake, is created (201)."""
    case = case_name(path)
    for file in sorted(expected_dir(case).glob("*.authenticatorvalidatestage-*.json")):
        text = read_text(file)
        for pk in MADE_UP_PKS:
            text = text.replace(pk, FAKE_TOTP_SETUP)
        body = json.loads(text)
        body["name"] = f"golden-{case}-{body['name']}"
        response = post_stage(fake_authentik, body)
        assert response.status_code == 201, f"{file.name}: {response.status_code} {response.text}"


@pytest.mark.parametrize(
    ("attrs", "field"),
    [
        ("device_classes: []", "device_classes"),
        ("not_configured_action: configure", "not_configured_action"),
        ("last_auth_threshold: hours = 1", "last_auth_threshold"),
        ("device_classes: [yubikey]", "device_classes"),
    ],
    ids=["empty-device-classes", "configure-without-stages", "bad-threshold", "bad-device-class"],
)
def test_refused_payloads_are_rejected_by_the_fake_server(fake_authentik: Any, attrs: str, field: str) -> None:
    payload = one(stage(attrs, name="fake-refused"), "2025.12")
    assert not payload.valid
    response = post_stage(fake_authentik, payload.body)
    assert response.status_code == 400, response.text
    assert field in response.json()
