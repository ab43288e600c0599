"""The differentiation core shared by Scalars and Tensors.

``Context`` carries what a forward pass saves for its backward; ``topological_sort``
and ``backpropagate`` walk any graph of ``Variable``s iteratively, so depth is bounded
only by memory, never by Python's recursion limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol


def central_difference(
    f: Callable[..., Any], *vals: Any, arg: int = 0, epsilon: float = 1e-6
) -> Any:
    """Approximate ∂f/∂vals[arg] by ``(f(.., v+ε, ..) - f(.., v-ε, ..)) / 2ε``.

    Generic over the value type: plain numbers give a float, Scalars give a Scalar.
    """
    up = list(vals)
    down = list(vals)
    up[arg] = vals[arg] + epsilon
    down[arg] = vals[arg] - epsilon
    return (f(*up) - f(*down)) / (2.0 * epsilon)


class Variable(Protocol):
    """What autodiff needs from a value that takes part in a graph."""

    def accumulate_derivative(self, x: Any) -> None:
        """Add ``x`` to the derivative stored on this leaf."""

    @property
    def unique_id(self) -> int:
        """A number identifying this variable (values override ``==``)."""

    def is_leaf(self) -> bool:
        """True for a variable created by the user, not by a function."""

    def is_constant(self) -> bool:
        """True for a value that takes no derivative."""

    @property
    def parents(self) -> Iterable[Variable]:
        """The inputs of the function that produced this variable."""

    def chain_rule(self, d_output: Any) -> Iterable[tuple[Variable, Any]]:
        """Pairs ``(input, d_input)`` of the producing function's backward."""


def topological_sort(variable: Variable) -> list[Variable]:
    """Return the non-constant variables reachable from ``variable``, output first.

    Every variable comes before all of its parents. The walk is an iterative
    depth-first search keyed by ``unique_id`` (values override ``__eq__``, so they
    cannot be hashed), visiting each node once.
    """
    order: list[Variable] = []
    if variable.is_constant():
        return order
    visited: set[int] = set()
    # A ``None`` on the stack means "the variable just below me has had all of its
    # parents emitted: emit it now" (post-order without allocating a pair per node).
    stack: list[Variable | None] = [variable]
    while stack:
        var = stack.pop()
        if var is None:
            order.append(stack.pop())  # type: ignore[arg-type]
            continue
        uid = var.unique_id
        if uid in visited:
            continue
        visited.add(uid)
        stack.append(var)
        stack.append(None)
        if not var.is_leaf():
            for parent in var.parents:
                if not parent.is_constant() and parent.unique_id not in visited:
                    stack.append(parent)
    order.reverse()
    return order


@dataclass(frozen=True)
class BackpropStep:
    """One step of ``backpropagate``, as reported to an observer.

    ``variable`` was just processed with total derivative ``derivative``; a leaf
    kept it, any other variable sent ``contributions`` (``(parent, d_parent)``,
    constants included as the function lists them) to its parents. ``pending``
    maps ``unique_id`` to the derivatives still waiting after this step.
    """

    variable: Variable
    derivative: Any
    contributions: tuple[tuple[Variable, Any], ...]
    pending: dict[int, Any]


def backpropagate(
    variable: Variable,
    deriv: Any,
    on_step: Callable[[BackpropStep], None] | None = None,
) -> None:
    """Propagate ``deriv`` from ``variable`` back to every leaf it depends on.

    Derivatives wait in one table keyed by ``unique_id`` until every path into a
    node has delivered its share, then the node passes the total on (or, for a
    leaf, keeps it). Constants receive nothing. ``on_step``, if given, sees each
    step (used to draw the backward pass frame by frame).
    """
    pending: dict[int, Any] = {variable.unique_id: deriv}
    for var in topological_sort(variable):
        d = pending.pop(var.unique_id)
        if var.is_leaf():
            var.accumulate_derivative(d)
            if on_step is not None:
                on_step(BackpropStep(var, d, (), dict(pending)))
            continue
        contributions = var.chain_rule(d)
        if on_step is not None:
            contributions = tuple(contributions)
        for parent, d_parent in contributions:
            if parent.is_constant():
                continue
            uid = parent.unique_id
            if uid in pending:
                pending[uid] = pending[uid] + d_parent
            else:
                pending[uid] = d_parent
        if on_step is not None:
            on_step(BackpropStep(var, d, tuple(contributions), dict(pending)))


@dataclass(slots=True)
class Context:
    """What a Function's forward saves for its backward.

    ``no_grad`` is set when no input needs a gradient; saving is then skipped.
    """

    no_grad: bool = False
    saved_values: tuple[Any, ...] = ()

    def save_for_backward(self, *values: Any) -> None:
        """Keep ``values`` for the backward pass (unless gradients are off)."""
        if self.no_grad:
            return
        self.saved_values = values

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The values saved by ``save_for_backward``."""
        return self.saved_values


class _GradMode(threading.local):
    """The switch every Function application reads; each thread has its own.

    Per thread, as in PyTorch: a ``no_grad()`` block in one thread (a web request
    drawing a picture) must not stop another thread (a training run) recording.
    """

    enabled: bool = True


_grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True unless this thread is inside a ``no_grad()`` block."""
    return _grad_mode.enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Run a block without recording graphs (evaluation, optimizer updates).

    Values computed inside are constants: they have no history and take no
    derivative. Only the calling thread is affected.
    """
    previous = _grad_mode.enabled
    _grad_mode.enabled = False
    try:
        yield
    finally:
        _grad_mode.enabled = previous
