"""Float math that every layer builds on, plus the list combinators map/zipWith/reduce.

The float functions stay inside the subset that numba compiles (``math`` calls,
arithmetic, simple conditionals): the fast and CUDA backends jit them unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

A = TypeVar("A")
B = TypeVar("B")

EPS = 1e-6


def mul(x: float, y: float) -> float:
    """Return ``x * y``."""
    return x * y


def id(x: float) -> float:
    """Return ``x`` unchanged."""
    return x


def add(x: float, y: float) -> float:
    """Return ``x + y``."""
    return x + y


def neg(x: float) -> float:
    """Return ``-x``."""
    return -x


def lt(x: float, y: float) -> float:
    """Return 1.0 if ``x < y`` else 0.0."""
    return 1.0 if x < y else 0.0


def eq(x: float, y: float) -> float:
    """Return 1.0 if ``x == y`` else 0.0."""
    return 1.0 if x == y else 0.0


def max(x: float, y: float) -> float:
    """Return the larger of ``x`` and ``y``."""
    return x if x > y else y


def is_close(x: float, y: float) -> float:
    """Return 1.0 when ``|x - y| < 1e-2`` else 0.0 (the course's closeness test)."""
    return 1.0 if abs(x - y) < 1e-2 else 0.0


def sigmoid(x: float) -> float:
    """Logistic function; each branch exponentiates a number <= 0: no overflow."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def relu(x: float) -> float:
    """Return ``x`` if positive else 0.0."""
    return x if x > 0.0 else 0.0


def log(x: float) -> float:
    """Natural logarithm (exact, so values equal PyTorch's)."""
    return math.log(x)


def exp(x: float) -> float:
    """Exponential function."""
    return math.exp(x)


def log_back(x: float, d: float) -> float:
    """``d`` times the derivative of ``log`` at ``x``: ``d / x``."""
    return d / x


def inv(x: float) -> float:
    """Return ``1 / x``."""
    return 1.0 / x


def inv_back(x: float, d: float) -> float:
    """``d`` times the derivative of ``inv`` at ``x``: ``-d / x**2``."""
    return -d / (x * x)


def relu_back(x: float, d: float) -> float:
    """``d`` times the derivative of ``relu`` at ``x``: ``d`` if ``x > 0`` else 0.0."""
    return d if x > 0.0 else 0.0


# Higher-order helpers over Python iterables.


def map(fn: Callable[[A], B]) -> Callable[[Iterable[A]], list[B]]:
    """Lift ``fn`` to a function applying it to every element of a list."""

    def apply(ls: Iterable[A]) -> list[B]:
        return [fn(x) for x in ls]

    return apply


def zipWith(fn: Callable[[A, A], B]) -> Callable[[Iterable[A], Iterable[A]], list[B]]:
    """Lift ``fn`` to a function combining two lists element by element."""

    def apply(ls1: Iterable[A], ls2: Iterable[A]) -> list[B]:
        return [fn(x, y) for x, y in zip(ls1, ls2, strict=False)]

    return apply


def reduce(fn: Callable[[A, B], B], start: B) -> Callable[[Iterable[A]], B]:
    """Lift ``fn`` to a left fold from ``start``: ``fn(x_n, ... fn(x_1, start))``."""

    def apply(ls: Iterable[A]) -> B:
        acc = start
        for x in ls:
            acc = fn(x, acc)
        return acc

    return apply


def negList(ls: Iterable[float]) -> list[float]:
    """Negate every element of ``ls``."""
    return map(neg)(ls)


def addLists(ls1: Iterable[float], ls2: Iterable[float]) -> list[float]:
    """Add two lists element by element."""
    return zipWith(add)(ls1, ls2)


def sum(ls: Iterable[float]) -> float:
    """Sum a list; the empty sum is 0.0."""
    return reduce(add, 0.0)(ls)


def prod(ls: Sequence[float] | Iterable[float]) -> float:
    """Multiply a list (shapes included); the empty product is 1.0."""
    return reduce(mul, 1.0)(ls)
