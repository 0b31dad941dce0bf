"""Fault injection, per server and optionally per path pattern and method.

Rules are checked in the order they were added. For each request:

* every matching ``latency`` rule adds its delay before the request is handled (outside the state
  lock, so concurrent requests overlap as they would on a slow server);
* the first matching ``status`` or ``drop`` rule with uses left replaces the answer: a canned
  429 / 5xx response, or closing the connection without any response;
* the first matching ``slow_body`` rule sends the body in chunks with a pause between them;
* the first matching ``rewrite`` rule replaces the JSON of the real answer with what its function
  returns (another shape: a huge ``total_pages``, items without ``pk``, a list for an object);
* the first matching ``lose_answer`` or ``late_answer`` rule handles the request (a POST creates its
  object) and then closes the connection without answering, or answers only after ``seconds``.

The hostile answers a live client must survive have constructors: ``html_page`` (a proxy's login
page with 200), ``redirect``, ``malformed_json``, ``huge_total_pages``, ``echo_token`` (a 500 whose
body repeats the request's Authorization header) and ``drip`` (one byte at a time).

A rule with ``times=N`` applies to the next N matching requests, then stays inert; ``times=None``
applies to every one. A rule whose ``after`` is N lets the first N matching requests through. ``rule.hits`` counts the requests it affected. ``path`` is an ``fnmatch``
pattern on the URL path (``"/api/v3/stages/*"``), ``method`` an HTTP method; None matches all.
"""

from __future__ import annotations

import fnmatch
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .http import HTML_TYPE, JSON_TYPE, VARY, Response, render_json

_GATEWAY_TEXT = {
    500: "Server Error (500)",
    502: "502 Bad Gateway",
    503: "503 Service Unavailable",
    504: "504 Gateway Time-out",
}


@dataclass
class FaultRule:
    kind: str  # "latency", "status", "drop", "slow_body", "rewrite", "lose_answer" or "late_answer"
    path: str | None = None
    method: str | None = None
    times: int | None = None
    seconds: float = 0.0  # latency
    status: int = 0  # status
    retry_after: str | None = None  # status (429, 503)
    body: bytes | None = None  # status: overrides the default body
    content_type: str | None = None
    chunk_size: int = 64  # slow_body
    delay: float = 0.0  # slow_body: pause after each chunk
    headers: list[tuple[str, str]] = field(default_factory=list)  # status: extra headers (Location)
    rewrite: Callable[[Any], Any] | None = None  # rewrite: new JSON from the real answer's JSON
    echo_header: str | None = None  # status: a request header whose line the body repeats
    after: int = 0  # matching requests let through before the rule starts to apply
    seen: int = 0
    hits: int = 0

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(0, self.times - self.hits)

    @property
    def active(self) -> bool:
        return self.times is None or self.hits < self.times

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or fnmatch.fnmatchcase(path, self.path)

    def response(self, request_headers: dict[str, str] | None = None) -> Response:
        """The canned answer of a ``status`` rule."""
        headers: list[tuple[str, str]] = list(self.headers)
        if self.retry_after is not None:
            headers.append(("Retry-After", self.retry_after))
        if self.echo_header is not None:
            # Django's debug 500 page lists the request's headers (META), the token included.
            value = (request_headers or {}).get(self.echo_header.lower(), "")
            page = f"<html><body><h1>Server Error (500)</h1><pre>HTTP_{self.echo_header.upper()} = '{value}'</pre></body></html>"
            return Response(self.status, page.encode("utf-8"), [("Content-Type", HTML_TYPE), *headers])
        if self.body is not None:
            return Response(self.status, self.body, [("Content-Type", self.content_type or HTML_TYPE), *headers])
        if self.status == 429:  # DRF's Throttled answer
            wait = self.retry_after or "1"
            detail = {"detail": f"Request was throttled. Expected available in {wait} seconds."}
            return Response(429, render_json(detail), [("Content-Type", JSON_TYPE), ("Vary", VARY), *headers])
        text = _GATEWAY_TEXT.get(self.status, f"{self.status} Injected fault")
        page = f"<html><head><title>{text}</title></head><body><h1>{text}</h1></body></html>"
        return Response(self.status, page.encode("utf-8"), [("Content-Type", self.content_type or HTML_TYPE), *headers])


@dataclass
class FaultPlan:
    latency: float = 0.0
    response: Response | None = None
    drop: bool = False
    chunk_size: int = 0
    delay: float = 0.0
    rewrite: Callable[[Any], Any] | None = None
    lose_answer: bool = False
    answer_after: float = 0.0
    status_rule: FaultRule | None = None
    applied: list[str] = field(default_factory=list)

    def rewritten(self, response: Response) -> Response:
        """The real answer, its JSON replaced by the rewrite rule's."""
        if self.rewrite is None or not response.body:
            return response
        body = render_json(self.rewrite(json.loads(response.body)))
        return Response(response.status, body, [(k, v) for k, v in response.headers if k.lower() != "content-length"])


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.remove(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    # -- convenience constructors ---------------------------------------------------------------------
    def latency(
        self, seconds: float, *, path: str | None = None, method: str | None = None, times: int | None = None
    ) -> FaultRule:
        """Delay each matching request by ``seconds`` before it is handled."""
        return self.add(FaultRule("latency", path, method, times, seconds=seconds))

    def status(
        self,
        status: int,
        *,
        times: int | None = 1,
        path: str | None = None,
        method: str | None = None,
        retry_after: int | str | None = None,
        body: bytes | str | None = None,
        content_type: str | None = None,
    ) -> FaultRule:
        """Answer ``status`` (e.g. 500, 502, 503, 504) instead of handling the request."""
        raw = body.encode("utf-8") if isinstance(body, str) else body
        return self.add(
            FaultRule(
                "status",
                path,
                method,
                times,
                status=status,
                retry_after=None if retry_after is None else str(retry_after),
                body=raw,
                content_type=content_type,
            )
        )

    def rate_limit(
        self, times: int | None = 1, *, retry_after: int | str = 1, path: str | None = None, method: str | None = None
    ) -> FaultRule:
        """Answer 429 with ``Retry-After`` (DRF's throttling body) to the next ``times`` requests."""
        return self.status(429, times=times, path=path, method=method, retry_after=retry_after)

    def drop(self, times: int | None = 1, *, path: str | None = None, method: str | None = None) -> FaultRule:
        """Read the request, then close the connection without sending anything."""
        return self.add(FaultRule("drop", path, method, times))

    def slow_body(
        self,
        *,
        chunk_size: int = 64,
        delay: float = 0.05,
        path: str | None = None,
        method: str | None = None,
        times: int | None = None,
    ) -> FaultRule:
        """Send the headers at once, then the body ``chunk_size`` bytes at a time, ``delay`` apart."""
        return self.add(FaultRule("slow_body", path, method, times, chunk_size=max(1, chunk_size), delay=delay))

    def rewrite(
        self,
        change: Callable[[Any], Any],
        *,
        path: str | None = None,
        method: str | None = None,
        times: int | None = None,
    ) -> FaultRule:
        """Answer with ``change(json of the real answer)`` instead of the real JSON."""
        return self.add(FaultRule("rewrite", path, method, times, rewrite=change))

    def lose_answer(self, times: int | None = 1, *, path: str | None = None, method: str | None = None) -> FaultRule:
        """Carry the request out, then close the connection without answering (a POST creates)."""
        return self.add(FaultRule("lose_answer", path, method, times))

    def late_answer(
        self, seconds: float, times: int | None = 1, *, path: str | None = None, method: str | None = None
    ) -> FaultRule:
        """Carry the request out at once, but answer only after ``seconds``."""
        return self.add(FaultRule("late_answer", path, method, times, seconds=seconds))

    # -- hostile answers ---------------------------------------------------------------------------
    def html_page(self, *, times: int | None = None, path: str | None = None, method: str | None = None) -> FaultRule:
        """A 200 with an HTML login page, as a proxy in front of the server answers."""
        page = "<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>Sign in</form></body></html>"
        return self.status(200, times=times, path=path, method=method, body=page, content_type=HTML_TYPE)

    def redirect(
        self,
        status: int = 302,
        location: str = "https://sso.example.com/login?next=/api/v3/",
        *,
        times: int | None = None,
        path: str | None = None,
        method: str | None = None,
    ) -> FaultRule:
        rule = self.status(status, times=times, path=path, method=method, body=b"", content_type=HTML_TYPE)
        rule.headers = [("Location", location)]
        return rule

    def malformed_json(
        self, *, times: int | None = None, path: str | None = None, method: str | None = None
    ) -> FaultRule:
        """A 200 that says JSON and is cut off half-way."""
        return self.status(
            200, times=times, path=path, method=method, body='{"pagination": {"count": 5', content_type=JSON_TYPE
        )

    def huge_total_pages(
        self, pages: int = 10_000_000, *, times: int | None = None, path: str | None = None, method: str | None = "GET"
    ) -> FaultRule:
        """A list answer that claims ``pages`` pages (its real count unchanged)."""

        def change(body: Any) -> Any:
            if isinstance(body, dict) and isinstance(body.get("pagination"), dict):
                body["pagination"]["total_pages"] = pages
            return body

        return self.rewrite(change, path=path, method=method, times=times)

    def echo_token(self, *, times: int | None = None, path: str | None = None, method: str | None = None) -> FaultRule:
        """A 500 whose page repeats the request's Authorization header (a debug error page)."""
        rule = self.status(500, times=times, path=path, method=method)
        rule.echo_header = "Authorization"
        return rule

    def drip(
        self, *, delay: float = 1.0, times: int | None = None, path: str | None = None, method: str | None = None
    ) -> FaultRule:
        """The body one byte at a time, ``delay`` seconds apart: no single read ever times out."""
        return self.slow_body(chunk_size=1, delay=delay, path=path, method=method, times=times)

    # -- applying ---------------------------------------------------------------------------------
    def plan(self, method: str, path: str, headers: dict[str, str] | None = None) -> FaultPlan:
        """What to do to this request; uses up one application of each rule that applies."""
        plan = FaultPlan()
        with self._lock:
            for rule in self._rules:
                if not rule.active or not rule.matches(method, path):
                    continue
                rule.seen += 1
                if rule.seen <= rule.after:
                    continue
                if rule.kind == "latency":
                    plan.latency += rule.seconds
                elif rule.kind in ("status", "drop"):
                    if plan.response is not None or plan.drop:
                        continue
                    if rule.kind == "drop":
                        plan.drop = True
                    else:
                        plan.response = rule.response(headers)
                elif rule.kind == "slow_body":
                    if plan.chunk_size:
                        continue
                    plan.chunk_size, plan.delay = rule.chunk_size, rule.delay
                elif rule.kind == "rewrite":
                    if plan.rewrite is not None:
                        continue
                    plan.rewrite = rule.rewrite
                elif rule.kind in ("lose_answer", "late_answer"):
                    if plan.lose_answer or plan.answer_after:
                        continue
                    if rule.kind == "lose_answer":
                        plan.lose_answer = True
                    else:
                        plan.answer_after = rule.seconds
                else:  # pragma: no cover - constructors only make the kinds above
                    raise ValueError(f"unknown fault kind {rule.kind!r}")
                rule.hits += 1
                plan.applied.append(rule.kind if rule.kind != "status" else f"status:{rule.status}")
        return plan
