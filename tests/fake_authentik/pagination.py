"""authentik's list machinery: filters, search, ordering and its page-number pagination.

Pagination body (003, 011-016, 026-027): ``{"pagination": {next, previous, count, current,
total_pages, start_index, end_index}, "results": [...], "autocomplete": {}}``; ``next`` and
``previous`` are 0 when there is no such page. Page size: default 20, at most 100, and an invalid or
non-positive ``page_size`` falls back to 20. A bad page (past the end, 0, not a number) is a 404
``{"detail": "Invalid page."}``.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from .http import ApiError, Request

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def page_size(request: Request) -> int:
    raw = request.arg("page_size")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        value = int(raw)
    except ValueError:
        return DEFAULT_PAGE_SIZE
    if value <= 0:  # DRF's _positive_int(strict=True) rejects 0 and negatives
        return DEFAULT_PAGE_SIZE
    return min(value, MAX_PAGE_SIZE)


def paginate(request: Request, items: Sequence[T], render: Callable[[T], Any]) -> dict[str, Any]:
    size = page_size(request)
    count = len(items)
    total_pages = max(1, math.ceil(count / size))
    raw = request.arg("page") or "1"
    try:
        number = total_pages if raw == "last" else int(raw)
    except ValueError:
        raise ApiError(404, {"detail": "Invalid page."}) from None
    if number < 1 or number > total_pages:
        raise ApiError(404, {"detail": "Invalid page."})
    start = (number - 1) * size
    page = items[start : start + size]
    return {
        "pagination": {
            "next": number + 1 if number < total_pages else 0,
            "previous": number - 1 if number > 1 else 0,
            "count": count,
            "current": number,
            "total_pages": total_pages,
            "start_index": 0 if count == 0 else start + 1,
            "end_index": count if number == total_pages else number * size,
        },
        "results": [render(item) for item in page],
        "autocomplete": {},
    }


def search(request: Request, items: Iterable[T], *texts: Callable[[T], str]) -> list[T]:
    """DRF SearchFilter: every term must occur (case-insensitively) in one of the fields."""
    query = request.arg("search") or ""
    terms = [t for t in query.replace(",", " ").split() if t]
    if not terms:
        return list(items)
    return [item for item in items if all(any(term.lower() in text(item).lower() for text in texts) for term in terms)]


def order(
    request: Request, items: Iterable[T], fields: dict[str, Callable[[T], Any]], default: Sequence[str]
) -> list[T]:
    """DRF OrderingFilter: unknown fields are dropped; nothing valid means the default ordering."""
    raw = request.arg("ordering")
    wanted = [term.strip() for term in raw.split(",")] if raw else []
    valid = [term for term in wanted if term.lstrip("-") in fields]
    result = list(items)
    for term in reversed(valid or list(default)):
        result.sort(key=fields[term.lstrip("-")], reverse=term.startswith("-"))
    return result


class FilterErrors:
    """django-filter's form errors, collected and raised as one 400 (020)."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def choice(self, request: Request, name: str, choices: Sequence[str]) -> str | None:
        value = request.arg(name)
        if value in (None, ""):
            return None
        if value not in choices:
            self.errors[name] = [f"Select a valid choice. {value} is not one of the available choices."]
            return None
        return value

    def uuid(self, request: Request, name: str) -> str | None:
        value = request.arg(name)
        if value in (None, ""):
            return None
        try:
            return str(uuid.UUID(value))
        except ValueError:
            self.errors[name] = [f"“{value}” is not a valid UUID."]
            return None

    def uuids(self, request: Request, name: str, exists: Callable[[str], bool]) -> list[str]:
        """ModelMultipleChoiceFilter (e.g. ``configuration_stages``, explode form style)."""
        result = []
        for value in request.args(name):
            if value == "":
                continue
            try:
                pk = str(uuid.UUID(value))
            except ValueError:
                self.errors[name] = [f"“{value}” is not a valid value."]
                return []
            if not exists(pk):
                self.errors[name] = [f"Select a valid choice. {value} is not one of the available choices."]
                return []
            result.append(pk)
        return result

    def boolean(self, request: Request, name: str) -> bool | None:
        value = request.arg(name)
        if value in (None, ""):
            return None
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0"):
            return False
        self.errors[name] = ["Enter a valid boolean."]
        return None

    def integer(self, request: Request, name: str) -> int | None:
        value = request.arg(name)
        if value in (None, ""):
            return None
        try:
            return int(value)
        except ValueError:
            self.errors[name] = ["Enter a number."]
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ApiError(400, self.errors)
