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
    ``accumulate_derivative``), and keeps
    its per-node state in ``_pending`` and ``_waiting``, which rest at None and 0.
    """

    _plain_derivatives: bool
    _pending: Any
    _waiting: int

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
    pictures, which pass an ``observer`` that sees every step. Every inner node
    first counts the edges into it from this graph (``_count_edges``); then, output
    first, a node whose edges have all delivered their share passes the total on
    through the chain rule. Leaves collect their shares and keep the totals at the
    end. Constants receive nothing. The walk's state lives on the nodes, so two
    threads may walk two graphs at once, but not two graphs sharing a node.
    """
    if variable._inputs is None:  # a constant takes no derivative
        return
    nodes = _count_edges(variable)
    plain = variable._plain_derivatives  # one kind of node per graph
    output_is_leaf = variable._fn is None
    ready = [] if output_is_leaf else [variable]
    leaves = [variable] if output_is_leaf else []
    variable._pending = deriv
    try:
        while ready:
            var = ready.pop()
            d = var._pending
            var._pending = None
            sent: Iterable[tuple[Any, Any]]
            if plain:  # chain_rule inlined for Scalars: measured -39% backward time
                inputs: Any = var._inputs
                g = var._fn.backward(var._ctx, d)
                grads = g if g.__class__ is tuple else (g,)
                if len(grads) != len(inputs):
                    raise _arity_error(var._fn, grads, inputs)
                sent = zip(inputs, grads)  # noqa: B905 (lengths checked)
            else:
                sent = var.chain_rule(d)
            if observer is not None:
                sent = tuple(sent)
            for parent, d_parent in sent:
                old = parent._pending
                waiting = parent._waiting
                if waiting:  # an inner node: ready once every edge has delivered
                    parent._waiting = waiting - 1
                    if waiting == 1:
                        ready.append(parent)
                elif old is None:  # a leaf's first share, or a constant
                    if parent._inputs is None:
                        continue
                    leaves.append(parent)
                parent._pending = d_parent if old is None else old + d_parent
            if observer is not None:
                step = BackpropStep(var, d, tuple(sent), _still_pending(nodes + leaves))
                observer(step)
        for leaf in leaves:
            d = leaf._pending
            leaf._pending = None
            leaf.accumulate_derivative(d)
            if observer is not None:
                observer(BackpropStep(leaf, d, (), _still_pending(leaves)))
    except BaseException:
        for node in nodes + leaves:  # leave every node ready for another walk
            node._pending = None
            node._waiting = 0
        raise


def _count_edges(variable: Variable) -> list[Variable]:
    """Count in ``_waiting`` the edges into each inner node below ``variable``.

    Leaves and constants are not counted. Returns the inner nodes found: the list,
    grown while it is read, is the search itself.
    """
    nodes: list[Any] = [variable] if variable._fn is not None else []
    for var in nodes:
        for parent in var._inputs:
            if parent._fn is None:  # a leaf or a constant
                continue
            waiting = parent._waiting
            if waiting == 0:
                nodes.append(parent)
            parent._waiting = waiting + 1
    return nodes


def _arity_error(fn: Any, grads: Sequence[Any], inputs: Sequence[Any]) -> ValueError:
    return ValueError(
        f"{fn.__name__}.backward gave {len(grads)} derivatives for {len(inputs)} inputs"
    )


def _still_pending(nodes: list[Variable]) -> dict[int, Any]:
    """``unique_id`` → derivative of every node holding a share not yet passed on."""
    return {v.unique_id: v._pending for v in nodes if v._pending is not None}


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
