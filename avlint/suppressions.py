"""Inline suppressions: `# avlint: disable=ID[,ID]` on the line or alone on the line above,
and `# avlint: disable-file` (optionally `=ID,...`) anywhere in the file."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from avlint.catalogue import UnknownRuleError, lookup

_DIRECTIVE = re.compile(r"#\s*avlint:\s*(?P<body>.*?)\s*$")
_ACTION = re.compile(r"^(?P<action>disable-file|disable)(?:\s*=\s*(?P<ids>.*))?$")
ALL = "*"


class BadDirective(NamedTuple):
    line: int
    column: int
    message: str


class Suppressions:
    def __init__(self) -> None:
        self.file_codes: set[str] = set()  # ALL for every rule
        self.line_codes: dict[int, set[str]] = {}
        self.problems: list[BadDirective] = []

    def covers(self, code: str, line: int) -> bool:
        if ALL in self.file_codes or code in self.file_codes:
            return True
        codes = self.line_codes.get(line)
        return codes is not None and (code in codes or ALL in codes)


def parse_suppressions(text: str, inside_scalar: Callable[[int, int], bool] | None = None) -> Suppressions:
    """Directives in `text`; `inside_scalar(line, column)` tells a `#` inside a quoted value
    (not a comment) from a real comment."""
    result = Suppressions()
    if "avlint:" not in text:
        return result
    for number, line in enumerate(text.splitlines(), start=1):
        if "avlint:" not in line:
            continue
        match = _DIRECTIVE.search(line)
        if match is None:
            continue
        column = match.start() + 1
        if inside_scalar is not None and inside_scalar(number, column):
            continue
        action = _ACTION.match(match.group("body"))
        if action is None:
            result.problems.append(
                BadDirective(
                    number,
                    column,
                    f"unknown avlint directive '{match.group('body')}'; use disable=ID[,ID] or disable-file",
                )
            )
            continue
        ids = action.group("ids")
        codes = _codes(ids, number, column, result.problems)
        if action.group("action") == "disable-file":
            # A list whose every id is unknown suppresses nothing (not everything).
            result.file_codes |= codes if ids is not None else {ALL}
            if ids is not None and not ids.strip():
                result.problems.append(
                    BadDirective(
                        number, column, "`disable-file=` names no rule; write disable-file alone to turn every rule off"
                    )
                )
            continue
        if not codes:
            if ids is None or not ids.strip():
                result.problems.append(
                    BadDirective(number, column, "`# avlint: disable` needs rule ids or names: disable=ID[,ID]")
                )
            continue
        result.line_codes.setdefault(number, set()).update(codes)
        if line[: match.start()].strip() == "":  # a comment alone on its line covers the next line
            result.line_codes.setdefault(number + 1, set()).update(codes)
    return result


def _codes(raw: str | None, line: int, column: int, problems: list[BadDirective]) -> set[str]:
    codes: set[str] = set()
    for item in (raw or "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            codes.add(lookup(item).code)
        except UnknownRuleError as error:
            problems.append(BadDirective(line, column, f"suppression names {error}"))
    return codes
