"""Where and how to reach authentik: URL, token, TLS, timeouts and retry bounds.

The token is held in a `Secret` whose text form is masked, so it cannot leak through a repr,
an exception message or a log line by accident.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from avlint.loader.problems import ContentProblem, PathError
from avlint.loader.source import read_bytes


class ConnectionError_(Exception):
    """A connection setting is wrong: reported before any request is made."""


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class Connection:
    url: str  # the server root, e.g. https://auth.example.com
    token: Secret | None
    verify: bool | str = True  # False with --insecure, a CA bundle path with --ca-bundle
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retries: int = 4
    max_retry_seconds: float = 30.0
    # Requests in flight at most. A diff of 1,000 validation stages is about 25 list pages (the
    # stage list plus the all-stages list, flows and bindings): after the first pages, 32 lets
    # the rest go out in one round instead of two, while a large estate still queues.
    concurrency: int = 32
    # The whole run (every request, retries and waits included) ends after this many seconds.
    run_timeout: float = 300.0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return self.url.rstrip("/") + "/api/v3"


def make_connection(
    url: str | None,
    token: str | None = None,
    token_file: str | None = None,
    ca_bundle: str | None = None,
    insecure: bool = False,
    allow_http: bool = False,
    environ: Mapping[str, str] | None = None,
    **tuning: float
    | None,  # connect_timeout, read_timeout, max_retries, concurrency, run_timeout: None keeps the default
) -> Connection:
    """Build a Connection from options, falling back to AUTHENTIK_URL and AUTHENTIK_TOKEN."""
    env = os.environ if environ is None else environ
    url = url or env.get("AUTHENTIK_URL")
    if not url:
        raise ConnectionError_("no server given: use --url or set AUTHENTIK_URL")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConnectionError_(f"'{url}' is not an http(s) URL of an authentik server")
    secret = _token(token, token_file, env)
    if secret is not None and parts.scheme == "http" and not allow_http and not _is_loopback(parts.hostname):
        raise ConnectionError_(
            "refusing to send the API token over plain http to a non-loopback host; use https or --allow-http"
        )
    if ca_bundle and not Path(ca_bundle).is_file():
        raise ConnectionError_(f"--ca-bundle {ca_bundle} is not a file")
    if ca_bundle:
        ssl_context(ca_bundle)  # a bundle that holds no certificate is a usage error, found before any request
    verify: bool | str = False if insecure else (ca_bundle or True)
    root = url.split("/api/v3")[0].rstrip("/")
    return Connection(root, secret, verify, **{k: v for k, v in tuning.items() if v is not None})  # type: ignore[arg-type]


def ssl_context(ca_bundle: str) -> ssl.SSLContext:
    """A TLS context that trusts the certificates of `ca_bundle`."""
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except ssl.SSLError as error:
        reason = error.reason or error.__class__.__name__
        raise ConnectionError_(
            f"--ca-bundle {ca_bundle} holds no usable certificate ({reason}); give a PEM file of CA certificates"
        ) from None
    except (OSError, ValueError) as error:
        raise ConnectionError_(f"--ca-bundle {ca_bundle} cannot be read ({error.__class__.__name__})") from None


TOKEN_FILE_LIMIT = 64 * 1024  # far above any token; a larger file is not a token file


def read_token_file(path: str) -> str:
    """The token file's text, read like every side input: a regular file (a FIFO would block
    the run), bounded in size. What the text holds is judged as a token, by the caller."""
    try:
        data = read_bytes(path, TOKEN_FILE_LIMIT)
    except PathError as error:
        raise TokenFileError(f"{path}: {error.reason}") from None
    except ContentProblem as problem:
        raise TokenFileError(f"{path}: {problem.message}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise TokenFileError(f"{path}: not UTF-8 text") from None


class TokenFileError(Exception):
    """--token-file cannot be read."""


def _token(token: str | None, token_file: str | None, env: Mapping[str, str]) -> Secret | None:
    if token_file:
        try:
            value = read_token_file(token_file).strip()
        except TokenFileError as error:
            raise ConnectionError_(f"cannot read --token-file {error}") from None
        if not value:
            raise ConnectionError_(f"--token-file {token_file} is empty")
        return Secret(_checked(value, f"the token in --token-file {token_file}"))
    given = token or env.get("AUTHENTIK_TOKEN")
    if not given:
        return None
    return Secret(_checked(given.strip(), "the API token (--token or AUTHENTIK_TOKEN)"))


def _checked(value: str, source: str) -> str:
    """The token, if an HTTP header can carry it. authentik's tokens are printable ASCII; a line
    break or a non-ASCII character is a copy-and-paste accident, told (without the token) before
    any request rather than failing as a network error on every retry."""
    for character in value:
        if character in "\r\n":
            raise ConnectionError_(f"{source} contains a line break; an API token is a single line")
        if not " " < character < "\x7f":
            what = (
                "whitespace"
                if character.isspace()
                else "a non-ASCII character"
                if ord(character) > 127
                else "a control character"
            )
            raise ConnectionError_(f"{source} contains {what}; an API token is printable ASCII without spaces")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
