"""Read an OpenAPI document from a file or from an authentik server, as YAML or JSON."""

from __future__ import annotations

import json
import time
from pathlib import Path
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
    import yaml

    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass  # YAML flow style starts the same way; let the YAML parser decide
        except RecursionError:
            raise SchemaError(f"{origin} is nested too deeply to be an OpenAPI schema") from None
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise SchemaError(
            f"{origin} is neither YAML nor JSON: {getattr(error, 'problem', None) or error}{where}"
        ) from None
    except RecursionError:
        raise SchemaError(f"{origin} is nested too deeply to be an OpenAPI schema") from None


def _read_file(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise SchemaError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SchemaError(f"{path} is not UTF-8 text, so neither YAML nor JSON") from None


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
