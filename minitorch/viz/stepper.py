"""The backward pass frame by frame, recorded from the real ``backpropagate``.

Frame 0 is the state before backward (the seed derivative waiting at the output);
frame ``k`` (1 … number of steps) is the state right after step ``k`` of the
traversal. So there are always ``len(steps) + 1`` frames.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..autodiff import BackpropStep, backpropagate
from .graph import ExprGraph, Frame, Traceable, fmt_number, op_id, var_id


def record_backward(result: Traceable, d_output: float = 1.0) -> list[BackpropStep]:
    """Run the backward pass from ``result`` and return every step it took.

    This is ``backpropagate``, the walk ``backward()`` runs, with an observer
    that keeps each step: the pictures show that walk, not a copy of it.
    """
    steps: list[BackpropStep] = []
    # Any value the graph walker can read is a Variable for backpropagate.
    backpropagate(result, d_output, steps.append)  # type: ignore[arg-type]
    return steps


def totals(steps: Sequence[BackpropStep]) -> dict[str, float]:
    """Node id → the total derivative each variable received, from recorded steps."""
    return {var_id(s.variable.unique_id): float(s.derivative) for s in steps}


def _formula(step: BackpropStep) -> str:
    """The first line of the function's own docstring: its formula and derivatives."""
    history = getattr(step.variable, "history", None)
    doc = getattr(getattr(history, "last_fn", None), "__doc__", None) or ""
    return doc.strip().splitlines()[0].rstrip(".") if doc.strip() else ""


def _step_caption(graph: ExprGraph, step: BackpropStep) -> str:
    vid = var_id(step.variable.unique_id)
    node = graph.node(vid)
    d = fmt_number(step.derivative)
    if node.kind == "leaf":
        return (
            f"leaf {node.label}: every path has delivered its share, "
            f"so it keeps d = {d} as its derivative"
        )
    fn = op_id(node.uid)
    op = graph.node(fn).label
    names = [
        graph.node(graph.edges[graph.input_edge(fn, slot)].src)
        for slot in range(len(step.contributions))
    ]
    parts = []
    for arg, (_, d_arg) in zip(names, step.contributions, strict=True):
        if arg.kind == "constant":
            label = fmt_number(arg.value or 0.0)
            parts.append(f"{label} is a constant and gets nothing")
        else:
            parts.append(f"{arg.label} gets {fmt_number(d_arg)}")
    formula = _formula(step)
    rule = f" ({formula})" if formula else ""
    return f"{op} node {node.label}{rule}: d = {d} → " + ", ".join(parts)


def backprop_frames(
    graph: ExprGraph, steps: Sequence[BackpropStep], d_output: float = 1.0
) -> list[Frame]:
    """One frame before backward, then one per recorded step of ``steps``."""
    root = graph.node(graph.root)
    n = len(steps)
    frames = [
        Frame(
            pending={graph.root: d_output},
            caption=(
                f"Before backward: the output {root.label} is seeded with "
                f"d = {fmt_number(d_output)}; it waits (red) to be passed back."
            ),
            title=f"step 0 of {n}: before backward",
        )
    ]
    shown: dict[str, float] = {}
    for k, step in enumerate(steps, start=1):
        vid = var_id(step.variable.unique_id)
        shown[vid] = float(step.derivative)
        sent: dict[int, float] = {}
        for slot, (arg, d_arg) in enumerate(step.contributions):
            if not arg.is_constant():
                sent[graph.input_edge(op_id(step.variable.unique_id), slot)] = d_arg
        caption = f"Step {k}/{n}: {_step_caption(graph, step)}."
        if k == n:
            caption += " Done: every leaf holds its derivative."
        frames.append(
            Frame(
                derivatives=dict(shown),
                pending={var_id(uid): float(d) for uid, d in step.pending.items()},
                sent=sent,
                active=vid,
                caption=caption,
                title=f"step {k} of {n}",
            )
        )
    return frames
