"""Version, OpenAPI schema and blueprint-instance endpoints (recordings 001-002, 098-103, 113)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from . import blueprints, render
from .data import response_body, schema_json, schema_yaml
from .http import ApiError, Request, Response, empty_response, json_response, no_match, not_found
from .pagination import order, paginate, search
from .routes import Method, Router, View, negotiate
from .serializer import checked
from .state import BlueprintInstance
from .validate import validate_blueprint_instance

if TYPE_CHECKING:
    from .state import State

SCHEMA_VARY = "Accept, Accept-Language, Cookie"


def version(state: State, request: Request) -> Response:
    return json_response(200, response_body(1))


# drf-spectacular's SpectacularAPIView renderers, in order: (media type, format, charset).
SCHEMA_RENDERERS = (
    ("application/vnd.oai.openapi", "yaml", "utf-8"),
    ("application/yaml", "yaml", "utf-8"),
    ("application/vnd.oai.openapi+json", "json", None),
    ("application/json", "json", None),
)


def schema(state: State, request: Request) -> Response:
    """YAML by default (002); JSON (indent 4, "3.2 MB") for ``?format=json`` or a JSON ``Accept``.

    DRF content negotiation picks the renderer: note that ``Accept: application/json,
    application/yaml;q=0.9`` gets YAML, as q-values are not weighed and YAML renderers come first.
    Only the default (YAML) answer is recorded; the JSON forms follow drf-spectacular's code.
    """
    fmt = request.arg("format")
    renderers = [r for r in SCHEMA_RENDERERS if fmt is None or r[1] == fmt]
    if not renderers:
        raise ApiError(404, {"detail": "Not found."})
    selected = negotiate(request.header("Accept"), [media for media, _, _ in renderers])
    if selected is None:
        raise ApiError(406, {"detail": "Could not satisfy the request Accept header."})
    renderer, accepted = selected
    _, kind, charset = next(r for r in renderers if r[0] == renderer)
    content_type = f"{accepted}; charset={charset}" if charset else accepted
    body = schema_yaml() if kind == "yaml" else schema_json()
    return Response(200, body, [("Content-Type", content_type)])


# -- /managed/blueprints/ --------------------------------------------------------------------------------
def _validated(state: State, data: Any, *, partial: bool) -> dict[str, Any]:
    return checked(
        validate_blueprint_instance,
        data,
        partial=partial,
        check_content=lambda content, context: blueprints.validate(state, content, context),
    )


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
        pk=state.new_uuid(),
        name=values["name"],
        path=values.get("path", ""),
        context=values.get("context", {}),
        last_applied=state.now(),
        enabled=values.get("enabled", True),
        content=values.get("content", ""),
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
    router.add(
        "admin/version/", View("Version", "Get running and latest version.", None, {"GET": Method(version, None)})
    )
    router.add(
        "schema/",
        View(
            "Schema",
            "OpenApi3 schema for this API.",
            None,
            {"GET": Method(schema, None)},
            public=True,
            negotiate=False,
            vary=SCHEMA_VARY,
        ),
    )
    model = "authentik_blueprints.blueprintinstance"
    pk = r"(?P<pk>[^/.]+)"
    router.add(
        "managed/blueprints/",
        View(
            "Blueprint Instance List",
            "Blueprint instances",
            model,
            {"GET": Method(blueprint_list), "POST": Method(blueprint_create)},
        ),
    )
    router.add(
        f"managed/blueprints/{pk}/",
        View(
            "Blueprint Instance Instance",
            "Blueprint instances",
            model,
            {
                "GET": Method(blueprint_retrieve),
                "PUT": Method(lambda s, r: _blueprint_update(s, r, partial=False)),
                "PATCH": Method(lambda s, r: _blueprint_update(s, r, partial=True)),
                "DELETE": Method(blueprint_delete),
            },
        ),
    )
