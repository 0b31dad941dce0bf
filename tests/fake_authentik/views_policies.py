"""Policies, policy bindings, groups, and the detail endpoints of every stage type the other
views do not serve (``/stages/password/``, ``/stages/identification/`` ...), for `avlint pull
--with-flows` and its round trip.

Inferred from authentik 2025.12's OpenAPI schema and serializers, not from recordings:

* ``/policies/all/`` lists every policy with the base fields (PolicySerializer); a policy's own
  endpoint (``/policies/expression/``) adds its type's fields.
* ``/policies/bindings/`` answers ``target`` as the target's ``pbm_uuid`` (a flow's and a
  flow-stage binding's ``policybindingmodel_ptr_id``, not its pk), and filters ``?target=`` on it.
  A write accepts either the pk or the pbm_uuid (PolicyBindingModelForeignKey, R-PB-03).
* A binding binds exactly one of policy, group and user; (policy, target, order) is unique.
* Policy and stage names are unique across every type.

The endpoints of each model come from avlint's generated model specs (rules/specs/generated), the
same source the pull reads, so a model the pull can fetch is a model the fake serves.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import render
from .http import ApiError, Request, Response, empty_response, json_response, no_match, not_found
from .pagination import paginate
from .routes import Method, Router, View
from .state import TOTP, VALIDATE, Stage

if TYPE_CHECKING:
    from .state import State

SPECS = Path(__file__).resolve().parents[2] / "rules" / "specs" / "generated"
API = "/api/v3/"
BINDING_FIELDS = ("policy", "group", "user", "target", "negate", "enabled", "order", "timeout", "failure_result")
BINDING_DEFAULTS = {"negate": False, "enabled": True, "timeout": 30, "failure_result": False}


@dataclass
class Policy:
    pk: str
    name: str
    model: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class PolicyBinding:
    pk: str
    target: str  # the target's pbm_uuid
    order: int
    policy: str | None = None
    group: str | None = None
    user: int | None = None
    negate: bool = False
    enabled: bool = True
    timeout: int = 30
    failure_result: bool = False


def tables(state: State) -> dict[str, dict[str, Any]]:
    """This module's tables (policies, policy_bindings, groups) of *state*, kept beside the
    state's own. ``State.reset()`` builds new tables for flows; so new tables here too when the
    flows table is not the one these were made with (reset leaves this attribute alone)."""
    made_with, extra = getattr(state, "_policy_tables", (None, None))
    if made_with is not state.flows or extra is None:
        extra = {"policies": {}, "policy_bindings": {}, "groups": {}}
        state._policy_tables = (state.flows, extra)  # type: ignore[attr-defined]
    return extra


def add_group(state: State, name: str) -> str:
    """A group (only its pk and name are modelled), for group bindings."""
    pk = state.new_uuid()
    tables(state)["groups"][pk] = name
    return pk


# -- model specs ------------------------------------------------------------------------------------
@cache
def _specs() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(SPECS.glob("authentik_*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        # Models that left authentik (an `until`) are not served: a newer model may have
        # taken their endpoint (/stages/authenticator/webauthn/).
        if spec.get("endpoint", "").startswith(API) and spec.get("until") is None:
            found[spec["model"]] = spec
    return found


def _writable(model: str) -> set[str]:
    rows = _specs()[model]["fields"]
    return {row["name"] for row in rows if not row.get("read_only") and row.get("until") is None}


def policy_models() -> dict[str, str]:
    """model -> endpoint (without /api/v3) of every policy type."""
    return {
        model: spec["endpoint"][len(API) - 1 :]
        for model, spec in _specs().items()
        if model.startswith("authentik_policies_") and "execution_logging" in _writable(model)
    }


def stage_models() -> dict[str, str]:
    """model -> endpoint of every stage type not served by views_stages."""
    listed = json.loads((SPECS / "models.json").read_text(encoding="utf-8"))["models"]
    return {
        model: _specs()[model]["endpoint"][len(API) - 1 :]
        for model, info in listed.items()
        if info.get("stage") and model in _specs() and model not in (VALIDATE, TOTP)
    }


def _verbose(model: str) -> tuple[str, str, str]:
    title = _specs()[model].get("title", model)
    return f"ak-{model.rsplit('.', 1)[1]}-form", title, title + "s"


# -- policies -----------------------------------------------------------------------------------------
def _policy_base(state: State, policy: Policy) -> dict[str, Any]:
    component, verbose, plural = _verbose(policy.model)
    bound = sum(1 for b in tables(state)["policy_bindings"].values() if b.policy == policy.pk)
    return {
        "pk": policy.pk,
        "name": policy.name,
        "execution_logging": policy.fields.get("execution_logging", False),
        "component": component,
        "verbose_name": verbose,
        "verbose_name_plural": plural,
        "meta_model_name": policy.model,
        "bound_to": bound,
    }


def _policy_full(state: State, policy: Policy) -> dict[str, Any]:
    return {**_policy_base(state, policy), **{k: v for k, v in policy.fields.items() if k != "execution_logging"}}


def _invalid(errors: dict[str, Any]) -> ApiError:
    return ApiError(400, errors)


def _check_name(state: State, data: dict[str, Any], existing: dict[str, Any], own: str | None, what: str) -> None:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _invalid({"name": ["This field is required."]})
    if any(pk != own and other == name for pk, other in existing.items()):
        raise _invalid({"name": [f"{what} with this name already exists."]})


def _body(request: Request) -> dict[str, Any]:
    data = request.data()
    if not isinstance(data, dict):
        raise _invalid({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]})
    return data


def _policy_views(model: str) -> tuple[Any, ...]:
    writable = _writable(model)

    def names(state: State) -> dict[str, Any]:
        return {pk: p.name for pk, p in tables(state)["policies"].items()}

    def listing(state: State, request: Request) -> Response:
        items = [p for p in tables(state)["policies"].values() if p.model == model]
        return json_response(200, paginate(request, items, lambda p: _policy_full(state, p)))

    def create(state: State, request: Request) -> Response:
        data = _body(request)
        _check_name(state, data, names(state), None, "Policy")
        policy = Policy(state.new_uuid(), data["name"], model)
        policy.fields = {k: v for k, v in data.items() if k in writable and k != "name"}
        tables(state)["policies"][policy.pk] = policy
        return json_response(201, _policy_full(state, policy))

    def one(state: State, request: Request) -> Policy:
        policy = tables(state)["policies"].get(request.params["pk"])
        if policy is None or policy.model != model:
            raise no_match("Policy")
        return policy

    def retrieve(state: State, request: Request) -> Response:
        return json_response(200, _policy_full(state, one(state, request)))

    def update(state: State, request: Request) -> Response:
        policy = one(state, request)
        data = _body(request)
        if "name" in data:
            _check_name(state, data, names(state), policy.pk, "Policy")
            policy.name = data["name"]
        policy.fields.update({k: v for k, v in data.items() if k in writable and k != "name"})
        return json_response(200, _policy_full(state, policy))

    def delete(state: State, request: Request) -> Response:
        del tables(state)["policies"][one(state, request).pk]
        return empty_response()

    return listing, create, retrieve, update, delete


def policies_all(state: State, request: Request) -> Response:
    items = list(tables(state)["policies"].values())
    return json_response(200, paginate(request, items, lambda p: _policy_base(state, p)))


# -- policy bindings ----------------------------------------------------------------------------------
def _targets(state: State) -> dict[str, str]:
    """pk or pbm_uuid of every policy binding model the fake has -> its pbm_uuid."""
    found: dict[str, str] = {}
    for item in (*state.flows.values(), *state.bindings.values()):
        found[item.pk] = item.pbm_pk
        found[item.pbm_pk] = item.pbm_pk
    return found


def _binding_body(state: State, binding: PolicyBinding) -> dict[str, Any]:
    policy = tables(state)["policies"].get(binding.policy) if binding.policy else None
    group = tables(state)["groups"].get(binding.group) if binding.group else None
    user = state.users.get(binding.user) if binding.user is not None else None
    return {
        "pk": binding.pk,
        "policy": binding.policy,
        "group": binding.group,
        "user": binding.user,
        "policy_obj": _policy_base(state, policy) if policy else None,
        "group_obj": {"pk": binding.group, "name": group} if group is not None else None,
        "user_obj": {"pk": user.pk, "username": user.username, "name": user.name} if user else None,
        "target": binding.target,
        "negate": binding.negate,
        "enabled": binding.enabled,
        "order": binding.order,
        "timeout": binding.timeout,
        "failure_result": binding.failure_result,
    }


def _binding_values(state: State, data: dict[str, Any], current: PolicyBinding | None) -> dict[str, Any]:
    values = {k: v for k, v in data.items() if k in BINDING_FIELDS}
    merged = {**(current.__dict__ if current else BINDING_DEFAULTS), **values}
    if "target" in values:
        target = _targets(state).get(str(values["target"]))
        if target is None:
            raise _invalid({"target": [f'Invalid pk "{values["target"]}" - object does not exist.']})
        merged["target"] = values["target"] = target
    if merged.get("target") is None:
        raise _invalid({"target": ["This field is required."]})
    if merged.get("order") is None:
        raise _invalid({"order": ["This field is required."]})
    if merged.get("policy") is not None and merged["policy"] not in tables(state)["policies"]:
        raise _invalid({"policy": [f'Invalid pk "{merged["policy"]}" - object does not exist.']})
    if merged.get("group") is not None and merged["group"] not in tables(state)["groups"]:
        raise _invalid({"group": [f'Invalid pk "{merged["group"]}" - object does not exist.']})
    if merged.get("user") is not None and merged["user"] not in state.users:
        raise _invalid({"user": [f'Invalid pk "{merged["user"]}" - object does not exist.']})
    if sum(merged.get(k) is not None for k in ("policy", "group", "user")) != 1:
        raise _invalid({"non_field_errors": ["Only one of 'policy', 'group' or 'user' can be set."]})
    own = current.pk if current else None
    for other in tables(state)["policy_bindings"].values():
        if (
            other.pk != own
            and merged.get("policy")
            and (other.policy, other.target, other.order)
            == (
                merged["policy"],
                merged["target"],
                merged["order"],
            )
        ):
            raise _invalid({"non_field_errors": ["The fields policy, target, order must make a unique set."]})
    return values


def bindings_list(state: State, request: Request) -> Response:
    items = list(tables(state)["policy_bindings"].values())
    target = request.arg("target")
    if target:
        items = [b for b in items if b.target == target]
    policy = request.arg("policy")
    if policy:
        items = [b for b in items if b.policy == policy]
    items.sort(key=lambda b: (b.target, b.order))
    return json_response(200, paginate(request, items, lambda b: _binding_body(state, b)))


def binding_create(state: State, request: Request) -> Response:
    values = _binding_values(state, _body(request), None)
    binding = PolicyBinding(pk=state.new_uuid(), **{**BINDING_DEFAULTS, **values})
    tables(state)["policy_bindings"][binding.pk] = binding
    return json_response(201, _binding_body(state, binding))


def _binding(state: State, request: Request) -> PolicyBinding:
    try:
        pk = str(uuid.UUID(request.params["pk"]))
    except ValueError:
        raise not_found() from None
    binding = tables(state)["policy_bindings"].get(pk)
    if binding is None:
        raise no_match("PolicyBinding")
    assert isinstance(binding, PolicyBinding)
    return binding


def binding_retrieve(state: State, request: Request) -> Response:
    return json_response(200, _binding_body(state, _binding(state, request)))


def binding_update(state: State, request: Request) -> Response:
    binding = _binding(state, request)
    for key, value in _binding_values(state, _body(request), binding).items():
        setattr(binding, key, value)
    return json_response(200, _binding_body(state, binding))


def binding_delete(state: State, request: Request) -> Response:
    del tables(state)["policy_bindings"][_binding(state, request).pk]
    return empty_response()


# -- stages of every other type --------------------------------------------------------------------
def _stage_views(model: str) -> tuple[Any, ...]:
    writable = _writable(model)

    def names(state: State) -> dict[str, Any]:
        return {pk: s.name for pk, s in state.stages.items()}

    def listing(state: State, request: Request) -> Response:
        items = [s for s in state.stages.values() if s.model == model]
        return json_response(200, paginate(request, items, lambda s: render.stage(state, s)))

    def create(state: State, request: Request) -> Response:
        data = _body(request)
        _check_name(state, data, names(state), None, "stage")
        component, verbose, plural = _verbose(model)
        stage = Stage(state.new_uuid(), data["name"], model, component, verbose, plural)
        stage.fields = {k: v for k, v in data.items() if k in writable and k != "name"}
        state.stages[stage.pk] = stage
        return json_response(201, render.stage(state, stage))

    def one(state: State, request: Request) -> Stage:
        stage = state.stages.get(request.params["pk"])
        if stage is None or stage.model != model:
            raise no_match("Stage")
        return stage

    def retrieve(state: State, request: Request) -> Response:
        return json_response(200, render.stage(state, one(state, request)))

    def update(state: State, request: Request) -> Response:
        stage = one(state, request)
        data = _body(request)
        if "name" in data:
            _check_name(state, data, names(state), stage.pk, "stage")
            stage.name = data["name"]
        stage.fields.update({k: v for k, v in data.items() if k in writable and k != "name"})
        return json_response(200, render.stage(state, stage))

    def delete(state: State, request: Request) -> Response:
        state.delete_stage(one(state, request).pk)
        return empty_response()

    return listing, create, retrieve, update, delete


def _register_model(router: Router, model: str, endpoint: str, views: tuple[Any, ...], title: str) -> None:
    listing, create, retrieve, update, delete = views
    path = endpoint.strip("/")
    router.add(
        f"{path}/", View(f"{title} List", f"{title} Viewset", model, {"GET": Method(listing), "POST": Method(create)})
    )
    router.add(
        f"{path}/(?P<pk>[^/.]+)/",
        View(
            f"{title} Instance",
            f"{title} Viewset",
            model,
            {"GET": Method(retrieve), "PATCH": Method(update), "PUT": Method(update), "DELETE": Method(delete)},
        ),
    )


def register(router: Router) -> None:
    router.add(
        "policies/all/",
        View("Policy List", "Policy Viewset", "authentik_policies.policy", {"GET": Method(policies_all)}),
    )
    binding_model = "authentik_policies.policybinding"
    router.add(
        "policies/bindings/",
        View(
            "Policy Binding List",
            "PolicyBinding Viewset",
            binding_model,
            {"GET": Method(bindings_list), "POST": Method(binding_create)},
        ),
    )
    router.add(
        "policies/bindings/(?P<pk>[^/.]+)/",
        View(
            "Policy Binding Instance",
            "PolicyBinding Viewset",
            binding_model,
            {
                "GET": Method(binding_retrieve),
                "PATCH": Method(binding_update),
                "PUT": Method(binding_update),
                "DELETE": Method(binding_delete),
            },
        ),
    )
    for model, endpoint in sorted(policy_models().items()):
        _register_model(router, model, endpoint, _policy_views(model), _specs()[model].get("title", model))
    for model, endpoint in sorted(stage_models().items()):
        _register_model(router, model, endpoint, _stage_views(model), _specs()[model].get("title", model))
