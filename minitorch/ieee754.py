"""Float functions for tensor backends that answer like numpy and PyTorch at the edges.

``operators`` keeps ``math``'s behaviour for Scalars (``exp(710)`` and ``log(0)``
raise, ``1 / 0`` raises), as the course has it. Tensors follow IEEE 754 instead:
overflow gives ``inf``, ``log(0)`` gives ``-inf``, the log of a negative number and
``0 / 0`` give ``nan``, and a non-zero number divided by zero gives ``±inf``. Each
backend (pure Python, numba CPU with the JIT on or off, numba CUDA) compiles these
same functions, so they all agree value for value.

Every function stands alone (``math`` calls, arithmetic, comparisons, no calls to
each other): numba compiles each one separately, for the CPU and as a CUDA device
function, and a plain Python helper called from inside would not compile.
"""

from __future__ import annotations

import math

# The largest x whose exp is finite: math.exp raises above it, IEEE says inf.
EXP_OVERFLOW = 709.782712893384

INF = math.inf
NAN = math.nan

__all__ = ["EXP_OVERFLOW", "exp", "inv", "inv_back", "log", "log_back"]


def exp(x: float) -> float:
    """``e**x``; ``inf`` where it overflows."""
    if x > EXP_OVERFLOW:
        return INF
    return math.exp(x)


def log(x: float) -> float:
    """Natural log; ``-inf`` at 0 (either sign), ``nan`` below 0 and at ``nan``."""
    if x > 0.0:
        return math.log(x)
    if x == 0.0:
        return -INF
    return NAN


def inv(x: float) -> float:
    """``1 / x``; ``±inf`` at ``±0``."""
    if x == 0.0:
        return math.copysign(INF, x)
    return 1.0 / x


def log_back(x: float, d: float) -> float:
    """``d / x`` (``d`` times the slope of ``log``), with IEEE division by zero."""
    if x != 0.0:
        return d / x
    if d == 0.0 or d != d:
        return NAN
    return math.copysign(INF, d) * math.copysign(1.0, x)


def inv_back(x: float, d: float) -> float:
    """``-d / x**2`` (``d`` times the slope of ``inv``); ``x**2`` may underflow to 0."""
    square = x * x
    if square != 0.0:
        return -d / square
    if d == 0.0 or d != d:
        return NAN
    return -math.copysign(INF, d)
