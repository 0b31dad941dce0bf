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
    if not isinstance(body, dict):
        return f"{_kind(body)}"
    first = error.errors(include_url=False, include_input=False)[0]
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
