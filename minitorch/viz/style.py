"""What the SVG and PNG renderers share: colours, text lines, node sizes, canvas.

Both draw from the same numbers, so a frame looks the same in either format.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from dataclasses import dataclass

from .graph import ExprGraph, Frame, Node, NodeKind, fmt_number, var_id
from .layout import Layout, Point, layered_layout

FONT_FAMILY = "DejaVu Sans, Helvetica, Arial, sans-serif"
FONT_PX = 12.0
LINE_PX = 16.0
# Average advance of a sans-serif glyph at FONT_PX; used only to size boxes.
CHAR_PX = 7.0
LEGEND_PX = 30.0
CAPTION_LINE_PX = 18.0
BADGE_PX = 16.0
# Clear space between a badge and the top edge of the node it belongs to.
BADGE_GAP_PX = 3.0

ACTIVE = "#2563eb"
RED = "#dc2626"
EDGE = "#6b7280"
DERIV = "#047857"
TEXT = "#111827"


@dataclass(frozen=True)
class KindStyle:
    """Fill, outline and dash pattern of one kind of node, and its legend text."""

    fill: str
    stroke: str
    dash: str | None
    legend: str


KINDS: dict[NodeKind, KindStyle] = {
    "leaf": KindStyle("#dbeafe", "#1e40af", None, "leaf (input)"),
    "inner": KindStyle("#f3f4f6", "#374151", None, "intermediate"),
    "constant": KindStyle("#ffffff", "#9ca3af", "4,3", "constant"),
    "op": KindStyle("#fef3c7", "#92400e", None, "function"),
}


def value_lines(node: Node) -> list[str]:
    """The fixed text of a node: op name; or variable name and value."""
    if node.kind == "op":
        return [node.label]
    assert node.value is not None
    if node.kind == "constant":
        # A constant's name is only its id or its literal: the value says it all.
        return [fmt_number(node.value)]
    return [node.label, fmt_number(node.value)]


def is_active(frame: Frame, node: Node) -> bool:
    """Whether ``node`` lights up: the variable being processed or its function."""
    return frame.active == var_id(node.uid) and node.kind != "constant"


def first_line_y(node: Node, lines: int, cy: float) -> float:
    """Baseline of the first of a node's ``lines`` text lines, centred on ``cy``.

    Variables keep a row for the derivative, so text does not jump between frames.
    """
    rows = lines + (node.kind in ("leaf", "inner"))
    return cy - (rows - 1) * LINE_PX / 2 + FONT_PX * 0.35


def derivative_line(derivative: float) -> str:
    """The text of a derivative shown on a node."""
    return f"d = {fmt_number(derivative)}"


def badge_text(pending: float) -> str:
    """The text of a red badge: a derivative waiting to be passed on."""
    return f"waiting d = {fmt_number(pending)}"


def badge_box(
    layout: Layout, node_id: str, pending: float
) -> tuple[float, float, float, float]:
    """``(left, top, width, height)`` of the red badge above ``node_id``.

    The badge ends ``BADGE_GAP_PX`` above the node's top edge, so it never covers
    the node's outline or its name.
    """
    (cx, cy), (_, h) = layout.centre[node_id], layout.size[node_id]
    width = text_width(badge_text(pending)) + 12
    top = cy - h / 2 - BADGE_GAP_PX - BADGE_PX
    return cx - width / 2, top, width, BADGE_PX


def text_width(text: str) -> float:
    """Estimated width in pixels of ``text`` at the body font size."""
    return len(text) * CHAR_PX


def node_size(node: Node) -> Point:
    """Box size of a node, with room for a derivative line on variables."""
    lines = value_lines(node)
    if node.kind == "op":
        return max(56.0, text_width(lines[0]) + 24.0), 36.0
    if node.kind != "constant":
        lines = [*lines, derivative_line(-8.888e88)]
    return max(64.0, max(map(text_width, lines)) + 16.0), len(lines) * LINE_PX + 8.0


def graph_layout(graph: ExprGraph) -> Layout:
    """The layered layout of ``graph`` with every node sized for its text."""
    return layered_layout(
        [n.id for n in graph.nodes],
        {n.id: node_size(n) for n in graph.nodes},
        [(e.src, e.dst, e.slot) for e in graph.edges],
    )


def port_point(layout: Layout, node: Node, point: Point) -> Point:
    """Where an edge ending at height ``point[1]`` touches ``node``'s outline."""
    if node.kind != "op":
        return point
    cx, cy = layout.centre[node.id]
    rx, ry = layout.size[node.id][0] / 2, layout.size[node.id][1] / 2
    dy = min(abs(point[1] - cy), ry * 0.95)
    return cx - rx * math.sqrt(1.0 - (dy / ry) ** 2), point[1]


def edge_points(graph: ExprGraph, layout: Layout, index: int) -> list[Point]:
    """The route of edge ``index``, its end clipped to the target's outline."""
    route = list(layout.routes[index])
    route[-1] = port_point(layout, graph.node(graph.edges[index].dst), route[-1])
    return route


def curve(route: list[Point]) -> list[tuple[Point, Point, Point]]:
    """Cubic Bézier pieces through ``route``, leaving and entering horizontally."""
    pieces = []
    for (x0, y0), (x1, y1) in itertools.pairwise(route):
        h = (x1 - x0) / 2
        pieces.append(((x0 + h, y0), (x1 - h, y1), (x1, y1)))
    return pieces


def label_point(route: list[Point], slot: int) -> Point:
    """Where a contribution is written: by the middle of the edge's first piece.

    Odd slots write below the edge, so ``a + a``'s two labels do not overlap.
    """
    (x0, y0), (x1, y1) = route[0], route[1]
    return (x0 + x1) / 2, (y0 + y1) / 2 + (13.0 if slot % 2 else -5.0)


def sent_text(value: float) -> str:
    """The text on an edge carrying a derivative back to its source."""
    return f"← {fmt_number(value)}"


@dataclass(frozen=True)
class Canvas:
    """Full picture size: legend band, graph, caption rows."""

    width: float
    height: float
    graph_top: float
    caption: list[str]


def canvas(layout: Layout, frame: Frame, caption_rows: int = 0) -> Canvas:
    """Size the picture and wrap ``frame``'s caption to its width."""
    width = max(layout.width, 520.0)
    chars = max(40, int((width - 32) / CHAR_PX))
    lines = textwrap.wrap(frame.caption, chars, break_long_words=False)
    rows = max(len(lines), caption_rows)
    # Badges sit above their node, so the graph band starts a badge lower.
    graph_top = LEGEND_PX + BADGE_PX + BADGE_GAP_PX
    height = graph_top + layout.height + rows * CAPTION_LINE_PX + (8 if rows else 0)
    return Canvas(width, height, graph_top, lines)


def caption_rows(layout: Layout, frames: list[Frame]) -> int:
    """The most caption rows any of ``frames`` needs (keeps a slideshow steady)."""
    return max((len(canvas(layout, f).caption) for f in frames), default=0)
