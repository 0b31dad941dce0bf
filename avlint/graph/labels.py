"""The lines of text each box shows, shared by every format so they all say the same."""

from __future__ import annotations

from typing import NamedTuple

from avlint.graph.model import PLACEHOLDER_NOTES, Box, Drift
from avlint.graph.text import wrap

TITLE_CELLS = 42  # a box is at most this many cells of text wide...
TITLE_LINES = 3  # ...and a name wraps to at most this many lines before it is ellipsised
_DRIFT_SIGNS = {
    "create": "+",
    "change": "~",
    "delete": "-",
    "conflict": "!",
    "in-sync": "=",
    "absent-ok": "=",
    "unknown": "?",
}
_DRIFT_WORDS = {
    "create": "to create",
    "change": "to change",
    "delete": "to delete",
    "conflict": "in conflict: apply would fail",
    "in-sync": "in sync",
    "absent-ok": "absent, as it should be",
    "unknown": "not checked",
}


class Line(NamedTuple):
    text: str
    style: str  # title, kind, detail, server, error, warning, create, change, delete, conflict, sync
    full: str  # the whole text, for a tooltip when `text` is shortened


def box_lines(box: Box) -> list[Line]:
    lines = [Line(part, "title", box.title) for part in wrap(box.title, TITLE_CELLS, TITLE_LINES)]
    lines.extend(_wrapped(box.model, "kind"))
    for detail in box.details:
        lines.extend(_wrapped(detail, "server" if detail in PLACEHOLDER_NOTES else "detail"))
    for drift in box.drift:
        if drift.drifted:  # objects in sync (or not checked) are the quiet majority: no line
            lines.extend(drift_lines(drift))
    for issue in box.issues:
        lines.extend(
            _wrapped(f"{issue.severity} {issue.rule} {issue.name}", issue.severity, f"{issue.short}: {issue.message}")
        )
    return lines


def drift_lines(drift: Drift) -> list[Line]:
    style = drift.action if drift.action in ("create", "change", "delete", "conflict") else "sync"
    head = f"{_DRIFT_SIGNS.get(drift.action, '?')} {drift.subject} {_DRIFT_WORDS.get(drift.action, drift.action)}"
    lines = _wrapped(head, style, f"{head}{'; ' + drift.note if drift.note else ''}")
    for change in drift.changes:
        text = f"{change.field}: {change.live} -> {change.file}"
        lines.extend(_wrapped(text, style))
    return lines


def drift_summary(drift: Drift) -> str:
    return f"{_DRIFT_SIGNS.get(drift.action, '?')} {drift.subject} {_DRIFT_WORDS.get(drift.action, drift.action)}"


def _wrapped(text: str, style: str, full: str | None = None) -> list[Line]:
    return [Line(part, style, full or text) for part in wrap(text, TITLE_CELLS, TITLE_LINES)]
