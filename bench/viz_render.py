"""How long drawing a ~500-node computation graph takes: layout, SVG, PNG, DOT.

The graph is the lecture network's loss on a few points (weights shared between
the points, so many nodes have several consumers). Run: ``python -m bench.viz_render``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from minitorch import Scalar
from minitorch.scalar_layers import Network
from minitorch.viz.dot import render_dot
from minitorch.viz.graph import ExprGraph, build_graph, static_frame
from minitorch.viz.png import render_png
from minitorch.viz.stepper import record_backward, totals
from minitorch.viz.style import graph_layout
from minitorch.viz.svg import render_svg


def loss_graph(
    target_nodes: int, hidden: int = 4, seed: int = 0
) -> tuple[Scalar, ExprGraph]:
    """The summed loss over as many points as it takes to reach ``target_nodes``."""
    rng = random.Random(seed)
    model = Network(hidden, rng)
    loss: Scalar | None = None
    while True:
        point = [Scalar(rng.random(), name="x1"), Scalar(rng.random(), name="x2")]
        p = model.forward(point)
        term = -(p.log())
        loss = term if loss is None else loss + term
        graph = build_graph(loss)
        if len(graph.nodes) >= target_nodes:
            return loss, graph


def seconds(fn: Callable[[], object], rounds: int) -> float:
    """Median wall time of ``rounds`` calls."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    loss, graph = loss_graph(args.nodes)
    frame = static_frame(graph, totals(record_backward(loss)))
    layout = graph_layout(graph)
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "g.png"
        rows = [
            ("build graph", seconds(lambda: build_graph(loss), args.rounds)),
            ("layout", seconds(lambda: graph_layout(graph), args.rounds)),
            ("SVG", seconds(lambda: render_svg(graph, layout, frame), args.rounds)),
            (
                "PNG",
                seconds(lambda: render_png(graph, layout, frame, png), args.rounds),
            ),
            ("DOT", seconds(lambda: render_dot(graph, frame), args.rounds)),
        ]
        png_kb = png.stat().st_size / 1024
        # Big graphs are drawn at a lower resolution (png.MAX_PIXELS): show which.
        with Image.open(png) as image:
            png_w, png_h = image.size
    n_ops = sum(n.kind == "op" for n in graph.nodes)
    print(
        f"graph: {len(graph.nodes)} nodes ({n_ops} functions), {len(graph.edges)} "
        f"edges; picture {layout.width:.0f} x {layout.height:.0f} px"
    )
    print("| step | seconds (median) |")
    print("|---|---:|")
    for name, s in rows:
        print(f"| {name} | {s:.3f} |")
    svg_total = rows[0][1] + rows[1][1] + rows[2][1]
    png_total = rows[0][1] + rows[1][1] + rows[3][1]
    print(f"| graph → SVG, total | {svg_total:.3f} |")
    print(
        f"| graph → PNG, total ({png_w} x {png_h} px, {png_kb:.0f} KB) "
        f"| {png_total:.3f} |"
    )


if __name__ == "__main__":
    main()
