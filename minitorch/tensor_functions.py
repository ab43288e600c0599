"""Differentiable tensor Functions, tensor factories and gradient checking.

Each Function pairs a ``forward`` (one backend call) with the ``backward`` of
its chain rule; derived operations (subtraction, division, mean) are built from
these by ``Tensor`` and need no backward of their own.

``tensor.py`` imports this module when it loads. The reverse dependency (the
factories need the ``Tensor`` class) is resolved at call time, and
``Function.apply`` builds its result from the forward output, so neither module
needs the other half-initialised.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt

from .autodiff import Context, is_grad_enabled, no_grad
from .tensor_data import TensorData, UserIndex, UserShape, prod
from .tensor_ops import SimpleBackend, TensorBackend

if TYPE_CHECKING:
    from .tensor import Tensor

# What a backward may return for one input: a tensor, or a number for inputs
# that take no gradient (the ``dim`` of a reduction, the ``order`` of a permute).
Grad: TypeAlias = "Tensor | float"

NestedFloats: TypeAlias = Sequence[Any]


def wrap_tuple(x: Any) -> tuple[Any, ...]:
    """Return ``x`` itself if it is a tuple, else the 1-tuple ``(x,)``."""
    if isinstance(x, tuple):
        return x
    return (x,)


class Function:
    """Base of the tensor Functions; subclasses define static forward/backward.

    Never instantiated: use ``apply``, which records the history that backward
    needs when some input requires a gradient.
    """

    @classmethod
    def _backward(cls, ctx: Context, grad_out: Tensor) -> tuple[Grad, ...]:
        return wrap_tuple(cls.backward(ctx, grad_out))  # type: ignore[attr-defined]

    @classmethod
    def _forward(cls, ctx: Context, *inps: Tensor) -> Tensor:
        return cls.forward(ctx, *inps)  # type: ignore[attr-defined, no-any-return]

    @classmethod
    def apply(cls, *vals: Tensor) -> Tensor:
        """Run forward on detached inputs; record history if a gradient is needed."""
        for v in vals:
            if v.history is not None:
                break
        else:
            # No input takes a gradient: constants (no history) go to forward
            # as they are, which needs no detached copies and no history
            # (1.2 µs of a small op), and ``forward`` is called directly
            # rather than through ``_forward`` (0.2 µs).
            out = cls.forward(Context(True), *vals)  # type: ignore[attr-defined]
            return _fresh_output(out, vals)
        need_grad = is_grad_enabled()
        inputs = [v if v.history is None else v.detach() for v in vals]
        ctx = Context(not need_grad)
        out = cls.forward(ctx, *inputs)  # type: ignore[attr-defined]
        if not need_grad:
            return _fresh_output(out, vals)
        # Always a new tensor over the output's data, so no input is changed.
        return out._with_history(cls, ctx, vals)  # type: ignore[no-any-return]


def _fresh_output(out: Tensor, vals: tuple[Tensor, ...]) -> Tensor:
    """``out``, or a new tensor over its data if a forward handed back an input."""
    for v in vals:
        if out is v:
            return out.detach()
    return out


class Neg(Function):
    """``-a``; d/da = -1."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> Tensor:
        """Negate every cell."""
        return a.backend.neg_map(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Return ``-g``."""
        return grad_output.backend.neg_map(grad_output)


class Inv(Function):
    """``1 / a``; d/da = -1 / a²."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> Tensor:
        """Invert every cell."""
        ctx.save_for_backward(a)
        return a.backend.inv_map(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Return ``-g / a²``."""
        (a,) = ctx.saved_values
        return grad_output.backend.inv_back_zip(a, grad_output)


class Add(Function):
    """``a + b``; d/da = d/db = 1."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        """Add cell by cell (broadcasting)."""
        return a.backend.add_zip(a, b)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        """Return ``g, g`` (reduced to each input's shape by ``expand``)."""
        return grad_output, grad_output


class Mul(Function):
    """``a * b``; d/da = b, d/db = a."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        """Multiply cell by cell (broadcasting)."""
        ctx.save_for_backward(a, b)
        return a.backend.mul_zip(a, b)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        """Return ``g·b, g·a``."""
        a, b = ctx.saved_values
        f = grad_output.backend
        return f.mul_zip(grad_output, b), f.mul_zip(grad_output, a)


class Sigmoid(Function):
    """``σ(a)``; d/da = σ(a)(1 - σ(a))."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> Tensor:
        """Apply the logistic function to every cell."""
        out = a.backend.sigmoid_map(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Return ``g·s·(1 - s)`` with the saved output ``s``."""
        (s,) = ctx.saved_values
        f = grad_output.backend
        one_minus_s = f.add_zip(f.neg_map(s), s._ensure_tensor(1.0))
        return f.mul_zip(grad_output, f.mul_zip(s, one_minus_s))


class ReLU(Function):
    """``max(a, 0)``; d/da = 1 where a > 0 else 0."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> Tensor:
        """Clip every cell at 0 from below."""
        ctx.save_for_backward(a)
        return a.backend.relu_map(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Pass ``g`` where ``a > 0``."""
        (a,) = ctx.saved_values
        return grad_output.backend.relu_back_zip(a, grad_output)


class Log(Function):
    """``ln a``; d/da = 1 / a."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> Tensor:
        """Take the natural log of every cell."""
        ctx.save_for_backward(a)
        return a.backend.log_map(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Return ``g / a``."""
        (a,) = ctx.saved_values
        return grad_output.backend.log_back_zip(a, grad_output)


class Exp(Function):
    """``e^a``; d/da = e^a."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> Tensor:
        """Exponentiate every cell."""
        out = a.backend.exp_map(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Return ``g·e^a`` from the saved output."""
        (out,) = ctx.saved_values
        return grad_output.backend.mul_zip(grad_output, out)


class Sum(Function):
    """Sum along ``dim`` (kept with size 1); d/da = 1 for every cell."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: Tensor) -> Tensor:
        """Add up the cells along ``dim``."""
        return a.backend.add_reduce(a, int(dim.item()))

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, float]:
        """Return ``g`` (``expand`` stretches it back over ``dim``) and 0 for dim."""
        return grad_output, 0.0


class All(Function):
    """1.0 where every cell along ``dim`` is non-zero (a product of 0/1 values).

    A logical operation: no gradient flows through it.
    """

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: Tensor) -> Tensor:
        """Multiply the cells along ``dim``."""
        ctx.save_for_backward(a.shape)
        return a.backend.mul_reduce(a, int(dim.item()))

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, float]:
        """Return zeros shaped like the input, and 0 for dim."""
        (shape,) = ctx.saved_values
        return grad_output.zeros(shape), 0.0


class _Comparison(Function):
    """Shared backward of the 0/1-valued comparisons: a step has no slope."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        """Return zeros shaped like each input (their shapes are saved by forward)."""
        a_shape, b_shape = ctx.saved_values
        return grad_output.zeros(a_shape), grad_output.zeros(b_shape)


class LT(_Comparison):
    """1.0 where ``a < b`` else 0.0; zero gradient."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        """Compare cell by cell (broadcasting)."""
        ctx.save_for_backward(a.shape, b.shape)
        return a.backend.lt_zip(a, b)


class EQ(_Comparison):
    """1.0 where ``a == b`` else 0.0; zero gradient."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        """Compare cell by cell (broadcasting)."""
        ctx.save_for_backward(a.shape, b.shape)
        return a.backend.eq_zip(a, b)


class IsClose(_Comparison):
    """1.0 where ``|a - b| < 1e-2`` else 0.0; zero gradient."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        """Compare cell by cell (broadcasting)."""
        ctx.save_for_backward(a.shape, b.shape)
        return a.backend.is_close_zip(a, b)


class Permute(Function):
    """Reorder dims (a view, no data moves); backward applies the inverse order."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, order: Tensor) -> Tensor:
        """Return a view whose dim ``i`` is ``a``'s dim ``order[i]``."""
        dims = [int(order[i]) for i in range(order.size)]
        ctx.save_for_backward(dims)
        return a._new(a._tensor.permute(*dims))

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, float]:
        """Permute ``g`` back: dim ``order[i]`` of the input was dim ``i``."""
        (dims,) = ctx.saved_values
        inverse = [0] * len(dims)
        for i, d in enumerate(dims):
            inverse[d] = i
        return grad_output._new(grad_output._tensor.permute(*inverse)), 0.0


class View(Function):
    """Re-read a contiguous tensor's storage under a new shape of the same size."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, shape: Tensor) -> Tensor:
        """Return a view of ``a`` with the given shape.

        Raises:
            ValueError: if ``a`` is not contiguous or the sizes differ.
        """
        new_shape = tuple(int(shape[i]) for i in range(shape.size))
        if not a._tensor.is_contiguous():
            raise ValueError(
                f"view{new_shape} needs a contiguous tensor, but shape {a.shape} "
                f"has strides {a._tensor.strides}; call .contiguous() first"
            )
        if int(prod(new_shape)) != a.size:
            raise ValueError(
                f"cannot view a tensor of shape {a.shape} ({a.size} values) "
                f"as {new_shape}"
            )
        ctx.save_for_backward(a.shape)
        return a._new(TensorData(a._tensor._storage, new_shape))

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, float]:
        """Return ``g`` re-viewed as the input's shape (copied first if needed)."""
        (original,) = ctx.saved_values
        g = grad_output
        if not g._tensor.is_contiguous():
            g = g.backend.id_map(g)
        return g._new(TensorData(g._tensor._storage, original)), 0.0


class Copy(Function):
    """A contiguous (row-major) copy; d/da = 1."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> Tensor:
        """Copy ``a`` into fresh row-major storage."""
        return a.backend.id_map(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Return ``g``."""
        return grad_output


class Max(Function):
    """Max along ``dim`` (kept with size 1); d/dx = 1 where x is the max, else 0.

    At ties every maximal position receives the full gradient.
    """

    @staticmethod
    def forward(ctx: Context, input: Tensor, dim: Tensor) -> Tensor:
        """Reduce ``input`` with max along ``dim`` on its own backend."""
        d = int(dim.item())
        ctx.save_for_backward(input, d)
        return input.backend.max_reduce(input, d)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, float]:
        """Return ``g`` where ``input`` is the max along ``dim``, else 0; 0 for dim."""
        input, d = ctx.saved_values
        f = grad_output.backend
        is_max = f.eq_zip(input, f.max_reduce(input, d))
        return f.mul_zip(is_max, grad_output), 0.0


def _transpose(t: Tensor) -> Tensor:
    """Swap the last two dims (a view)."""
    order = list(range(t.dims))
    order[-2], order[-1] = order[-1], order[-2]
    return t._new(t._tensor.permute(*order))


class MatMul(Function):
    """Batched ``a @ b``; d/da = g @ bᵀ, d/db = aᵀ @ g."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        """Multiply the matrices in the last two dims (batch dims broadcast)."""
        ctx.save_for_backward(a, b)
        return a.backend.matrix_multiply(a, b)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        """Return ``g @ bᵀ`` and ``aᵀ @ g`` (``expand`` sums broadcast batches)."""
        a, b = ctx.saved_values
        f = grad_output.backend
        return (
            f.matrix_multiply(grad_output, _transpose(b)),
            f.matrix_multiply(_transpose(a), grad_output),
        )


# ---------------------------------------------------------------------------
# Factories
# ---------------------------------------------------------------------------


def zeros(shape: UserShape, backend: TensorBackend = SimpleBackend) -> Tensor:
    """Return a tensor of zeros (no history)."""
    from .tensor import Tensor

    return Tensor.make(np.zeros(int(prod(shape))), tuple(shape), backend=backend)


def rand(
    shape: UserShape,
    backend: TensorBackend = SimpleBackend,
    requires_grad: bool = False,
    *,
    rng: random.Random | None = None,
) -> Tensor:
    """Return a tensor of uniform draws from [0, 1).

    Draws come from ``rng`` if given (reproducible runs), else from the
    ``random`` module.
    """
    from .tensor import Tensor

    draw = random.random if rng is None else rng.random
    values = [draw() for _ in range(int(prod(shape)))]
    out = Tensor.make(values, tuple(shape), backend=backend)
    out.requires_grad_(requires_grad)
    return out


def _tensor(
    ls: Sequence[float],
    shape: UserShape,
    backend: TensorBackend = SimpleBackend,
    requires_grad: bool = False,
) -> Tensor:
    """Build a tensor of ``shape`` from flat row-major data."""
    from .tensor import Tensor

    out = Tensor.make(list(ls), tuple(shape), backend=backend)
    out.requires_grad_(requires_grad)
    return out


def tensor(
    ls: NestedFloats | float | npt.NDArray[Any],
    backend: TensorBackend = SimpleBackend,
    requires_grad: bool = False,
) -> Tensor:
    """Build a tensor from a (nested) list or tuple of numbers, a number or an ndarray.

    The shape of nested lists is read from the first element at each level
    (``[[2,3,4],[4,5,7]]`` is ``(2, 3)``); every other element must agree. A bare
    number gives a 0-d tensor (shape ``()``); an ndarray keeps its shape.

    Raises:
        ValueError: for ragged nesting, with the path of the offending element.
        TypeError: for anything that is not numbers in lists/tuples, a number, or
            a numeric ndarray.
    """
    if isinstance(ls, np.ndarray):
        if ls.dtype.kind not in "biuf":
            raise TypeError(f"tensor() expects a numeric ndarray, got dtype {ls.dtype}")
        values = np.asarray(ls, dtype=np.float64)
        return _tensor(
            values.reshape(-1).tolist(), values.shape, backend, requires_grad
        )
    if isinstance(ls, int | float | np.number):
        return _tensor([float(ls)], (), backend, requires_grad)
    if not isinstance(ls, list | tuple):
        raise TypeError(
            f"tensor() expects a number, an ndarray or a (nested) list or tuple of "
            f"numbers, got {type(ls).__name__}"
        )
    shape: list[int] = []
    first: Any = ls
    while isinstance(first, list | tuple):
        shape.append(len(first))
        if not first:
            break
        first = first[0]
    flat: list[float] = []
    _flatten(ls, tuple(shape), (), flat)
    return _tensor(flat, tuple(shape), backend, requires_grad)


def _flatten(
    ls: Any, shape: tuple[int, ...], path: tuple[int, ...], out: list[float]
) -> None:
    """Append the numbers of ``ls`` to ``out`` row-major, checking it is ``shape``."""
    depth = len(path)
    if depth == len(shape):
        if isinstance(ls, list | tuple):
            raise ValueError(
                f"ragged nested list: element at {path} is a sequence, but the "
                f"first element at that depth was a number (shape {shape})"
            )
        if not isinstance(ls, int | float | np.number):
            raise TypeError(f"element at {path} is {ls!r}, not a number")
        out.append(float(ls))
        return
    if not isinstance(ls, list | tuple) or len(ls) != shape[depth]:
        found = f"length {len(ls)}" if isinstance(ls, list | tuple) else repr(ls)
        raise ValueError(
            f"ragged nested list: element at {path} has {found}, expected a "
            f"sequence of length {shape[depth]} (shape {shape} from first elements)"
        )
    for i, item in enumerate(ls):
        _flatten(item, shape, (*path, i), out)


# ---------------------------------------------------------------------------
# Gradient checking
# ---------------------------------------------------------------------------


def grad_central_difference(
    f: Callable[..., Tensor],
    *vals: Tensor,
    arg: int = 0,
    epsilon: float = 1e-6,
    ind: UserIndex,
) -> float:
    """Estimate ∂ sum(f(vals)) / ∂ vals[arg][ind] by central differences."""
    x = vals[arg]
    shift = zeros(x.shape, backend=x.backend)
    shift[tuple(ind)] = epsilon
    # Only values are needed; skip building graphs.
    with no_grad():
        up = [v + shift if i == arg else v for i, v in enumerate(vals)]
        down = [v - shift if i == arg else v for i, v in enumerate(vals)]
        delta = f(*up).sum() - f(*down).sum()
    return delta[0] / (2.0 * epsilon)


def grad_check(f: Callable[..., Tensor], *vals: Tensor) -> None:
    """Assert that backprop through ``f`` matches central differences.

    Checks one random index per input (``random`` is seeded with 10, as the
    course does, so failures reproduce).

    Raises:
        AssertionError: naming the function, input and index that disagree.
    """
    for x in vals:
        x.requires_grad_(True)
        x.zero_grad_()
    random.seed(10)
    out = f(*vals)
    out.sum().backward()
    for i, x in enumerate(vals):
        ind = x._tensor.sample()
        check = grad_central_difference(f, *vals, arg=i, ind=ind)
        if x.grad is None:
            raise AssertionError(f"{f!r}: input {i} received no gradient")
        np.testing.assert_allclose(
            x.grad[ind],
            check,
            rtol=1e-2,
            atol=1e-2,
            err_msg=(
                f"gradient check failed for {f!r}, input {i} at index {ind}: "
                f"backprop {x.grad[ind]}, central difference {check}"
            ),
        )
