"""What is particular to the numba CPU backend: kernel contracts, parallel tasks.

The checks every backend passes (primitives, matmul, the MathTest catalogue and
gradients against ``SimpleOps``) are in ``test_backends.py``. Here: large
tensors that span many parallel tasks, the parallel compiles on small inputs,
the serial/parallel switch, and what course scripts rely on. Kernels compile
once per process (``FastOps`` shares them between backends), so the first
example of each test pays seconds of numba compile time and the rest are quick.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import (
    Tensor,
    TensorBackend,
    fast_math,
    fast_matmul,
    fast_ops,
    ieee754,
    operators,
)
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
def test_large_tensors_span_many_tasks(
    order: tuple[int, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 41600 cells: many CELLS_PER_TASK runs and FOLD_RUN runs, on the threads.
    monkeypatch.setattr(fast_ops, "PARALLEL_MIN_WORK", 1)
    shape = (16, 65, 40)
    a, b = _big(shape, order, 0), _big(shape, order, 1)
    x, y = a.to_numpy(), b.to_numpy()
    np.testing.assert_allclose((a * b).to_numpy(), x * y)
    np.testing.assert_allclose((-a).to_numpy(), -x)
    np.testing.assert_allclose((a + b.sum(0)).to_numpy(), x + y.sum(0, keepdims=True))
    for dim in range(3):
        np.testing.assert_allclose(
            a.sum(dim).to_numpy(), x.sum(dim, keepdims=True), rtol=1e-12, atol=1e-9
        )


# Every operator's kernel on one thread and on the threads. Each parallel kernel
# is a compile of its own (about 4 s of CPU from a fresh clone), and the threaded
# code is the same template whatever the operator: by default the threads run the
# operators whose parallel kernels the other tests compile anyway (neg, add,
# mul), the rest with ``-m slow``.
def threaded(name: str, everyday: tuple[str, ...]) -> list[Any]:
    """``(name, parallel)`` cases: ``name`` on the threads is slow unless everyday."""
    marks = () if name in everyday else pytest.mark.slow
    return [
        pytest.param(name, False, id=f"{name}-serial"),
        pytest.param(name, True, id=f"{name}-parallel", marks=marks),
    ]


REDUCTION_CASES = [
    case
    for name in ("add_reduce", "mul_reduce", "max_reduce")
    for case in threaded(name, everyday=("add_reduce",))
]


@pytest.mark.parametrize("name, parallel", REDUCTION_CASES)
@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_reductions_fold_in_order_like_simple_ops(
    order: tuple[int, ...],
    name: str,
    parallel: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Folds run side by side and several steps at a time, each cell in order.

    Sizes leave partial groups of eight cells and of four steps; every result
    equals SimpleOps' bit for bit.
    """
    if parallel:
        monkeypatch.setattr(fast_ops, "PARALLEL_MIN_WORK", 1)
    a = _big((7, 19, 13), order, 9)
    s = simple_twin(a)
    for dim in range(3):
        got = getattr(FAST, name)(a, dim).to_numpy()
        expected = getattr(SIMPLE, name)(s, dim).to_numpy()
        np.testing.assert_array_equal(got, expected)


def test_long_reduction() -> None:
    a = _big((20, 2000), (1, 0), 2)
    np.testing.assert_allclose(
        a.sum(1).to_numpy(), a.to_numpy().sum(1, keepdims=True), rtol=1e-12, atol=1e-9
    )


# ---------------------------------------------------------------------------
# Transposed inputs: the tiled path of maps and zips
# ---------------------------------------------------------------------------

# (shape, storage order): matrices read down their columns, sizes that leave
# partial bands, blocks and tiles, one taller than a band, one with leading
# (batch) dims.
COLUMN_MAJOR = [
    ((130, 70), (1, 0)),
    ((1100, 11), (1, 0)),
    ((3, 65, 33), (0, 2, 1)),
    ((2, 3, 5, 97), (1, 0, 3, 2)),
]


def _merged(t: Tensor, out: Tensor) -> tuple[int, Any, Any, Any, Any]:
    return fast_ops._merged_layout(
        out._tensor._shape,
        out._tensor._strides,
        t._tensor._shape,
        t._tensor._strides,
        t._tensor._shape,
        t._tensor._strides,
    )


@pytest.mark.parametrize("shape, order", COLUMN_MAJOR)
def test_transposed_inputs_take_the_tiled_path(
    shape: tuple[int, ...], order: tuple[int, ...]
) -> None:
    """The layouts below really are the ones the tiled loops handle."""
    a = _big(shape, order, 5)
    dims, _, o_str, a_str, _ = _merged(a, a.zeros())
    assert fast_ops._column_major(dims, o_str, a_str)
    dims, _, o_str, a_str, _ = _merged(a.contiguous(), a.zeros())
    assert not fast_ops._column_major(dims, o_str, a_str)


EVERYDAY_THREADED = ("neg_map", "add_zip", "mul_zip")
TILED_MAPS = [
    case
    for name in ("neg_map", "relu_map", "exp_map", "sigmoid_map", "log_map")
    for case in threaded(name, EVERYDAY_THREADED)
]
NUMPY_ZIPS: dict[str, Callable[..., Any]] = {
    "add_zip": np.add,
    "mul_zip": np.multiply,
    "lt_zip": lambda x, y: (x < y).astype(float),
}
TILED_ZIPS = [
    case
    for name in ("add_zip", "mul_zip", "lt_zip")
    for case in threaded(name, EVERYDAY_THREADED)
]


@pytest.mark.parametrize("name, parallel", TILED_MAPS)
@pytest.mark.parametrize("shape, order", COLUMN_MAJOR)
def test_tiled_maps_equal_simple_ops(
    shape: tuple[int, ...],
    order: tuple[int, ...],
    name: str,
    parallel: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a = _big(shape, order, 6)
    if name == "log_map":
        # Positive values in the same layout: exp of each stored value.
        positive = np.exp(a._tensor._storage).tolist()
        a = Tensor(strided_data(positive, shape, order), backend=FAST)
    if parallel:
        monkeypatch.setattr(fast_ops, "PARALLEL_MIN_WORK", 1)
    assert_same(getattr(FAST, name)(a), getattr(SIMPLE, name)(simple_twin(a)))


@pytest.mark.parametrize("name, parallel", TILED_ZIPS)
@pytest.mark.parametrize("shape, order", COLUMN_MAJOR)
def test_tiled_zips_equal_simple_ops(
    shape: tuple[int, ...],
    order: tuple[int, ...],
    name: str,
    parallel: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = _big(shape, order, 6), _big(shape, order, 7)
    b_rows = b.contiguous()
    sa, sb = simple_twin(a), simple_twin(b)
    if parallel:
        monkeypatch.setattr(fast_ops, "PARALLEL_MIN_WORK", 1)
    assert_same(getattr(FAST, name)(a, b), getattr(SIMPLE, name)(sa, sb))
    # Only one input transposed: the row-by-row path, same answers.
    expected = getattr(SIMPLE, name)(sa, simple_twin(b_rows))
    assert_same(getattr(FAST, name)(a, b_rows), expected)
    numpy_twin = NUMPY_ZIPS[name](a.to_numpy(), b.to_numpy())
    np.testing.assert_array_equal(getattr(FAST, name)(a, b).to_numpy(), numpy_twin)


@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "parallel"])
@pytest.mark.parametrize("shape, order", COLUMN_MAJOR)
def test_outputs_laid_out_like_their_inputs(
    shape: tuple[int, ...],
    order: tuple[int, ...],
    parallel: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An ``out`` with the inputs' (column-major) strides takes the storage loop."""
    if parallel:
        monkeypatch.setattr(fast_ops, "PARALLEL_MIN_WORK", 1)
    a, b = _big(shape, order, 8), _big(shape, order, 9)
    data = a._tensor
    assert fast_ops._same_layout(data._shape, data._strides, data._shape, data._strides)

    def like_a() -> Tensor:
        return Tensor(strided_data([0.0] * a.size, shape, order), backend=FAST)

    for name in ("neg_map", "exp_map"):
        got = getattr(FAST, name)(a, like_a())
        assert got._tensor.strides == data.strides
        assert_same(got, getattr(SIMPLE, name)(simple_twin(a)))
    out = like_a()
    fast_ops._zip_kernel(operators.mul)(*out.tuple(), *a.tuple(), *b.tuple())
    np.testing.assert_array_equal(out.to_numpy(), a.to_numpy() * b.to_numpy())
    # An output whose layout differs from the input's takes the general paths.
    flipped = Tensor(strided_data([0.0] * a.size, shape, order[::-1]), backend=FAST)
    assert_same(FAST.neg_map(a, flipped), SIMPLE.neg_map(simple_twin(a)))


# ---------------------------------------------------------------------------
# exp, log and sigmoid: the vectorised twins
# ---------------------------------------------------------------------------

INF = math.inf
NAN = math.nan
EDGES = [0.0, -0.0, INF, -INF, NAN, 709.78, 709.79, -745.1, -745.2, -708.4, -720.0]
EDGES += [1e-310, 5e-324, 1.7e308, 1.0, 2.0, 0.5, 1e-300, -1e-300, 3.0, -3.0]


def _spread(count: int, seed: int) -> list[float]:
    """Values from tiny to huge, both signs, plus the IEEE edge cases."""
    rng = np.random.default_rng(seed)
    magnitudes = 10.0 ** rng.uniform(-320, 308, count)
    signs = rng.choice([-1.0, 1.0], count)
    near = rng.uniform(-750, 750, count)
    return [*EDGES, *(magnitudes * signs).tolist(), *near.tolist()]


@pytest.mark.parametrize("name", ["exp_map", "log_map", "sigmoid_map"])
def test_vectorised_twins_equal_the_c_library(name: str) -> None:
    """Same inf/nan/zero cells as SimpleOps, finite values within 1e-15 relative."""
    values = _spread(4000, 8)
    t = minitorch.tensor(values, backend=FAST)
    got = getattr(FAST, name)(t).to_numpy()
    expected = getattr(SIMPLE, name)(simple_twin(t)).to_numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))
    exact = ~np.isfinite(expected) | (expected == 0.0)
    np.testing.assert_array_equal(got[exact], expected[exact])
    normal = np.abs(expected) >= 2.2250738585072014e-308
    np.testing.assert_allclose(got[normal], expected[normal], rtol=1e-15, atol=0)
    subnormal = ~exact & ~normal
    np.testing.assert_array_less(np.abs(got[subnormal] - expected[subnormal]), 1e-323)


def test_vectorised_twins_replace_only_their_operators() -> None:
    twins = fast_ops.VECTORISED_TWINS
    assert twins[ieee754.exp] is fast_math.exp
    assert twins[ieee754.log] is fast_math.log
    assert twins[operators.sigmoid] is fast_math.sigmoid
    assert operators.exp not in twins


# ---------------------------------------------------------------------------
# Matrix multiply
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("b_order", [(0, 1, 2), (2, 1, 0)], ids=["b-rows", "b-cols"])
def test_big_matmul_of_transposed_views(
    b_order: tuple[int, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parallel kernel, any strides: ``a`` is a transposed view, ``b`` either kind.

    41 rows are ten groups of four and one left over; 137 columns are two
    column blocks of 69 (the last one 68 wide).
    """
    monkeypatch.setattr(fast_ops, "PARALLEL_MIN_WORK", 1)
    a = _big((3, 41, 30), (0, 2, 1), 3)
    b = _big((3, 30, 137), b_order, 4)
    np.testing.assert_allclose((a @ b).to_numpy(), a.to_numpy() @ b.to_numpy())


ODD_SIZES = st.sampled_from([1, 3, 17, 65, 257])


def ordered_matmul(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """``a @ b`` summed as ``SimpleOps`` sums: from 0.0, each product rounded, in
    order of the shared dim (numpy's matmul adds in another order)."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    out = np.zeros((*batch, a.shape[-2], b.shape[-1]))
    for k in range(a.shape[-1]):
        out = out + a[..., :, k : k + 1] * b[..., k : k + 1, :]
    return out


@st.composite
def odd_matmul_pairs(draw: st.DrawFn) -> tuple[Tensor, Tensor]:
    """``a (.., n, k) @ b (.., k, m)`` with n, k, m drawn from ``ODD_SIZES``.

    Batch dims broadcast (a size-1 or missing batch dim on either side) and
    each input is stored in a random dim order, a transposed view included.
    """
    n, k, m = draw(ODD_SIZES), draw(ODD_SIZES), draw(ODD_SIZES)
    batch_a, batch_b = draw(
        st.sampled_from(
            [((), ()), ((2,), (2,)), ((1,), (3,)), ((3,), ()), ((2, 1), (2,))]
        )
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pair = []
    for shape in ((*batch_a, n, k), (*batch_b, k, m)):
        values = rng.uniform(-3, 3, int(np.prod(shape)))
        order = draw(st.permutations(range(len(shape))))
        pair.append(Tensor(strided_data(values.tolist(), shape, order), backend=FAST))
    return pair[0], pair[1]


@settings(max_examples=25)
@given(odd_matmul_pairs())
def test_matmul_of_odd_sizes_sums_like_simple_ops(pair: tuple[Tensor, Tensor]) -> None:
    """Both kernels, every block edge case: bit for bit the ordered sums."""
    a, b = pair
    expected = ordered_matmul(a.to_numpy(), b.to_numpy())
    for kernel in (fast_ops.tensor_matrix_multiply, fast_matmul.serial_matrix_multiply):
        got = wrap_matrix_multiply(kernel)(a, b).to_numpy()
        np.testing.assert_array_equal(got, expected)


@settings(max_examples=20)
@given(matmul_tensors(backend=FAST))
def test_matmul_equals_simple_ops_bit_for_bit(pair: tuple[Tensor, Tensor]) -> None:
    a, b = pair
    expected = SIMPLE.matrix_multiply(simple_twin(a), simple_twin(b)).to_numpy()
    np.testing.assert_array_equal(ordered_matmul(a.to_numpy(), b.to_numpy()), expected)
    np.testing.assert_array_equal((a @ b).to_numpy(), expected)


@pytest.mark.parametrize(
    ("shape_a", "shape_b"),
    [((0, 3), (3, 4)), ((2, 0), (0, 3)), ((3, 4), (4, 0)), ((0, 2, 3), (3, 4))],
)
def test_matmul_with_an_empty_dim(
    shape_a: tuple[int, ...], shape_b: tuple[int, ...]
) -> None:
    """An empty shared dim sums nothing (zeros); an empty out is simply empty."""
    a = minitorch.zeros(shape_a, backend=FAST) + 1.0
    b = minitorch.zeros(shape_b, backend=FAST) + 1.0
    expected = np.ones(shape_a) @ np.ones(shape_b)
    for kernel in (fast_ops.tensor_matrix_multiply, fast_matmul.serial_matrix_multiply):
        got = wrap_matrix_multiply(kernel)(a, b).to_numpy()
        assert got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)


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


def test_sized_kernel_picks_threads_for_big_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fast_ops, "num_threads", lambda: 2)
    calls: list[str] = []
    neg = fast_ops.tensor_map(operators.neg)
    kernel = fast_ops.SizedKernel(neg, neg, fast_ops._out_cells)
    kernel.parallel = lambda *args: calls.append("parallel")
    kernel.serial = lambda *args: calls.append("serial")
    small, big = np.zeros(10), np.zeros(fast_ops.PARALLEL_MIN_WORK)
    kernel(small)
    kernel(big)
    monkeypatch.setattr(fast_ops, "num_threads", lambda: 1)
    kernel(big)
    assert calls == ["serial", "parallel", "serial"]


# ---------------------------------------------------------------------------
# What course scripts rely on
# ---------------------------------------------------------------------------


def test_kernels_are_numba_dispatchers_with_diagnostics() -> None:
    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        pytest.skip("plain Python functions under NUMBA_DISABLE_JIT")
    # neg: its parallel kernel is compiled for other tests anyway.
    tmap = fast_ops.tensor_map(operators.neg)
    out, a = minitorch.zeros((10,)), minitorch.rand((10,))
    tmap(*out.tuple(), *a.tuple())
    assert out.to_numpy().tolist() == (-a.to_numpy()).tolist()
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


def _run_twice(script: str, cache_dir: Path) -> list[list[str]]:
    """Run ``script`` in two fresh processes sharing one numba cache directory.

    Each run's output is split into its first word (the compile count) and the rest.
    """
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    return [
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=True,
        ).stdout.split(maxsplit=1)
        for _ in range(2)
    ]


def test_kernels_compile_once_per_machine(tmp_path: Path) -> None:
    """A second process loads the kernels from disk: nothing compiles, nothing said.

    ``on_first_compile`` fires once in the first process (numba compiles there)
    and never in the second, which must still compute the same values.
    """
    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        pytest.skip("nothing compiles under NUMBA_DISABLE_JIT")
    script = textwrap.dedent(
        """
        import numpy as np
        from minitorch import _numba_index, operators
        from minitorch.fast_ops import tensor_map

        calls = []
        _numba_index.on_first_compile(lambda: calls.append(1))
        kernel = tensor_map(operators.neg)
        out, a = np.zeros(3), np.arange(3.0)
        shape, strides = np.array([3], np.int32), np.array([1], np.int32)
        kernel(out, shape, strides, a, shape, strides)
        kernel(out, shape, strides, a, shape, strides)
        print(len(calls), out.tolist())
        """
    )
    runs = _run_twice(script, tmp_path)
    assert [count for count, _ in runs] == ["1", "0"]
    assert all(values.strip() == "[-0.0, -1.0, -2.0]" for _, values in runs)
    assert list(tmp_path.rglob("*.nbi")), "numba wrote no cache index"


@pytest.mark.slow
def test_matmul_kernels_compile_once_per_machine(tmp_path: Path) -> None:
    """Both matmul compiles (serial, parallel) load from disk in a second process."""
    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        pytest.skip("nothing compiles under NUMBA_DISABLE_JIT")
    script = textwrap.dedent(
        """
        import numpy as np
        from minitorch import _numba_index
        from minitorch.fast_matmul import serial_matrix_multiply, tensor_matrix_multiply

        calls = []
        _numba_index.on_first_compile(lambda: calls.append(1))
        out, a = np.zeros(4), np.arange(4.0)
        shape = np.array([1, 2, 2], np.int32)
        strides = np.array([4, 2, 1], np.int32)
        for kernel in (serial_matrix_multiply, tensor_matrix_multiply):
            kernel(out, shape, strides, a, shape, strides, a, shape, strides)
        print(len(calls), out.tolist())
        """
    )
    runs = _run_twice(script, tmp_path)
    assert [count for count, _ in runs] == ["1", "0"]
    assert all(values.strip() == "[2.0, 3.0, 6.0, 11.0]" for _, values in runs)


def test_unwritable_install_falls_back_cleanly(tmp_path: Path) -> None:
    """No writable cache location (read-only install, no user cache): no error,
    no warning, the kernels simply compile in the process.

    The copy's ``__pycache__`` and the user cache directory are files, so numba
    can create neither (file modes would not stop a root user). ``1 / a`` needs one
    map and one zip kernel: each compile costs this test about a second.
    """
    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        pytest.skip("nothing compiles under NUMBA_DISABLE_JIT")
    package = Path(minitorch.__file__).parent
    copy = tmp_path / "minitorch"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "__pycache__").touch()
    (tmp_path / "no-cache").touch()
    script = textwrap.dedent(
        """
        import warnings
        warnings.simplefilter("error")
        import minitorch
        fast = minitorch.TensorBackend(minitorch.FastOps)
        a = minitorch.tensor([1.0, 2.0, 0.0], backend=fast)
        print(minitorch.__file__, (1.0 / a).to_numpy().tolist())
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env |= {
        "PYTHONPATH": str(tmp_path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "XDG_CACHE_HOME": str(tmp_path / "no-cache" / "numba"),
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    where, values = result.stdout.split(maxsplit=1)
    assert where == str(copy / "__init__.py")
    assert values.strip() == str([1.0, 0.5, float("inf")])
    assert not list(tmp_path.rglob("*.nbi"))


@pytest.mark.parametrize("given", [None, "active"])
def test_openmp_threads_wait_passively_unless_told(given: str | None) -> None:
    """Spinning OpenMP threads would take cores from the program between calls."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    script = "import os, minitorch.fast_ops; print(os.environ['OMP_WAIT_POLICY'])"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    assert result.stdout.strip() == (given or "passive")
