"""Write every picture of an expression into a folder.

``graph.svg/.png/.dot`` (the whole graph, each variable with its derivative),
``frames/step_NNN.svg/.png`` (the backward pass, frame 0 = before backward), and
``backprop.html`` (all frames in one page with a slider).
"""

from __future__ import annotations

from pathlib import Path

from .dot import render_dot
from .graph import Traceable, build_graph, static_frame
from .html import render_html
from .png import render_png
from .stepper import backprop_frames, record_backward, totals
from .style import caption_rows, graph_layout
from .svg import render_svg

FRAME_RULE = (
    "Frame 0 is the state before backward; frames 1 to {n} are the {n} steps of the "
    "real backward pass, one per variable processed. Red: derivatives still waiting "
    "and the contributions just sent. Keys ← and → step too."
)


def write_pictures(
    result: Traceable, out_dir: str | Path, title: str, d_output: float = 1.0
) -> list[Path]:
    """Run ``result``'s backward pass and write its pictures; return the paths.

    The leaves of ``result`` receive their derivatives, as with ``backward``.
    """
    out = Path(out_dir)
    frames_dir = out / "frames"
    frames_dir.mkdir(parents=True, exist_ok=True)
    graph = build_graph(result)
    steps = record_backward(result, d_output)
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

    frames = backprop_frames(graph, steps, d_output)
    rows = caption_rows(layout, frames)
    svgs = []
    for k, frame in enumerate(frames):
        svg = render_svg(graph, layout, frame, rows)
        svgs.append(svg)
        path = frames_dir / f"step_{k:03d}"
        path.with_suffix(".svg").write_text(svg, encoding="utf-8")
        render_png(graph, layout, frame, path.with_suffix(".png"), rows)
        written += [path.with_suffix(".svg"), path.with_suffix(".png")]

    html_path = out / "backprop.html"
    page = render_html(
        f"Backpropagation: {title}",
        FRAME_RULE.format(n=len(steps)),
        svgs,
        [f.title for f in frames],
    )
    html_path.write_text(page, encoding="utf-8")
    written.append(html_path)
    return written
