"""One conformance suite for every backend: SimpleOps, FastOps and CudaOps.

Each test takes a ``backend`` and compares it with ``SimpleOps``, the readable
oracle, on the same data (hypothesis-drawn, usually non-contiguous layouts and
broadcast pairs). Tolerances are relative, 1e-9; sums and matrix products may add
in another order (a CUDA reduction is a tree, FastOps' matmul may fuse
multiply-adds), so their floor is 1e-12 of the summed magnitudes rather than of
the result.

The main run covers SimpleOps and FastOps; CudaOps runs where numba finds a GPU,
or in the separate ``NUMBA_ENABLE_CUDASIM=1`` run, which runs only the CUDA cases
(the simulator is slow, and the other backends were covered already).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import MathTestVariable, Tensor, TensorBackend, TensorData
from minitorch._numba_index import cuda_is_available

from . import _programs
from ._compare import assert_same, assert_same_values
from ._tensor_strategies import (
    away_from_kinks,
    broadcast_tensors,
    matmul_tensors,
    shaped_tensors,
    tensors,
)
from .gradcheck import check_random_direction

SIMPLE = minitorch.SimpleBackend
SIMULATOR = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"

BACKEND_NAMES = [] if SIMULATOR else ["simple", "fast"]
if cuda_is_available():
    BACKEND_NAMES.append("cuda")

# The simulator runs every GPU thread as a Python thread: few examples there.
EXAMPLES = 4 if SIMULATOR else 20

Case = tuple[str, Callable[..., Any], Callable[..., Any]]
one_arg, two_arg, red_arg = MathTestVariable._comp_testing()

MAPS = ["neg_map", "sigmoid_map", "relu_map", "log_map", "exp_map", "id_map", "inv_map"]
ZIPS = [
    "add_zip",
    "mul_zip",
    "lt_zip",
    "eq_zip",
    "is_close_zip",
    "relu_back_zip",
    "log_back_zip",
    "inv_back_zip",
]
REDUCES = ["add_reduce", "mul_reduce", "max_reduce"]


@pytest.fixture(params=BACKEND_NAMES, scope="module")
def backend(request: pytest.FixtureRequest) -> TensorBackend:
    return minitorch.backend(request.param)


def on(backend: TensorBackend, t: Tensor) -> Tensor:
    """A copy of ``t``'s storage, with the same shape and strides, on ``backend``.

    A copy, not a view: a CUDA operation may move its input's storage to the GPU.
    """
    data = t._tensor
    copy = TensorData(np.array(data._storage), data.shape, data.strides)
    return Tensor(copy, backend=backend)


def apply(backend: TensorBackend, name: str, *args: Any) -> Tensor:
    fn: Callable[..., Tensor] = getattr(backend, name)
    return fn(*args)


# ---------------------------------------------------------------------------
# The primitives
# ---------------------------------------------------------------------------


@pytest.mark.task3_1
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_maps(backend: TensorBackend, data: st.DataObject) -> None:
    t = data.draw(tensors())
    for name in MAPS:
        got = apply(backend, name, on(backend, t))
        assert got.backend is backend
        assert_same(got, apply(SIMPLE, name, t))


@pytest.mark.task3_1
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_map_broadcasts_into_a_given_out(
    backend: TensorBackend, data: st.DataObject
) -> None:
    t = data.draw(tensors())
    big = minitorch.zeros((2, *t.shape), backend=backend)
    backend.id_map(on(backend, t), big)
    expected = np.broadcast_to(t.to_numpy(), big.shape)
    np.testing.assert_array_equal(big.to_numpy(), expected)


@pytest.mark.task3_1
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_zips(backend: TensorBackend, data: st.DataObject) -> None:
    a, b = data.draw(shaped_tensors(2))
    for name in ZIPS:
        got = apply(backend, name, on(backend, a), on(backend, b))
        assert_same(got, apply(SIMPLE, name, a, b))
    # The same tensor twice (FastOps' path for matching dense layouts).
    a_there = on(backend, a)
    assert_same(backend.add_zip(a_there, a_there), SIMPLE.add_zip(a, a))


@pytest.mark.task3_1
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_broadcast_zips(backend: TensorBackend, data: st.DataObject) -> None:
    a, b = data.draw(broadcast_tensors())
    for name in ["add_zip", "mul_zip", "lt_zip"]:
        for x, y in ((a, b), (b, a)):
            got = apply(backend, name, on(backend, x), on(backend, y))
            assert_same(got, apply(SIMPLE, name, x, y))


@pytest.mark.task3_1
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_reductions(backend: TensorBackend, data: st.DataObject) -> None:
    t = data.draw(tensors())
    there = on(backend, t)
    for dim in range(t.dims):
        scale = np.abs(t.to_numpy()).sum(dim, keepdims=True)
        for name in REDUCES:
            expected = apply(SIMPLE, name, t, dim)
            got = apply(backend, name, there, dim)
            assert_same(got, expected, scale if name == "add_reduce" else None)
    assert_same(there.sum(), t.sum(), np.abs(t.to_numpy()).sum())


@pytest.mark.task3_2
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_matrix_multiply(backend: TensorBackend, data: st.DataObject) -> None:
    a, b = data.draw(matmul_tensors())
    got = on(backend, a) @ on(backend, b)
    scale = np.abs(a.to_numpy()) @ np.abs(b.to_numpy())
    assert_same(got, a @ b, scale)
    assert_same_values(got.to_numpy(), a.to_numpy() @ b.to_numpy(), scale)


@pytest.mark.task3_2
@pytest.mark.parametrize(
    ("shape_a", "shape_b", "shape_out"),
    [
        ((2, 3), (3, 4), (2, 4)),
        ((5, 2, 3), (1, 3, 4), (5, 2, 4)),
        ((1, 2, 3), (5, 3, 4), (5, 2, 4)),
        ((2, 3), (5, 3, 4), (5, 2, 4)),
        ((2, 1, 2, 3), (4, 3, 1), (2, 4, 2, 1)),
        ((19, 23), (23, 17), (19, 17)),
    ],
)
def test_matrix_multiply_shapes(
    backend: TensorBackend,
    shape_a: tuple[int, ...],
    shape_b: tuple[int, ...],
    shape_out: tuple[int, ...],
) -> None:
    if SIMULATOR and len(shape_a) + len(shape_b) > 5:
        pytest.skip("one batched case is enough for the slow simulator")
    a = minitorch.rand(shape_a, backend=backend)
    b = minitorch.rand(shape_b, backend=backend)
    out = a @ b
    assert out.shape == shape_out
    np.testing.assert_allclose(out.to_numpy(), a.to_numpy() @ b.to_numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------
# The MathTest catalogue: values and gradients
# ---------------------------------------------------------------------------


@pytest.mark.task3_1
@settings(max_examples=max(2, EXAMPLES // 4))
@given(data=st.data())
@pytest.mark.parametrize("fn", one_arg, ids=[f[0] for f in one_arg])
def test_one_arg_catalogue(
    backend: TensorBackend, fn: Case, data: st.DataObject
) -> None:
    name, _, tensor_fn = fn
    t = data.draw(tensors())
    away_from_kinks(name, t)
    there = on(backend, t)
    assert_same(tensor_fn(there), tensor_fn(t))
    minitorch.grad_check(tensor_fn, there)


@pytest.mark.task3_1
@settings(max_examples=max(2, EXAMPLES // 4))
@given(data=st.data())
@pytest.mark.parametrize("fn", two_arg, ids=[f[0] for f in two_arg])
def test_two_arg_catalogue(
    backend: TensorBackend, fn: Case, data: st.DataObject
) -> None:
    name, _, tensor_fn = fn
    a, b = data.draw(shaped_tensors(2))
    away_from_kinks(name, a, b)
    x, y = on(backend, a), on(backend, b)
    assert_same(tensor_fn(x, y), tensor_fn(a, b))
    minitorch.grad_check(tensor_fn, x, y)


@pytest.mark.task3_1
@settings(max_examples=max(2, EXAMPLES // 4))
@given(data=st.data())
@pytest.mark.parametrize("fn", two_arg, ids=[f[0] for f in two_arg])
def test_two_arg_catalogue_broadcast(
    backend: TensorBackend, fn: Case, data: st.DataObject
) -> None:
    name, _, tensor_fn = fn
    a, b = data.draw(broadcast_tensors())
    away_from_kinks(name, a, b)
    minitorch.grad_check(tensor_fn, on(backend, a), on(backend, b))


@pytest.mark.task3_1
@settings(max_examples=max(2, EXAMPLES // 4))
@given(data=st.data())
@pytest.mark.parametrize("fn", red_arg, ids=[f[0] for f in red_arg])
def test_reduction_catalogue(
    backend: TensorBackend, fn: Case, data: st.DataObject
) -> None:
    _, _, tensor_fn = fn
    t = data.draw(tensors())
    there = on(backend, t)
    assert_same(tensor_fn(there), tensor_fn(t), np.abs(t.to_numpy()).sum())
    minitorch.grad_check(tensor_fn, there)


@pytest.mark.task3_2
@settings(max_examples=1 if SIMULATOR else EXAMPLES // 2)
@given(data=st.data())
def test_matrix_multiply_gradient(backend: TensorBackend, data: st.DataObject) -> None:
    a, b = data.draw(matmul_tensors())
    x, y = on(backend, a), on(backend, b)
    minitorch.grad_check(lambda p, q: p @ q, x, y)
    check_random_direction(lambda p, q: (p @ q).sigmoid(), x, y)


def test_backend_propagates_through_training_ops(backend: TensorBackend) -> None:
    x = minitorch.rand((4, 3), backend=backend, requires_grad=True)
    w = minitorch.rand((3, 2), backend=backend, requires_grad=True)
    loss = ((x @ w).relu() + 1.0).log().sum()
    assert loss.backend is backend
    loss.backward()
    assert x.grad is not None and x.grad.backend is backend
    assert w.grad is not None and w.grad.shape == (3, 2)


# ---------------------------------------------------------------------------
# IEEE 754 at the edges: the same answers as numpy and PyTorch, on every backend
# ---------------------------------------------------------------------------

INF, NAN = math.inf, math.nan


def _values(t: Tensor | None) -> list[float]:
    assert t is not None
    return [float(v) for v in t.to_numpy().reshape(-1)]


def _same_floats(got: list[float], expected: list[float]) -> bool:
    """Equal lists, where nan equals nan and the sign of a zero or inf counts."""
    return len(got) == len(expected) and all(
        (math.isnan(g) and math.isnan(e))
        or (g == e and math.copysign(1, g) == math.copysign(1, e))
        for g, e in zip(got, expected, strict=True)
    )


@pytest.mark.filterwarnings("error")
def test_exp_overflows_to_inf(backend: TensorBackend) -> None:
    x = minitorch.tensor([710.0, -800.0, 1.0], backend=backend, requires_grad=True)
    y = x.exp()
    assert _same_floats(_values(y), [INF, 0.0, math.e])
    y.sum().backward()
    assert _same_floats(_values(x.grad), [INF, 0.0, math.e])


@pytest.mark.filterwarnings("error")
def test_log_at_zero_and_below(backend: TensorBackend) -> None:
    x = minitorch.tensor([0.0, 1.0, -1.0, -0.0], backend=backend, requires_grad=True)
    y = x.log()
    assert _same_floats(_values(y), [-INF, 0.0, NAN, -INF])
    y.sum().backward()
    # PyTorch: grad / x, so 1/0 = inf and 1/-0 = -inf.
    assert _same_floats(_values(x.grad), [INF, 1.0, -1.0, -INF])


@pytest.mark.filterwarnings("error")
def test_division_by_zero(backend: TensorBackend) -> None:
    x = minitorch.tensor([0.0, -0.0, 2.0], backend=backend, requires_grad=True)
    y = 1.0 / x
    assert _same_floats(_values(y), [INF, -INF, 0.5])
    y.sum().backward()
    assert _same_floats(_values(x.grad), [-INF, -INF, -0.25])
    zero = minitorch.tensor([0.0], backend=backend)
    assert _same_floats(_values(zero / zero), [NAN])
    assert _same_floats(_values(-(zero + 1.0) / zero), [-INF])


@pytest.mark.filterwarnings("error")
def test_overflowing_arithmetic(backend: TensorBackend) -> None:
    big = minitorch.tensor([1e308, -1e308], backend=backend)
    assert _same_floats(_values(big * 10.0), [INF, -INF])
    assert _same_floats(_values(big + big - big * 2.0), [NAN, NAN])
    inf = minitorch.tensor([INF], backend=backend)
    assert _same_floats(_values(inf * 0.0), [NAN])


@pytest.mark.filterwarnings("error")
def test_mean_of_an_empty_tensor_is_nan(backend: TensorBackend) -> None:
    empty = minitorch.zeros((0,), backend=backend)
    assert _same_floats(_values(empty.mean()), [NAN])
    assert _same_floats(_values(empty.sum()), [0.0])
    rows = minitorch.zeros((2, 0), backend=backend)
    assert _same_floats(_values(rows.mean(1)), [NAN, NAN])
    assert rows.mean(0).shape == (1, 0)


@pytest.mark.filterwarnings("error")
def test_matrix_multiply_with_special_values(backend: TensorBackend) -> None:
    a = minitorch.tensor([[INF, 1.0], [0.0, 2.0], [NAN, 0.0]], backend=backend)
    b = minitorch.tensor([[1.0, 0.0], [-INF, 3.0]], backend=backend)
    with np.errstate(all="ignore"):
        expected = (a.to_numpy() @ b.to_numpy()).reshape(-1).tolist()
    assert _same_floats(_values(a @ b), expected)


@pytest.mark.filterwarnings("error")
@settings(max_examples=EXAMPLES * 3)
@given(data=st.data())
def test_random_programs_give_the_same_special_values(
    backend: TensorBackend, data: st.DataObject
) -> None:
    program = data.draw(programs())
    expected = _programs.run(program, SIMPLE)
    _programs.assert_same_outcome(_programs.run(program, backend), expected)


@st.composite
def programs(draw: st.DrawFn) -> _programs.Program:
    """A short program over special values (see ``tests/_programs.py``)."""
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    order = tuple(draw(st.permutations(range(len(shape)))))
    size = math.prod(shape)
    values = st.sampled_from(_programs.SPECIAL_VALUES)
    step = st.builds(
        _programs.Step,
        st.sampled_from(_programs.OPS),
        st.integers(0, 7),
        st.integers(0, 7),
        st.integers(0, 1),
    )
    return _programs.Program(
        shape,
        order,
        tuple(draw(st.lists(values, min_size=size, max_size=size))),
        tuple(draw(st.lists(values, min_size=size, max_size=size))),
        tuple(draw(st.lists(step, min_size=1, max_size=3))),
    )


@pytest.mark.skipif(SIMULATOR, reason="FastOps is checked in the main run")
def test_random_programs_with_the_jit_off() -> None:
    """FastOps as plain Python (``NUMBA_DISABLE_JIT=1``) against SimpleOps."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-m", "tests._programs", "200"],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_backward_seed_must_have_the_output_shape(backend: TensorBackend) -> None:
    x = minitorch.tensor([1.0, 2.0], backend=backend, requires_grad=True)
    seed = minitorch.tensor([[1.0], [1.0]], backend=backend)
    with pytest.raises(ValueError, match=r"shape \(2, 1\).*shape \(2,\)"):
        (x * 2.0).backward(seed)
    assert x.grad is None
