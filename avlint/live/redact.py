"""Keep the API token out of everything the live commands print or write.

Server text is repeated in error messages (a 500 page can echo the request's Authorization
header), and a blueprint's `!Env` could pull the token into a value. Rather than trusting every
message to be clean, the live commands send their output streams and the files they write
through one `Redactor`: the token, and any run of 8 or more of its leading characters (a
truncated echo), becomes `***`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

MASK = "***"
PREFIX = 8  # a prefix this long of a 40+ character token still identifies it
SHORTEST = 4  # shorter "tokens" (test placeholders) would mask ordinary words


class Redactor:
    def __init__(self, secrets: Iterable[str | None]) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= SHORTEST}, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = _mask(text, secret)
        return text


def _mask(text: str, secret: str) -> str:
    """`text` with each occurrence of a prefix of `secret` (8 characters or more, or the whole
    secret when it is shorter) replaced by the mask."""
    head = secret[: min(PREFIX, len(secret))]
    start = text.find(head)
    if start < 0:
        return text
    parts: list[str] = []
    done = 0
    while start >= 0:
        end = start + len(head)
        while end - start < len(secret) and end < len(text) and text[end] == secret[end - start]:
            end += 1
        parts.append(text[done:start])
        parts.append(MASK)
        done = end
        start = text.find(head, end)
    parts.append(text[done:])
    return "".join(parts)


class RedactingStream:
    """A text stream that redacts what is written to it before passing it on. Text is passed on
    a whole line at a time (the rest on `flush`), so a token written in pieces (as `json.dump`
    writes) is still recognised."""

    def __init__(self, stream: TextIO, redact: Redactor) -> None:
        self._stream = stream
        self._redact = redact
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        end = self._pending.rfind("\n") + 1
        if end:
            self._stream.write(self._redact(self._pending[:end]))
            self._pending = self._pending[end:]
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._redact(self._pending))
            self._pending = ""
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
