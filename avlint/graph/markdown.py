"""Markdown for a pull request comment: a section per flow with its Mermaid block, then the
findings (and, with a live source, the drift) of the objects drawn. The first line is an HTML
comment that a CI job can look for to update its previous comment instead of adding one."""

from __future__ import annotations

import re

from avlint.graph.labels import drift_summary
from avlint.graph.mermaid import render_mermaid
from avlint.graph.model import FlowGraph

MARKER = "<!-- avlint-graph -->"
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def text(value: str) -> str:
    """Plain text that Markdown shows as written (no emphasis, links, HTML or table breaks)."""
    return _SPECIAL.sub(r"\\\1", " ".join(value.split()))


def render_markdown(graphs: list[FlowGraph], live: bool = False) -> str:
    issues = sum(len(graph.issues()) for graph in graphs)
    lines = [
        MARKER,
        "## avlint graph",
        "",
        f"{len(graphs)} flow{'s' if len(graphs) != 1 else ''}, {issues} finding{'s' if issues != 1 else ''} on the objects drawn.",
    ]
    if not graphs:
        lines.extend(["", "No flow in the given files."])
    for graph in graphs:
        lines.extend(_section(graph, live))
    return "\n".join(lines) + "\n"


def _section(graph: FlowGraph, live: bool) -> list[str]:
    lines = ["", f"### Flow {text(graph.slug)}", ""]
    lines.append(" · ".join(text(detail) for detail in graph.flow.details) or "on the server")
    lines.extend(["", render_mermaid([graph]).rstrip("\n"), ""])
    found = graph.issues()
    if found:
        lines.append("**Findings**")
        lines.append("")
        for box, issue in found:
            where = f"{issue.path}:{issue.line}:{issue.column}"
            lines.append(
                f"- **{issue.severity}** {issue.rule} {text(issue.name)} on {text(box.title)}"
                f" ({text(where)}): {text(issue.message)}"
            )
    else:
        lines.append("No findings on this flow.")
    if live:
        lines.extend(_drift(graph))
    return lines


def _drift(graph: FlowGraph) -> list[str]:
    lines = ["", "**Drift**", ""]
    drifted = [(box, drift) for box in graph.boxes() for drift in box.drift if drift.drifted]
    if not drifted:
        return [*lines, "In sync with the server."]
    for box, drift in drifted:
        lines.append(f"- {text(drift_summary(drift))}: {text(box.title)}")
        lines.extend(f"  - {text(change.field)}: {text(change.live)} → {text(change.file)}" for change in drift.changes)
    return lines
