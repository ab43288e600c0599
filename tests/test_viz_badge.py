"""The red "waiting d = …" badges sit clear of every node, in SVG and PNG alike."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from minitorch import Scalar
from minitorch.viz.graph import build_graph
from minitorch.viz.stepper import backprop_frames, record_backward
from minitorch.viz.style import LEGEND_PX, badge_box, canvas, graph_layout
from minitorch.viz.svg import render_svg

NS = "{http://www.w3.org/2000/svg}"
Box = tuple[float, float, float, float]


def _node_box(g: ET.Element) -> Box:
    shape = g.find(f"{NS}rect")
    if shape is not None:
        x, y = float(shape.get("x", "0")), float(shape.get("y", "0"))
        return x, y, float(shape.get("width", "0")), float(shape.get("height", "0"))
    ellipse = g.find(f"{NS}ellipse")
    assert ellipse is not None
    cx, cy = float(ellipse.get("cx", "0")), float(ellipse.get("cy", "0"))
    rx, ry = float(ellipse.get("rx", "0")), float(ellipse.get("ry", "0"))
    return cx - rx, cy - ry, 2 * rx, 2 * ry


def _overlap(a: Box, b: Box) -> bool:
    return (
        a[0] < b[0] + b[2]
        and b[0] < a[0] + a[2]
        and a[1] < b[1] + b[3]
        and b[1] < a[1] + a[3]
    )


def test_badges_clear_every_node_in_every_frame() -> None:
    x, y = Scalar(5.0, name="x"), Scalar(3.0, name="y")
    z = x * y
    h = z.log() + z.exp()
    graph = build_graph(h)
    layout = graph_layout(graph)
    frames = backprop_frames(graph, record_backward(h))
    seen = 0
    for frame in frames:
        root = ET.fromstring(render_svg(graph, layout, frame))
        groups = list(root.iter(f"{NS}g"))
        nodes = {
            g.get("data-id"): _node_box(g)
            for g in groups
            if "node" in g.get("class", "").split()
        }
        for g in groups:
            if g.get("class") != "pending":
                continue
            rect = g.find(f"{NS}rect")
            assert rect is not None
            badge = tuple(
                float(rect.get(k, "0")) for k in ("x", "y", "width", "height")
            )
            assert len(badge) == 4
            own = nodes[g.get("data-node")]
            # Above its own node with a visible gap, and on no node at all.
            assert badge[1] + badge[3] < own[1]
            assert not any(_overlap(badge, box) for box in nodes.values())
            # Inside the picture, below the legend band.
            top = canvas(layout, frame).graph_top
            assert badge[1] + top >= LEGEND_PX
            seen += 1
    assert seen >= len(frames) - 1


def test_badge_box_is_shared_by_both_renderers() -> None:
    x = Scalar(2.0, name="x")
    out = x * x
    graph = build_graph(out)
    layout = graph_layout(graph)
    left, top, width, height = badge_box(layout, graph.root, 1.0)
    (cx, cy), (_, h) = layout.centre[graph.root], layout.size[graph.root]
    assert abs(left + width / 2 - cx) < 1e-9
    assert top + height < cy - h / 2
