"""`avlint pull --with-flows` brings the whole behaviour of a flow (issue 14 item 3): every stage it
binds, of any type, the policies bound to the flow and to its stage bindings, and those policy
bindings with their flags, so that the pulled flow applied to a fresh server behaves the same.

The reference is a real authentik 2025.12.4's export of its default authentication flow
(tests/data/pull/), whose "skip MFA after passwordless" policy binding an earlier pull lost.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner

from avlint.cli import cli
from avlint.engine import lint_text
from avlint.settings import Settings
from avlint.versions import resolve_release
from tests.blueprint_import import import_blueprint
from tests.fake_authentik import FakeAuthentik, views_policies
from tests.pull_support import api, export_entries, give_real_default_flow

RELEASE = resolve_release("2025.12")
FLOW_FILE = "flow-default-authentication-flow.yaml"
POLICY_BINDING = "authentik_policies.policybinding"
EXPRESSION = "authentik_policies_expression.expressionpolicy"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AUTHENTIK_URL", "AUTHENTIK_TOKEN", "NO_COLOR", "SOURCE_DATE_EPOCH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def pull(fake: FakeAuthentik, out: Path, *args: str) -> Any:
    return CliRunner().invoke(
        cli, ["pull", "--url", fake.url, "--token", fake.token, "--out", str(out), "--with-flows", *args]
    )


class _TagLoader(yaml.SafeLoader):
    pass


_TagLoader.add_constructor("!KeyOf", lambda loader, node: ("!KeyOf", loader.construct_scalar(node)))
_TagLoader.add_constructor("!Find", lambda loader, node: ("!Find", loader.construct_sequence(node, deep=True)))


def entries_of(path: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.load(path.read_text(encoding="utf-8"), Loader=_TagLoader)["entries"]
    return entries


def by_names_pulled(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Each entry as (model, what it is by names, attrs), references followed to names."""
    by_id = {e["id"]: e for e in entries if "id" in e}

    def name(ref: Any) -> Any:
        if isinstance(ref, tuple) and ref[0] == "!KeyOf":
            return describe(by_id[ref[1]])
        if isinstance(ref, tuple) and ref[0] == "!Find":
            return ref[1][1][1]
        return ref

    def describe(entry: dict[str, Any]) -> Any:
        ids = entry["identifiers"]
        if entry["model"] == "authentik_flows.flowstagebinding":
            return ("binding", name(ids["target"]), name(ids["stage"]), ids["order"])
        return ids.get("slug") or ids.get("name")

    return [
        (
            e["model"],
            describe(e)
            if e["model"] != POLICY_BINDING
            else (name(e["identifiers"]["policy"]), name(e["identifiers"]["target"]), e["identifiers"]["order"]),
            e.get("attrs", {}),
        )
        for e in entries
    ]


def by_names_export(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    by_pk = {e["identifiers"]["pk"]: e for e in entries}

    def describe(entry: dict[str, Any]) -> Any:
        ids = entry["identifiers"]
        if entry["model"] == "authentik_flows.flowstagebinding":
            return ("binding", describe(by_pk[ids["target"]]), describe(by_pk[ids["stage"]]), ids["order"])
        return ids.get("slug") or ids.get("name") or entry["attrs"].get("name")

    return [
        (
            e["model"],
            describe(e)
            if e["model"] != POLICY_BINDING
            else (
                describe(by_pk[e["identifiers"]["policy"]]),
                describe(by_pk[e["identifiers"]["target"]]),
                e["identifiers"]["order"],
            ),
            e["attrs"],
        )
        for e in entries
    ]


def _comparable(export: tuple[Any, ...], pulled: tuple[Any, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The attrs of both, less what one side writes as an identifier or leaves to its default:
    the export keeps a policy's name in attrs, the pull in identifiers; the pull states a field
    the export leaves out (`negate: false`) only where the value is the server's."""
    export_attrs = {k: v for k, v in export[2].items() if k != "name" or export[0] == "authentik_flows.flow"}
    pulled_attrs = {k: v for k, v in pulled[2].items() if k in export_attrs}
    return export_attrs, pulled_attrs


def _kind(model: str) -> str:
    if model.startswith("authentik_stages_"):
        return "stage"
    return "policy" if model.startswith("authentik_policies_") else model


# -- the default flow, whole ------------------------------------------------------------------------
def test_the_default_flow_is_pulled_as_the_real_server_exports_it(
    fake_authentik: FakeAuthentik, tmp_path: Path
) -> None:
    give_real_default_flow(fake_authentik)
    out = tmp_path / "out"
    assert pull(fake_authentik, out).exit_code == 0
    pulled = by_names_pulled(entries_of(out / FLOW_FILE))
    export = by_names_export(export_entries())
    # The same objects, in the same order of kinds: the flow, policies, stages, stage bindings,
    # policy bindings (the export lists the stages in database order, the pull in binding order).
    assert [_kind(m) for m, _, _ in pulled] == [_kind(m) for m, _, _ in export]
    export = [(m, what if m != "authentik_flows.flow" else "default-authentication-flow", a) for m, what, a in export]
    assert sorted(repr(e[:2]) for e in pulled) == sorted(repr(e[:2]) for e in export)
    export.sort(key=lambda e: repr(e[:2]))
    pulled.sort(key=lambda e: repr(e[:2]))
    for export_entry, pulled_entry in zip(export, pulled, strict=True):
        if export_entry[0] == "authentik_stages_password.passwordstage":
            # the export has configure_flow as a raw pk; the pull finds the flow by slug
            assert pulled_entry[2]["configure_flow"] == (
                "!Find",
                ["authentik_flows.flow", ["slug", "default-password-change"]],
            )
            continue
        expected, got = _comparable(export_entry, pulled_entry)
        assert got == expected, export_entry[:2]


def test_the_skip_mfa_after_passwordless_binding_is_kept(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    give_real_default_flow(fake_authentik)
    out = tmp_path / "out"
    assert pull(fake_authentik, out).exit_code == 0
    entries = entries_of(out / FLOW_FILE)
    by_id = {e["id"]: e for e in entries if "id" in e}
    (binding,) = [
        e
        for e in entries
        if e["model"] == POLICY_BINDING
        and e["identifiers"]["policy"] == ("!KeyOf", "default-authentication-flow-authenticator-validate-stage")
    ]
    # R-PB-03: the target is the stage binding's entry, by !KeyOf (a !Find would never match it)
    target = by_id[binding["identifiers"]["target"][1]]
    assert target["model"] == "authentik_flows.flowstagebinding"
    assert target["identifiers"]["stage"] == ("!KeyOf", "default-authentication-mfa-validation")
    assert binding["identifiers"]["order"] == 10
    assert binding["attrs"] == {"enabled": True, "failure_result": True, "negate": False, "timeout": 30}
    policy = by_id["default-authentication-flow-authenticator-validate-stage"]
    assert policy["model"] == EXPRESSION
    assert "auth_webauthn_pwl" in policy["attrs"]["expression"]
    # and the files lint clean
    for path in out.iterdir():
        result = lint_text(str(path), path.read_text(encoding="utf-8"), Settings(release=RELEASE))
        assert [f for f in result.findings if f.severity == "error"] == [], path.name


def test_flags_group_and_user_bindings_are_pulled(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    give_real_default_flow(fake_authentik)
    group = views_policies.add_group(fake_authentik.state, "mfa exempt")
    flow_pbm = fake_authentik.state.flow_by_slug("default-authentication-flow").pbm_pk
    with api(fake_authentik) as client:
        policy = client.post("/policies/dummy/", json={"name": "coin", "result": True, "wait_min": 1, "wait_max": 2})
        policy.raise_for_status()
        bodies = [
            {"policy": policy.json()["pk"], "negate": True, "enabled": False, "timeout": 5, "failure_result": True},
            {"group": group, "order": 20},
            {"user": 1, "order": 30, "negate": True},
        ]
        for order, body in enumerate(bodies):
            client.post("/policies/bindings/", json={"target": flow_pbm, "order": order, **body}).raise_for_status()
    out = tmp_path / "out"
    assert pull(fake_authentik, out).exit_code == 0
    entries = entries_of(out / FLOW_FILE)
    flow_bindings = [
        e
        for e in entries
        if e["model"] == POLICY_BINDING and e["identifiers"]["target"] == ("!KeyOf", "default-authentication-flow")
    ]
    assert [e["identifiers"] for e in flow_bindings] == [
        {"policy": ("!KeyOf", "coin"), "target": ("!KeyOf", "default-authentication-flow"), "order": 0},
        {
            "group": ("!Find", ["authentik_core.group", ["name", "mfa exempt"]]),
            "target": ("!KeyOf", "default-authentication-flow"),
            "order": 20,
        },
        {
            "user": ("!Find", ["authentik_core.user", ["username", "akadmin"]]),
            "target": ("!KeyOf", "default-authentication-flow"),
            "order": 30,
        },
    ]
    assert flow_bindings[0]["attrs"] == {"enabled": False, "failure_result": True, "negate": True, "timeout": 5}
    assert flow_bindings[2]["attrs"]["negate"] is True
    # a policy of another type than expression, with its own fields
    (coin,) = [e for e in entries if e.get("id") == "coin"]
    assert coin["model"] == "authentik_policies_dummy.dummypolicy"
    assert coin["attrs"] == {"execution_logging": False, "result": True, "wait_max": 2, "wait_min": 1}
    # policies and bindings come before what refers to them
    ids = [e.get("id") for e in entries]
    assert ids.index("coin") < min(i for i, e in enumerate(entries) if e["model"] == POLICY_BINDING)


def test_a_policy_bound_in_two_flows_is_defined_once(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    give_real_default_flow(fake_authentik)
    state = fake_authentik.state
    mfa = state.stage_named("default-authentication-mfa-validation").pk
    with api(fake_authentik) as client:
        flow = client.post(
            "/flows/instances/",
            json={"name": "Second", "slug": "a-second-flow", "title": "Second", "designation": "authentication"},
        ).json()
        binding = client.post("/flows/bindings/", json={"target": flow["pk"], "stage": mfa, "order": 5}).json()
        policy = next(p for p in views_policies.tables(state)["policies"].values() if "validate" in p.name)
        body = {"policy": policy.pk, "target": binding["pk"], "order": 1}
        client.post("/policies/bindings/", json=body).raise_for_status()
    out = tmp_path / "out"
    assert pull(fake_authentik, out).exit_code == 0
    second, default = entries_of(out / "flow-a-second-flow.yaml"), entries_of(out / FLOW_FILE)
    assert [e["identifiers"]["name"] for e in second if e["model"] == EXPRESSION] == [policy.name]
    assert policy.name not in [e["identifiers"].get("name") for e in default if e["model"] == EXPRESSION]
    (found,) = [e for e in default if e["model"] == POLICY_BINDING and e["identifiers"]["policy"][0] == "!Find"]
    assert found["identifiers"]["policy"] == ("!Find", [EXPRESSION, ["name", policy.name]])


# -- every stage type -----------------------------------------------------------------------------------
def test_every_stage_type_is_read_from_its_own_endpoint(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    """A flow binding one stage of every type: each is read in full from its type's endpoint
    (the every-model specs say which), and every one is in the flow's file."""
    state = fake_authentik.state
    from avlint.spec.model import model_exists

    models = {m: e for m, e in views_policies.stage_models().items() if model_exists(m, RELEASE)}
    assert len(models) > 20
    with api(fake_authentik) as client:
        flow = client.post(
            "/flows/instances/",
            json={"name": "All", "slug": "all-stage-types", "title": "All", "designation": "authentication"},
        ).json()
        client.post(
            "/flows/bindings/",
            json={
                "target": flow["pk"],
                "stage": state.stage_named("default-authentication-mfa-validation").pk,
                "order": 0,
            },
        ).raise_for_status()
        for order, (model, endpoint) in enumerate(sorted(models.items()), start=1):
            stage = client.post(endpoint, json={"name": f"every {model}", "marker": order})
            stage.raise_for_status()
            client.post("/flows/bindings/", json={"target": flow["pk"], "stage": stage.json()["pk"], "order": order})
    fake_authentik.requests.clear()
    out = tmp_path / "out"
    result = pull(fake_authentik, out)
    assert "Traceback" not in result.output
    asked = {record.path for record in fake_authentik.requests.snapshot() if record.method == "GET"}
    for model, endpoint in models.items():
        pk = next(s.pk for s in state.stages.values() if s.name == f"every {model}")
        assert f"/api/v3{endpoint}{pk}/" in asked, (model, result.output)
    # A stage of the fake holds only a name: the types with required fields make the file fail
    # to lint, and the run says so; the stages themselves were all read.
    assert result.exit_code in (0, 1)


def test_every_stage_and_policy_type_becomes_an_entry() -> None:
    """pull_files on its own: whatever the type, a stage bound in a flow and a policy bound there
    become entries of their own model with their writable fields."""
    from datetime import UTC, datetime

    from avlint.live.pull import Origin, pull_files
    from avlint.live.pull_state import POLICY_BINDING as PB
    from avlint.live.pull_state import PulledState
    from avlint.modelinfo import is_stage
    from avlint.spec import available_models, model_spec

    stage_models = [m for m in available_models() if is_stage(m) and model_spec(m, RELEASE) is not None]
    policy_models = [
        m
        for m in available_models()
        if m.startswith("authentik_policies_")
        and model_spec(m, RELEASE)
        and "execution_logging" in model_spec(m, RELEASE).writable
    ]
    flow = {"pk": "f", "policybindingmodel_ptr_id": "f-pbm", "slug": "all", "name": "All", "title": "All"}
    validate = {
        "pk": "v",
        "name": "v",
        "meta_model_name": "authentik_stages_authenticator_validate.authenticatorvalidatestage",
    }
    state = PulledState()
    state.objects = {"authentik_flows.flow": [flow], validate["meta_model_name"]: [validate]}
    stages = [validate] + [
        {"pk": f"s{i}", "name": f"stage {i}", "meta_model_name": m} for i, m in enumerate(stage_models)
    ]
    for stage in stages[1:]:
        state.objects.setdefault(stage["meta_model_name"], []).append(stage)
    state.stage_names = {s["pk"]: (s["name"], s["meta_model_name"]) for s in stages}
    state.objects["authentik_flows.flowstagebinding"] = [
        {"pk": f"b{i}", "policybindingmodel_ptr_id": f"b{i}-pbm", "target": "f", "stage": s["pk"], "order": i}
        for i, s in enumerate(stages)
    ]
    state.policies = {
        f"p{i}": {"pk": f"p{i}", "name": f"policy {i}", "meta_model_name": m, "execution_logging": True}
        for i, m in enumerate(policy_models)
    }
    state.objects[PB] = [
        {"pk": f"pb{i}", "policy": f"p{i}", "target": "f-pbm", "order": i, "negate": True}
        for i in range(len(policy_models))
    ]
    origin = Origin("http://example.invalid", "2025.12.4", datetime(2026, 1, 1, tzinfo=UTC))
    (pulled,) = [f for f in pull_files(state, RELEASE, True, origin) if f.kind == "flow"]
    entries = yaml.load(pulled.text, Loader=_TagLoader)["entries"]
    models = [e["model"] for e in entries]
    assert set(stage_models) <= set(models)
    assert set(policy_models) <= set(models)
    assert models.count(PB) == len(policy_models)
    assert all(e["attrs"]["execution_logging"] is True for e in entries if e["model"] in policy_models)
    assert len(stage_models) > 20 and len(policy_models) >= 7


# -- the round trip -----------------------------------------------------------------------------------
def _without_server_specifics(text: str, url: str) -> str:
    """The pulled text less what differs between two servers: its address and the pk comments."""
    text = text.replace(url, "SERVER")
    return re.sub(r"  # pk \S+", "", text)


def test_a_pulled_flow_applied_to_a_fresh_server_behaves_the_same(
    fake_authentik: FakeAuthentik, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pulled from one server, imported into a fresh one, pulled again: the same files (less pks
    and address), and `avlint diff` of the first pull against the fresh server shows no drift."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    give_real_default_flow(fake_authentik)
    group = views_policies.add_group(fake_authentik.state, "admins")
    flow_pbm = fake_authentik.state.flow_by_slug("default-authentication-flow").pbm_pk
    with api(fake_authentik) as client:
        client.post("/policies/bindings/", json={"group": group, "target": flow_pbm, "order": 3, "negate": True})
    first = tmp_path / "first"
    assert pull(fake_authentik, first).exit_code == 0
    linted = CliRunner().invoke(cli, ["lint", "--target-version", "2025.12", str(first)])
    assert linted.exit_code == 0, linted.output  # `avlint lint` of the pulled files: no error
    with FakeAuthentik() as fresh:
        views_policies.add_group(fresh.state, "admins")
        with httpx.Client(base_url=fresh.api_url, headers={"Authorization": f"Bearer {fresh.token}"}) as client:
            for path in sorted(first.iterdir(), key=lambda p: (not p.name.startswith("stage-"), p.name)):
                import_blueprint(fresh, client, path.read_text(encoding="utf-8"))
        second = tmp_path / "second"
        assert pull(fresh, second).exit_code == 0
        assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
        for path in first.iterdir():
            assert _without_server_specifics(
                path.read_text(encoding="utf-8"), fake_authentik.url
            ) == _without_server_specifics((second / path.name).read_text(encoding="utf-8"), fresh.url), path.name
        diff = CliRunner().invoke(cli, ["diff", str(first), "--url", fresh.url, "--token", fresh.token])
        assert diff.exit_code == 0, diff.output


def test_the_readme_example_is_in_the_golden_pull() -> None:
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    marker = "```yaml\n- attrs:\n    enabled: true\n"
    start = readme.index(marker) + len("```yaml\n")
    example = readme[start : readme.index("```", start)]
    golden = (ROOT / "tests" / "golden" / "live" / "pull" / FLOW_FILE).read_text(encoding="utf-8")
    assert example in golden
