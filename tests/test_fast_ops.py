"""What is particular to the numba CPU backend: kernel contracts, parallel tasks.

The checks every backend passes (primitives, matmul, the MathTest catalogue and
gradients against ``SimpleOps``) are in ``test_backends.py``. Here: large
tensors that span many parallel tasks, the parallel compiles on small inputs,
the serial/parallel switch, and what course scripts rely on. Kernels compile
once per process (``FastOps`` shares them between backends), so the first
example of each test pays seconds of numba compile time and the rest are quick.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings

import minitorch
from minitorch import Tensor, TensorBackend, fast_ops, operators
from minitorch.fast_ops import FastOps
from minitorch.tensor_ops import wrap_matrix_multiply

from ._compare import assert_same
from ._tensor_strategies import (
    broadcast_tensors,
    matmul_tensors,
    strided_data,
    tensors,
)

FAST = TensorBackend(FastOps)
SIMPLE = minitorch.SimpleBackend


def simple_twin(t: Tensor) -> Tensor:
    """The same data (same storage and strides) on the simple backend."""
    return Tensor(t._tensor, backend=SIMPLE)


# ---------------------------------------------------------------------------
# The reduce kernel's contract
# ---------------------------------------------------------------------------


def test_reduce_kernel_folds_from_the_value_in_out() -> None:
    """The kernel contract (a course diagnostic calls it on a pre-filled out)."""
    kernel = fast_ops.tensor_reduce(operators.add)
    a = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = minitorch.tensor([[10.0], [20.0]])
    kernel(*out.tuple(), *a.tuple(), 1)
    assert out.to_numpy().tolist() == [[16.0], [35.0]]


# ---------------------------------------------------------------------------
# Larger tensors: several parallel tasks, both the fast and the strided paths
# ---------------------------------------------------------------------------


def _big(shape: tuple[int, ...], order: tuple[int, ...], seed: int) -> Tensor:
    values = np.random.default_rng(seed).uniform(-3, 3, int(np.prod(shape)))
    return Tensor(strided_data(values.tolist(), shape, order), backend=FAST)


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 0, 1)], ids=["dense", "permuted"])
def test_large_tensors_span_many_tasks(order: tuple[int, ...]) -> None:
    shape = (16, 65, 40)  # 41600 cells: parallel kernels, many CELLS_PER_TASK runs
    assert int(np.prod(shape)) >= fast_ops.PARALLEL_MIN_WORK
    a, b = _big(shape, order, 0), _big(shape, order, 1)
    x, y = a.to_numpy(), b.to_numpy()
    np.testing.assert_allclose((a * b).to_numpy(), x * y)
    np.testing.assert_allclose((-a).to_numpy(), -x)
    np.testing.assert_allclose((a + b.sum(0)).to_numpy(), x + y.sum(0, keepdims=True))
    for dim in range(3):
        np.testing.assert_allclose(
            a.sum(dim).to_numpy(), x.sum(dim, keepdims=True), rtol=1e-12, atol=1e-9
        )


def test_long_reduction() -> None:
    a = _big((20, 2000), (1, 0), 2)
    np.testing.assert_allclose(
        a.sum(1).to_numpy(), a.to_numpy().sum(1, keepdims=True), rtol=1e-12, atol=1e-9
    )


# ---------------------------------------------------------------------------
# Matrix multiply
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("b_order", [(0, 1, 2), (2, 1, 0)], ids=["b-rows", "b-cols"])
def test_big_matmul_of_transposed_views(b_order: tuple[int, ...]) -> None:
    """Parallel kernel, any strides: ``a`` is a transposed view, ``b`` either kind.

    Rows of 41 split into tasks of ROWS_PER_TASK with a partial last one.
    """
    a = _big((3, 41, 30), (0, 2, 1), 3)
    b = _big((3, 30, 37), b_order, 4)
    multiply_adds = 3 * 41 * 37 * 30
    assert multiply_adds >= fast_ops.PARALLEL_MIN_WORK
    np.testing.assert_allclose((a @ b).to_numpy(), a.to_numpy() @ b.to_numpy())


# ---------------------------------------------------------------------------
# The parallel compiles on small inputs (the backend runs those serially)
# ---------------------------------------------------------------------------


def _run(kernel: Callable[..., None], out: Tensor, *args: object) -> Tensor:
    kernel(*out.tuple(), *args)
    return out


@settings(max_examples=20)
@given(tensors(backend=FAST), broadcast_tensors(backend=FAST))
def test_parallel_kernels_on_small_inputs(
    t: Tensor, pair: tuple[Tensor, Tensor]
) -> None:
    s = simple_twin(t)
    neg = fast_ops._map_kernel(operators.neg).parallel
    assert_same(_run(neg, t.zeros(), *t.tuple()), SIMPLE.neg_map(s))
    add = fast_ops._zip_kernel(operators.add).parallel
    a, b = pair
    out = a.zeros(minitorch.shape_broadcast(a.shape, b.shape))
    expected = SIMPLE.add_zip(simple_twin(a), simple_twin(b))
    assert_same(_run(add, out, *a.tuple(), *b.tuple()), expected)
    add_reduce = fast_ops._reduce_kernel(operators.add).parallel
    for dim in range(t.dims):
        out = t.zeros(tuple(1 if d == dim else n for d, n in enumerate(t.shape)))
        got = _run(add_reduce, out, *t.tuple(), dim)
        scale = np.abs(t.to_numpy()).sum(dim, keepdims=True)
        assert_same(got, SIMPLE.add_reduce(s, dim), scale)


@settings(max_examples=20)
@given(matmul_tensors(backend=FAST))
def test_parallel_matmul_on_small_inputs(pair: tuple[Tensor, Tensor]) -> None:
    a, b = pair
    expected = SIMPLE.matrix_multiply(simple_twin(a), simple_twin(b))
    # Run the shared host wrapper with the parallel kernel forced.
    parallel = wrap_matrix_multiply(fast_ops.tensor_matrix_multiply)
    scale = np.abs(a.to_numpy()) @ np.abs(b.to_numpy())
    assert_same(parallel(a, b), expected, scale)


def test_sized_kernel_picks_threads_for_big_calls() -> None:
    calls: list[str] = []
    kernel = fast_ops.SizedKernel(
        fast_ops.tensor_map(operators.neg), fast_ops._out_cells
    )
    kernel.parallel = lambda *args: calls.append("parallel")
    kernel.serial = lambda *args: calls.append("serial")
    small, big = np.zeros(10), np.zeros(fast_ops.PARALLEL_MIN_WORK)
    kernel(small)
    kernel(big)
    assert calls == ["serial", "parallel"]


# ---------------------------------------------------------------------------
# What course scripts rely on
# ---------------------------------------------------------------------------


def test_kernels_are_numba_dispatchers_with_diagnostics() -> None:
    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        pytest.skip("plain Python functions under NUMBA_DISABLE_JIT")
    tmap = fast_ops.tensor_map(operators.id)
    out, a = minitorch.zeros((10,)), minitorch.rand((10,))
    tmap(*out.tuple(), *a.tuple())
    assert out.to_numpy().tolist() == a.to_numpy().tolist()
    for kernel in (tmap, fast_ops.tensor_matrix_multiply):
        assert callable(getattr(kernel, "parallel_diagnostics", None))


def test_backends_share_compiled_kernels() -> None:
    other = TensorBackend(FastOps)
    t = minitorch.tensor([1.0, 2.0], backend=other)
    assert (t + t).to_numpy().tolist() == [2.0, 4.0]
    assert fast_ops._zip_kernel(operators.add) is fast_ops._zip_kernel(operators.add)


_PURE_PYTHON_CHECK = textwrap.dedent(
    """
    import numpy as np
    import minitorch
    from minitorch import Tensor, TensorBackend, TensorData
    from minitorch.fast_ops import FastOps

    fast = TensorBackend(FastOps)
    data = TensorData(list(np.arange(24.0) - 11), (4, 3, 2)).permute(2, 0, 1)
    a = Tensor(data, backend=fast)
    s = Tensor(data)
    x = s.to_numpy()
    b = minitorch.tensor([[1.0, -2.0, 3.0]], backend=fast)
    checks = [
        ((-a).to_numpy(), -x),
        ((a * a + b).to_numpy(), x * x + b.to_numpy()),
        (a.sum(1).to_numpy(), x.sum(1, keepdims=True)),
        ((a @ a.permute(0, 2, 1)).to_numpy(), x @ x.transpose(0, 2, 1)),
    ]
    for got, expected in checks:
        np.testing.assert_allclose(got, expected)
    print("ok")
    """
)


def test_runs_as_plain_python_without_jit() -> None:
    """Under NUMBA_DISABLE_JIT=1 the kernels are ordinary Python (for debugging)."""
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _PURE_PYTHON_CHECK],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
