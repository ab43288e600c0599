"""Write every picture of an expression into a folder.

``graph.svg/.png/.dot`` (the whole graph, each variable with its derivative),
``frames/step_NNN.svg/.png`` (the backward pass, frame 0 = before backward), and
``backprop.html`` (all frames in one page with a slider).

The budgets of ``budgets.py`` are checked before anything is drawn.
"""

from __future__ import annotations

import re
from pathlib import Path

from .backward import checked_backward
from .budgets import check_graph_size, draws_frames
from .dot import render_dot
from .graph import Traceable, build_graph, static_frame
from .html import render_html
from .parser import shorten
from .png import render_png
from .stepper import backprop_frames, totals
from .style import caption_rows, graph_layout
from .svg import render_svg

# Each frame is a full picture and PNG encoding dominates its cost, so frames get
# a quarter of the whole graph's pixels; the SVG frames stay exact.
FRAME_PIXELS = 3e6
# The files a previous call may have left: frames beyond this call's count, or a
# slideshow that this call does not draw. Nothing else in the folder is touched.
FRAME_FILE = re.compile(r"step_\d{3,}\.(?:svg|png)")
HTML_NAME = "backprop.html"

FRAME_RULE = (
    "Frame 0 is the state before backward; frames 1 to {n} are the {n} steps of the "
    "real backward pass, one per variable processed. Red: derivatives still waiting "
    "and the contributions just sent. Keys ← and → step too."
)


def _clear_old_frames(out: Path) -> None:
    """Remove the frames and slideshow an earlier call wrote into ``out``."""
    (out / HTML_NAME).unlink(missing_ok=True)
    frames_dir = out / "frames"
    if not frames_dir.is_dir():
        return
    for path in frames_dir.iterdir():
        if FRAME_FILE.fullmatch(path.name) and path.is_file():
            path.unlink()
    if not any(frames_dir.iterdir()):
        frames_dir.rmdir()


def write_pictures(
    result: Traceable, out_dir: str | Path, title: str, d_output: float = 1.0
) -> list[Path]:
    """Run ``result``'s backward pass and write its pictures; return the paths.

    The leaves of ``result`` receive their derivatives, as with ``backward``.
    Nothing is written when the graph is too large or the backward pass fails;
    frames and slideshow from an earlier call into ``out_dir`` are replaced.

    Raises:
        GraphSizeError: for a graph of more than ``MAX_GRAPH_NODES`` nodes.
        MathError: if a derivative is undefined or beyond a float's range.
        OSError: if ``out_dir`` cannot be written.
    """
    out = Path(out_dir)
    graph = build_graph(result)
    check_graph_size(graph)
    steps = checked_backward(result, graph, d_output)
    title = shorten(title)
    out.mkdir(parents=True, exist_ok=True)
    _clear_old_frames(out)
    layout = graph_layout(graph)
    written: list[Path] = []

    whole = static_frame(graph, totals(steps), caption=title)
    svg_path, png_path, dot_path = (
        out / f"graph.{ext}" for ext in ("svg", "png", "dot")
    )
    svg_path.write_text(render_svg(graph, layout, whole), encoding="utf-8")
    render_png(graph, layout, whole, png_path)
    dot_path.write_text(render_dot(graph, whole), encoding="utf-8")
    written += [svg_path, png_path, dot_path]
    if not draws_frames(graph):
        return written

    frames_dir = out / "frames"
    frames_dir.mkdir(exist_ok=True)
    frames = backprop_frames(graph, steps, d_output)
    rows = caption_rows(layout, frames)
    svgs = []
    for k, frame in enumerate(frames):
        svg = render_svg(graph, layout, frame, rows)
        svgs.append(svg)
        path = frames_dir / f"step_{k:03d}"
        path.with_suffix(".svg").write_text(svg, encoding="utf-8")
        render_png(graph, layout, frame, path.with_suffix(".png"), rows, FRAME_PIXELS)
        written += [path.with_suffix(".svg"), path.with_suffix(".png")]

    html_path = out / HTML_NAME
    page = render_html(
        f"Backpropagation: {title}",
        FRAME_RULE.format(n=len(steps)),
        svgs,
        [f.title for f in frames],
    )
    html_path.write_text(page, encoding="utf-8")
    written.append(html_path)
    return written
