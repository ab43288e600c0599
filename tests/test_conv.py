"""Convolutions: exact values, kernel semantics, gradients, PyTorch as oracle.

The anchored convention (output as wide as the input, kernel starting at each
position, zeros past the end) is PyTorch's valid correlation of the input
padded on the right/bottom with ``k - 1`` zeros.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import Tensor, TensorBackend, TensorData, tensor
from minitorch.fast_conv import conv1d, conv2d, tensor_conv1d, tensor_conv2d
from minitorch.fast_ops import FastOps

from ._tensor_strategies import strided_data, tensors
from .gradcheck import check_each_element, check_random_direction

# The pure-Python backend compiles nothing, which keeps the many small
# hypothesis cases cheap; FAST (compiled once per kernel) runs the course-sized
# cases and is compared with it.
BACKEND: TensorBackend = minitorch.SimpleBackend
FAST = TensorBackend(FastOps)


def _torch_conv(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """The anchored convolution in PyTorch: pad right (and bottom) by ``k - 1``."""
    pad: list[int] = []
    for k in reversed(w.shape[2:]):  # F.pad lists the last dim first
        pad += [0, k - 1]
    padded = torch.nn.functional.pad(x, pad)
    if x.dim() == 3:
        return torch.nn.functional.conv1d(padded, w)
    return torch.nn.functional.conv2d(padded, w)


def _reference_kernel(
    out_shape: tuple[int, ...], x: np.ndarray, w: np.ndarray, reverse: bool
) -> np.ndarray:
    """The kernel's formula written as plain loops over any number of spatial dims."""
    out = np.zeros(out_shape)
    spatial = x.shape[2:]
    for index in np.ndindex(*out_shape):
        b, o, pos = index[0], index[1], index[2:]
        acc = 0.0
        for c in range(x.shape[1]):
            for offset in np.ndindex(*w.shape[2:]):
                src = tuple(
                    p - j if reverse else p + j
                    for p, j in zip(pos, offset, strict=True)
                )
                if all(0 <= s < n for s, n in zip(src, spatial, strict=True)):
                    acc += w[(o, c, *offset)] * x[(b, c, *src)]
        out[index] = acc
    return out


def _strided(values: np.ndarray, order: list[int]) -> TensorData:
    """``values`` held in storage laid out row-major for the dims in ``order``."""
    stored = np.transpose(values, order)
    return strided_data(stored.ravel().tolist(), values.shape, order)


# ---------------------------------------------------------------------------
# Exact values
# ---------------------------------------------------------------------------


@pytest.mark.task4_1
def test_conv1d_simple_exact() -> None:
    t = tensor([0, 1, 2, 3], backend=BACKEND).view(1, 1, 4)
    w = tensor([[1, 2, 3]], backend=BACKEND).view(1, 1, 3)
    out = conv1d(t, w)
    assert out.shape == (1, 1, 4)
    assert [out[0, 0, i] for i in range(4)] == [8.0, 14.0, 8.0, 3.0]


@pytest.mark.task4_1
def test_conv1d_reverse_kernel_exact() -> None:
    """Reverse anchoring reads ``input[t - j]``: [0,1,2,3] * [1,2,3] → [0,1,4,10]."""
    x = tensor([0, 1, 2, 3]).view(1, 1, 4)
    w = tensor([1, 2, 3]).view(1, 1, 3)
    out = x.zeros((1, 1, 4))
    tensor_conv1d(*out.tuple(), out.size, *x.tuple(), *w.tuple(), True)
    assert out.to_numpy().ravel().tolist() == [0.0, 1.0, 4.0, 10.0]


@pytest.mark.task4_2
def test_conv2d_simple_exact() -> None:
    """A diagonal 2×2 kernel adds each pixel to its lower-right neighbour."""
    x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]).view(1, 1, 3, 3)
    w = tensor([[1, 0], [0, 1]]).view(1, 1, 2, 2)
    out = conv2d(x, w)
    assert out.to_numpy()[0, 0].tolist() == [[6, 8, 3], [12, 14, 6], [7, 8, 9]]
    rev = x.zeros((1, 1, 3, 3))
    tensor_conv2d(*rev.tuple(), rev.size, *x.tuple(), *w.tuple(), True)
    assert rev.to_numpy()[0, 0].tolist() == [[1, 2, 3], [4, 6, 8], [7, 12, 14]]


def test_channels_sum_and_out_channels_separate() -> None:
    # Two input channels add up; each output channel has its own kernel.
    x = tensor([[[1, 2], [10, 20]]])  # (1, 2, 2)
    w = tensor([[[1], [1]], [[2], [0]]])  # (2, 2, 1)
    assert conv1d(x, w).to_numpy().tolist() == [[[11, 22], [2, 4]]]


# ---------------------------------------------------------------------------
# The raw kernels: any strides, output / kernel extents from their shapes
# ---------------------------------------------------------------------------


@st.composite
def kernel_case(
    draw: st.DrawFn, spatial_dims: int
) -> tuple[TensorData, TensorData, tuple[int, ...], bool]:
    """Permuted input and weight, an output of any width, either anchoring."""
    batch, cin, cout = (draw(st.integers(1, 3)) for _ in range(3))
    size = tuple(draw(st.integers(1, 5)) for _ in range(spatial_dims))
    ksize = tuple(draw(st.integers(1, 5)) for _ in range(spatial_dims))
    out_size = tuple(draw(st.integers(1, 5)) for _ in range(spatial_dims))
    dims = 2 + spatial_dims
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.uniform(-10, 10, (batch, cin, *size))
    w = rng.uniform(-10, 10, (cout, cin, *ksize))
    x_data = _strided(x, draw(st.permutations(range(dims))))
    w_data = _strided(w, draw(st.permutations(range(dims))))
    return x_data, w_data, (batch, cout, *out_size), draw(st.booleans())


def _check_kernel(
    kernel: Callable[..., None],
    x: TensorData,
    w: TensorData,
    out_shape: tuple[int, ...],
    reverse: bool,
) -> None:
    out = TensorData([0.0] * int(np.prod(out_shape)), out_shape)
    kernel(*out.tuple(), out.size, *x.tuple(), *w.tuple(), reverse)
    x_np = Tensor(x).to_numpy()
    w_np = Tensor(w).to_numpy()
    expected = _reference_kernel(out_shape, x_np, w_np, reverse)
    np.testing.assert_allclose(Tensor(out).to_numpy(), expected, rtol=1e-9, atol=1e-9)


@given(kernel_case(1))
@settings(max_examples=40)
def test_conv1d_kernel_matches_formula(
    case: tuple[TensorData, TensorData, tuple[int, ...], bool],
) -> None:
    _check_kernel(tensor_conv1d, *case)


@given(kernel_case(2))
@settings(max_examples=30)
def test_conv2d_kernel_matches_formula(
    case: tuple[TensorData, TensorData, tuple[int, ...], bool],
) -> None:
    _check_kernel(tensor_conv2d, *case)


def test_kernel_writes_through_output_strides() -> None:
    """An output given as a permuted view is filled at the right places."""
    x = tensor([0, 1, 2, 3]).view(1, 1, 4)
    w = tensor([1, 2, 3]).view(1, 1, 3)
    # Storage laid out as (4, 1, 1), seen as (1, 1, 4): strides (1, 1, 1).
    out = TensorData([0.0] * 4, (4, 1, 1)).permute(1, 2, 0)
    tensor_conv1d(*out.tuple(), out.size, *x.tuple(), *w.tuple(), False)
    assert out._storage.tolist() == [8.0, 14.0, 8.0, 3.0]


# ---------------------------------------------------------------------------
# Gradients: the shapes the course tests, with its grad_check and ours
# ---------------------------------------------------------------------------

ShapePair = tuple[tuple[int, ...], tuple[int, ...]]
CONV1D_SHAPES: list[ShapePair] = [((1, 1, 6), (1, 1, 4)), ((2, 2, 6), (3, 2, 2))]
CONV2D_SHAPES: list[ShapePair] = [
    ((1, 1, 6, 6), (1, 1, 2, 4)),
    ((2, 1, 6, 6), (1, 1, 2, 4)),
    ((2, 2, 6, 6), (3, 2, 2, 4)),
    ((1, 1, 4, 4), (1, 1, 2, 2)),
]


def _shapes_id(shapes: ShapePair) -> str:
    return "*".join("x".join(map(str, s)) for s in shapes)


@pytest.mark.task4_1
@pytest.mark.parametrize("shapes", CONV1D_SHAPES, ids=_shapes_id)
@given(data=st.data())
@settings(max_examples=5)
def test_conv1d_grad_check(shapes: ShapePair, data: st.DataObject) -> None:
    x = data.draw(tensors(backend=BACKEND, shape=shapes[0]))
    w = data.draw(tensors(backend=BACKEND, shape=shapes[1]))
    minitorch.grad_check(conv1d, x, w)


@pytest.mark.task4_2
@pytest.mark.parametrize("shapes", CONV2D_SHAPES, ids=_shapes_id)
@given(data=st.data())
@settings(max_examples=5)
def test_conv2d_grad_check(shapes: ShapePair, data: st.DataObject) -> None:
    x = data.draw(tensors(backend=BACKEND, shape=shapes[0]))
    w = data.draw(tensors(backend=BACKEND, shape=shapes[1]))
    minitorch.grad_check(conv2d, x, w)


@pytest.mark.parametrize("shapes", CONV1D_SHAPES + CONV2D_SHAPES, ids=_shapes_id)
def test_conv_gradients_every_element_or_direction(
    shapes: ShapePair,
) -> None:
    rng = np.random.default_rng(len(shapes[0]) * 100 + sum(shapes[1]))
    x, w = (
        Tensor(_strided(rng.uniform(-3, 3, s), list(range(len(s)))[::-1]))
        for s in shapes
    )
    f = conv1d if len(shapes[0]) == 3 else conv2d
    if x.size + w.size <= 60:
        check_each_element(f, x, w)
    else:
        check_random_direction(f, x, w)


# ---------------------------------------------------------------------------
# PyTorch as oracle: forward and backward on random shapes and layouts
# ---------------------------------------------------------------------------


@st.composite
def conv_problem(
    draw: st.DrawFn, spatial_dims: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int], list[int]]:
    """Input, weight and output cotangent values plus a dim order for each."""
    batch, cin, cout = (draw(st.integers(1, 3)) for _ in range(3))
    size = tuple(draw(st.integers(1, 6)) for _ in range(spatial_dims))
    ksize = tuple(draw(st.integers(1, 4)) for _ in range(spatial_dims))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.uniform(-100, 100, (batch, cin, *size))
    w = rng.uniform(-100, 100, (cout, cin, *ksize))
    g = rng.uniform(-100, 100, (batch, cout, *size))
    dims = 2 + spatial_dims
    x_order = draw(st.permutations(range(dims)))
    w_order = draw(st.permutations(range(dims)))
    return x, w, g, x_order, w_order


def _compare_with_torch(
    f: Callable[[Tensor, Tensor], Tensor],
    problem: tuple[np.ndarray, np.ndarray, np.ndarray, list[int], list[int]],
) -> None:
    x_np, w_np, g_np, x_order, w_order = problem
    x = Tensor(_strided(x_np, x_order), backend=BACKEND)
    w = Tensor(_strided(w_np, w_order), backend=BACKEND)
    x.requires_grad_(True)
    w.requires_grad_(True)
    out = f(x, w)
    out.backward(Tensor.make(g_np.ravel(), g_np.shape, backend=BACKEND))

    tx = torch.tensor(x_np, requires_grad=True)
    tw = torch.tensor(w_np, requires_grad=True)
    t_out = _torch_conv(tx, tw)
    tx_grad, tw_grad = torch.autograd.grad(t_out, (tx, tw), torch.tensor(g_np))

    assert x.grad is not None and w.grad is not None
    for got, want in [
        (out.to_numpy(), t_out.detach().numpy()),
        (x.grad.to_numpy(), tx_grad.numpy()),
        (w.grad.to_numpy(), tw_grad.numpy()),
    ]:
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-7)


@given(conv_problem(1))
@settings(max_examples=40)
def test_conv1d_matches_torch(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray, list[int], list[int]],
) -> None:
    _compare_with_torch(conv1d, problem)


@given(conv_problem(2))
@settings(max_examples=30)
def test_conv2d_matches_torch(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray, list[int], list[int]],
) -> None:
    _compare_with_torch(conv2d, problem)


# ---------------------------------------------------------------------------
# How the course models call it
# ---------------------------------------------------------------------------


def test_conv1d_on_permuted_embeddings() -> None:
    """The sentiment model permutes ``(batch, length, emb)`` to channels-first."""
    rng = np.random.default_rng(1)
    emb = rng.standard_normal((2, 7, 5))
    w_np = rng.standard_normal((4, 5, 3))
    x = Tensor.make(emb.ravel(), emb.shape, backend=BACKEND).permute(0, 2, 1)
    assert not x._tensor.is_contiguous()
    out = conv1d(x, Tensor.make(w_np.ravel(), w_np.shape, backend=BACKEND))
    expected = _torch_conv(
        torch.tensor(emb).permute(0, 2, 1), torch.tensor(w_np)
    ).numpy()
    np.testing.assert_allclose(out.to_numpy(), expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    "backend", [TensorBackend(minitorch.SimpleOps), FAST], ids=["simple", "fast"]
)
def test_backend_propagates(backend: TensorBackend) -> None:
    x = minitorch.rand((2, 3, 5, 5), backend=backend, requires_grad=True)
    w = minitorch.rand((4, 3, 2, 2), backend=backend, requires_grad=True)
    out = conv2d(x, w)
    assert out.backend is backend
    out.sum().backward()
    assert x.grad is not None and x.grad.backend is backend
    assert w.grad is not None and w.grad.backend is backend
    assert x.grad.shape == x.shape and w.grad.shape == w.shape


def test_channel_mismatch_names_the_shapes() -> None:
    x = minitorch.zeros((1, 3, 5))
    with pytest.raises(ValueError, match=r"\(1, 3, 5\).*\(2, 4, 2\)"):
        conv1d(x, minitorch.zeros((2, 4, 2)))
    with pytest.raises(ValueError, match=r"\(1, 3, 5, 5\).*\(2, 2, 2, 2\)"):
        conv2d(minitorch.zeros((1, 3, 5, 5)), minitorch.zeros((2, 2, 2, 2)))
    with pytest.raises(ValueError, match="3-D"):
        conv1d(minitorch.zeros((1, 3, 5, 5)), minitorch.zeros((2, 3, 2)))


_NO_JIT_SCRIPT = """
import numpy as np
import minitorch
from minitorch.fast_conv import conv1d, conv2d, tensor_conv1d
assert not hasattr(tensor_conv1d, "py_func"), "numba still compiled the kernel"
x = minitorch.tensor([0, 1, 2, 3]).view(1, 1, 4)
w = minitorch.tensor([1, 2, 3]).view(1, 1, 3)
assert conv1d(x, w).to_numpy().ravel().tolist() == [8.0, 14.0, 8.0, 3.0]
rng = np.random.default_rng(0)
x = minitorch.tensor(rng.standard_normal((2, 2, 4, 5)).tolist(), requires_grad=True)
w = minitorch.tensor(rng.standard_normal((3, 2, 2, 3)).tolist(), requires_grad=True)
conv2d(x, w).sum().backward()
grads = [x.grad.to_numpy().ravel(), w.grad.to_numpy().ravel()]
np.save("{path}", np.concatenate(grads))
"""


def test_runs_without_jit(tmp_path: Path) -> None:
    """With ``NUMBA_DISABLE_JIT=1`` the kernels run as Python, with equal results."""
    path = f"{tmp_path}/grads.npy"
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    subprocess.run(
        [sys.executable, "-c", _NO_JIT_SCRIPT.format(path=path)],
        env=env,
        check=True,
        timeout=120,
    )
    rng = np.random.default_rng(0)
    x = tensor(rng.standard_normal((2, 2, 4, 5)).tolist(), requires_grad=True)
    w = tensor(rng.standard_normal((3, 2, 2, 3)).tolist(), requires_grad=True)
    conv2d(x, w).sum().backward()
    assert x.grad is not None and w.grad is not None
    jit = np.concatenate([x.grad.to_numpy().ravel(), w.grad.to_numpy().ravel()])
    np.testing.assert_allclose(np.load(path), jit, rtol=1e-12, atol=1e-12)
