"""What `avlint pull --with-flows` reads from the server besides validation stages and flows:
the full objects of every stage the pulled flows bind (from each stage type's own endpoint, as
`/stages/all/` gives only the base fields), the policy bindings of the flows and of their stage
bindings, and the full objects of the policies bound there (likewise from each policy type's own
endpoint). Each type's endpoint comes from the every-model specs of the target release.

Every answer is checked against its shape (avlint.live.wire) before it is used: a policy binding
without its target, a policy without a type, would otherwise be lost without a word.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE
from avlint.live import wire
from avlint.live.client import BadAnswer, Client, gather_all
from avlint.live.state import LiveState
from avlint.spec import model_spec
from avlint.versions import Release

POLICY_BINDING = "authentik_policies.policybinding"
POLICY_BINDINGS = "/policies/bindings/"
ALL_POLICIES = "/policies/all/"
_API_PREFIX = "/api/v3"


@dataclass
class PulledState(LiveState):
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)  # pk -> the policy's full object


def pulled_state(state: LiveState) -> PulledState:
    return PulledState(objects=state.objects, stage_names=state.stage_names, source=state.source)


class NoEndpoint(Exception):
    """An object of a type the target release's specs give no API endpoint for."""


async def fetch_flow_behaviour(client: Client, state: PulledState, release: Release, stage_pks: set[str]) -> None:
    """Add to *state* what the flows that bind the stages in *stage_pks* need: their stages of
    every type, their policy bindings, and the policies bound."""
    flows, bindings = _used_flows(state, stage_pks)
    _checked("GET /flows/instances/", wire.policy_targets, flows)
    _checked("GET /flows/bindings/", wire.policy_targets, bindings)
    wanted_stages = {str(b.get("stage")) for b in bindings} - {
        str(s["pk"]) for s in state.objects.get(VALIDATE_STAGE, [])
    }
    where = [_where(state.stage_names, pk, release) for pk in sorted(wanted_stages)]  # may refuse: before any request
    details = [_detail(client, path, model) for path, model in where]
    results = await gather_all(client.list_all(POLICY_BINDINGS), client.list_all(ALL_POLICIES), *details)
    policy_bindings, policies, stages = results[0], results[1], results[2:]
    _checked(f"GET {POLICY_BINDINGS}", wire.policy_bindings, policy_bindings)
    _checked(f"GET {ALL_POLICIES}", wire.named_objects, policies)
    for stage in stages:
        state.objects.setdefault(str(stage["meta_model_name"]), []).append(stage)
    targets = {str(obj["policybindingmodel_ptr_id"]) for obj in (*flows, *bindings)}
    used = [pb for pb in policy_bindings if str(pb["target"]) in targets]
    state.objects[POLICY_BINDING] = used
    kinds = {str(p["pk"]): (str(p["name"]), str(p["meta_model_name"])) for p in policies}
    wanted_policies = sorted({str(pb["policy"]) for pb in used if pb.get("policy") is not None})
    where = [_where(kinds, pk, release) for pk in wanted_policies]
    for policy in await gather_all(*(_detail(client, path, model) for path, model in where)):
        state.policies[str(policy["pk"])] = policy


def _used_flows(state: LiveState, stage_pks: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    all_bindings = state.objects.get(BINDING, [])
    flow_pks = {str(b.get("target")) for b in all_bindings if str(b.get("stage")) in stage_pks}
    flows = [f for f in state.objects.get(FLOW, []) if str(f.get("pk")) in flow_pks]
    return flows, [b for b in all_bindings if str(b.get("target")) in flow_pks]


def _where(kinds: dict[str, tuple[str, str]], pk: str, release: Release) -> tuple[str, str]:
    """(path of the object's own endpoint, its model) for the object *pk* listed in *kinds*."""
    name, model = kinds.get(pk, ("", ""))
    if not model:
        raise BadAnswer(f"an object bound in a pulled flow ({pk}) is missing from the server's listing of its kind")
    spec = model_spec(model, release)
    if spec is None or not spec.endpoint.startswith(_API_PREFIX + "/"):
        raise NoEndpoint(f"'{name}' is of type {model}, which authentik {release} has no API endpoint for")
    return f"{spec.endpoint.removeprefix(_API_PREFIX)}{pk}/", model


async def _detail(client: Client, path: str, model: str) -> dict[str, Any]:
    found = await client.get(path)
    if found is None:  # deleted between the listing and now
        raise BadAnswer(f"GET {path}: the object is gone (deleted while pulling?)")
    _checked(f"GET {path}", wire.named_objects, [found])
    if found["meta_model_name"] != model:
        raise BadAnswer(f"GET {path}: unexpected answer: a {found['meta_model_name']}, not a {model}")
    return found


def _checked(where: str, check: Callable[[Any], None], items: Any) -> None:
    try:
        check(items)
    except wire.ShapeError as error:
        raise BadAnswer(f"{where}: unexpected answer: {error}") from None
