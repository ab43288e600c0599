"""The real backward pass of an expression, with maths failures as one-line errors.

A forward pass that stays within floats can still overflow on the way back: the
derivative of ``1/x`` at ``x = 1e-200`` is ``-1e400``. Such a pass raises a
``MathError`` naming the function or the variable, as a bad forward value does.
"""

from __future__ import annotations

import math
from types import TracebackType

from ..autodiff import BackpropStep
from .graph import ExprGraph, Traceable
from .parser import MathError
from .stepper import record_backward, totals


def _failing_function(tb: TracebackType | None) -> str:
    """The function whose ``backward`` raised, read from the traceback."""
    name = "a function"
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == "backward" and "." in code.co_qualname:
            name = code.co_qualname.split(".")[0]
        tb = tb.tb_next
    return name


def checked_backward(
    result: Traceable, graph: ExprGraph, d_output: float = 1.0
) -> list[BackpropStep]:
    """Run ``result``'s backward pass (``graph`` is its picture model); every step.

    Raises:
        MathError: if a derivative is undefined or beyond a float's range.
    """
    try:
        steps = record_backward(result, d_output)
    except (ArithmeticError, ValueError) as e:
        cause = "division by zero" if isinstance(e, ZeroDivisionError) else str(e)
        where = _failing_function(e.__traceback__)
        raise MathError(
            f"the backward pass fails in {where}: {cause} (a derivative is too "
            "large for a float)",
            "",
            0,
        ) from None
    for node_id, d in totals(steps).items():
        if not math.isfinite(d):
            label = graph.node(node_id).label
            raise MathError(
                f"the backward pass overflows: the derivative reaching {label} is "
                f"{d!r}",
                "",
                0,
            )
    return steps
