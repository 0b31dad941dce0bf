"""Version, OpenAPI schema and blueprint-instance endpoints (recordings 001-002, 098-103, 113)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from . import blueprints, render
from .data import response_body, schema_json, schema_yaml
from .http import Request, Response, empty_response, json_response, no_match, not_found, validation_error
from .pagination import order, paginate, search
from .routes import Method, Router, View
from .serializer import Invalid, plain
from .state import BlueprintInstance
from .validate import validate_blueprint_instance

if TYPE_CHECKING:
    from .state import State

SCHEMA_VARY = "Accept, Accept-Language, Cookie"


def version(state: State, request: Request) -> Response:
    return json_response(200, response_body(1))


def schema(state: State, request: Request) -> Response:
    """drf-spectacular: YAML by default (002); JSON for ``?format=json`` or ``Accept: application/json``.

    The JSON content types are inferred from drf-spectacular's renderers (not recorded).
    """
    accept = (request.header("Accept") or "").lower()
    if request.arg("format") == "json":
        return Response(200, schema_json(), [("Content-Type", "application/vnd.oai.openapi+json")])
    if "application/json" in accept:
        return Response(200, schema_json(), [("Content-Type", "application/json")])
    if "application/vnd.oai.openapi+json" in accept:
        return Response(200, schema_json(), [("Content-Type", "application/vnd.oai.openapi+json")])
    return Response(200, schema_yaml(), [("Content-Type", "application/vnd.oai.openapi; charset=utf-8")])


# -- /managed/blueprints/ --------------------------------------------------------------------------------
def _validated(state: State, data: Any, *, partial: bool) -> dict[str, Any]:
    try:
        return validate_blueprint_instance(data, partial=partial, check_content=lambda c: blueprints.validate(state, c))
    except Invalid as exc:
        raise validation_error(plain(exc.errors)) from None


def blueprint_list(state: State, request: Request) -> Response:
    items = list(state.blueprints.values())
    name = request.arg("name")
    if name not in (None, ""):
        items = [b for b in items if b.name == name]
    items = search(request, items, lambda b: b.name)
    items = order(request, items, {"name": lambda b: b.name}, ["name"])
    return json_response(200, paginate(request, items, render.blueprint))


def blueprint_create(state: State, request: Request) -> Response:
    values = _validated(state, request.data(), partial=False)
    item = BlueprintInstance(
        pk=state.new_uuid(), name=values["name"], path=values.get("path", ""), context=values.get("context", {}),
        last_applied=state.now(), enabled=values.get("enabled", True), content=values.get("content", ""),
    )
    state.blueprints[item.pk] = item
    return json_response(201, render.blueprint(item))


def _blueprint(state: State, request: Request) -> BlueprintInstance:
    try:
        pk = str(uuid.UUID(request.params["pk"]))
    except ValueError:
        raise not_found() from None
    item = state.blueprints.get(pk)
    if item is None:
        raise no_match("BlueprintInstance")
    return item


def blueprint_retrieve(state: State, request: Request) -> Response:
    return json_response(200, render.blueprint(_blueprint(state, request)))


def _blueprint_update(state: State, request: Request, *, partial: bool) -> Response:
    item = _blueprint(state, request)
    for key, value in _validated(state, request.data(), partial=partial).items():
        setattr(item, key, value)
    return json_response(200, render.blueprint(item))


def blueprint_delete(state: State, request: Request) -> Response:
    del state.blueprints[_blueprint(state, request).pk]
    return empty_response()


def register(router: Router) -> None:
    router.add("admin/version/", View("Version", "Get running and latest version.", None,
                                      {"GET": Method(version, None)}))
    router.add("schema/", View("Schema", "OpenApi3 schema for this API.", None, {"GET": Method(schema, None)},
                               public=True, negotiate=False, vary=SCHEMA_VARY))
    model = "authentik_blueprints.blueprintinstance"
    pk = r"(?P<pk>[^/.]+)"
    router.add("managed/blueprints/", View(
        "Blueprint Instance List", "Blueprint instances", model,
        {"GET": Method(blueprint_list), "POST": Method(blueprint_create)},
    ))
    router.add(f"managed/blueprints/{pk}/", View(
        "Blueprint Instance Instance", "Blueprint instances", model,
        {"GET": Method(blueprint_retrieve), "PUT": Method(lambda s, r: _blueprint_update(s, r, partial=False)),
         "PATCH": Method(lambda s, r: _blueprint_update(s, r, partial=True)), "DELETE": Method(blueprint_delete)},
    ))
