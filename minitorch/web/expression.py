"""The Graph tab: an expression and variable values in, the SVG after backward out.

Reuses the safe parser of ``minitorch graph`` (no ``eval``) and caps the input so a
request cannot ask for a huge picture.
"""

from __future__ import annotations

import math
from typing import Any

from ..viz.graph import build_graph, static_frame
from ..viz.parser import ExpressionError, build, parse
from ..viz.stepper import backprop_frames, record_backward, totals
from ..viz.style import caption_rows, graph_layout
from ..viz.svg import render_svg

MAX_EXPRESSION = 200
MAX_NODES = 60
MAX_VALUES = 200


def _count_nodes(text: str) -> int:
    stack = [parse(text)]
    count = 0
    while stack:
        e = stack.pop()
        count += 1
        stack.extend(e.args)
    return count


def parse_values(text: str) -> dict[str, float]:
    """``"x=5, y=3"`` → ``{"x": 5.0, "y": 3.0}`` (commas or spaces between pairs).

    Raises:
        ValueError: for an item that is not ``NAME=NUMBER`` with a finite number.
    """
    if len(text) > MAX_VALUES:
        raise ValueError(f"the values are longer than {MAX_VALUES} characters")
    values: dict[str, float] = {}
    for item in text.replace(",", " ").split():
        name, sep, raw = item.partition("=")
        if not sep or not name.isidentifier():
            raise ValueError(f"values must look like x=5, y=3; got {item!r}")
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"value of {name}: {raw!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"value of {name} must be finite, got {raw!r}")
        values[name] = value
    return values


def _check(text: str) -> None:
    if not text.strip():
        raise ValueError("type an expression, e.g. log(x*y) + exp(x*y)")
    if len(text) > MAX_EXPRESSION:
        raise ValueError(f"the expression is longer than {MAX_EXPRESSION} characters")
    if _count_nodes(text) > MAX_NODES:
        raise ValueError(f"the expression has more than {MAX_NODES} parts")


def expression_svg(text: str, values: dict[str, float]) -> str:
    """The SVG of ``text``'s graph after backward: every variable with its derivative.

    Raises:
        ExpressionError: for a syntax error or an undefined variable.
        ValueError: for an empty, too long or too large expression.
        ArithmeticError: when evaluating it fails (division by zero, overflow).
    """
    _check(text)
    result = build(text, values)
    graph = build_graph(result)
    steps = record_backward(result)
    frame = static_frame(graph, totals(steps), caption=text)
    return render_svg(graph, graph_layout(graph), frame)


def backprop_slides(text: str, values: dict[str, float]) -> dict[str, Any]:
    """The frames ``minitorch graph`` draws, one SVG per step of the real backward walk.

    Frame 0 is the state before backward; frame k follows step k. Same errors as
    ``expression_svg``.
    """
    _check(text)
    result = build(text, values)
    graph = build_graph(result)
    frames = backprop_frames(graph, record_backward(result))
    layout = graph_layout(graph)
    rows = caption_rows(layout, frames)
    return {
        "expression": text,
        "frames": [render_svg(graph, layout, f, rows) for f in frames],
        "titles": [f.title for f in frames],
        "captions": [f.caption for f in frames],
    }


__all__ = ["ExpressionError", "backprop_slides", "expression_svg", "parse_values"]
