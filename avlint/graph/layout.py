"""A simple layered layout: each flow is a column of rows in `order`, top to bottom; the
policies bound to a row's box sit in a column to its left and its configuration stages in a
column to its right. Row heights and column widths come from the text the boxes hold
(avlint.graph.text), so nothing overlaps and no label overflows its box."""

from __future__ import annotations

from dataclasses import dataclass, field

from avlint.graph.labels import Line, box_lines
from avlint.graph.model import Box, FlowGraph
from avlint.graph.text import LINE_HEIGHT, clip, text_width

PAD_X, PAD_Y = 14, 10  # inside a box, around its text
MIN_BOX = 150  # px, the narrowest box
ROW_GAP = 34  # px between rows: room for the sequence arrow
MIN_COLUMN_GAP = 56  # px between columns, widened to fit an edge label
MARGIN = 20
HEADING = 34  # px for a flow's heading
FLOW_GAP = 40  # px between two flows
HEADING_CELLS = 80


@dataclass
class Placed:
    box: Box
    x: float
    y: float
    w: float
    h: float
    lines: list[Line]


@dataclass
class Route:
    points: list[tuple[float, float]]
    style: str
    label: str = ""
    label_at: tuple[float, float] = (0.0, 0.0)


@dataclass
class Heading:
    text: str
    full: str
    x: float
    y: float


@dataclass
class Layout:
    width: float = 0.0
    height: float = 0.0
    boxes: list[Placed] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)


def layout(graphs: list[FlowGraph]) -> Layout:
    result = Layout()
    top: float = MARGIN
    for graph in graphs:
        top = _flow(graph, result, top) + FLOW_GAP
    result.height = max(top - FLOW_GAP + MARGIN, 2 * MARGIN + HEADING)
    result.width = max(result.width, 2 * MARGIN + MIN_BOX)
    return result


def _measure(box: Box) -> tuple[float, float, list[Line]]:
    lines = box_lines(box)
    width = max(MIN_BOX, max(text_width(line.text) for line in lines) + 2 * PAD_X)
    return width, len(lines) * LINE_HEIGHT + 2 * PAD_Y, lines


def _stack_height(sizes: list[tuple[float, float, list[Line]]]) -> float:
    return sum(size[1] for size in sizes) + PAD_Y * 2 * max(len(sizes) - 1, 0)


def _flow(graph: FlowGraph, result: Layout, top: float) -> float:
    heading = "flow " + graph.slug
    result.headings.append(Heading(clip(heading, HEADING_CELLS), heading, MARGIN, top + 20))
    rows = [graph.flow, *graph.bindings]
    main = {box.key: _measure(box) for box in rows}
    left = {box.key: [_measure(p) for p in graph.policies.get(box.key, [])] for box in rows}
    right = {box.key: [_measure(c) for c in graph.config_stages.get(box.key, [])] for box in rows}
    left_width = max((size[0] for sizes in left.values() for size in sizes), default=0.0)
    right_width = max((size[0] for sizes in right.values() for size in sizes), default=0.0)
    main_width = max(size[0] for size in main.values())
    labels = {edge.label for edge in graph.edges if edge.label}
    gap = max([MIN_COLUMN_GAP, *(text_width(label) + 24 for label in labels)])
    left_x = MARGIN
    main_x = left_x + (left_width + gap if left_width else 0)
    right_x = main_x + main_width + gap
    result.width = max(result.width, (right_x + right_width if right_width else main_x + main_width) + MARGIN)
    placed: dict[str, Placed] = {}
    y = top + HEADING
    for box in rows:
        width, height, lines = main[box.key]
        row_height = max(height, _stack_height(left[box.key]), _stack_height(right[box.key]))
        placed[box.key] = _place(result, box, main_x + (main_width - width) / 2, y, width, height, lines)
        for side, sizes, x_of in (
            (graph.policies, left, lambda w: left_x + left_width - w),
            (graph.config_stages, right, lambda w: right_x),
        ):
            side_y = y
            for other, (width, height, lines) in zip(side.get(box.key, []), sizes[box.key], strict=True):
                if other.key not in placed:
                    placed[other.key] = _place(result, other, x_of(width), side_y, width, height, lines)
                side_y += height + 2 * PAD_Y
        y += row_height + ROW_GAP
    for edge in graph.edges:
        result.routes.append(_route(placed[edge.source], placed[edge.target], edge.style, edge.label))
    return y - ROW_GAP


def _place(result: Layout, box: Box, x: float, y: float, w: float, h: float, lines: list[Line]) -> Placed:
    item = Placed(box, x, y, w, h, lines)
    result.boxes.append(item)
    return item


def _route(source: Placed, target: Placed, style: str, label: str) -> Route:
    if style == "solid":  # the sequence: straight down between centred boxes
        x = source.x + source.w / 2
        return Route([(x, source.y + source.h), (x, target.y)], style)
    if source.x + source.w <= target.x:  # left to right
        start = (source.x + source.w, source.y + min(source.h / 2, 24))
        end_x = target.x
    else:  # right to left
        start = (source.x, source.y + min(source.h / 2, 24))
        end_x = target.x + target.w
    end_y = min(max(start[1], target.y + 12), target.y + target.h - 12)
    middle = (start[0] + end_x) / 2
    points = [start, (middle, start[1]), (middle, end_y), (end_x, end_y)]
    return Route(points, style, label, (middle, min(start[1], end_y) - 6))
