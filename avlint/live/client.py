"""An async client for authentik's API: one httpx connection pool, bounded concurrency,
bounded retries, authentik's pagination and its 403 semantics.

authentik answers 403 both for a bad token and for a missing permission (never 401); the
body's `detail` tells them apart. 404 on an object means "not on the server", not an error.
Pagination numbers pages (`next` is a page number, 0 when done) and caps pages at 100, so the
client asks for 100, learns `total_pages` from the first page and fetches the rest at once.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from avlint.live.connection import Connection

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

    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body

    @property
    def field_errors(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) and self.status == 400 else {}


class AuthError(ApiError):
    """403 because the token is missing, malformed, unknown or expired."""


class PermissionDenied(ApiError):
    """403 for a valid token whose user lacks the permission."""


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
        self._version: str | None = None

    async def __aenter__(self) -> Client:
        headers = {"Accept": "application/json"}
        if self.connection.token is not None:
            headers["Authorization"] = f"Bearer {self.connection.token.reveal()}"
        timeout = httpx.Timeout(self.connection.read_timeout, connect=self.connection.connect_timeout)
        verify: bool | ssl.SSLContext = (
            self.connection.verify
            if isinstance(self.connection.verify, bool)
            else ssl.create_default_context(cafile=self.connection.verify)
        )
        if self.connection.url.startswith("http://"):
            verify = False  # no TLS to verify: skip loading the system's certificate store
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
        if self._client is not None:
            await self._client.aclose()

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any | None:
        """One object, or None when the server has no such object (404)."""
        response = await self.request("GET", path, params=params, missing_ok=True)
        return None if response is None else response.json()

    async def first_page(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.request("GET", path, params={**(params or {}), "page_size": PAGE_SIZE, "page": 1})
        assert response is not None
        return response.json()

    async def list_all(
        self, path: str, params: dict[str, Any] | None = None, first: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every object of a list endpoint: page 1 first (unless given), then the other pages
        concurrently."""
        query = {**(params or {}), "page_size": PAGE_SIZE}
        body = first if first is not None else await self.first_page(path, params)
        pages = int(body.get("pagination", {}).get("total_pages", 1) or 1)
        rest = await gather_all(
            *(self.request("GET", path, params={**query, "page": page}) for page in range(2, pages + 1))
        )
        results = list(body.get("results", []))
        for response in rest:
            if response is not None:
                results.extend(response.json().get("results", []))
        return results

    async def version(self) -> str:
        """The server's authentik version (asked once per client)."""
        if self._version is None:
            body = await self.get("/admin/version/")
            if not isinstance(body, dict) or "version_current" not in body:
                raise ApiError("the server did not report its version (is this an authentik API?)")
            self._version = str(body["version_current"])
        return self._version

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
        started = time.monotonic()
        attempt = 0
        while True:
            async with self._gate:
                self._count(path, +1)
                try:
                    response = await self._client.request(method, path, params=params, json=json)
                    error: Exception | None = None
                except (httpx.TransportError, httpx.DecodingError) as caught:
                    response, error = None, caught
                finally:
                    self._count(path, -1)
            delay = self._retry_delay(method, response, error, attempt, started)
            if delay is None:
                break
            attempt += 1
            self.stats.retries += 1
            await asyncio.sleep(delay)
        if error is not None:
            raise ApiError(
                f"{method} {path}: {_describe_transport(error)} (after {attempt + 1} attempt{'s' if attempt else ''})"
            ) from None
        assert response is not None
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code >= 400:
            raise _error(method, path, response)
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
        delay = min(5.0, 0.2 * 2**attempt) + random.uniform(0, 0.1 * 2**attempt)
        if response is not None and response.status_code == 429:
            delay = max(delay, _retry_after(response))
        if time.monotonic() - started + delay > self.connection.max_retry_seconds:
            return None
        return delay


async def gather_all(*coroutines: Any) -> list[Any]:
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
    if isinstance(error, httpx.RemoteProtocolError):
        return "the server closed the connection without a complete response"
    return f"network error ({error.__class__.__name__})"


def _error(method: str, path: str, response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
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
    text = detail or (response.text[:200].strip() if response.text else "") or response.reason_phrase
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
