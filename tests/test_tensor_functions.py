"""Forward values and gradients of every tensor Function (simple backend)."""

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import Context, Function, MathTestVariable, Tensor, grad_check, tensor

from ._tensor_strategies import (
    assert_tensor_close,
    away_from_kinks,
    broadcast_tensors,
    matmul_tensors,
    shaped_tensors,
    small_floats,
    tensors,
)
from .gradcheck import check_each_element, check_random_direction

Case = tuple[str, Callable[..., Any], Callable[..., Any]]
one_arg, two_arg, red_arg = MathTestVariable._comp_testing()


def _elementwise(fn: Callable[..., float], *ts: Tensor) -> np.ndarray:
    """Apply a float function cell by cell (after broadcasting) with numpy."""
    arrays = np.broadcast_arrays(*(t.to_numpy() for t in ts))
    out: np.ndarray = np.vectorize(lambda *xs: float(fn(*xs)))(*arrays)
    return out


# ---------------------------------------------------------------------------
# The course catalogue (MathTestVariable) on tensors
# ---------------------------------------------------------------------------


@pytest.mark.task2_3
@given(tensors())
@pytest.mark.parametrize("fn", one_arg, ids=[f[0] for f in one_arg])
def test_one_arg_forward(fn: Case, t1: Tensor) -> None:
    name, base_fn, tensor_fn = fn
    away_from_kinks(name, t1)
    assert_tensor_close(tensor_fn(t1), _elementwise(base_fn, t1))


@pytest.mark.task2_3
@given(shaped_tensors(2))
@pytest.mark.parametrize("fn", two_arg, ids=[f[0] for f in two_arg])
def test_two_arg_forward(fn: Case, ts: list[Tensor]) -> None:
    name, base_fn, tensor_fn = fn
    t1, t2 = ts
    away_from_kinks(name, t1, t2)
    assert_tensor_close(tensor_fn(t1, t2), _elementwise(base_fn, t1, t2))


@pytest.mark.task2_3
@given(tensors())
@pytest.mark.parametrize("fn", red_arg, ids=[f[0] for f in red_arg])
def test_reduction_forward(fn: Case, t1: Tensor) -> None:
    name, _, tensor_fn = fn
    x = t1.to_numpy()
    expected = x.mean() if name == "mean_full_red" else x.sum(axis=0, keepdims=True)
    if name == "mean_red":
        expected = x.mean(axis=0, keepdims=True)
    out = tensor_fn(t1)
    scale = np.abs(x).sum() if name == "mean_full_red" else np.abs(x).sum(axis=0)
    assert_tensor_close(
        out, np.reshape(expected, out.shape), np.reshape(scale, out.shape)
    )
    assert out.shape == ((1,) if name == "mean_full_red" else (1, *t1.shape[1:]))


@pytest.mark.task2_4
@settings(max_examples=25)
@given(tensors())
@pytest.mark.parametrize("fn", one_arg, ids=[f[0] for f in one_arg])
def test_one_arg_grad(fn: Case, t1: Tensor) -> None:
    name, _, tensor_fn = fn
    away_from_kinks(name, t1)
    grad_check(tensor_fn, t1)


@pytest.mark.task2_4
@settings(max_examples=25)
@given(shaped_tensors(2))
@pytest.mark.parametrize("fn", two_arg, ids=[f[0] for f in two_arg])
def test_two_arg_grad(fn: Case, ts: list[Tensor]) -> None:
    name, _, tensor_fn = fn
    t1, t2 = ts
    away_from_kinks(name, t1, t2)
    grad_check(tensor_fn, t1, t2)


@pytest.mark.task2_4
@settings(max_examples=25)
@given(shaped_tensors(2))
@pytest.mark.parametrize("fn", two_arg, ids=[f[0] for f in two_arg])
def test_two_arg_grad_broadcast(fn: Case, ts: list[Tensor]) -> None:
    """The course's broadcast case: one operand is a ``sum(0)`` (leading dim 1)."""
    name, _, tensor_fn = fn
    t1, t2 = ts
    small = t2.sum(0)
    away_from_kinks(name, t1, small)
    grad_check(tensor_fn, t1, small)
    away_from_kinks(name, small, t1)
    grad_check(tensor_fn, small, t1)


@pytest.mark.task2_4
@settings(max_examples=25)
@given(tensors())
@pytest.mark.parametrize("fn", red_arg, ids=[f[0] for f in red_arg])
def test_reduction_grad(fn: Case, t1: Tensor) -> None:
    grad_check(fn[2], t1)


# ---------------------------------------------------------------------------
# Every Function, every cell: backprop vs central differences
# ---------------------------------------------------------------------------


def _neg(a: Tensor) -> Tensor:
    return minitorch.Neg.apply(a)


def _inv(a: Tensor) -> Tensor:
    return minitorch.Inv.apply(a)


def _sigmoid(a: Tensor) -> Tensor:
    return minitorch.Sigmoid.apply(a)


def _relu(a: Tensor) -> Tensor:
    return minitorch.ReLU.apply(a)


def _log(a: Tensor) -> Tensor:
    return minitorch.Log.apply(a)


def _exp(a: Tensor) -> Tensor:
    return minitorch.Exp.apply(a)


def _copy(a: Tensor) -> Tensor:
    return minitorch.Copy.apply(a)


ONE_ARG_FUNCTIONS: list[tuple[str, Callable[[Tensor], Tensor]]] = [
    ("Neg", _neg),
    ("Inv", _inv),
    ("Sigmoid", _sigmoid),
    ("ReLU", _relu),
    ("Log", _log),
    ("Exp", _exp),
    ("Copy", _copy),
]


_moderate = st.floats(min_value=-5, max_value=5, allow_nan=False)
_off_zero = st.one_of(
    st.floats(min_value=-5, max_value=-0.1), st.floats(min_value=0.1, max_value=5)
)
# Where each Function is smooth: Log needs x > 0; Inv and ReLU stay off 0.
_DOMAINS = {"Log": st.floats(min_value=0.1, max_value=5), "Inv": _off_zero}
_DOMAINS["ReLU"] = _off_zero


@pytest.mark.task2_4
@settings(max_examples=15)
@given(st.data())
@pytest.mark.parametrize(
    ("name", "fn"), ONE_ARG_FUNCTIONS, ids=[n for n, _ in ONE_ARG_FUNCTIONS]
)
def test_one_arg_function_every_cell(
    name: str, fn: Callable[[Tensor], Tensor], data: st.DataObject
) -> None:
    t = data.draw(tensors(_DOMAINS.get(name, _moderate)))
    check_each_element(fn, t)


@pytest.mark.task2_4
@settings(max_examples=15)
@given(broadcast_tensors())
@pytest.mark.parametrize("fn", [minitorch.Add, minitorch.Mul], ids=["Add", "Mul"])
def test_two_arg_function_every_cell_with_broadcasting(
    fn: type[Function], pair: tuple[Tensor, Tensor]
) -> None:
    a, b = pair
    check_each_element(fn.apply, a, b)
    # The gradient of each input has that input's (smaller) shape.
    a.requires_grad_(True)
    b.requires_grad_(True)
    fn.apply(a, b).sum().backward()
    assert a.grad is not None and a.grad.shape == a.shape
    assert b.grad is not None and b.grad.shape == b.shape


@pytest.mark.task2_4
@settings(max_examples=15)
@given(st.data(), tensors())
def test_sum_every_cell(data: st.DataObject, t: Tensor) -> None:
    dim = data.draw(st.integers(0, t.dims - 1))
    check_each_element(lambda a: (a.sum(dim) * a.sum(dim)).sum(), t)
    check_each_element(lambda a: a.sum() * a.sum(), t)
    check_each_element(lambda a: a.mean(dim), t)


@pytest.mark.task2_4
@settings(max_examples=15)
@given(st.data(), tensors())
def test_permute_every_cell(data: st.DataObject, t: Tensor) -> None:
    order = data.draw(st.permutations(range(t.dims)))
    weights = Tensor.make(
        np.arange(1.0, t.size + 1), t.permute(*order).shape, backend=t.backend
    )
    # Weighted, so a gradient sent to the wrong cell is caught.
    check_each_element(lambda a: a.permute(*order) * weights, t)


@pytest.mark.task2_4
@settings(max_examples=15)
@given(tensors())
def test_view_every_cell(t: Tensor) -> None:
    weights = Tensor.make(np.arange(1.0, t.size + 1), (t.size,), backend=t.backend)
    check_each_element(lambda a: a.contiguous().view(a.size) * weights, t)
    check_each_element(lambda a: a.contiguous().view(1, a.size).sum(1), t)


@pytest.mark.task2_4
@settings(max_examples=15)
@given(matmul_tensors(_moderate))
def test_matmul_every_cell(pair: tuple[Tensor, Tensor]) -> None:
    a, b = pair
    check_each_element(lambda x, y: x @ y, a, b)


# Gaps between compared cells on both sides of is_close's 1e-2, never a tie.
OFF_THE_STEPS = st.one_of(
    *(st.floats(low, high) for low, high in ((2e-3, 8e-3), (0.02, 100))),
    *(st.floats(-high, -low) for low, high in ((2e-3, 8e-3), (0.02, 100))),
)


@pytest.mark.task2_4
@settings(max_examples=15)
@given(shaped_tensors(2, OFF_THE_STEPS))
@pytest.mark.parametrize(
    "fn", [minitorch.LT, minitorch.EQ, minitorch.IsClose], ids=["LT", "EQ", "IsClose"]
)
def test_comparisons_have_zero_gradient(fn: type[Function], ts: list[Tensor]) -> None:
    a, offset = ts
    # Off the steps (equality and the is_close threshold 1e-2) by construction:
    # filtering hypothesis's many ties with ``assume`` starves the search.
    b = a + offset
    check_each_element(fn.apply, a, b)
    a.requires_grad_(True)
    b.requires_grad_(True)
    fn.apply(a, b.sum(0)).sum().backward()
    assert a.grad is not None and a.grad.shape == a.shape
    assert not np.any(a.grad.to_numpy())


def test_all_is_logical_and_passes_no_gradient() -> None:
    t = tensor([[1.0, 0.0], [1.0, 1.0]], requires_grad=True)
    assert t.all(1).to_numpy().tolist() == [[0.0], [1.0]]
    assert t.all().item() == 0.0
    t.all(0).sum().backward()
    assert t.grad is not None and t.grad.to_numpy().tolist() == [[0, 0], [0, 0]]


# ---------------------------------------------------------------------------
# Random-direction checks (one backward + two forwards, any size)
# ---------------------------------------------------------------------------


@settings(max_examples=20)
@given(matmul_tensors(_moderate))
def test_matmul_random_direction(pair: tuple[Tensor, Tensor]) -> None:
    a, b = pair
    check_random_direction(lambda x, y: (x @ y).sigmoid(), a, b)


@settings(max_examples=20)
@given(broadcast_tensors(_moderate))
def test_composite_random_direction(pair: tuple[Tensor, Tensor]) -> None:
    a, b = pair

    def f(x: Tensor, y: Tensor) -> Tensor:
        z = (x * y + x.exp()).sigmoid() / (y * y + 1.0)
        return z - z.mean(0)

    check_random_direction(f, a, b)


# ---------------------------------------------------------------------------
# The checkers themselves must be able to fail
# ---------------------------------------------------------------------------


class _WrongSquare(Function):
    """``a²`` with the derivative off by a factor: 3a instead of 2a."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> Tensor:
        ctx.save_for_backward(a)
        return a.f.mul_zip(a, a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_values
        return grad_output.f.mul_zip(grad_output, a._ensure_tensor(3.0) * a)


@pytest.mark.parametrize(
    "checker",
    [grad_check, check_each_element, check_random_direction],
    ids=["grad_check", "each_element", "random_direction"],
)
def test_checkers_catch_a_wrong_backward(checker: Callable[..., None]) -> None:
    t = tensor([[1.0, 2.0], [3.0, -4.0]])
    checker(lambda a: a * a, t)  # the right backward passes
    with pytest.raises(AssertionError):
        checker(_WrongSquare.apply, t)


def test_grad_central_difference() -> None:
    t = tensor([[1.0, 2.0], [3.0, 4.0]])
    d = minitorch.grad_central_difference(lambda a: a * a * a, t, arg=0, ind=(1, 0))
    assert abs(d - 27.0) < 1e-4


@given(small_floats)
def test_function_apply_passes_detached_inputs(x: float) -> None:
    seen: list[Tensor] = []

    class Spy(Function):
        @staticmethod
        def forward(ctx: Context, a: Tensor) -> Tensor:
            seen.append(a)
            return a.f.id_map(a)

        @staticmethod
        def backward(ctx: Context, grad_output: Tensor) -> Tensor:
            return grad_output

    t = tensor([x], requires_grad=True)
    out = Spy.apply(t)
    assert seen[0].is_constant() and seen[0] is not t
    assert out.history is not None and out.history.last_fn is Spy


def test_function_apply_gives_constants_a_new_tensor_even_from_the_identity() -> None:
    """Constant inputs reach forward as they are; its result is never an input."""
    seen: list[Tensor] = []

    class Same(Function):
        @staticmethod
        def forward(ctx: Context, a: Tensor) -> Tensor:
            seen.append(a)
            return a

        @staticmethod
        def backward(ctx: Context, grad_output: Tensor) -> Tensor:
            return grad_output

    t = tensor([1.0, 2.0])
    out = Same.apply(t)
    assert seen[0] is t
    assert out is not t and out.is_constant()
    assert out.to_numpy().tolist() == [1.0, 2.0]
