"""Read an OpenAPI document from a file or from an authentik server, as YAML or JSON."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from avlint.spec.errors import SchemaError

SCHEMA_PATH = "/api/v3/schema/"  # drf-spectacular's view; readable without a token
TIMEOUT_SECONDS = 60.0  # the schema is about 1.6 MB and generated on the first request
CONNECT_TIMEOUT_SECONDS = 10.0
MAX_BYTES = 64_000_000  # authentik's schema is about 1.6 MB; far more is not a schema


def read_schema(source: str) -> Any:
    """The parsed document at a file path or an http(s) URL."""
    text = _fetch(schema_url(source)) if is_url(source) else _read_file(source)
    return parse_document(text, source)


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def schema_url(url: str) -> str:
    """The URL itself, or the schema endpoint when it names only the server (https://HOST)."""
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise SchemaError(f"{url} is not a valid URL: {error}") from None
    if parts.path in ("", "/") and not parts.query:
        return urlunsplit((parts.scheme, parts.netloc, SCHEMA_PATH, "", ""))
    return url


def parse_document(text: str, origin: str) -> Any:
    """The document's data; what it is, when it is not the JSON or YAML of a schema."""
    from avlint.loader.side import SideInputError, parse_data

    try:
        return parse_data(text, origin)
    except SideInputError as error:
        raise SchemaError(_not_a_schema(text, origin, error)) from None


def describe_document(document: Any) -> str:
    """What a document that is not an OpenAPI schema looks like, for the error message."""
    if isinstance(document, dict) and "entries" in document:
        return "an authentik blueprint (it has 'entries')"
    if isinstance(document, dict) and {"tool", "findings"} <= document.keys():
        return "an avlint baseline"
    if isinstance(document, dict) and {"authentik", "models"} <= document.keys():
        return "an avlint spec snapshot (use it with --spec, not spec import)"
    if document is None:
        return "empty"
    return f"{_kind(document)} without a top-level 'openapi' field"


_EXPECTED = "expected authentik's OpenAPI schema (JSON or YAML, as served at /api/v3/schema/)"
_BLUEPRINT = re.compile(r"^entries[ \t]*:", re.MULTILINE)


def _not_a_schema(text: str, origin: str, error: Any) -> str:
    where = f" (line {error.line}, column {error.column})" if error.line is not None else ""
    if error.rule == "AV003" and _BLUEPRINT.search(text):
        return f"{origin} is an authentik blueprint (it has 'entries' and the tag {error.reason.split()[2]}), not an OpenAPI schema; {_EXPECTED}"
    if error.rule == "AV003":
        return f"{origin} is YAML with a tag, which an OpenAPI schema never has: {error.reason}{where}; {_EXPECTED}"
    if error.rule == "AV006":
        return f"{origin}: {error.reason}{where}, too deeply for an OpenAPI schema"
    return f"{origin} is neither YAML nor JSON: {error.reason}{where}"


def _kind(document: Any) -> str:
    names = {list: "a list", str: "a plain text", int: "a number", float: "a number", bool: "a boolean"}
    return names.get(type(document), "a mapping" if isinstance(document, dict) else type(document).__name__)


def _read_file(path: str) -> str:
    from avlint.loader.side import SideInputError, read_text

    try:
        return read_text(path)  # guarded like a blueprint: regular file, size, UTF-8
    except SideInputError as error:
        if error.rule == "AV004":
            raise SchemaError(f"{path} is not UTF-8 text, so neither YAML nor JSON: {error.detail}") from None
        raise SchemaError(f"cannot read {path}: {error.detail}") from None


def _fetch(url: str) -> str:
    import httpx  # only URLs pay for it

    headers = {"Accept": "application/json, application/yaml;q=0.9, */*;q=0.5"}
    timeout = httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
    # httpx's timeout bounds each read; a body that drips in a byte at a time would never end,
    # so the whole answer also has a deadline, checked as each piece arrives.
    deadline = time.monotonic() + TIMEOUT_SECONDS
    late = SchemaError(f"cannot fetch {url}: no complete answer within {TIMEOUT_SECONDS:g} seconds")
    try:
        with httpx.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as response:
            if response.status_code != 200:
                raise SchemaError(
                    f"cannot fetch {url}: the server answered HTTP {response.status_code} {response.reason_phrase}".rstrip()
                )
            pieces: list[bytes] = []
            size = 0
            for piece in response.iter_bytes():
                size += len(piece)
                if size > MAX_BYTES:
                    raise SchemaError(f"cannot fetch {url}: the answer is larger than {MAX_BYTES // 1_000_000} MB")
                if time.monotonic() > deadline:
                    raise late
                pieces.append(piece)
            encoding = response.charset_encoding or "utf-8"
    except httpx.TimeoutException:
        raise late from None
    except httpx.ConnectError as error:
        raise SchemaError(f"cannot fetch {url}: cannot connect ({_reason(error)})") from None
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise SchemaError(f"cannot fetch {url}: {_reason(error)}") from None
    try:
        return b"".join(pieces).decode(encoding, errors="replace")
    except LookupError:  # a charset Python does not know
        return b"".join(pieces).decode("utf-8", errors="replace")


def _reason(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return " ".join(text.split())
