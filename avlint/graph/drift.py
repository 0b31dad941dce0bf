"""Drift on the drawing: the live comparison's findings keyed to the boxes of the flows, and
`avlint diff --format html`. Apart from avlint.graph.command, which talks to a server through
avlint.live.command, so that avlint.live.render can draw without an import cycle."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from avlint.blueprint import Document
    from avlint.graph.model import Drift, FlowGraph
    from avlint.graph.summary import FileInfo
    from avlint.live.drift import DriftReport
    from avlint.settings import Settings


def graphs_with_drift(infos: list[FileInfo], drift: DriftReport | None) -> list[FlowGraph]:
    from avlint.graph.build import build_graphs

    return build_graphs(infos, drift_by_entry(drift) if drift is not None else None)


def drift_by_entry(report: DriftReport) -> dict[tuple[str, int], Drift]:
    """Drift keyed by the file and index of the entry it was computed for."""
    from avlint.graph.model import Drift, FieldDrift
    from avlint.graph.summary import family

    return {
        (obj.path, obj.entry.index): Drift(
            obj.action,
            family(obj.model),
            tuple(FieldDrift(change.field, _plain(change.live), _plain(change.file)) for change in obj.changes),
            obj.note,
        )
        for obj in report.objects
        if obj.entry is not None
    }


def _plain(value: object) -> str:
    import json

    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) or value is None else str(value)


def drift_html(report: DriftReport, documents: list[tuple[str, Document]], settings: Settings) -> str:
    """`avlint diff --format html`: the flows of the files with the drift of `report` (and the
    lint findings) on their boxes."""

    from functools import partial

    from avlint.graph.html import render_html
    from avlint.graph.summary import summarise_file
    from avlint.workers import map_paths

    infos = map_paths(partial(summarise_file, settings=settings), [path for path, _ in documents], settings)
    return render_html(graphs_with_drift(infos, report), live=True, title="avlint diff")
