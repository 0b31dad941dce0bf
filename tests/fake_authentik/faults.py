"""Fault injection, per server and optionally per path pattern and method.

Rules are checked in the order they were added. For each request:

* every matching ``latency`` rule adds its delay before the request is handled (outside the state
  lock, so concurrent requests overlap as they would on a slow server);
* the first matching ``status`` or ``drop`` rule with uses left replaces the answer: a canned
  429 / 5xx response, or closing the connection without any response;
* the first matching ``slow_body`` rule sends the body in chunks with a pause between them.

A rule with ``times=N`` applies to the next N matching requests, then stays inert; ``times=None``
applies to every one. ``rule.hits`` counts the requests it affected. ``path`` is an ``fnmatch``
pattern on the URL path (``"/api/v3/stages/*"``), ``method`` an HTTP method; None matches all.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass, field

from .http import HTML_TYPE, JSON_TYPE, VARY, Response, render_json

_GATEWAY_TEXT = {
    500: "Server Error (500)",
    502: "502 Bad Gateway",
    503: "503 Service Unavailable",
    504: "504 Gateway Time-out",
}


@dataclass
class FaultRule:
    kind: str  # "latency", "status", "drop" or "slow_body"
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

    def response(self) -> Response:
        """The canned answer of a ``status`` rule."""
        headers: list[tuple[str, str]] = []
        if self.retry_after is not None:
            headers.append(("Retry-After", self.retry_after))
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
    applied: list[str] = field(default_factory=list)


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

    # -- applying ---------------------------------------------------------------------------------
    def plan(self, method: str, path: str) -> FaultPlan:
        """What to do to this request; uses up one application of each rule that applies."""
        plan = FaultPlan()
        with self._lock:
            for rule in self._rules:
                if not rule.active or not rule.matches(method, path):
                    continue
                if rule.kind == "latency":
                    plan.latency += rule.seconds
                elif rule.kind in ("status", "drop"):
                    if plan.response is not None or plan.drop:
                        continue
                    if rule.kind == "drop":
                        plan.drop = True
                    else:
                        plan.response = rule.response()
                elif rule.kind == "slow_body":
                    if plan.chunk_size:
                        continue
                    plan.chunk_size, plan.delay = rule.chunk_size, rule.delay
                else:  # pragma: no cover - constructors only make the kinds above
                    raise ValueError(f"unknown fault kind {rule.kind!r}")
                rule.hits += 1
                plan.applied.append(rule.kind if rule.kind != "status" else f"status:{rule.status}")
        return plan
