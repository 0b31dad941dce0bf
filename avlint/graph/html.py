"""A self-contained HTML page: the drawing of each flow inline, then its findings and drift as
tables. No script, no external resource; light and dark mode through `prefers-color-scheme`."""

from __future__ import annotations

from avlint.graph.labels import drift_summary
from avlint.graph.model import FlowGraph
from avlint.graph.svg import STYLE, escape, render_svg

_PAGE_STYLE = """
:root { color-scheme: light dark; }
body { margin: 0; font-family: system-ui, sans-serif; background: #ffffff; color: #1f2328; }
main { padding: 1.5rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.75rem 0; }
th, td { border: 1px solid #d1d9e0; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
.drawing { overflow-x: auto; }
.error { color: #cf222e; } .warning { color: #9a6700; }
@media (prefers-color-scheme: dark) {
  body { background: #0d1117; color: #e6edf3; }
  th, td { border-color: #3d444d; }
  .error { color: #ff7b72; } .warning { color: #d29922; }
}
"""


def render_html(graphs: list[FlowGraph], live: bool = False, title: str = "avlint graph") -> str:
    issues = sum(len(graph.issues()) for graph in graphs)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        f"<title>{escape(title)}</title>",
        f"<style>{_PAGE_STYLE}{STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{escape(title)}</h1>",
        f"<p>{len(graphs)} flow{'s' if len(graphs) != 1 else ''}, {issues} finding{'s' if issues != 1 else ''} on the objects drawn.</p>",
    ]
    if not graphs:
        parts.append("<p>No flow in the given files.</p>")
    for number, graph in enumerate(graphs):
        parts.extend(_section(graph, number, live))
    parts.extend(["</main>", "</body>", "</html>"])
    return "\n".join(parts) + "\n"


def _section(graph: FlowGraph, number: int, live: bool) -> list[str]:
    parts = [
        f'<section id="flow-{number}">',
        f"<h2>flow {escape(graph.slug)}</h2>",
        '<div class="drawing">',
        render_svg([graph], standalone=False, ident=f"flow-{number}").rstrip("\n"),
        "</div>",
    ]
    found = graph.issues()
    if found:
        parts.append(
            "<table><thead><tr><th>severity</th><th>rule</th><th>object</th><th>where</th><th>message</th></tr></thead><tbody>"
        )
        for box, issue in found:
            parts.append(
                f'<tr><td class="{issue.severity}">{issue.severity}</td><td>{escape(issue.rule)} {escape(issue.name)}</td>'
                f"<td>{escape(box.title)}</td><td>{escape(issue.path)}:{issue.line}:{issue.column}</td>"
                f"<td>{escape(issue.message)}</td></tr>"
            )
        parts.append("</tbody></table>")
    else:
        parts.append("<p>No findings on this flow.</p>")
    if live:
        parts.extend(_drift(graph))
    parts.append("</section>")
    return parts


def _drift(graph: FlowGraph) -> list[str]:
    drifted = [(box, drift) for box in graph.boxes() for drift in box.drift if drift.drifted]
    if not drifted:
        return ["<p>In sync with the server.</p>"]
    rows = [
        "<table><thead><tr><th>drift</th><th>object</th><th>field</th><th>live</th><th>files</th></tr></thead><tbody>"
    ]
    for box, drift in drifted:
        rows.append(
            f"<tr><td>{escape(drift_summary(drift))}</td><td>{escape(box.title)}</td><td></td><td></td><td></td></tr>"
        )
        rows.extend(
            f"<tr><td></td><td></td><td>{escape(change.field)}</td><td>{escape(change.live)}</td><td>{escape(change.file)}</td></tr>"
            for change in drift.changes
        )
    rows.append("</tbody></table>")
    return rows
