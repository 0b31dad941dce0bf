"""A Mermaid flowchart, fenced as a ```mermaid block so that GitHub and GitLab draw it when
it is pasted into a comment. Element ids are generated (f0n1...), never made from names;
every label is a quoted string with Mermaid's entity codes for the characters that would end
it or be read as markup, so any name is safe."""

from __future__ import annotations

from avlint.graph.labels import box_lines
from avlint.graph.model import CONFIG_STAGE, FLOW, POLICY, Box, FlowGraph

_ENTITIES = str.maketrans(
    {"#": "#35;", '"': "#quot;", "&": "#amp;", "<": "#lt;", ">": "#gt;", "`": "#96;", "\r": " ", "\n": " "}
)
_CLASSES = (
    "classDef server stroke-dasharray: 6 4",
    "classDef error stroke:#d1242f,stroke-width:3px",
    "classDef warning stroke:#bf8700,stroke-width:3px",
    "classDef create fill:#dafbe1,color:#1a7f37",
    "classDef change fill:#fff8c5,color:#7d4e00",
    "classDef delete fill:#ffebe9,color:#cf222e",
    "classDef conflict fill:#ffcecb,color:#a40e26,stroke:#a40e26,stroke-width:3px",
)


def escape(text: str) -> str:
    return text.translate(_ENTITIES)


def render_mermaid(graphs: list[FlowGraph], fenced: bool = True) -> str:
    lines = ["flowchart TB"]
    for number, graph in enumerate(graphs):
        lines.extend(_graph_lines(graph, f"f{number}"))
    if not graphs:
        lines.append('  empty["no flow in these files"]')
    lines.extend(f"  {line}" for line in _CLASSES)
    body = "\n".join(lines) + "\n"
    return f"```mermaid\n{body}```\n" if fenced else body


def _graph_lines(graph: FlowGraph, prefix: str) -> list[str]:
    boxes = graph.boxes()
    ids = {box.key: f"{prefix}n{index}" for index, box in enumerate(boxes)}
    lines = [f'  subgraph {prefix}["{escape("flow " + graph.slug)}"]', "    direction TB"]
    lines.extend(f"    {ids[box.key]}{_shape(box)}" for box in boxes)
    for edge in graph.edges:
        arrow = "-.->" if edge.style == "dashed" else "-->"
        label = f'|"{escape(edge.label)}"|' if edge.label else ""
        lines.append(f"    {ids[edge.source]} {arrow}{label} {ids[edge.target]}")
    lines.append("  end")
    classes: dict[str, list[str]] = {}
    for box in boxes:
        for name in _classes_of(box):
            classes.setdefault(name, []).append(ids[box.key])
    lines.extend(f"  class {','.join(members)} {name}" for name, members in classes.items())
    return lines


def _shape(box: Box) -> str:
    text = "<br/>".join(escape(line.text) for line in box_lines(box))
    if box.kind == FLOW:
        return f'(["{text}"])'
    if box.kind == POLICY:
        return f'{{{{"{text}"}}}}'
    if box.kind == CONFIG_STAGE:
        return f'[["{text}"]]'
    return f'["{text}"]'


def _classes_of(box: Box) -> list[str]:
    names = []
    if box.on_server:
        names.append("server")
    if box.worst:
        names.append(box.worst)
    if box.drift_action:
        names.append(box.drift_action)
    return names
