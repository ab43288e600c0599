"""PNG of one frame of a graph: shapes by matplotlib's Agg canvas, text by Pillow.

Uses a bare ``Figure`` (no pyplot), so rendering touches no global state and needs
no display. Coordinates are the layout's pixels; at 100 dpi one pixel is 0.72 pt.

Why two libraries: Agg draws smooth antialiased curves and ellipses, but every
matplotlib ``Text`` artist costs about 2 ms (font look-ups, layout, drawing), which
for a 500-node graph's ~1200 labels was most of a 3-4 s render. Pillow (which
matplotlib already depends on) writes the same DejaVu Sans glyphs for ~0.1 ms
each, so the shapes are drawn first and the labels written onto the pixels after:
all text sits above all shapes, so the order is the same as before.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import (
    Collection,
    PatchCollection,
    PathCollection,
    PolyCollection,
)
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, FancyBboxPatch, Patch
from matplotlib.path import Path as MplPath
from PIL import Image, ImageDraw, ImageFont

from .graph import ExprGraph, Frame
from .layout import Layout
from .style import (
    ACTIVE,
    CAPTION_LINE_PX,
    DERIV,
    EDGE,
    FONT_PX,
    KINDS,
    LINE_PX,
    RED,
    TEXT,
    badge_box,
    badge_text,
    canvas,
    curve,
    derivative_line,
    edge_points,
    first_line_y,
    is_active,
    label_point,
    sent_text,
    text_width,
    value_lines,
)

DPI = 100.0
# Beyond this many pixels a PNG stops being worth its encoding time; larger
# graphs are drawn at a lower resolution (the SVG stays exact). 12 Mpx keeps a
# 500-node graph's labels at ~7 px: small, but still legible at 100% zoom.
MAX_PIXELS = 12e6
FONT = "DejaVu Sans"  # ships with matplotlib, so it is always there
# A white outline keeps red edge labels readable where they cross a line.
HALO_PX = 2.0
# The fastest compression: level 2 took ~1.5x as long for 1% less size on a
# frame of a 60-node graph, and level 6 (the default) triples the time for ~20%.
COMPRESS_LEVEL = 1


def _pt(px: float) -> float:
    return px * 72.0 / DPI


@dataclass(frozen=True)
class _Label:
    """One line of text, placed in layout pixels.

    ``anchor`` is Pillow's: ``ms`` is the middle of the baseline, ``ls`` its left end.
    """

    x: float
    y: float
    text: str
    colour: str
    bold: bool = False
    size: float = FONT_PX
    anchor: str = "ms"
    halo: bool = False


@functools.cache
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    # Loading a font file takes ~1 ms: do it once per weight and size.
    props = font_manager.FontProperties(family=FONT, weight="bold" if bold else None)
    # The basic layout (no shaping library) is ~40% faster and enough for labels.
    return ImageFont.truetype(
        font_manager.findfont(props), size, layout_engine=ImageFont.Layout.BASIC
    )


def _write(image: Image.Image, labels: list[_Label], scale: float) -> None:
    """Write ``labels`` onto ``image``, drawn at ``scale`` pixels per layout pixel."""
    draw = ImageDraw.Draw(image)
    for lb in labels:
        draw.text(
            (lb.x * scale, lb.y * scale),
            lb.text,
            fill=lb.colour,
            # Whole pixel sizes: crisper hinted glyphs, and any Pillow accepts them.
            font=_font(lb.bold, max(1, round(lb.size * scale))),
            anchor=lb.anchor,
            stroke_width=max(1, round(HALO_PX * scale)) if lb.halo else 0,
            stroke_fill="white",
        )


def _legend(patches: list[Patch], labels: list[_Label]) -> None:
    x = 16.0
    entries = [(st.fill, st.stroke, st.legend) for st in KINDS.values()]
    entries.append((RED, RED, "pending derivative"))
    for fill, stroke, legend in entries:
        patches.append(
            FancyBboxPatch(
                (x, 8),
                14,
                14,
                boxstyle="round,pad=0,rounding_size=3",
                facecolor=fill,
                edgecolor=stroke,
            )
        )
        labels.append(_Label(x + 20, 19, legend, TEXT, anchor="ls"))
        x += 34 + text_width(legend)


def _edges(
    graph: ExprGraph, layout: Layout, frame: Frame, top: float, labels: list[_Label]
) -> list[Collection]:
    """Edge curves and arrowheads, as two collections of bare paths.

    A ``Patch`` object per edge costs more to build than to draw; plain paths with
    per-item colours skip that.
    """
    curves: list[MplPath] = []
    heads: list[list[tuple[float, float]]] = []
    colours: list[str] = []
    widths: list[float] = []
    for i in range(len(graph.edges)):
        route = [(x, y + top) for x, y in edge_points(graph, layout, i)]
        sent = frame.sent.get(i)
        colour, width = (RED, 2.4) if sent is not None else (EDGE, 1.3)
        verts = [route[0]]
        for a, b, c in curve(route):
            verts.extend([a, b, c])
        codes = [MplPath.MOVETO] + [MplPath.CURVE4] * (len(verts) - 1)
        curves.append(MplPath(verts, codes))
        x, y = route[-1]
        heads.append([(x, y), (x - 8, y - 4), (x - 8, y + 4)])
        colours.append(colour)
        widths.append(_pt(width))
        if sent is not None:
            lx, ly = label_point(route, graph.edges[i].slot)
            labels.append(_Label(lx, ly, sent_text(sent), RED, bold=True, halo=True))
    return [
        PathCollection(
            curves, facecolors="none", edgecolors=colours, linewidths=widths, zorder=1
        ),
        PolyCollection(heads, facecolors=colours, edgecolors=colours, zorder=1),
    ]


def _nodes(
    graph: ExprGraph,
    layout: Layout,
    frame: Frame,
    top: float,
    layers: tuple[list[Patch], list[Patch]],
    labels: list[_Label],
) -> None:
    """Node shapes and badges into ``layers``, their text into ``labels``."""
    nodes, badges = layers
    for node in graph.nodes:
        st = KINDS[node.kind]
        (cx, cy), (w, h) = layout.centre[node.id], layout.size[node.id]
        cy += top
        active = is_active(frame, node)
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
        y = first_line_y(node, len(lines), cy)
        for k, line in enumerate(lines):
            bold = k == 0 and node.kind != "constant"
            labels.append(_Label(cx, y + k * LINE_PX, line, TEXT, bold=bold))
        derivative = frame.derivatives.get(node.id)
        if derivative is not None:
            line = derivative_line(derivative)
            labels.append(_Label(cx, y + len(lines) * LINE_PX, line, DERIV, bold=True))

    for node_id, pending in frame.pending.items():
        left, badge_top, w, h = badge_box(layout, node_id, pending)
        badge_top += top
        badges.append(
            FancyBboxPatch(
                (left, badge_top),
                w,
                h,
                boxstyle="round,pad=0,rounding_size=8",
                facecolor=RED,
                edgecolor=RED,
            )
        )
        text = badge_text(pending)
        labels.append(_Label(left + w / 2, badge_top + h - 4.5, text, "#ffffff"))


def render_png(
    graph: ExprGraph,
    layout: Layout,
    frame: Frame,
    path: str | Path,
    caption_rows: int = 0,
    max_pixels: float = MAX_PIXELS,
) -> None:
    """Write ``frame`` drawn over ``graph`` as a PNG file at ``path``.

    A picture of more than ``max_pixels`` is drawn at a lower resolution.
    """
    c = canvas(layout, frame, caption_rows)
    scale = min(1.0, math.sqrt(max_pixels / (c.width * c.height)))
    fig = Figure(
        figsize=(c.width / DPI, c.height / DPI), dpi=DPI * scale, facecolor="white"
    )
    agg = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, c.width)
    ax.set_ylim(c.height, 0)
    ax.set_axis_off()

    # Patches go into one collection per layer: adding thousands of single patches
    # to an Axes costs far more than drawing them.
    layers: tuple[list[Patch], list[Patch]] = ([], [])
    labels: list[_Label] = []
    _legend(layers[0], labels)
    for edges in _edges(graph, layout, frame, c.graph_top, labels):
        ax.add_collection(edges)
    _nodes(graph, layout, frame, c.graph_top, layers, labels)
    base = c.graph_top + layout.height + 4
    for k, line in enumerate(c.caption):
        y = base + (k + 1) * CAPTION_LINE_PX - 4
        labels.append(_Label(16, y, line, TEXT, size=FONT_PX + 1, anchor="ls"))
    for z, patches in enumerate(layers, start=2):
        if patches:
            ax.add_collection(PatchCollection(patches, match_original=True, zorder=z))

    agg.draw()  # type: ignore[no-untyped-call]
    pixels = agg.buffer_rgba()  # type: ignore[no-untyped-call]
    # The background is opaque white, so RGB loses nothing and encodes ~25% faster.
    image = Image.frombuffer("RGBA", agg.get_width_height(), pixels).convert("RGB")
    _write(image, labels, scale)
    image.save(path, format="PNG", compress_level=COMPRESS_LEVEL)
