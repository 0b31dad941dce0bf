"""An async client for authentik's API: one httpx connection pool, bounded concurrency,
bounded retries, authentik's pagination and its 403 semantics.

authentik answers 403 both for a bad token and for a missing permission (never 401); the
body's `detail` tells them apart. 404 on an object means "not on the server", not an error.
Pagination numbers pages (`next` is a page number, 0 when done) and caps pages at 100, so the
client asks for 100, learns `total_pages` from the first page and fetches the rest concurrently.

No answer is trusted: every 2xx body is checked against the endpoint's shape (avlint.live.wire)
and a redirect, an HTML page or malformed JSON ends the run with a `BadAnswer` naming the
endpoint. Each request has a deadline for its whole answer, so a body that drips in one byte
at a time cannot hold a run forever.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import math
import random
import ssl
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx

from avlint.live import wire
from avlint.live.connection import Connection, ConnectionError_, ssl_context

PAGE_SIZE = 100
RETRY_STATUSES = {429, 502, 503, 504}
# The view permission each list endpoint needs (authentik's codenames).
PERMISSIONS = {
    "/stages/authenticator/validate/": "authentik_stages_authenticator_validate.{verb}_authenticatorvalidatestage",
    "/flows/instances/": "authentik_flows.{verb}_flow",
    "/flows/bindings/": "authentik_flows.{verb}_flowstagebinding",
    "/stages/all/": "authentik_flows.{verb}_stage",
}
_VERBS = {"GET": "view", "HEAD": "view", "POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


class ApiError(Exception):
    """A request that failed for good; the message never contains the token."""

    def __init__(self, message: str, status: int | None = None, body: Any = None, maybe_done: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        # A write whose answer never came (a timeout, a dropped connection after sending): the
        # server may have carried it out.
        self.maybe_done = maybe_done

    @property
    def field_errors(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) and self.status == 400 else {}


class AuthError(ApiError):
    """403 because the token is missing, malformed, unknown or expired."""


class PermissionDenied(ApiError):
    """403 for a valid token whose user lacks the permission."""


class BadAnswer(ApiError):
    """A 2xx or 3xx answer that is not what the endpoint returns (a redirect, a proxy's HTML
    page, malformed JSON, another shape): the server cannot be trusted for the rest of the run."""


class _Deadline(Exception):
    """The whole answer did not arrive within the request's deadline."""


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    by_path: dict[str, int] = field(default_factory=dict)


class Client:
    def __init__(self, connection: Connection, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.connection = connection
        self.stats = Stats()
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._gate: asyncio.Semaphore | None = None
        self._version: asyncio.Future[str] | None = None

    async def __aenter__(self) -> Client:
        headers = {"Accept": "application/json"}
        if self.connection.token is not None:
            headers["Authorization"] = f"Bearer {self.connection.token.reveal()}"
        timeout = httpx.Timeout(self.connection.read_timeout, connect=self.connection.connect_timeout)
        verify: bool | ssl.SSLContext = False  # plain http: no TLS, no certificate store to load
        if not self.connection.url.startswith("http://"):
            setting = self.connection.verify
            verify = setting if isinstance(setting, bool) else ssl_context(setting)
        limits = httpx.Limits(
            max_connections=self.connection.concurrency, max_keepalive_connections=self.connection.concurrency
        )
        self._client = httpx.AsyncClient(
            base_url=self.connection.api,
            headers=headers,
            timeout=timeout,
            verify=verify,
            limits=limits,
            transport=self._transport,
        )
        self._gate = asyncio.Semaphore(self.connection.concurrency)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._version is not None:
            # Every caller may have gone away (a failure elsewhere): no request is left open,
            # and an error nobody awaited is collected here rather than logged as lost.
            self._version.cancel()
            await asyncio.gather(self._version, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    async def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """One object, or None when the server has no such object (404)."""
        response = await self.request("GET", path, params=params, missing_ok=True)
        if response is None:
            return None
        found: dict[str, Any] = _shaped("GET", path, wire.api_object, _json("GET", path, response))
        return found

    async def write(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST or PATCH an object; the object as the server stored it."""
        response = await self.request(method, path, json=body)
        assert response is not None
        stored: dict[str, Any] = _shaped(method, path, wire.api_object, _json(method, path, response))
        return stored

    async def delete(self, path: str) -> None:
        await self.request("DELETE", path, missing_ok=True)

    async def list_all(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every object of a list endpoint: page 1 first, then the other pages concurrently.

        The page requests are made lazily by at most `concurrency` workers, and the number of
        pages is checked against the object count first: a server claiming ten million pages
        gets an error, not ten million requests."""
        query = {**(params or {}), "page_size": PAGE_SIZE}
        pagination, first = await self._page(path, {**query, "page": 1})
        allowed = max(1, math.ceil(pagination.count / PAGE_SIZE))
        pages = max(1, pagination.total_pages)
        if pages > allowed:
            raise BadAnswer(
                f"GET {path}: the server claims {pagination.total_pages} pages for {pagination.count} objects "
                f"at {PAGE_SIZE} a page (at most {allowed}); refusing to request them"
            )
        fetched: dict[int, list[dict[str, Any]]] = {1: first}
        numbers = iter(range(2, pages + 1))

        async def worker() -> None:
            for number in numbers:  # one shared iterator: each page is taken by one worker
                fetched[number] = (await self._page(path, {**query, "page": number}))[1]

        await gather_all(*(worker() for _ in range(min(self.connection.concurrency, pages - 1))))
        return [obj for number in sorted(fetched) for obj in fetched[number]]

    async def _page(self, path: str, params: dict[str, Any]) -> tuple[wire.Pagination, list[dict[str, Any]]]:
        response = await self.request("GET", path, params=params)
        assert response is not None
        page: tuple[wire.Pagination, list[dict[str, Any]]] = _shaped(
            "GET", path, wire.page, _json("GET", path, response)
        )
        return page

    async def version(self) -> str:
        """The server's authentik version, asked once per client: callers that ask at the same
        time (the lists and `--target-version auto`) share the one request."""
        if self._version is None:
            self._version = asyncio.ensure_future(self._ask_version())
        return await asyncio.shield(self._version)  # one caller cancelled does not cancel the others'

    async def _ask_version(self) -> str:
        path = "/admin/version/"
        response = await self.request("GET", path)
        assert response is not None
        body = _json("GET", path, response)
        try:
            return wire.version(body)
        except wire.ShapeError as error:
            raise BadAnswer(
                f"GET {path}: the server did not report its version (is this an authentik API?): {error}"
            ) from None

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        missing_ok: bool = False,
    ) -> httpx.Response | None:
        assert self._client is not None and self._gate is not None, "use the client in `async with`"
        client = self._client
        started = time.monotonic()
        attempt = 0
        # The whole answer, body included, must arrive within this many seconds: httpx's read
        # timeout is per read, and a body sent one byte at a time never trips it.
        deadline = self.connection.connect_timeout + self.connection.read_timeout
        while True:
            async with self._gate:
                self._count(path, +1)
                try:
                    async with asyncio.timeout(deadline):
                        response = await client.request(method, path, params=params, json=json)
                    error: Exception | None = None
                except (httpx.TransportError, httpx.DecodingError) as caught:
                    response, error = None, caught
                except TimeoutError:
                    response, error = None, _Deadline(f"no complete answer within {deadline:g} seconds")
                finally:
                    self._count(path, -1)
            if isinstance(error, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
                # The request could not even be written (a header value it cannot send):
                # asking again cannot help, and it is not a network problem.
                raise ConnectionError_(f"{method} {path}: the request cannot be sent: {error}") from None
            delay = self._retry_delay(method, response, error, attempt, started)
            if delay is None:
                break
            attempt += 1
            self.stats.retries += 1
            await asyncio.sleep(delay)
        if error is not None:
            raise ApiError(
                f"{method} {path}: {_describe_transport(error)} (after {attempt + 1} attempt{'s' if attempt else ''})",
                maybe_done=method not in ("GET", "HEAD")
                and not isinstance(error, httpx.ConnectError | httpx.ConnectTimeout),
            ) from None
        assert response is not None
        status = response.status_code
        if 300 <= status < 400:
            location = response.headers.get("Location")
            to = f" to {_clip(location)}" if location else ""
            raise BadAnswer(
                f"{method} {path}: the server answered a redirect (HTTP {status}{to}) instead of the API; "
                "check --url (a login proxy in front of authentik?)",
                status,
            )
        if status == 404 and missing_ok:
            return None
        if status >= 400:
            raise _error(method, path, response)
        if status < 200:
            raise BadAnswer(f"{method} {path}: the server answered HTTP {status}, which the API never does", status)
        return response

    def _count(self, path: str, change: int) -> None:
        stats = self.stats
        stats.in_flight += change
        if change > 0:
            stats.requests += 1
            stats.by_path[path] = stats.by_path.get(path, 0) + 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)

    def _retry_delay(
        self, method: str, response: httpx.Response | None, error: Exception | None, attempt: int, started: float
    ) -> float | None:
        """Seconds to wait before trying again, or None to stop."""
        if attempt >= self.connection.max_retries:
            return None
        if error is not None:
            if _tls_problem(error):
                return None  # a certificate does not get better by asking again
            # A write may have reached the server before the connection broke: only retry it
            # when the connection was never made.
            if method not in ("GET", "HEAD") and not isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout)):
                return None
        elif (
            response is None
            or response.status_code not in RETRY_STATUSES
            or (method not in ("GET", "HEAD") and response.status_code != 429)
        ):
            return None
        delay = min(5.0, 0.2 * 2.0**attempt) + random.uniform(0, 0.1 * 2.0**attempt)
        if response is not None and response.status_code == 429:
            delay = max(delay, _retry_after(response))
        if time.monotonic() - started + delay > self.connection.max_retry_seconds:
            return None
        return delay


async def gather_all(*coroutines: Coroutine[Any, Any, Any]) -> list[Any]:
    """Like asyncio.gather, but when one fails the others are cancelled and awaited before the
    error propagates, so no request is left half-open when the client closes."""
    tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def settle_all(*coroutines: Coroutine[Any, Any, Any]) -> list[Any]:
    """Run them all to the end, then raise the first error in the order given (or return every
    result). For requests that start together: when one fails, the others usually fail alike
    (a bad token, a refused connection, a certificate) and end as soon; cancelling them halfway
    instead would leave TLS handshakes half-done. The first coroutine's error wins, so a
    connection check given first explains a failure best."""
    results = await asyncio.gather(*coroutines, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def _json(method: str, path: str, response: httpx.Response) -> Any:
    """The JSON of a 2xx answer; a BadAnswer for anything else (an HTML page, broken JSON)."""
    status = response.status_code
    media = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        raise BadAnswer(
            f"{method} {path}: the server answered {_media_name(media)} (HTTP {status}) instead of JSON; "
            "check --url (a login proxy or another service in front of authentik?)",
            status,
        )
    try:
        return jsonlib.loads(response.content)
    except RecursionError:
        raise BadAnswer(f"{method} {path}: the server's JSON is nested too deeply (HTTP {status})", status) from None
    except ValueError as error:
        reason = f"at character {error.pos}" if isinstance(error, jsonlib.JSONDecodeError) else "not UTF-8"
        size = len(response.content)
        raise BadAnswer(
            f"{method} {path}: the server answered malformed JSON (HTTP {status}, {size} bytes, {reason})", status
        ) from None


def _shaped(method: str, path: str, check: Any, body: Any) -> Any:
    try:
        return check(body)
    except wire.ShapeError as error:
        raise BadAnswer(f"{method} {path}: unexpected answer: {error}") from None


def _media_name(media: str) -> str:
    return {"text/html": "an HTML page", "text/plain": "plain text"}.get(media, f"'{_clip(media)}'")


def _clip(text: str, limit: int = 120) -> str:
    text = " ".join(text[: limit * 4].split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(60.0, max(0.0, float(response.headers.get("Retry-After", "1"))))
    except ValueError:
        return 1.0


def _tls_problem(error: Exception) -> str | None:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return cause.verify_message or "certificate verify failed"
        if isinstance(cause, ssl.SSLError):
            return cause.reason or str(cause)
        cause = cause.__cause__ or cause.__context__
    text = str(error)
    return "certificate verify failed" if "CERTIFICATE_VERIFY_FAILED" in text else None


def _describe_transport(error: Exception) -> str:
    problem = _tls_problem(error)
    if problem:
        return f"TLS failed: {problem} (trust the server's CA with --ca-bundle, or use --insecure)"
    if isinstance(error, httpx.ConnectTimeout):
        return "timed out connecting"
    if isinstance(error, httpx.ConnectError):
        return "could not connect"
    if isinstance(error, httpx.TimeoutException):
        return "timed out waiting for the response"
    if isinstance(error, _Deadline):
        return f"timed out: {error}"
    if isinstance(error, httpx.RemoteProtocolError):
        return "the server closed the connection without a complete response"
    return f"network error ({error.__class__.__name__})"


def _error(method: str, path: str, response: httpx.Response) -> ApiError:
    try:
        body = jsonlib.loads(response.content)
    except (ValueError, RecursionError):
        body = None
    detail = wire.error_detail(body)
    status = response.status_code
    if status == 403:
        if detail == "You do not have permission to perform this action.":
            permission = _permission(method, path)
            needed = f"; it needs {permission}" if permission else ""
            return PermissionDenied(f"{method} {path}: the token's user lacks permission{needed}", status, body)
        reason = (
            "the token is unknown or expired"
            if detail == "Token invalid/expired"
            else "the server got no usable token (check --token or AUTHENTIK_TOKEN)"
        )
        return AuthError(f"{method} {path}: {reason}", status, body)
    if status == 400:
        return ApiError(f"{method} {path}: rejected: {_flatten(body)}", status, body)
    text = detail or _clip(response.text, 200) or response.reason_phrase
    return ApiError(f"{method} {path}: HTTP {status}: {text}", status, body)


def _permission(method: str, path: str) -> str | None:
    for prefix, template in PERMISSIONS.items():
        if path.startswith(prefix):
            return template.format(verb=_VERBS.get(method, "view"))
    return None


def _flatten(body: Any) -> str:
    if isinstance(body, dict):
        return "; ".join(f"{key}: {_flatten(value)}" for key, value in body.items())
    if isinstance(body, list):
        return " ".join(_flatten(item) for item in body)
    return str(body)
