"""The log of requests a fake server received, for tests to inspect (including concurrency)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class RequestRecord:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    started: float  # time.monotonic() when the request had been read
    wall_time: float  # time.time() at the same moment
    in_flight: int  # requests being served when this one started, itself included
    finished: float | None = None
    status: int | None = None  # None: no response was sent (dropped connection)
    faults: list[str] = field(default_factory=list)  # fault kinds applied ("latency", "status:429", ...)

    @property
    def duration(self) -> float | None:
        return None if self.finished is None else self.finished - self.started

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._records: list[RequestRecord] = []
        self._in_flight = 0
        self.max_in_flight = 0

    def begin(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> RequestRecord:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            record = RequestRecord(method, path, query, headers, body, time.monotonic(), time.time(), self._in_flight)
            self._records.append(record)
            self._lock.notify_all()
            return record

    def end(self, record: RequestRecord, status: int | None, faults: list[str]) -> None:
        with self._lock:
            self._in_flight -= 1
            record.finished = time.monotonic()
            record.status = status
            record.faults = list(faults)
            self._lock.notify_all()

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self.max_in_flight = self._in_flight

    def wait_finished(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until at least ``count`` requests are logged and none is in flight."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._records) < count or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._records[index]
