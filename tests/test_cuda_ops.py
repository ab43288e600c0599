"""What is particular to the CUDA backend: launch geometry, tiles, practice kernels.

The checks every backend passes (primitives, matmul, the MathTest catalogue and
gradients against ``SimpleOps``) are in ``test_backends.py``. Runs only where
``numba.cuda.is_available()``: on a GPU, or on a CPU with
``NUMBA_ENABLE_CUDASIM=1`` set before numba is imported (``make pytest`` runs
this file in its own process for that). The simulator runs every GPU thread as
a Python thread, so shapes stay small and hypothesis draws few examples; a
32×32 matmul block (1024 threads) costs about a second there.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

import minitorch
from minitorch import Tensor, TensorBackend, cuda_ops, operators
from minitorch._numba_index import cuda_is_available
from minitorch.cuda_ops import CudaOps

from ._tensor_strategies import strided_data

if not cuda_is_available():
    pytest.skip(
        "no CUDA device; `make pytest` runs this file with NUMBA_ENABLE_CUDASIM=1",
        allow_module_level=True,
    )

CUDA = TensorBackend(CudaOps)


def on_cuda(
    values: np.ndarray, shape: tuple[int, ...], order: tuple[int, ...]
) -> Tensor:
    """A CUDA tensor whose storage is row-major for ``shape`` permuted by ``order``."""
    return Tensor(strided_data(values.tolist(), shape, order), backend=CUDA)


# ---------------------------------------------------------------------------
# Reductions and launch geometry
# ---------------------------------------------------------------------------


@pytest.mark.task3_3
def test_long_reductions() -> None:
    """Folds of 500 (one block, unused lanes filled) and 1300 (lanes loop)."""
    rng = np.random.default_rng(0)
    a = on_cuda(rng.uniform(-1, 1, 1500), (3, 500), (1, 0))
    np.testing.assert_allclose(
        a.sum(1).to_numpy(), a.to_numpy().sum(1, keepdims=True), rtol=1e-12
    )
    b = on_cuda(rng.uniform(-1, 1, 1300), (1300,), (0,))
    got = CUDA.add_reduce(b, 0)
    assert got.shape == (1,)
    np.testing.assert_allclose(got.to_numpy(), [b.to_numpy().sum()], rtol=1e-12)


@pytest.mark.task3_3
def test_kernels_launch_with_the_documented_geometry() -> None:
    """Map: blocks of 32 threads; reduce: one block of 1024 threads per out cell."""
    a = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = minitorch.zeros((2, 3))
    kernel = cuda_ops.tensor_map(operators.neg)
    kernel[1, cuda_ops.THREADS_PER_BLOCK](*out.tuple(), out.size, *a.tuple())
    assert out.to_numpy().tolist() == [[-1.0, -2.0, -3.0], [-4.0, -5.0, -6.0]]

    sums = minitorch.tensor([[10.0], [20.0]])
    reduce = cuda_ops.tensor_reduce(operators.add)
    reduce[2, 1024](*sums.tuple(), sums.size, *a.tuple(), 1, 0.0)
    # Folded into the value already in out, like every backend's reduce.
    assert sums.to_numpy().tolist() == [[16.0], [35.0]]


# ---------------------------------------------------------------------------
# Matrix multiply: 32×32 tiles, partial tiles, batches
# ---------------------------------------------------------------------------


@pytest.mark.task3_4
def test_batched_matmul_with_partial_tiles() -> None:
    """33 rows, 45 inner, 40 cols (none a multiple of 32); batch 2 × broadcast 1."""
    rng = np.random.default_rng(1)
    a = on_cuda(rng.uniform(-1, 1, 2 * 33 * 45), (2, 33, 45), (0, 2, 1))
    b = on_cuda(rng.uniform(-1, 1, 45 * 40), (1, 45, 40), (2, 1, 0))
    out = a @ b
    assert out.shape == (2, 33, 40)
    np.testing.assert_allclose(out.to_numpy(), a.to_numpy() @ b.to_numpy())


# ---------------------------------------------------------------------------
# Practice kernels
# ---------------------------------------------------------------------------


@pytest.mark.task3_3
@pytest.mark.parametrize("size", [16, 48, 64])
def test_sum_practice(size: int) -> None:
    values = [random.random() for _ in range(size)]
    out = minitorch.sum_practice(minitorch.tensor(values, backend=CUDA))
    assert out.shape == (2,)
    if size <= 32:
        assert operators.is_close(out._storage[0], sum(values))
        assert out._storage[1] == 0.0
    else:
        assert operators.is_close(out._storage[0], sum(values[:32]))
        assert operators.is_close(out._storage[0] + out._storage[1], sum(values))


@pytest.mark.task3_4
@pytest.mark.parametrize("size", [2, 32])
def test_mm_practice(size: int) -> None:
    rng = np.random.default_rng(size)
    x, y = rng.uniform(-1, 1, (size, size)), rng.uniform(-1, 1, (size, size))
    a = minitorch.tensor(x.tolist(), backend=CUDA)
    b = minitorch.tensor(y.tolist(), backend=CUDA)
    out = minitorch.mm_practice(a, b)
    assert out.shape == (size, size)
    expected = x @ y
    for i in range(size):
        for j in range(size):
            assert operators.is_close(out._storage[size * i + j], expected[i, j])


# ---------------------------------------------------------------------------
# The backend end to end
# ---------------------------------------------------------------------------


def test_training_step_runs_on_the_cuda_backend() -> None:
    x = minitorch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], backend=CUDA)
    w = minitorch.tensor(
        [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], backend=CUDA, requires_grad=True
    )
    bias = minitorch.tensor([0.5, -0.5], backend=CUDA, requires_grad=True)
    loss = ((x @ w + bias).relu() + 1.0).log().sum()
    assert loss.backend is CUDA
    loss.backward()
    assert w.grad is not None and bias.grad is not None
    assert w.grad.backend is CUDA and bias.grad.shape == (2,)

    xs, ws, bs = x.to_numpy(), w.to_numpy(), bias.to_numpy()
    pre = xs @ ws + bs
    np.testing.assert_allclose(loss.item(), np.log(np.maximum(pre, 0) + 1).sum())
    upstream = (pre > 0) / (np.maximum(pre, 0) + 1)
    np.testing.assert_allclose(w.grad.to_numpy(), xs.T @ upstream)
    np.testing.assert_allclose(bias.grad.to_numpy(), upstream.sum(0))
