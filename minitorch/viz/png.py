"""PNG of one frame of a graph, drawn with matplotlib's Agg canvas.

Uses a bare ``Figure`` (no pyplot), so rendering touches no global state and needs
no display. Coordinates are the layout's pixels; at 100 dpi one pixel is 0.72 pt.
"""

from __future__ import annotations

import math
from pathlib import Path

from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, FancyBboxPatch, Patch, PathPatch, Polygon
from matplotlib.path import Path as MplPath

from .graph import ExprGraph, Frame, var_id
from .layout import Layout
from .style import (
    ACTIVE,
    BADGE_PX,
    CAPTION_LINE_PX,
    DERIV,
    EDGE,
    FONT_PX,
    KINDS,
    LINE_PX,
    RED,
    TEXT,
    badge_text,
    canvas,
    curve,
    derivative_line,
    edge_points,
    label_point,
    sent_text,
    text_width,
    value_lines,
)

DPI = 100.0
# Beyond this many pixels a PNG stops being worth its encoding time; larger
# graphs are drawn at a lower resolution (the SVG stays exact).
MAX_PIXELS = 12e6
FONT = "DejaVu Sans"  # ships with matplotlib, so it is always there
# A white outline keeps red edge labels readable where they cross a line.
HALO = [patheffects.withStroke(linewidth=3, foreground="white")]


def _pt(px: float) -> float:
    return px * 72.0 / DPI


def _text(
    ax: Axes, x: float, y: float, s: str, colour: str, zorder: float = 4, **kw: object
) -> None:
    ax.text(
        x,
        y,
        s,
        ha="center",
        va="baseline",
        color=colour,
        fontsize=_pt(FONT_PX),
        family=FONT,
        zorder=zorder,
        **kw,  # type: ignore[arg-type]
    )


def _legend(ax: Axes) -> None:
    x = 16.0
    entries = [(st.fill, st.stroke, st.legend) for st in KINDS.values()]
    entries.append((RED, RED, "pending derivative"))
    for fill, stroke, legend in entries:
        ax.add_patch(
            FancyBboxPatch(
                (x, 8),
                14,
                14,
                boxstyle="round,pad=0,rounding_size=3",
                facecolor=fill,
                edgecolor=stroke,
            )
        )
        ax.text(x + 20, 19, legend, color=TEXT, fontsize=_pt(FONT_PX), family=FONT)
        x += 34 + text_width(legend)


def _draw(ax: Axes, graph: ExprGraph, layout: Layout, frame: Frame, top: float) -> None:
    # Patches go into one collection per layer: adding thousands of single patches
    # to an Axes costs far more than drawing them.
    edges: list[Patch] = []
    nodes: list[Patch] = []
    badges: list[Patch] = []
    for i in range(len(graph.edges)):
        route = [(x, y + top) for x, y in edge_points(graph, layout, i)]
        sent = frame.sent.get(i)
        colour, width = (RED, 2.4) if sent is not None else (EDGE, 1.3)
        verts = [route[0]]
        for a, b, c in curve(route):
            verts.extend([a, b, c])
        codes = [MplPath.MOVETO] + [MplPath.CURVE4] * (len(verts) - 1)
        edges.append(
            PathPatch(
                MplPath(verts, codes),
                facecolor="none",
                edgecolor=colour,
                linewidth=_pt(width),
            )
        )
        x, y = route[-1]
        edges.append(
            Polygon([(x, y), (x - 8, y - 4), (x - 8, y + 4)], closed=True, color=colour)
        )
        if sent is not None:
            lx, ly = label_point(route, graph.edges[i].slot)
            _text(ax, lx, ly, sent_text(sent), RED, weight="bold", path_effects=HALO)

    for node in graph.nodes:
        st = KINDS[node.kind]
        (cx, cy), (w, h) = layout.centre[node.id], layout.size[node.id]
        cy += top
        active = frame.active == var_id(node.uid) and node.kind != "constant"
        stroke, lw = (ACTIVE, 3.0) if active else (st.stroke, 1.4)
        if node.kind == "op":
            nodes.append(
                Ellipse(
                    (cx, cy),
                    w,
                    h,
                    facecolor=st.fill,
                    edgecolor=stroke,
                    linewidth=_pt(lw),
                )
            )
        else:
            nodes.append(
                FancyBboxPatch(
                    (cx - w / 2, cy - h / 2),
                    w,
                    h,
                    boxstyle="round,pad=0,rounding_size=6",
                    facecolor=st.fill,
                    edgecolor=stroke,
                    linewidth=_pt(lw),
                    linestyle=(0, (4, 3)) if st.dash else "solid",
                )
            )
        lines = value_lines(node)
        rows = len(lines) + (node.kind in ("leaf", "inner"))
        y = cy - (rows - 1) * LINE_PX / 2 + FONT_PX * 0.35
        for k, line in enumerate(lines):
            bold = k == 0 and node.kind != "constant"
            _text(ax, cx, y + k * LINE_PX, line, TEXT, weight="bold" if bold else None)
        derivative = frame.derivatives.get(node.id)
        if derivative is not None:
            _text(
                ax,
                cx,
                y + len(lines) * LINE_PX,
                derivative_line(derivative),
                DERIV,
                weight="bold",
            )

    for node_id, pending in frame.pending.items():
        (cx, cy), (_, h) = layout.centre[node_id], layout.size[node_id]
        text = badge_text(pending)
        w = text_width(text) + 12
        badge_top = cy + top - h / 2 - BADGE_PX + 2
        badges.append(
            FancyBboxPatch(
                (cx - w / 2, badge_top),
                w,
                BADGE_PX,
                boxstyle="round,pad=0,rounding_size=8",
                facecolor=RED,
                edgecolor=RED,
            )
        )
        _text(ax, cx, badge_top + BADGE_PX - 4.5, text, "#ffffff", zorder=5)

    for z, patches in enumerate((edges, nodes, badges), start=1):
        if patches:
            ax.add_collection(PatchCollection(patches, match_original=True, zorder=z))


def render_png(
    graph: ExprGraph,
    layout: Layout,
    frame: Frame,
    path: str | Path,
    caption_rows: int = 0,
) -> None:
    """Write ``frame`` drawn over ``graph`` as a PNG file at ``path``."""
    c = canvas(layout, frame, caption_rows)
    dpi = DPI * min(1.0, math.sqrt(MAX_PIXELS / (c.width * c.height)))
    fig = Figure(figsize=(c.width / DPI, c.height / DPI), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, c.width)
    ax.set_ylim(c.height, 0)
    ax.set_axis_off()
    _legend(ax)
    _draw(ax, graph, layout, frame, c.graph_top)
    base = c.graph_top + layout.height + 4
    for k, line in enumerate(c.caption):
        ax.text(
            16,
            base + (k + 1) * CAPTION_LINE_PX - 4,
            line,
            color=TEXT,
            fontsize=_pt(FONT_PX + 1),
            family=FONT,
        )
    # Light compression: level 6 (the default) triples the time for ~20% of size.
    fig.savefig(path, dpi=dpi, facecolor="white", pil_kwargs={"compress_level": 2})
