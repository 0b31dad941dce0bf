"""A self-contained SVG drawn by avlint: no script, no external font or stylesheet. Colours
follow the reader's light or dark mode through CSS `prefers-color-scheme`; every box carries
a <title> with its full name, details and finding messages (a tooltip in browsers)."""

from __future__ import annotations

import re

from avlint.graph.labels import Line
from avlint.graph.layout import PAD_X, PAD_Y, Placed, Route, layout
from avlint.graph.model import FlowGraph
from avlint.graph.text import FONT_SIZE, LINE_HEIGHT

# Characters XML 1.0 cannot hold at all, even escaped: dropped from names before drawing.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

STYLE = """
.avlint-graph { --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --box: #f6f8fa; --line: #8c959f;
  --flow: #ddf4ff; --policy: #fbefff; --config: #fff8c5; --error: #cf222e; --warning: #9a6700;
  --create: #1a7f37; --change: #9a6700; --delete: #cf222e; --create-bg: #dafbe1; --change-bg: #fff8c5;
  --delete-bg: #ffebe9; --conflict: #a40e26; --conflict-bg: #ffcecb; }
@media (prefers-color-scheme: dark) {
  .avlint-graph { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --box: #161b22; --line: #6e7681;
    --flow: #0c2d6b; --policy: #3c1e70; --config: #3b2e00; --error: #ff7b72; --warning: #d29922;
    --create: #3fb950; --change: #d29922; --delete: #ff7b72; --create-bg: #033a16; --change-bg: #3b2e00;
    --delete-bg: #490202; --conflict: #ffa198; --conflict-bg: #67060c; }
}
.avlint-graph text { font-family: monospace; font-size: FONTpx; fill: var(--fg); white-space: pre; }
.avlint-graph .background { fill: var(--bg); stroke: none; }
.avlint-graph .heading { font-size: 15px; font-weight: bold; }
.avlint-graph rect { fill: var(--box); stroke: var(--line); stroke-width: 1.5; }
.avlint-graph .flow rect { fill: var(--flow); }
.avlint-graph .policy rect { fill: var(--policy); }
.avlint-graph .config-stage rect { fill: var(--config); }
.avlint-graph .server rect { stroke-dasharray: 6 4; }
.avlint-graph .has-warning rect { stroke: var(--warning); stroke-width: 3; }
.avlint-graph .has-error rect { stroke: var(--error); stroke-width: 3; }
.avlint-graph .drift-create rect { fill: var(--create-bg); }
.avlint-graph .drift-change rect { fill: var(--change-bg); }
.avlint-graph .drift-delete rect { fill: var(--delete-bg); }
.avlint-graph .drift-conflict rect { fill: var(--conflict-bg); stroke: var(--conflict); stroke-width: 3; }
.avlint-graph .title { font-weight: bold; }
.avlint-graph .kind, .avlint-graph .detail, .avlint-graph .sync { fill: var(--muted); }
.avlint-graph .server-note { fill: var(--muted); font-style: italic; }
.avlint-graph .error { fill: var(--error); }
.avlint-graph .warning { fill: var(--warning); }
.avlint-graph .create { fill: var(--create); }
.avlint-graph .change { fill: var(--change); }
.avlint-graph .delete { fill: var(--delete); }
.avlint-graph .conflict { fill: var(--conflict); }
.avlint-graph path { fill: none; stroke: var(--line); stroke-width: 1.5; }
.avlint-graph path.dashed { stroke-dasharray: 5 4; }
.avlint-graph .arrowhead { fill: var(--line); stroke: none; }
.avlint-graph .edge-label { fill: var(--muted); font-size: 11px; text-anchor: middle; }
""".replace("FONT", str(FONT_SIZE))


def escape(text: str) -> str:
    text = _NOT_XML.sub("\ufffd", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def render_svg(graphs: list[FlowGraph], standalone: bool = True, label: str = "", ident: str = "avlint") -> str:
    """The drawing; `ident` prefixes element ids, unique per drawing when a page holds several."""
    drawing = layout(graphs)
    width, height = _px(drawing.width), _px(drawing.height)
    slugs = ", ".join(graph.slug for graph in graphs) or "none"
    name = label or f"avlint graph of flows: {slugs}"
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else ""
    parts = [
        f'{head}<svg xmlns="http://www.w3.org/2000/svg" class="avlint-graph" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(name)}">',
        f"<title>{escape(name)}</title>",
        f"<style>{STYLE}</style>" if standalone else "",
        f'<defs><marker id="{ident}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path class="arrowhead" d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>',
        f'<rect class="background" x="0" y="0" width="{width}" height="{height}"/>',
    ]
    parts.extend(_heading(heading.text, heading.full, heading.x, heading.y) for heading in drawing.headings)
    parts.extend(_route(route, ident) for route in drawing.routes)
    parts.extend(_box(item) for item in drawing.boxes)
    parts.append("</svg>")
    return "\n".join(part for part in parts if part) + "\n"


def _px(value: float) -> str:
    return f"{value:.0f}"


def _heading(text: str, full: str, x: float, y: float) -> str:
    return f'<text class="heading" x="{_px(x)}" y="{_px(y)}"><title>{escape(full)}</title>{escape(text)}</text>'


def _route(route: Route, ident: str) -> str:
    points = " L ".join(f"{x:.1f} {y:.1f}" for x, y in route.points)
    path = f'<path class="{route.style}" d="M {points}" marker-end="url(#{ident}-arrow)"/>'
    if not route.label:
        return path
    x, y = route.label_at
    return f'{path}\n<text class="edge-label" x="{x:.1f}" y="{y:.1f}">{escape(route.label)}</text>'


def _box(item: Placed) -> str:
    box = item.box
    classes = ["box", box.kind]
    if box.on_server:
        classes.append("server")
    if box.worst:
        classes.append(f"has-{box.worst}")
    if box.drift_action:
        classes.append(f"drift-{box.drift_action}")
    rows = [
        f'<g class="{" ".join(classes)}" data-key="{escape(box.key)}">',
        f"<title>{escape(_tooltip(item.lines, box.source))}</title>",
        f'<rect x="{item.x:.1f}" y="{item.y:.1f}" width="{item.w:.1f}" height="{item.h:.1f}" rx="6"/>',
    ]
    for number, line in enumerate(item.lines):
        y = item.y + PAD_Y + (number + 1) * LINE_HEIGHT - 5
        style = "server-note" if line.style == "server" else line.style
        rows.append(f'<text class="{style}" x="{item.x + PAD_X:.1f}" y="{y:.1f}">{escape(line.text)}</text>')
    rows.append("</g>")
    return "\n".join(rows)


def _tooltip(lines: list[Line], source: str) -> str:
    """Each full text once, in order: the whole name, then details and finding messages, then
    where the object is defined."""
    seen: list[str] = []
    for line in lines:
        if line.full not in seen:
            seen.append(line.full)
    if source:
        seen.append(f"defined at {source}")
    return "\n".join(seen)
