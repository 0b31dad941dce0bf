"""Drift as a plan (like `terraform plan`) or as avlint's own stable JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from avlint.live.drift import DriftReport, ObjectDrift

if TYPE_CHECKING:
    from avlint.blueprint import Document
    from avlint.settings import Settings

_SYMBOLS = {
    "create": ("+", "32"),
    "change": ("~", "33"),
    "delete": ("-", "31"),
    "conflict": ("!", "31"),
    "in-sync": ("=", "2"),
    "absent-ok": ("=", "2"),
    "unknown": ("?", "35"),
}
_WORDS = {
    "create": "missing on server",
    "change": "changed",
    "delete": "should be absent",
    "conflict": "cannot be created",
    "in-sync": "in sync",
    "absent-ok": "absent, as it should be",
    "unknown": "not checked",
}


def render_text(
    report: DriftReport,
    stream: TextIO,
    colour: bool = False,
    show_defaults: bool = False,
    show_in_sync: bool = False,
    release: object = None,
) -> None:
    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if colour else text

    for obj in report.objects:
        shows_defaults = show_defaults and bool(obj.defaults)
        if not obj.drifted and not show_in_sync and obj.action != "unknown" and not shows_defaults and not obj.ignored:
            continue
        symbol, code = _SYMBOLS[obj.action]
        where = f"{obj.path}:{obj.line}"
        note = f"; {obj.note}" if obj.note else ""
        stream.write(paint(f'{symbol} {obj.model} "{obj.name}"', code) + f" ({where}): {_WORDS[obj.action]}{note}\n")
        for change in obj.changes:
            stream.write(f"    {change.field}: {_value(change.live)} -> {_value(change.file)}\n")
        target = f"authentik {release}" if release is not None else "the target release"
        for ignored in obj.ignored:
            stream.write(
                paint(f"    {ignored.field}: ignored ({target} has no writable field of that name; not sent)", "2")
                + f" ({obj.path}:{ignored.line}:{ignored.column})\n"
            )
        if show_defaults:
            for default in obj.defaults:
                stream.write(paint(f"    {default.field}: {_value(default.live)} (kept; not in the file)", "2") + "\n")
    for pk, name in report.orphans:
        stream.write(paint(f'? orphan validation stage "{name}"', "35") + f" ({pk}): on the server, in no file\n")
    stream.write(summary_line(report) + "\n")


def render_html(report: DriftReport, documents: list[tuple[str, Document]], settings: Settings, stream: TextIO) -> None:
    """The drift drawn on the flows of the files (avlint.graph does the drawing)."""
    from avlint.graph.drift import drift_html

    stream.write(drift_html(report, documents, settings))


def summary_line(report: DriftReport) -> str:
    count = {action: sum(1 for obj in report.objects if obj.action == action) for action in _SYMBOLS}
    parts = f"{count['create']} to create, {count['change']} to change, {count['delete']} to delete"
    synced = count["in-sync"] + count["absent-ok"]
    extras = [f"{synced} in sync"]
    if count["unknown"]:
        extras.append(f"{count['unknown']} not checked")
    if count["conflict"]:
        extras.append(f"{count['conflict']} in conflict")
    ignored = sum(len(obj.ignored) for obj in report.objects)
    if ignored:
        extras.append(f"{ignored} field{'s' if ignored != 1 else ''} ignored")
    if report.orphans:
        extras.append(f"{len(report.orphans)} orphan{'s' if len(report.orphans) != 1 else ''}")
    verdict = "Drift" if report.drifted or report.orphans else "No drift"
    return f"{verdict}: {parts}; {', '.join(extras)}."


def render_json(report: DriftReport, stream: TextIO, show_defaults: bool = False) -> None:
    write_json({"version": 1, **drift_document(report, show_defaults)}, stream)


def write_json(document: dict[str, Any], stream: TextIO) -> None:
    json.dump(document, stream, indent=2, ensure_ascii=False, default=str)
    stream.write("\n")


def drift_document(report: DriftReport, show_defaults: bool = False) -> dict[str, Any]:
    """The drift as avlint's JSON: whether there is any, every object, orphans and counts."""
    summary = {action: sum(1 for obj in report.objects if obj.action == action) for action in _SYMBOLS}
    if not summary["conflict"]:
        del summary["conflict"]  # present only when there is one: the shape stays what it was
    return {
        "drift": report.drifted or bool(report.orphans),
        "objects": [_object(obj, show_defaults) for obj in report.objects],
        "orphans": [{"pk": pk, "name": name} for pk, name in report.orphans],
        "summary": summary,
    }


def _object(obj: ObjectDrift, show_defaults: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "path": obj.path,
        "line": obj.line,
        "model": obj.model,
        "name": obj.name,
        "action": obj.action,
        "live_pk": obj.live_pk,
        "changes": [
            {"field": c.field, "live": c.live, "file": c.file, "line": c.line, "column": c.column} for c in obj.changes
        ],
    }
    if obj.note:
        data["note"] = obj.note
    if obj.ignored:
        data["ignored"] = [{"field": i.field, "file": i.file, "line": i.line, "column": i.column} for i in obj.ignored]
    if show_defaults:
        data["kept"] = {d.field: d.live for d in obj.defaults}
    return data


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) or value is None else str(value)
