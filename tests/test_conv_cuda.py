"""Convolutions and nn on the CUDA backend, against the pure-Python backend.

The conv kernels run on the CPU; tensors of a CUDA backend are staged through
host memory, and results must come back on the same backend. Runs only where
``numba.cuda.is_available()`` (a GPU, or ``NUMBA_ENABLE_CUDASIM=1`` set before
numba loads, in a process of its own).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import minitorch
from minitorch import Tensor, TensorBackend, nn
from minitorch._numba_index import cuda_is_available
from minitorch.cuda_ops import CudaOps
from minitorch.fast_conv import conv1d, conv2d

if not cuda_is_available():
    pytest.skip(
        "no CUDA device; run with NUMBA_ENABLE_CUDASIM=1 to use the simulator",
        allow_module_level=True,
    )

CUDA = TensorBackend(CudaOps)


def _leaf(values: np.ndarray, backend: TensorBackend) -> Tensor:
    t = Tensor.make(values.ravel().copy(), values.shape, backend=backend)
    t._type_(backend)  # onto the GPU for the CUDA backend
    t.requires_grad_(True)
    return t


@pytest.mark.parametrize(
    ("conv", "x_shape", "w_shape"),
    [(conv1d, (2, 3, 7), (4, 3, 2)), (conv2d, (2, 2, 6, 5), (3, 2, 2, 3))],
    ids=["conv1d", "conv2d"],
)
def test_conv_on_cuda_matches_simple(
    conv: Callable[[Tensor, Tensor], Tensor],
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
) -> None:
    rng = np.random.default_rng(0)
    x_np, w_np = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    results = []
    for backend in (minitorch.SimpleBackend, CUDA):
        x, w = _leaf(x_np, backend), _leaf(w_np, backend)
        out = conv(x, w)
        assert out.backend is backend
        (out * out).sum().backward()
        assert x.grad is not None and w.grad is not None
        results.append([out.to_numpy(), x.grad.to_numpy(), w.grad.to_numpy()])
    for on_cuda, on_simple in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(on_cuda, on_simple, rtol=1e-9, atol=1e-9)


def test_pooling_and_softmax_on_cuda_keep_the_backend() -> None:
    x_np = np.random.default_rng(1).permutation(2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    grads = []
    for backend in (minitorch.SimpleBackend, CUDA):
        x = _leaf(x_np / 10.0, backend)
        pooled = nn.maxpool2d(x, (2, 2)).view(2, 12)
        loss = nn.logsoftmax(pooled, dim=1).sum() + nn.avgpool2d(x, (2, 2)).sum()
        loss.view(1).backward()
        assert loss.backend is backend
        assert x.grad is not None
        grads.append(x.grad.to_numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-9, atol=1e-9)
