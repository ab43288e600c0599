"""``Scalar``: a float that remembers how it was computed, so it can be differentiated.

This is the hot path of every Module-1 lesson, so per-node work is kept small:
``__slots__``, one shared history object for all leaves, names made only on demand.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union, cast

import numpy as np
import numpy.typing as npt

from .autodiff import (
    BackpropStep,
    Context,
    backpropagate,
    central_difference,
    topological_sort,
)

if TYPE_CHECKING:
    from .scalar_functions import ScalarFunction

ScalarLike = Union[float, int, "Scalar"]

_ids = itertools.count()


@dataclass(slots=True)
class ScalarHistory:
    """How a Scalar was made: the function, its saved context and its inputs.

    A default history (``last_fn is None``) marks a leaf; ``history=None`` a constant.
    """

    last_fn: type[ScalarFunction] | None = None
    ctx: Context | None = None
    inputs: Sequence[Scalar] = ()


# Leaves share one empty history: it is never mutated, and sharing saves an
# allocation per user-created Scalar.
_LEAF_HISTORY = ScalarHistory()


class Scalar:
    """A float value taking part in automatic differentiation.

    ``derivative`` is ``None`` until ``backward`` delivers one to this leaf.
    """

    __slots__ = ("_name", "data", "derivative", "history", "unique_id")

    data: float
    derivative: float | None
    history: ScalarHistory | None
    unique_id: int

    def __init__(
        self,
        v: float,
        back: ScalarHistory | None = _LEAF_HISTORY,
        name: str | None = None,
    ) -> None:
        self.data = float(v)
        self.history = back
        self.derivative = None
        self.unique_id = next(_ids)
        self._name = name

    @property
    def name(self) -> str:
        """The given name, or the unique id as text."""
        return str(self.unique_id) if self._name is None else self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    def __repr__(self) -> str:
        return f"Scalar({self.data:f})"

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return self.data

    # Arithmetic: every result is a new Scalar built by a ScalarFunction.

    def __add__(self, b: ScalarLike) -> Scalar:
        return Add.apply(self, b)

    def __radd__(self, b: ScalarLike) -> Scalar:
        return Add.apply(b, self)

    def __sub__(self, b: ScalarLike) -> Scalar:
        return Add.apply(self, Neg.apply(b))

    def __rsub__(self, b: ScalarLike) -> Scalar:
        return Add.apply(b, Neg.apply(self))

    def __mul__(self, b: ScalarLike) -> Scalar:
        return Mul.apply(self, b)

    def __rmul__(self, b: ScalarLike) -> Scalar:
        return Mul.apply(b, self)

    def __truediv__(self, b: ScalarLike) -> Scalar:
        return Mul.apply(self, Inv.apply(b))

    def __rtruediv__(self, b: ScalarLike) -> Scalar:
        return Mul.apply(b, Inv.apply(self))

    def __neg__(self) -> Scalar:
        return Neg.apply(self)

    def __lt__(self, b: ScalarLike) -> Scalar:
        return LT.apply(self, b)

    def __gt__(self, b: ScalarLike) -> Scalar:
        return LT.apply(b, self)

    def __eq__(self, b: ScalarLike) -> Scalar:  # type: ignore[override]
        return EQ.apply(self, b)

    # Comparisons return Scalars, so Scalars cannot be dict keys; use unique_id.
    __hash__ = None  # type: ignore[assignment]

    def log(self) -> Scalar:
        """Natural logarithm."""
        return Log.apply(self)

    def exp(self) -> Scalar:
        """Exponential."""
        return Exp.apply(self)

    def sigmoid(self) -> Scalar:
        """Logistic sigmoid."""
        return Sigmoid.apply(self)

    def relu(self) -> Scalar:
        """Rectified linear unit."""
        return ReLU.apply(self)

    # The Variable protocol used by autodiff.

    def accumulate_derivative(self, x: Any) -> None:
        """Add ``x`` to this leaf's derivative (starting from 0.0)."""
        if not self.is_leaf():
            raise RuntimeError(
                f"accumulate_derivative called on non-leaf Scalar {self.name}"
            )
        if self.derivative is None:
            self.derivative = 0.0
        self.derivative += x

    def is_leaf(self) -> bool:
        """True for a user-created Scalar (it has a history with no function)."""
        return self.history is not None and self.history.last_fn is None

    def is_constant(self) -> bool:
        """True for a Scalar that takes no derivative (it has no history)."""
        return self.history is None

    @property
    def parents(self) -> Sequence[Scalar]:
        """The inputs of the function that produced this Scalar."""
        if self.history is None:
            return ()
        return self.history.inputs

    def chain_rule(self, d_output: Any) -> list[tuple[Scalar, float]]:
        """One ``(input, d_input)`` pair per input, in order, unfiltered."""
        h = self.history
        if h is None or h.last_fn is None or h.ctx is None:
            raise RuntimeError(f"Scalar {self.name} was not produced by a function")
        return list(zip(h.inputs, h.last_fn._backward(h.ctx, d_output), strict=True))

    def backward(
        self,
        d_output: float | None = None,
        on_step: Callable[[BackpropStep], None] | None = None,
    ) -> None:
        """Backpropagate from this Scalar; ``d_output`` defaults to 1.0.

        Leaves accumulate: calling it twice adds the derivatives twice. ``on_step``
        observes every step of the traversal (see ``autodiff.backpropagate``).
        """
        d = 1.0 if d_output is None else d_output
        if on_step is None:
            # Same algorithm and results as the generic walk, with cheaper bookkeeping.
            backpropagate_scalar(self, d)
        else:
            backpropagate(self, d, on_step)

    # Checkpoint protocol shared with Tensor (see Module.state_dict).

    def to_numpy(self) -> npt.NDArray[np.float64]:
        """The value as a 0-d float64 array."""
        return np.array(self.data, dtype=np.float64)

    def from_numpy(self, array: npt.ArrayLike) -> Scalar:
        """A fresh leaf Scalar holding ``array``'s single value."""
        values = np.asarray(array, dtype=np.float64)
        if values.size != 1:
            raise ValueError(f"a Scalar holds one value, got shape {values.shape}")
        return Scalar(float(values.reshape(())))


def backpropagate_scalar(root: Scalar, deriv: float) -> None:
    """``autodiff.backpropagate`` specialised to a graph of Scalars.

    The same algorithm, with cheaper bookkeeping: a few attribute reads per node
    instead of half a dozen protocol calls, and an order that needs no depth-first
    search (see ``_creation_order``). Results equal the generic walk's up to the
    order in which a node's incoming derivatives are added. ``Scalar.backward``
    uses it whenever no observer is attached.
    """
    if root.history is None:
        return
    order = _creation_order(root)
    if order is None:
        order = cast("list[Scalar]", topological_sort(root))
    pending: dict[int, float] = {root.unique_id: deriv}
    get = pending.get  # bound once: this is the hottest line
    for var in order:
        d = pending[var.unique_id]
        h: ScalarHistory = var.history  # type: ignore[assignment]
        fn = h.last_fn
        if fn is None:  # a leaf keeps its total
            var.derivative = (0.0 if var.derivative is None else var.derivative) + d
            continue
        # ScalarFunction._backward, inlined: call backward, make it a tuple.
        result = fn.backward(h.ctx, d)
        grads = result if isinstance(result, tuple) else (result,)
        inputs = h.inputs
        # Lengths checked by hand: any keyword to ``zip`` (even ``strict=False``)
        # doubles the cost of the call, and this loop runs once per node.
        if len(grads) != len(inputs):
            raise ValueError(
                f"{fn.__name__}.backward gave {len(grads)} derivatives "
                f"for {len(inputs)} inputs"
            )
        for parent, g in zip(inputs, grads):  # noqa: B905
            if parent.history is not None:  # constants take no derivative
                uid = parent.unique_id
                old = get(uid)
                pending[uid] = g if old is None else old + g


def _creation_order(root: Scalar) -> list[Scalar] | None:
    """The non-constant Scalars reachable from ``root``, newest first.

    A function's inputs exist before its output, so they have smaller
    ``unique_id``s: newest first is then a topological order, found by a plain
    search plus one sort of integers instead of a depth-first post-order. A
    history assembled by hand can break the rule (an input newer than its output);
    then this returns ``None`` and the caller falls back to ``topological_sort``.
    """
    found: dict[int, Scalar] = {root.unique_id: root}
    stack = [root] if root.history.last_fn is not None else []  # type: ignore[union-attr]
    while stack:
        var = stack.pop()
        output_id = var.unique_id
        for parent in var.history.inputs:  # type: ignore[union-attr]
            ph = parent.history
            if ph is None:  # constants take no derivative
                continue
            uid = parent.unique_id
            if uid >= output_id:  # an input newer than its output
                return None
            if uid not in found:
                found[uid] = parent
                if ph.last_fn is not None:
                    stack.append(parent)
    return [found[uid] for uid in sorted(found, reverse=True)]


def derivative_check(f: Callable[..., Scalar], *scalars: Scalar) -> None:
    """Check ``backward``'s derivatives of ``f`` against central differences.

    Raises:
        AssertionError: naming the argument whose derivative is off.
    """
    f(*scalars).backward()
    for i, x in enumerate(scalars):
        expected = central_difference(f, *scalars, arg=i)
        got = 0.0 if x.derivative is None else x.derivative
        np.testing.assert_allclose(
            got,
            expected.data,
            rtol=1e-2,
            atol=1e-2,
            err_msg=(
                f"derivative of {getattr(f, '__name__', f)} w.r.t. argument {i} "
                f"(value {x.data}): backward gave {got}, central difference "
                f"{expected.data}"
            ),
        )


# Scalar's operators apply these functions, and the functions build Scalars: the
# import sits here, after Scalar exists, to close that cycle.
from .scalar_functions import EQ, LT, Add, Exp, Inv, Log, Mul, Neg, ReLU, Sigmoid  # noqa: E402
