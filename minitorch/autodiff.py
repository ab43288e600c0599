"""The differentiation core shared by Scalars and Tensors.

``Context`` carries what a forward pass saves for its backward; ``topological_sort``
and ``backpropagate`` walk any graph of ``Variable``s iteratively, so depth is bounded
only by memory, never by Python's recursion limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
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
    """What autodiff needs from a value that takes part in a graph.

    Besides the public methods, ``backpropagate`` reads how a node was made from
    ``_fn`` (``None`` for a leaf), ``_ctx`` and ``_inputs`` (``None`` for a
    constant), learns from ``_plain_derivatives`` whether derivatives are plain
    numbers (a function's backward gives each input's derivative as it is, a leaf
    adds it to ``derivative``; else it calls ``chain_rule`` and
    ``accumulate_derivative``), and keeps its per-node state in ``_pending``,
    which rests at None.
    """

    _plain_derivatives: bool
    _pending: Any

    @property
    def _fn(self) -> Any:
        """The function that produced this variable; ``None`` for a leaf."""

    @property
    def _ctx(self) -> Any:
        """What that function's forward saved for its backward."""

    @property
    def _inputs(self) -> Sequence[Variable] | None:
        """That function's inputs; ``None`` for a constant."""

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
    observer: Callable[[BackpropStep], None] | None = None,
) -> None:
    """Propagate ``deriv`` from ``variable`` back to every leaf it depends on.

    The one backward walk of the library: Scalars, Tensors, and the step-by-step
    pictures, which pass an ``observer`` that sees every step. ``_reach`` lists the
    inner nodes, every one before its inputs, and the leaves; each inner node in
    turn sends its total through the chain rule into its inputs' ``_pending``
    slots, and the leaves keep their totals at the end. Constants receive nothing.
    The walk's state lives on the nodes, so two threads may walk two graphs at
    once, but not two graphs sharing a node.
    """
    if variable._inputs is None:  # a constant takes no derivative
        return
    try:
        inner, leaves = _reach(variable)
        plain = variable._plain_derivatives  # one kind of node per graph
        variable._pending = deriv
        for var in inner:
            d = var._pending
            var._pending = None
            inputs: Any = var._inputs
            if plain:  # chain_rule inlined for Scalars: measured -60% lecture epoch
                g = var._fn.backward(var._ctx, d)
                grads = g if g.__class__ is tuple else (g,)
                if len(grads) != len(inputs):
                    raise _arity_error(var._fn, grads, inputs)
            else:
                inputs, grads = _unzip(var.chain_rule(d))
            if observer is None and len(inputs) == 2:  # no zip: -14% lecture epoch
                a, b = inputs
                held = a._pending
                if held is not None:  # None: a constant
                    a._pending = grads[0] if held is _NOTHING_YET else held + grads[0]
                held = b._pending
                if held is not None:
                    b._pending = grads[1] if held is _NOTHING_YET else held + grads[1]
                continue
            for parent, d_parent in zip(inputs, grads):  # noqa: B905 (lengths checked)
                held = parent._pending
                if held is not None:
                    parent._pending = (
                        d_parent if held is _NOTHING_YET else held + d_parent
                    )
            if observer is not None:
                sent = tuple(zip(inputs, grads))  # noqa: B905
                observer(BackpropStep(var, d, sent, _still_pending(inner + leaves)))
        for leaf in leaves:
            d = leaf._pending
            leaf._pending = None
            leaf.accumulate_derivative(d)
            if observer is not None:
                observer(BackpropStep(leaf, d, (), _still_pending(leaves)))
    except BaseException:  # wherever it stopped: every node ready for another walk
        for node in topological_sort(variable):
            node._pending = None
        raise


class _NothingYet:
    """The ``_pending`` of a node in a walk that has received no share yet."""

    def __repr__(self) -> str:
        return "<nothing yet>"


_NOTHING_YET: Any = _NothingYet()
_newest_first = attrgetter("unique_id")


def _reach(variable: Variable) -> tuple[list[Any], list[Any]]:
    """The inner nodes below ``variable``, each before its inputs, and the leaves.

    Marks every node found (constants excepted) as taking part in this walk: its
    ``_pending`` goes from None to ``_NOTHING_YET``. Scalars are made after their
    inputs, so newest first is an order that works; a history assigned by hand may
    point to a newer node (``creation_order_broken``), and then, as for Tensors,
    ``topological_sort`` gives the order.
    """
    variable._pending = _NOTHING_YET
    inner: list[Any] = [variable] if variable._fn is not None else []
    leaves: list[Any] = [] if inner else [variable]
    for var in inner:  # the list, grown while it is read, is the search itself
        for parent in var._inputs:
            if parent._pending is None and parent._inputs is not None:
                parent._pending = _NOTHING_YET
                if parent._fn is None:
                    leaves.append(parent)
                else:
                    inner.append(parent)
    if variable._plain_derivatives and _creation_order.is_topological:
        inner.sort(key=_newest_first, reverse=True)
    else:
        inner = [v for v in topological_sort(variable) if v._fn is not None]
    return inner, leaves


class _CreationOrder:
    """Whether every Scalar is newer than its inputs.

    True unless a history set by hand broke it; then false for the rest of the process.
    """

    is_topological = True


_creation_order = _CreationOrder()


def creation_order_broken() -> None:
    """Note that a history was set to inputs newer than its node (walks then sort)."""
    _creation_order.is_topological = False


def _unzip(pairs: Iterable[tuple[Any, Any]]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """``[(input, d), ...]`` as ``(inputs, ds)``."""
    pairs = tuple(pairs)
    return tuple(p for p, _ in pairs), tuple(d for _, d in pairs)


def _arity_error(fn: Any, grads: Sequence[Any], inputs: Sequence[Any]) -> ValueError:
    return ValueError(
        f"{fn.__name__}.backward gave {len(grads)} derivatives for {len(inputs)} inputs"
    )


def _still_pending(nodes: list[Variable]) -> dict[int, Any]:
    """``unique_id`` → derivative of every node holding a share not yet passed on."""
    return {
        v.unique_id: v._pending
        for v in nodes
        if v._pending is not None and v._pending is not _NOTHING_YET
    }


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


class _ThreadGradMode(threading.local):
    """Each thread's own switch: True unless the thread is inside ``no_grad()``."""

    enabled: bool = True


class _GradMode:
    """The switch every Function application reads: per thread, as in PyTorch.

    A ``no_grad()`` block in one thread (a web request drawing a picture) must not
    stop another thread (a training run) recording. ``blocks`` counts the blocks
    open in all threads; while it is 0 every thread records, and the per-thread
    lookup is skipped (measured -9% time per scalar operation).
    """

    def __init__(self) -> None:
        self.blocks = 0
        self.thread = _ThreadGradMode()
        self.lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """True unless the calling thread is inside ``no_grad()``."""
        return self.blocks == 0 or self.thread.enabled


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
    mode = _grad_mode
    with mode.lock:
        mode.blocks += 1
    previous = mode.thread.enabled
    mode.thread.enabled = False
    try:
        yield
    finally:
        mode.thread.enabled = previous
        with mode.lock:
            mode.blocks -= 1
