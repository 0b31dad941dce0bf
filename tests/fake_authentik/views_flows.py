"""Flow and flow-stage-binding endpoints (recordings 094-097, 131-151)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from . import render
from .export import export_flow
from .http import HTML_TYPE, Request, Response, empty_response, json_response, no_match, not_found
from .pagination import FilterErrors, order, paginate, search
from .routes import Method, Router, View
from .serializer import checked
from .state import Binding, Flow
from .validate import (
    DENIED_ACTIONS,
    DESIGNATIONS,
    INVALID_RESPONSE_ACTIONS,
    POLICY_ENGINE_MODES,
    validate_binding,
    validate_flow,
)

if TYPE_CHECKING:
    from .state import State


# -- /flows/instances/ (lookup by slug) ------------------------------------------------------------------------
def flow_list(state: State, request: Request) -> Response:
    filters = FilterErrors()
    denied = filters.choice(request, "denied_action", DENIED_ACTIONS)
    designation = filters.choice(request, "designation", DESIGNATIONS)
    flow_uuid = filters.uuid(request, "flow_uuid")
    filters.raise_if_any()
    items = list(state.flows.values())
    for name in ("name", "slug"):
        value = request.arg(name)
        if value not in (None, ""):
            items = [f for f in items if getattr(f, name) == value]
    if denied is not None:
        items = [f for f in items if f.denied_action == denied]
    if designation is not None:
        items = [f for f in items if f.designation == designation]
    if flow_uuid is not None:
        items = [f for f in items if f.pk == flow_uuid]
    items = search(request, items, lambda f: f.name, lambda f: f.slug, lambda f: f.designation, lambda f: f.title)
    items = order(
        request,
        items,
        {"slug": lambda f: f.slug, "name": lambda f: f.name, "designation": lambda f: f.designation},
        ["slug"],
    )
    return json_response(200, paginate(request, items, lambda f: render.flow(state, f)))


def flow_create(state: State, request: Request) -> Response:
    values = checked(validate_flow, state, request.data(), partial=False)
    flow = Flow(pk=state.new_uuid(), pbm_pk=state.new_uuid(), **values)
    state.flows[flow.pk] = flow
    return json_response(201, render.flow(state, flow))


def _flow(state: State, request: Request) -> Flow:
    flow = state.flow_by_slug(request.params["slug"])
    if flow is None:
        raise no_match("Flow")  # 140
    return flow


def flow_retrieve(state: State, request: Request) -> Response:
    return json_response(200, render.flow(state, _flow(state, request)))


def _flow_update(state: State, request: Request, *, partial: bool) -> Response:
    flow = _flow(state, request)
    values = checked(validate_flow, state, request.data(), partial=partial, instance_pk=flow.pk)
    for key, value in values.items():
        setattr(flow, key, value)
    return json_response(200, render.flow(state, flow))


def flow_delete(state: State, request: Request) -> Response:
    state.delete_flow(_flow(state, request).pk)
    return empty_response()


def flow_used_by(state: State, request: Request) -> Response:
    return json_response(200, render.flow_used_by(state, _flow(state, request)))


def flow_export(state: State, request: Request) -> Response:
    """200 with the YAML, labelled text/html (097), as an attachment."""
    flow = _flow(state, request)
    return Response(
        200,
        export_flow(state, flow).encode("utf-8"),
        [
            ("Content-Type", HTML_TYPE),
            ("Content-Disposition", f'attachment; filename="{flow.slug}.yaml"'),
        ],
    )


# -- /flows/bindings/ ----------------------------------------------------------------------------------------
def binding_list(state: State, request: Request) -> Response:
    filters = FilterErrors()
    target = _model_choice(filters, request, "target", lambda pk: pk in state.flows)
    stage = _model_choice(filters, request, "stage", lambda pk: pk in state.stages)
    fsb_uuid = filters.uuid(request, "fsb_uuid")
    pbm_uuid = filters.uuid(request, "pbm_uuid")
    on_plan = filters.boolean(request, "evaluate_on_plan")
    on_run = filters.boolean(request, "re_evaluate_policies")
    invalid_action = filters.choice(request, "invalid_response_action", INVALID_RESPONSE_ACTIONS)
    engine = filters.choice(request, "policy_engine_mode", POLICY_ENGINE_MODES)
    position = filters.integer(request, "order")
    filters.raise_if_any()
    items = list(state.bindings.values())
    wanted = {
        "target": target,
        "stage": stage,
        "pk": fsb_uuid,
        "pbm_pk": pbm_uuid,
        "evaluate_on_plan": on_plan,
        "re_evaluate_policies": on_run,
        "invalid_response_action": invalid_action,
        "policy_engine_mode": engine,
        "order": position,
    }
    for attribute, value in wanted.items():
        if value is not None:
            items = [b for b in items if getattr(b, attribute) == value]
    items = search(request, items, lambda b: state.stages[b.stage].name)
    items = order(request, items, {"order": lambda b: b.order, "pk": lambda b: b.pk}, ["order"])
    return json_response(200, paginate(request, items, lambda b: render.binding(state, b)))


def _model_choice(filters: FilterErrors, request: Request, name: str, exists: Any) -> str | None:
    """django-filter ModelChoiceFilter: a bad or unknown pk is a form error (inferred message)."""
    value = request.arg(name)
    if value in (None, ""):
        return None
    try:
        pk = str(uuid.UUID(value))
    except ValueError:
        pk = None
    if pk is None or not exists(pk):
        filters.errors[name] = ["Select a valid choice. That choice is not one of the available choices."]
        return None
    return pk


def binding_create(state: State, request: Request) -> Response:
    values = checked(validate_binding, state, request.data(), partial=False)
    binding = Binding(pk=state.new_uuid(), pbm_pk=state.new_uuid(), **values)
    state.bindings[binding.pk] = binding
    # QUIRK (143): the 201 body describes the generic base stage in stage_obj.
    return json_response(201, render.binding(state, binding, created=True))


def _binding(state: State, request: Request) -> Binding:
    try:
        pk = str(uuid.UUID(request.params["pk"]))
    except ValueError:
        raise not_found() from None
    binding = state.bindings.get(pk)
    if binding is None:
        raise no_match("FlowStageBinding")
    return binding


def binding_retrieve(state: State, request: Request) -> Response:
    return json_response(200, render.binding(state, _binding(state, request)))


def _binding_update(state: State, request: Request, *, partial: bool) -> Response:
    binding = _binding(state, request)
    values = checked(validate_binding, state, request.data(), partial=partial, instance_pk=binding.pk)
    for key, value in values.items():
        setattr(binding, key, value)
    return json_response(200, render.binding(state, binding))


def binding_delete(state: State, request: Request) -> Response:
    del state.bindings[_binding(state, request).pk]
    return empty_response()


def register(router: Router) -> None:
    slug = r"(?P<slug>[^/.]+)"
    flow_model = "authentik_flows.flow"
    router.add(
        "flows/instances/",
        View(
            "Flow List",
            "Flow Viewset",
            flow_model,
            {"GET": Method(flow_list), "POST": Method(flow_create)},
        ),
    )
    router.add(
        f"flows/instances/{slug}/",
        View(
            "Flow Instance",
            "Flow Viewset",
            flow_model,
            {
                "GET": Method(flow_retrieve),
                "PUT": Method(lambda s, r: _flow_update(s, r, partial=False)),
                "PATCH": Method(lambda s, r: _flow_update(s, r, partial=True)),
                "DELETE": Method(flow_delete),
            },
        ),
    )
    router.add(
        f"flows/instances/{slug}/used_by/",
        View("Used by", "Flow Viewset", flow_model, {"GET": Method(flow_used_by, "view")}),
    )
    router.add(
        f"flows/instances/{slug}/export/",
        View("Export", "Flow Viewset", flow_model, {"GET": Method(flow_export, "authentik_flows.export_flow")}),
    )
    binding_model = "authentik_flows.flowstagebinding"
    pk = r"(?P<pk>[^/.]+)"
    router.add(
        "flows/bindings/",
        View(
            "Flow Stage Binding List",
            "FlowStageBinding Viewset",
            binding_model,
            {"GET": Method(binding_list), "POST": Method(binding_create)},
        ),
    )
    router.add(
        f"flows/bindings/{pk}/",
        View(
            "Flow Stage Binding Instance",
            "FlowStageBinding Viewset",
            binding_model,
            {
                "GET": Method(binding_retrieve),
                "PUT": Method(lambda s, r: _binding_update(s, r, partial=False)),
                "PATCH": Method(lambda s, r: _binding_update(s, r, partial=True)),
                "DELETE": Method(binding_delete),
            },
        ),
    )
