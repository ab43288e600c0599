"""Graph pictures and the backprop stepper, checked by parsing what is drawn."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import ClassVar, cast

import pytest

import minitorch
from minitorch import Context, Scalar, ScalarFunction
from minitorch.autodiff import BackpropStep, Variable, backpropagate
from minitorch.lecture.story import lecture_expression
from minitorch.viz.dot import render_dot
from minitorch.viz.graph import build_graph, fmt_number, static_frame, var_id
from minitorch.viz.html import render_html
from minitorch.viz.png import render_png
from minitorch.viz.stepper import backprop_frames, record_backward, totals
from minitorch.viz.style import graph_layout
from minitorch.viz.svg import render_svg

NS = "{http://www.w3.org/2000/svg}"


def groups(svg: str, cls: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{NS}g") if cls in g.get("class", "").split()]


def nodes_by_label(svg: str) -> dict[str, ET.Element]:
    return {g.get("data-label", ""): g for g in groups(svg, "node")}


def texts(g: ET.Element, cls: str) -> list[str]:
    return [t.text or "" for t in g.iter(f"{NS}text") if t.get("class") == cls]


def test_lecture_graph_structure_shares_x_times_y() -> None:
    _x, _y, h = lecture_expression()
    g = build_graph(h)
    ops = sorted(n.label for n in g.nodes if n.kind == "op")
    assert ops == ["Add", "Exp", "Log", "Mul"]
    assert [n.label for n in g.nodes if n.kind == "leaf"] == ["x", "y"]
    z = next(n for n in g.nodes if n.label == "z")
    out = [e.dst for e in g.edges if e.src == z.id]
    assert sorted(g.node(d).label for d in out) == ["Exp", "Log"]
    # Data-flow order: every edge goes from an earlier node to a later one.
    pos = {n.id: i for i, n in enumerate(g.nodes)}
    assert all(pos[e.src] < pos[e.dst] for e in g.edges)
    assert g.root == var_id(h.unique_id)


def test_static_svg_shows_backward_derivatives_exactly() -> None:
    x, y, h = lecture_expression()
    h.backward()
    g = build_graph(h)
    svg = render_svg(g, graph_layout(g), static_frame(g))
    nodes = nodes_by_label(svg)
    for leaf in (x, y):
        assert leaf.derivative is not None
        node = nodes[leaf.name]
        assert "leaf" in node.get("class", "")
        assert float(node.get("data-derivative", "nan")) == leaf.derivative
        assert texts(node, "derivative") == [f"d = {fmt_number(leaf.derivative)}"]
        assert texts(node, "value") == [fmt_number(leaf.data)]
    # Without recorded totals, intermediate nodes show no derivative.
    assert nodes["z"].get("data-derivative") is None
    assert "inner" in nodes["z"].get("class", "")


def test_reused_input_has_two_edges_and_accumulates() -> None:
    a = Scalar(2.0, name="a")
    b = a + a
    b.name = "b"
    g = build_graph(b)
    add = next(n for n in g.nodes if n.kind == "op")
    into = sorted((e.src, e.slot) for e in g.edges if e.dst == add.id)
    assert into == [(var_id(a.unique_id), 0), (var_id(a.unique_id), 1)]
    layout = graph_layout(g)
    r0, r1 = (layout.routes[g.input_edge(add.id, s)] for s in (0, 1))
    assert r0[-1] != r1[-1]  # two distinct arrow heads
    steps = record_backward(b)
    frames = backprop_frames(g, steps)
    svg = render_svg(g, layout, frames[1])
    sent = groups(svg, "sent")
    assert sorted(e.get("data-slot", "") for e in sent) == ["0", "1"]
    assert [float(e.get("data-sent", "nan")) for e in sent] == [1.0, 1.0]
    pending = {
        p.get("data-node"): float(p.get("data-derivative", "nan"))
        for p in groups(svg, "pending")
    }
    assert pending == {var_id(a.unique_id): 2.0}


def test_constants_drawn_without_derivative() -> None:
    x = Scalar(4.0, name="x")
    out = x * 2.0 + 1.0
    g = build_graph(out)
    consts = [n for n in g.nodes if n.kind == "constant"]
    assert sorted(n.value for n in consts if n.value is not None) == [1.0, 2.0]
    steps = record_backward(out)
    frames = backprop_frames(g, steps)
    layout = graph_layout(g)
    for frame in [static_frame(g, totals(steps)), *frames]:
        svg = render_svg(g, layout, frame)
        for node in groups(svg, "constant"):
            assert node.get("data-derivative") is None
            assert texts(node, "derivative") == []
            assert "stroke-dasharray" in ET.tostring(node, encoding="unicode")
        assert all(
            "constant"
            not in nodes_by_label(svg)
            .get(p.get("data-node", ""), ET.Element("g"))
            .get("class", "")
            for p in groups(svg, "pending")
        )
    dot = render_dot(g, static_frame(g, totals(steps)))
    const_lines = [ln for ln in dot.splitlines() if "dashed" in ln]
    assert len(const_lines) == 2 and not any("d = " in ln for ln in const_lines)
    assert x.derivative == 2.0


def independent_steps(h: Scalar) -> list[BackpropStep]:
    seen: list[BackpropStep] = []
    backpropagate(h, 1.0, seen.append)
    return seen


def name(v: Variable) -> str:
    return cast(Scalar, v).name


def test_frames_follow_the_real_traversal() -> None:
    _x, _y, h = lecture_expression()
    g = build_graph(h)
    steps = record_backward(h)
    # The same expression built again and traversed by an observer of our own.
    _, _, h2 = lecture_expression()
    reference = independent_steps(h2)
    assert len(steps) == len(reference) == 6  # h, log, exp, z, x, y: one step each
    frames = backprop_frames(g, steps)
    assert len(frames) == len(steps) + 1
    layout = graph_layout(g)
    label_of = {n.id: n.label for n in g.nodes}
    for k, (frame, step, ref) in enumerate(
        zip(frames[1:], steps, reference, strict=True), 1
    ):
        svg = render_svg(g, layout, frame)
        active = [n for n in groups(svg, "node") if n.get("data-active") == "true"]
        active_vars = [
            n.get("data-label") for n in active if n.get("data-kind") != "op"
        ]
        assert active_vars == [name(step.variable)] == [name(ref.variable)]
        shown_pending = {
            label_of[p.get("data-node", "")]: float(p.get("data-derivative", "nan"))
            for p in groups(svg, "pending")
        }
        expected = {}
        for uid, d in ref.pending.items():
            # ``reference`` lives in another graph: match its ids by name.
            match = next(s.variable for s in reference if s.variable.unique_id == uid)
            expected[name(match)] = d
        assert shown_pending == expected, f"frame {k}"
        sent = {
            label_of[e.get("data-src", "")]: float(e.get("data-sent", "nan"))
            for e in groups(svg, "sent")
        }
        ref_sent = {name(p): d for p, d in ref.contributions if not p.is_constant()}
        assert sent == ref_sent, f"frame {k}"
        caption = "".join(
            t.text or ""
            for t in ET.fromstring(svg).iter(f"{NS}text")
            if t.get("class") == "caption"
        )
        assert caption.replace(" ", "").startswith(f"Step{k}/6:")
    first = render_svg(g, layout, frames[0])
    assert [p.get("data-node") for p in groups(first, "pending")] == [g.root]
    assert groups(first, "sent") == []


def test_mul_caption_states_the_chain_rule() -> None:
    x = Scalar(5.0, name="x")
    y = Scalar(3.0, name="y")
    z = x * y
    z.name = "z"
    g = build_graph(z)
    frames = backprop_frames(g, record_backward(z))
    assert frames[1].caption == (
        "Step 1/3: Mul node z (a · b; derivatives (d·b, d·a)): d = 1.000 → "
        "x gets 3.000, y gets 5.000."
    )


class Logged(ScalarFunction):
    """a · b; derivatives (d·b, d·a), with every backward call logged."""

    calls: ClassVar[list[float]] = []

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        a, b = ctx.saved_values
        Logged.calls.append(a * b)
        return d_output * b, d_output * a


def _logged_graph() -> Scalar:
    x, y = Scalar(1.5, name="x"), Scalar(-2.0, name="y")
    p = Logged.apply(x, y)
    q = Logged.apply(p, x)
    return Logged.apply(Logged.apply(q, p), Logged.apply(y, q)) + p


def test_frames_record_the_walk_backward_runs() -> None:
    """The recorded steps are backward()'s own walk: same calls, order and sums."""
    Logged.calls.clear()
    plain = _logged_graph()
    plain.backward()
    plain_calls = list(Logged.calls)
    Logged.calls.clear()
    observed = _logged_graph()
    steps = record_backward(observed)
    assert Logged.calls == plain_calls
    seen = [cast(Scalar, s.variable) for s in steps]
    logged = [v.data for v in seen if v.history and v.history.last_fn is Logged]
    assert logged == plain_calls
    frames = backprop_frames(build_graph(observed), steps)
    leaves = {v.name: s.derivative for v, s in zip(seen, steps, strict=True)}
    originals = cast("list[Scalar]", minitorch.topological_sort(plain))
    assert {k: leaves[k] for k in ("x", "y")} == {
        v.name: v.derivative for v in originals if v.is_leaf()
    }
    assert frames[-1].derivatives == {
        var_id(s.variable.unique_id): s.derivative for s in steps
    }


def test_last_frame_holds_every_leaf_derivative() -> None:
    _x, _y, h = lecture_expression()
    g = build_graph(h)
    frames = backprop_frames(g, record_backward(h))
    x2, y2, h2 = lecture_expression()
    h2.backward()  # the plain (fast) path
    svg = render_svg(g, graph_layout(g), frames[-1])
    nodes = nodes_by_label(svg)
    for leaf in (x2, y2):
        assert leaf.derivative is not None
        assert float(nodes[leaf.name].get("data-derivative", "nan")) == leaf.derivative
        assert texts(nodes[leaf.name], "derivative") == [
            f"d = {fmt_number(leaf.derivative)}"
        ]
    assert groups(svg, "pending") == []
    assert "Done" in frames[-1].caption


def test_html_stepper_is_self_contained_and_matches_frames(tmp_path: Path) -> None:
    _, _, h = lecture_expression()
    g = build_graph(h)
    frames = backprop_frames(g, record_backward(h))
    layout = graph_layout(g)
    svgs = [render_svg(g, layout, f) for f in frames]
    page = render_html("h", "rule", svgs, [f.title for f in frames])
    figures = re.findall(
        r'<figure class="frame" data-step="(\d+)"[^>]*>(.*?)</figure>', page, re.S
    )
    assert [int(k) for k, _ in figures] == list(range(len(frames)))
    for (_, body), frame in zip(figures, frames, strict=True):
        svg = ET.fromstring(body.strip())
        pending = {
            p.get("data-node"): float(p.get("data-derivative", "nan"))
            for p in svg.iter(f"{NS}g")
            if p.get("class") == "pending"
        }
        assert pending == dict(frame.pending)
    assert f'max="{len(frames) - 1}"' in page
    assert "ArrowLeft" in page and "ArrowRight" in page
    assert 'id="prev"' in page and 'id="next"' in page
    without_ns = page.replace("http://www.w3.org/2000/svg", "")
    assert (
        "http" not in without_ns
        and " src=" not in without_ns
        and "<link" not in without_ns
    )
    assert page.count(" hidden>") == len(frames) - 1


def test_layout_boxes_do_not_overlap() -> None:
    xs = [Scalar(float(i), name=f"x{i}") for i in range(6)]
    out = Scalar(0.0, name="zero")
    for i, v in enumerate(xs):
        out = out + v * xs[(i + 1) % 6] * 0.5
    g = build_graph(out)
    layout = graph_layout(g)
    boxes = [(layout.centre[n.id], layout.size[n.id]) for n in g.nodes]
    for i, ((x1, y1), (w1, h1)) in enumerate(boxes):
        for (x2, y2), (w2, h2) in boxes[i + 1 :]:
            assert abs(x1 - x2) >= (w1 + w2) / 2 or abs(y1 - y2) >= (h1 + h2) / 2
    for route in layout.routes:
        assert all(a[0] < b[0] for a, b in itertools.pairwise(route))


def test_deep_chain_builds_without_recursion() -> None:
    v = Scalar(1.0, name="x")
    for _ in range(5000):
        v = v + 1.0
    g = build_graph(v)
    assert sum(n.kind == "op" for n in g.nodes) == 5000


def test_png_has_the_canvas_size(tmp_path: Path) -> None:
    _, _, h = lecture_expression()
    g = build_graph(h)
    layout = graph_layout(g)
    path = tmp_path / "g.png"
    frame = static_frame(g)
    render_png(g, layout, frame, path)
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(head[16:20], "big")
    root = ET.fromstring(render_svg(g, layout, frame))
    assert abs(width - float(root.get("width", "0"))) <= 1


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.0, "0.000"),
        (3.0, "3.000"),
        (-0.0667, "-0.067"),
        (3269017.37, "3.269e+06"),
        (1e-5, "1.000e-05"),
    ],
)
def test_fmt_number(x: float, text: str) -> None:
    assert fmt_number(x) == text
