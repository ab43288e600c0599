"""Hypothesis strategies for tensors: small shapes, permuted layouts, broadcast pairs.

Most drawn tensors are NOT contiguous: the data is laid out for a permuted shape
and then permuted back, so kernels and Functions meet arbitrary strides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

import minitorch
from minitorch import Tensor, TensorBackend, TensorData

small_floats = st.floats(min_value=-100, max_value=100, allow_nan=False)
any_floats = st.floats()  # NaN, ±inf, huge values: for layout-only tests


@st.composite
def shapes(draw: st.DrawFn, min_dims: int = 1, max_dims: int = 4) -> tuple[int, ...]:
    """Shapes of 1-4 dims, each of size 1-3."""
    return tuple(
        draw(st.lists(st.integers(1, 3), min_size=min_dims, max_size=max_dims))
    )


def _inverse(order: Sequence[int]) -> list[int]:
    inverse = [0] * len(order)
    for i, o in enumerate(order):
        inverse[o] = i
    return inverse


@st.composite
def layouts(draw: st.DrawFn, shape: tuple[int, ...]) -> list[int]:
    """A dim order: storage is laid out for ``shape`` permuted by it."""
    return draw(st.permutations(range(len(shape))))


def strided_data(
    values: Sequence[float], shape: tuple[int, ...], order: Sequence[int]
) -> TensorData:
    """TensorData of ``shape`` whose storage is row-major for ``shape`` permuted."""
    stored_shape = tuple(shape[o] for o in order)
    data = TensorData(list(values), stored_shape)
    return data.permute(*_inverse(order))


@st.composite
def tensor_data(
    draw: st.DrawFn,
    numbers: st.SearchStrategy[float] = small_floats,
    shape: tuple[int, ...] | None = None,
) -> TensorData:
    """A TensorData with a random (usually non-contiguous) layout."""
    if shape is None:
        shape = draw(shapes())
    size = int(minitorch.prod(shape))
    values = draw(st.lists(numbers, min_size=size, max_size=size))
    return strided_data(values, shape, draw(layouts(shape)))


@st.composite
def indices(draw: st.DrawFn, layout: TensorData) -> tuple[int, ...]:
    """A valid index of ``layout``."""
    return tuple(draw(st.integers(0, s - 1)) for s in layout.shape)


@st.composite
def tensors(
    draw: st.DrawFn,
    numbers: st.SearchStrategy[float] = small_floats,
    backend: TensorBackend = minitorch.SimpleBackend,
    shape: tuple[int, ...] | None = None,
) -> Tensor:
    """A constant tensor with a random layout."""
    return Tensor(draw(tensor_data(numbers, shape)), backend=backend)


@st.composite
def shaped_tensors(
    draw: st.DrawFn,
    n: int,
    numbers: st.SearchStrategy[float] = small_floats,
    backend: TensorBackend = minitorch.SimpleBackend,
    shape: tuple[int, ...] | None = None,
) -> list[Tensor]:
    """``n`` tensors of one shape, all with the same (permuted) strides."""
    if shape is None:
        shape = draw(shapes())
    order = draw(layouts(shape))
    size = int(minitorch.prod(shape))
    out = []
    for _ in range(n):
        values = draw(st.lists(numbers, min_size=size, max_size=size))
        out.append(Tensor(strided_data(values, shape, order), backend=backend))
    return out


@st.composite
def broadcast_shapes(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast together (dims dropped or set to 1 on either side)."""
    full = draw(shapes())
    a, b = list(full), list(full)
    for i in range(len(full)):
        which = draw(st.sampled_from(["none", "a", "b"]))
        if which == "a":
            a[i] = 1
        elif which == "b":
            b[i] = 1
    # The shorter operand loses leading dims (those are implicitly 1).
    b = b[draw(st.integers(0, len(b) - 1)) :]
    if draw(st.booleans()):
        a, b = b, a
    return tuple(a), tuple(b)


@st.composite
def broadcast_tensors(
    draw: st.DrawFn,
    numbers: st.SearchStrategy[float] = small_floats,
    backend: TensorBackend = minitorch.SimpleBackend,
) -> tuple[Tensor, Tensor]:
    """Two tensors of broadcast-compatible shapes, each with a random layout."""
    shape_a, shape_b = draw(broadcast_shapes())
    return (
        draw(tensors(numbers, backend, shape_a)),
        draw(tensors(numbers, backend, shape_b)),
    )


@st.composite
def matmul_tensors(
    draw: st.DrawFn,
    numbers: st.SearchStrategy[float] = small_floats,
    backend: TensorBackend = minitorch.SimpleBackend,
) -> tuple[Tensor, Tensor]:
    """``a (.., n, k)`` and ``b (.., k, m)``: 2-D or batched, batch dims broadcast."""
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch_a: tuple[int, ...] = ()
    batch_b: tuple[int, ...] = ()
    if draw(st.booleans()):
        batch = draw(st.integers(1, 3))
        batch_a = (draw(st.sampled_from([1, batch])),)
        batch_b = (draw(st.sampled_from([1, batch])),)
        # Sometimes one side stays 2-D and broadcasts over the other's batch.
        side = draw(st.sampled_from(["both", "a", "b"]))
        if side == "a":
            batch_b = ()
        elif side == "b":
            batch_a = ()
    a = draw(tensors(numbers, backend, (*batch_a, n, k)))
    b = draw(tensors(numbers, backend, (*batch_b, k, m)))
    return a, b


def away_from_kinks(name: str, a: Tensor, b: Tensor | None = None) -> None:
    """Reject draws where a MathTest case has no derivative or divides by ~0.

    ``b`` is compared cell by cell with ``a`` after broadcasting.
    """
    x = a.to_numpy()
    y = b.to_numpy() if b is not None else np.zeros(1)
    x, y = np.broadcast_arrays(x, y)
    if name == "relu":
        assume(bool(np.all(np.abs(x + 5.5) > 1e-3)))
    if name == "complex":
        assume(bool(np.all(np.abs(x * 10 + 7) > 1e-3)))
    if name == "inv":
        assume(bool(np.all(np.abs(x + 3.5) > 0.1)))
    if name == "div2":
        assume(bool(np.all(np.abs(y + 5.5) > 0.1)))
    if name in ("gt2", "lt2"):
        assume(bool(np.all(np.abs(x + 1.2 - y) > 1e-3)))
    if name == "eq2":
        assume(bool(np.all(np.abs(x - (y + 5.5)) > 1e-3)))


def assert_tensor_close(
    got: Tensor, expected: np.typing.ArrayLike, scale: np.typing.ArrayLike = 1.0
) -> None:
    """Shapes equal, values within 1e-9 relative (``nan`` where ``nan`` is expected).

    The absolute floor is 1e-12 · ``scale``: pass the summed magnitudes behind
    each value of a sum or product, which may add in another order than numpy.
    """
    exp = np.asarray(expected, dtype=np.float64)
    assert got.shape == exp.shape, f"shape {got.shape} != {exp.shape}"
    atol = 1e-12 * np.broadcast_to(np.asarray(scale, dtype=np.float64), exp.shape)
    actual = got.to_numpy()
    finite = np.isfinite(exp)
    np.testing.assert_array_equal(actual[~finite], exp[~finite])
    error = np.abs(actual[finite] - exp[finite])
    allowed = 1e-9 * np.abs(exp[finite]) + atol[finite]
    assert np.all(error <= allowed), f"{actual} != {exp}"
