"""Turn a position in an embedded blueprint into the position in the outer file."""

from __future__ import annotations

import re
from bisect import bisect_right

# The line breaks PyYAML counts: a lone \r counts, \r\n counts once.
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in LINE_BREAK.finditer(text))]


class PositionMap:
    """Maps 1-based (line, column) of the embedded text to 1-based (line, column) of the outer
    file. Without character offsets (a base64 value, or a scalar that could not be re-read)
    every position maps to where the value starts."""

    def __init__(self, outer_starts: list[int], inner: str, offsets: list[int] | None, value_start: int) -> None:
        self._outer_starts = outer_starts
        self._inner_starts = line_starts(inner) if offsets is not None else []
        self._offsets = offsets
        self._value_start = value_start

    def outer(self, line: int, column: int) -> tuple[int, int]:
        return self._line_column(self._outer_offset(line, column))

    def _outer_offset(self, line: int, column: int) -> int:
        if self._offsets is None:
            return self._value_start
        line = min(max(line, 1), len(self._inner_starts))
        inner = min(max(self._inner_starts[line - 1] + column - 1, 0), len(self._offsets) - 1)
        return self._offsets[inner]

    def _line_column(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._outer_starts, offset)
        return line, offset - self._outer_starts[line - 1] + 1
