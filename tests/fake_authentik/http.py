"""Request and response values, and the error bodies every view shares.

The wire format copies authentik 2025.12.4 (Django + DRF with the orjson renderer): compact
JSON, ``Content-Type: application/json; charset=utf-8`` and ``Vary: Accept-Language, Cookie``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
VARY = "Accept-Language, Cookie"

# Allow header of authentik's error page (a GET-only TemplateView), sent with the empty 405 that
# replaces a 500 on non-GET requests (recordings 057, 059, 102).
ERROR_PAGE_ALLOW = "GET, HEAD, OPTIONS"


def render_json(obj: Any) -> bytes:
    """Compact JSON like orjson: no spaces, non-ASCII kept as UTF-8."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name, value))


def json_response(status: int, obj: Any) -> Response:
    return Response(status, render_json(obj), [("Content-Type", JSON_TYPE)])


def empty_response(status: int = 204) -> Response:
    """204 bodies carry no Content-Type (recordings 082, 103, 118)."""
    return Response(status, b"", [])


def html_response(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"), [("Content-Type", HTML_TYPE), ("Vary", VARY)])


class ApiError(Exception):
    """A DRF error answer: ``{"detail": ...}`` or a validation dict, with the view's Allow header."""

    def __init__(self, status: int, body: Any, headers: list[tuple[str, str]] | None = None):
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or []


class Unhandled(Exception):
    """An exception DRF does not handle (e.g. OverflowError in the threshold validator).

    authentik's handler500 is a GET-only view, so the client sees an empty 405 on POST/PUT/PATCH.
    """


def not_found(detail: str = "Not found.") -> ApiError:
    return ApiError(404, {"detail": detail})


def no_match(model: str) -> ApiError:
    """Django's get_object_or_404 message for a well-formed but unknown lookup value."""
    return ApiError(404, {"detail": f"No {model} matches the given query."})


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # keys lower-cased
    body: bytes
    user: Any = None
    params: dict[str, str] = field(default_factory=dict)
    _data: Any = field(default=None, repr=False)
    _parsed: bool = field(default=False, repr=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def arg(self, name: str) -> str | None:
        """A query parameter as Django's QueryDict.get gives it: the last value."""
        values = self.query.get(name)
        return values[-1] if values else None

    def args(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def data(self) -> Any:
        """The parsed body, as DRF's ``request.data`` (415 and JSON parse errors included)."""
        if not self._parsed:
            self._data = parse_body(self.body, self.header("Content-Type"))
            self._parsed = True
        return self._data


def parse_body(body: bytes, content_type: str | None) -> Any:
    # DRF: an empty stream gives empty data whatever the media type.
    if not body:
        return {}
    content_type = content_type if content_type is not None else ""
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise ApiError(415, {"detail": f'Unsupported media type "{content_type}" in request.'})
    return parse_json(body)


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def parse_json(body: bytes) -> Any:
    """json.loads with orjson's strictness and (approximately) its error messages.

    Only the "unexpected end of data" message is recorded (069); the others follow orjson's wording.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, {"detail": "JSON parse error - str is not valid UTF-8: surrogates not allowed"}) from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            reason = "unexpected end of data"
        elif exc.msg == "Extra data":
            reason = "unexpected content after document"
        else:
            reason = "unexpected character"
        where = f"line {exc.lineno} column {exc.colno} (char {exc.pos})"
        raise ApiError(400, {"detail": f"JSON parse error - {reason}: {where}"}) from None
    except ValueError:  # NaN / Infinity literals, which orjson rejects
        raise ApiError(400, {"detail": "JSON parse error - invalid literal: line 1 column 1 (char 0)"}) from None
