"""Users, API tokens, roles and permissions: enough to grant rights as recordings 105-121 do."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from . import render
from .fields import CharField, Field, IntegerField, ListField, fail
from .http import ApiError, Request, Response, empty_response, json_response, no_match, not_found
from .pagination import FilterErrors, order, paginate, search
from .routes import Method, Router, View
from .serializer import checked, run
from .state import Role
from .validate import validate_role, validate_token, validate_user

if TYPE_CHECKING:
    from .state import State, Token, User

API_TOKEN_LIFETIME = timedelta(minutes=30)  # 106: an API token expires 30 minutes after creation


# -- /core/users/ ------------------------------------------------------------------------------------------
def user_list(state: State, request: Request) -> Response:
    items = list(state.users.values())
    username = request.arg("username")
    if username not in (None, ""):
        items = [u for u in items if u.username == username]
    items = search(request, items, lambda u: u.username, lambda u: u.name, lambda u: u.email)
    items = order(request, items, {"username": lambda u: u.username, "pk": lambda u: u.pk}, ["username"])
    return json_response(200, paginate(request, items, lambda u: render.user(state, u)))


def user_create(state: State, request: Request) -> Response:
    values = checked(validate_user, state, request.data(), partial=False)
    user = state.add_user(values.pop("username"), values.pop("name"), **values)
    return json_response(201, render.user(state, user))


def _user(state: State, request: Request) -> User:
    try:
        pk = int(request.params["pk"])
    except ValueError:
        raise not_found() from None
    user = state.users.get(pk)
    if user is None:
        raise no_match("User")
    return user


def user_retrieve(state: State, request: Request) -> Response:
    return json_response(200, render.user(state, _user(state, request)))


def user_delete(state: State, request: Request) -> Response:
    user = _user(state, request)
    del state.users[user.pk]
    for token in [t for t in state.tokens.values() if t.user == user.pk]:
        del state.tokens[token.pk]
    return empty_response()


# -- /core/tokens/ (lookup by identifier) ----------------------------------------------------------------
def token_list(state: State, request: Request) -> Response:
    items = list(state.tokens.values())
    identifier = request.arg("identifier")
    if identifier not in (None, ""):
        items = [t for t in items if t.identifier == identifier]
    items = order(request, items, {"identifier": lambda t: t.identifier}, ["identifier"])
    return json_response(200, paginate(request, items, lambda t: render.token(state, t)))


def token_create(state: State, request: Request) -> Response:
    values = checked(validate_token, state, request.data(), partial=False)
    values.setdefault("user", request.user.pk)
    expiring = values.get("expiring", True)
    token = state.add_token(values.pop("identifier"), values.pop("user"), **values)
    if token.intent == "api" and expiring:
        token.expires = state.now() + API_TOKEN_LIFETIME
    return json_response(201, render.token(state, token))


def _token(state: State, request: Request) -> Token:
    token = state.token_by_identifier(request.params["identifier"])
    if token is None:
        raise no_match("Token")
    return token


def token_retrieve(state: State, request: Request) -> Response:
    return json_response(200, render.token(state, _token(state, request)))


def token_delete(state: State, request: Request) -> Response:
    del state.tokens[_token(state, request).pk]
    return empty_response()


def token_view_key(state: State, request: Request) -> Response:
    return json_response(200, {"key": _token(state, request).key})


# -- /rbac/roles/ ------------------------------------------------------------------------------------------
def role_list(state: State, request: Request) -> Response:
    filters = FilterErrors()
    member = filters.integer(request, "users")
    filters.raise_if_any()
    items = list(state.roles.values())
    if member is not None:
        items = [r for r in items if member in r.users]
    items = search(request, items, lambda r: r.name)
    items = order(request, items, {"name": lambda r: r.name}, ["name"])
    return json_response(200, paginate(request, items, render.role))


def role_create(state: State, request: Request) -> Response:
    values = checked(validate_role, state, request.data(), partial=False)
    role = Role(pk=state.new_uuid(), name=values["name"])
    state.roles[role.pk] = role
    return json_response(201, render.role(role))


def _role(state: State, raw: str) -> Role:
    try:
        pk = str(uuid.UUID(raw))
    except ValueError:
        raise not_found() from None
    role = state.roles.get(pk)
    if role is None:
        raise no_match("Role")
    return role


def role_retrieve(state: State, request: Request) -> Response:
    return json_response(200, render.role(_role(state, request.params["pk"])))


def role_delete(state: State, request: Request) -> Response:
    del state.roles[_role(state, request.params["pk"]).pk]
    return empty_response()


def role_add_user(state: State, request: Request) -> Response:
    """POST {"pk": <user pk>}: 204 with an empty body (118)."""
    role = _role(state, request.params["pk"])

    def user_exists(value: Any) -> None:
        if value not in state.users:
            raise fail(f'Invalid pk "{value}" - object does not exist.', "does_not_exist")

    values = checked(
        run, [("pk", IntegerField(required=True, validators=[user_exists]))], request.data(), partial=False
    )
    if values["pk"] not in role.users:
        role.users.append(values["pk"])
    return empty_response()


# -- /rbac/permissions/ --------------------------------------------------------------------------------------
def permission_list(state: State, request: Request) -> Response:
    items = search(request, state.permissions, lambda p: p["name"], lambda p: p["codename"])
    return json_response(200, paginate(request, items, dict))


GLOBAL_CODENAME = "When assigning global permissions, codename must be given as app_label.codename"


def role_assign(state: State, request: Request) -> Response:
    """POST {"permissions": [...]} (global grants): 200 ``[{"id": "<row id>"}]`` (119, 120)."""
    role = _role(state, request.params["uuid"])

    def codenames(value: Any, initial: dict[str, Any]) -> Any:
        if not initial.get("model") and any("." not in codename for codename in value):
            raise fail(GLOBAL_CODENAME, "invalid")
        return value

    fields: list[tuple[str, Field]] = [
        ("permissions", ListField(CharField(required=True), required=True)),
        ("model", CharField()),
        ("object_pk", CharField()),
    ]
    values = checked(run, fields, request.data(), partial=False, hooks={"permissions": codenames})
    if values.get("model"):
        raise ApiError(400, {"model": ["Per-object permissions are not modelled by the fake server."]})
    result = []
    for codename in values["permissions"]:
        role.permissions.add(codename)
        result.append({"id": str(state.next_assignment_id)})
        state.next_assignment_id += 1
    return json_response(200, result)


def register(router: Router) -> None:
    pk = r"(?P<pk>[^/.]+)"
    users = "authentik_core.user"
    router.add(
        "core/users/", View("User List", "User Viewset", users, {"GET": Method(user_list), "POST": Method(user_create)})
    )
    router.add(
        f"core/users/{pk}/",
        View("User Instance", "User Viewset", users, {"GET": Method(user_retrieve), "DELETE": Method(user_delete)}),
    )
    tokens = "authentik_core.token"
    identifier = r"(?P<identifier>[^/.]+)"
    router.add(
        "core/tokens/",
        View("Token List", "Token Viewset", tokens, {"GET": Method(token_list), "POST": Method(token_create)}),
    )
    router.add(
        f"core/tokens/{identifier}/",
        View(
            "Token Instance", "Token Viewset", tokens, {"GET": Method(token_retrieve), "DELETE": Method(token_delete)}
        ),
    )
    router.add(
        f"core/tokens/{identifier}/view_key/",
        View(
            "View key",
            "Token Viewset",
            tokens,
            {"GET": Method(token_view_key, "authentik_core.view_token_key")},
        ),
    )
    roles = "authentik_rbac.role"
    router.add(
        "rbac/roles/", View("Role List", "Role viewset", roles, {"GET": Method(role_list), "POST": Method(role_create)})
    )
    router.add(
        f"rbac/roles/{pk}/",
        View("Role Instance", "Role viewset", roles, {"GET": Method(role_retrieve), "DELETE": Method(role_delete)}),
    )
    router.add(
        f"rbac/roles/{pk}/add_user/", View("Add user", "Role viewset", roles, {"POST": Method(role_add_user, "change")})
    )
    router.add(
        "rbac/permissions/",
        View(
            "Permission List", "Read-only list of all permissions", "auth.permission", {"GET": Method(permission_list)}
        ),
    )
    router.add(
        r"rbac/permissions/assigned_by_roles/(?P<uuid>[^/.]+)/assign/",
        View(
            "Assign",
            "Get a role's assigned object permissions",
            roles,
            {"POST": Method(role_assign, "authentik_rbac.assign_role_permissions")},
        ),
    )
