"""The shape of a saved list page (`GET /api/v3/<list>/`), checked with pydantic.

A saved file is as untrusted as a server's answer: a browser's HTML page, one object, another
tool's JSON. authentik's pages are `{"pagination": {...}, "results": [...]}`; only the fields
avlint reads are modelled (`extra="allow"` keeps the rest), strictly typed where a wrong value
would change what avlint concludes (`next` decides whether the listing is complete).

pydantic is imported only with --live-file or --url (never on the `avlint lint FILE` path).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, TypeAdapter, ValidationError


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


class SavedPagination(_Lenient):
    next: StrictInt = Field(ge=0)  # authentik numbers pages; 0 on the last one
    count: StrictInt = Field(ge=0)
    current: StrictInt = Field(default=1, ge=0)
    total_pages: StrictInt = Field(default=1, ge=0)


class SavedObject(_Lenient):
    pk: StrictStr | StrictInt


class SavedPage(_Lenient):
    pagination: SavedPagination
    results: list[SavedObject]


_PAGE = TypeAdapter(SavedPage)


class PageShapeError(ValueError):
    """Not an authentik list page; the message says what it is instead."""


def saved_page(body: Any, where: str) -> tuple[SavedPagination, list[dict[str, Any]]]:
    """The pagination and the objects (as saved) of one page; PageShapeError otherwise."""
    if isinstance(body, dict) and "pk" in body and "results" not in body:
        raise PageShapeError(f"{where} is a single object, not a list page (save `GET /api/v3/<list>/`)")
    if not isinstance(body, dict):
        raise PageShapeError(f"{where} is {_kind(body)}, not a list page ({{'pagination': ..., 'results': [...]}})")
    try:
        checked = _PAGE.validate_python(body)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "the page"
        problem = "missing" if first["type"] == "missing" else first["msg"].lower()
        raise PageShapeError(f"{where} is not an authentik list page: `{field}`: {problem}") from None
    return checked.pagination, list(body["results"])


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list of objects" if value and all(isinstance(v, dict) and "pk" in v for v in value) else "a list"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__
