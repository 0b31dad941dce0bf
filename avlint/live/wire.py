"""The shapes of authentik's API answers that the live client relies on, checked with pydantic.

Anything a server (or a proxy in front of it) sends is untrusted: a login page with 200, another
version's shape, a list where an object belongs. Each answer is checked against the shape the
endpoint returns before any of it is used, and a mismatch becomes one `BadAnswer` naming what
came back. Only the fields avlint reads are modelled; everything else passes through untouched
(`extra="allow"`), so a newer server's additional fields are no problem.

pydantic is imported only by the live commands (never on the `avlint lint` path).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, TypeAdapter, ValidationError


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


class Pagination(_Lenient):
    # Strict: a page count of "5" or 5.5 is not what authentik sends, and a wrong count would
    # decide how many requests go out.
    count: StrictInt = Field(ge=0)
    total_pages: StrictInt = Field(ge=0)


class ApiObject(_Lenient):
    """Any object of the API: avlint needs its pk (a UUID string, or an integer for a few models)."""

    pk: StrictStr | StrictInt


class Page(BaseModel):
    model_config = ConfigDict(extra="allow")

    pagination: Pagination
    results: list[ApiObject]


class Version(_Lenient):
    version_current: StrictStr


class ErrorBody(_Lenient):
    detail: StrictStr | None = None


_PAGE = TypeAdapter(Page)
_OBJECT = TypeAdapter(ApiObject)
_VERSION = TypeAdapter(Version)


class ShapeError(ValueError):
    """The JSON is not what the endpoint returns; the message says what was wrong, briefly."""


def page(body: Any) -> tuple[Pagination, list[dict[str, Any]]]:
    """The pagination and the objects (as the server sent them) of one list page."""
    checked = _check(_PAGE, body, "a page of results")
    return checked.pagination, body["results"]


def api_object(body: Any) -> dict[str, Any]:
    _check(_OBJECT, body, "an object")
    return dict(body)


def version(body: Any) -> str:
    checked: Version = _check(_VERSION, body, "a version answer")
    return checked.version_current


def error_detail(body: Any) -> str | None:
    """DRF's `{"detail": "..."}`, when the body is one."""
    try:
        return ErrorBody.model_validate(body).detail
    except ValidationError:
        return None


def _check(adapter: TypeAdapter[Any], body: Any, expected: str) -> Any:
    try:
        return adapter.validate_python(body)
    except ValidationError as error:
        raise ShapeError(f"expected {expected}, got {_describe(body, error)}") from None


def _describe(body: Any, error: ValidationError) -> str:
    """What came back, in a few words: the top-level kind or the first wrong field."""
    first = error.errors(include_url=False, include_input=False)[0]
    if isinstance(body, list) and body and first["loc"] and isinstance(first["loc"][0], int):
        index, *rest = first["loc"]  # one object of a list: which, and what is wrong with it
        where = ".".join(str(part) for part in rest)
        wrong = (
            "not an object"
            if not where
            else f"`{where}` {'missing' if first['type'] == 'missing' else first['msg'].lower()}"
        )
        return f"item {index}: {wrong}"
    if not isinstance(body, dict):
        return f"{_kind(body)}"
    where = ".".join(str(part) for part in first["loc"]) or "the answer"
    if first["type"] == "missing":
        return f"an object without `{where}`"
    return f"`{where}`: {first['msg'].lower()}"


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


# -- what `avlint pull --with-flows` reads besides stages and flows ---------------------------------
class PolicyTarget(_Lenient):
    """A flow or a flow-stage binding: a policy binding names it by its pbm_uuid."""

    pk: StrictStr
    policybindingmodel_ptr_id: StrictStr


class NamedObject(_Lenient):
    """A stage or a policy: pulled files refer to it by name, and its type says where it lives."""

    pk: StrictStr
    name: StrictStr
    meta_model_name: StrictStr


class _Group(_Lenient):
    name: StrictStr


class _User(_Lenient):
    username: StrictStr


class PolicyBinding(_Lenient):
    pk: StrictStr
    target: StrictStr
    order: StrictInt
    policy: StrictStr | None = None
    group: StrictStr | None = None
    user: StrictInt | None = None
    group_obj: _Group | None = None
    user_obj: _User | None = None


_TARGETS = TypeAdapter(list[PolicyTarget])
_NAMED = TypeAdapter(list[NamedObject])
_POLICY_BINDINGS = TypeAdapter(list[PolicyBinding])


def policy_targets(items: Any) -> None:
    """Flows or flow-stage bindings, each with the pbm_uuid that policy bindings name."""
    _check(_TARGETS, items, "flows or bindings with their policybindingmodel_ptr_id")


def named_objects(items: Any) -> None:
    _check(_NAMED, items, "objects with a name and a meta_model_name")


def policy_bindings(items: Any) -> None:
    """Policy bindings; one binding a group or a user must say which (its name), since a pulled
    file finds the group or user by name on the other server."""
    checked: list[PolicyBinding] = _check(_POLICY_BINDINGS, items, "policy bindings")
    for index, binding in enumerate(checked):
        if binding.group is not None and binding.group_obj is None:
            raise ShapeError(f"expected policy bindings, got item {index} binding a group without `group_obj`")
        if binding.user is not None and binding.user_obj is None:
            raise ShapeError(f"expected policy bindings, got item {index} binding a user without `user_obj`")
