"""Graphviz DOT: one cluster per flow; policies and configuration stages share the rank of the
box they belong to, so `dot` draws them beside it."""

from __future__ import annotations

from avlint.graph.labels import box_lines
from avlint.graph.model import CONFIG_STAGE, FLOW, POLICY, Box, FlowGraph

_SHAPES = {FLOW: "box", POLICY: "hexagon", CONFIG_STAGE: "component"}
_COLOURS = {"error": "#d1242f", "warning": "#bf8700"}
_FILLS = {"create": "#dafbe1", "change": "#fff8c5", "delete": "#ffebe9", "conflict": "#ffcecb"}


def quote(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, line breaks as spaces."""
    cleaned = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")
    return f'"{cleaned}"'


def render_dot(graphs: list[FlowGraph]) -> str:
    lines = [
        "digraph avlint {",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fillcolor="white", fontname="monospace", fontsize=11];',
        '  edge [fontname="monospace", fontsize=10];',
    ]
    for number, graph in enumerate(graphs):
        lines.extend(_cluster(graph, number))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _cluster(graph: FlowGraph, number: int) -> list[str]:
    boxes = graph.boxes()
    ids = {box.key: f"f{number}n{index}" for index, box in enumerate(boxes)}
    lines = [f"  subgraph cluster_{number} {{", f"    label={quote('flow ' + graph.slug)};"]
    lines.extend(f"    {ids[box.key]} [{_attributes(box)}];" for box in boxes)
    for edge in graph.edges:
        attributes = ["style=dashed"] if edge.style == "dashed" else []
        if edge.label:
            attributes.append(f"label={quote(edge.label)}")
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"    {ids[edge.source]} -> {ids[edge.target]}{suffix};")
    for owner in [graph.flow, *graph.bindings]:
        side = graph.policies.get(owner.key, []) + graph.config_stages.get(owner.key, [])
        if side:
            members = "; ".join(ids[box.key] for box in [owner, *side])
            lines.append(f"    {{ rank=same; {members}; }}")
    lines.append("  }")
    return lines


def _attributes(box: Box) -> str:
    label = "\\n".join(quote(line.text)[1:-1] for line in box_lines(box))
    styles = ["rounded", "filled"] + (["dashed"] if box.on_server else [])
    parts = [f'label="{label}"', f"shape={_SHAPES.get(box.kind, 'box')}", f'style="{",".join(styles)}"']
    if box.worst:
        parts.extend([f'color="{_COLOURS[box.worst]}"', "penwidth=2"])
    if box.drift_action:
        parts.append(f'fillcolor="{_FILLS[box.drift_action]}"')
    return ", ".join(parts)
