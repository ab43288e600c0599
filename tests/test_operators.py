import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minitorch import MathTest
from minitorch.operators import (
    add,
    addLists,
    eq,
    exp,
    id,
    inv,
    inv_back,
    is_close,
    log,
    log_back,
    lt,
    max,
    mul,
    neg,
    negList,
    prod,
    reduce,
    relu,
    relu_back,
    sigmoid,
    sum,
    zipWith,
)
from minitorch.operators import map as op_map

from ._scalar_strategies import assert_close, small_floats


@pytest.mark.task0_1
@given(small_floats, small_floats)
def test_same_as_python(x: float, y: float) -> None:
    assert_close(mul(x, y), x * y)
    assert_close(add(x, y), x + y)
    assert_close(neg(x), -x)
    assert_close(max(x, y), x if x > y else y)
    if abs(x) > 1e-5:
        assert_close(inv(x), 1.0 / x)


@pytest.mark.task0_1
@given(small_floats)
def test_relu(a: float) -> None:
    if a > 0:
        assert relu(a) == a
    if a < 0:
        assert relu(a) == 0.0


@pytest.mark.task0_1
@given(small_floats, small_floats)
def test_relu_back(a: float, b: float) -> None:
    if a > 0:
        assert relu_back(a, b) == b
    if a < 0:
        assert relu_back(a, b) == 0.0


@pytest.mark.task0_1
@given(small_floats)
def test_id_and_comparisons(a: float) -> None:
    assert id(a) == a
    assert lt(a - 1.0, a) == 1.0
    assert lt(a, a - 1.0) == 0.0
    assert max(a - 1.0, a) == a
    assert max(a, a - 1.0) == a
    assert max(a + 1.0, a) == a + 1.0
    assert eq(a, a) == 1.0
    assert eq(a, a - 1.0) == 0.0


@pytest.mark.task0_2
@given(small_floats)
def test_sigmoid(a: float) -> None:
    s = sigmoid(a)
    assert 0.0 <= s <= 1.0
    assert_close(1.0 - s, sigmoid(-a))
    assert sigmoid(0.0) == 0.5
    # Strictly increasing where float precision can tell.
    assume(abs(a) < 30)
    assert sigmoid(a + 1.0) > s


@pytest.mark.parametrize("x", [-1e5, -745.2, -50.0, 0.0, 50.0, 745.2, 1e5])
def test_sigmoid_is_stable_far_from_zero(x: float) -> None:
    s = sigmoid(x)
    assert math.isfinite(s)
    assert s == pytest.approx(1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0)


@pytest.mark.task0_2
@given(small_floats, small_floats, small_floats)
def test_transitive(a: float, b: float, c: float) -> None:
    if lt(a, b) and lt(b, c):
        assert lt(a, c)


@pytest.mark.task0_2
@given(small_floats, small_floats)
def test_symmetric(a: float, b: float) -> None:
    assert mul(a, b) == mul(b, a)
    assert add(a, b) == add(b, a)


@pytest.mark.task0_2
@given(small_floats, small_floats, small_floats)
def test_distribute(x: float, y: float, z: float) -> None:
    assert_close(mul(z, add(x, y)), add(mul(z, x), mul(z, y)))


@pytest.mark.task0_2
@given(small_floats)
def test_backs_match_numeric_derivatives(a: float) -> None:
    eps = 1e-6
    pos = abs(a) + 1.0
    assert log_back(pos, 2.0) == pytest.approx(
        2.0 * (log(pos + eps) - log(pos - eps)) / (2 * eps), rel=1e-4
    )
    assert inv_back(pos, 2.0) == pytest.approx(
        2.0 * (inv(pos + eps) - inv(pos - eps)) / (2 * eps), rel=1e-4
    )
    assert exp(log(pos)) == pytest.approx(pos)


def test_is_close_threshold() -> None:
    assert is_close(1.0, 1.0 + 0.009)
    assert not is_close(1.0, 1.011)


def test_log_is_exact() -> None:
    assert log(math.e) == 1.0
    assert log(1.0) == 0.0


@pytest.mark.task0_3
@given(
    st.lists(small_floats, min_size=5, max_size=5),
    st.lists(small_floats, min_size=5, max_size=5),
)
def test_sum_distribute(ls1: list[float], ls2: list[float]) -> None:
    assert_close(sum(addLists(ls1, ls2)), sum(ls1) + sum(ls2))


@pytest.mark.task0_3
@given(st.lists(small_floats))
def test_sum(ls: list[float]) -> None:
    assert_close(sum(ls), math.fsum(ls))


@pytest.mark.task0_3
@given(small_floats, small_floats, small_floats)
def test_prod(x: float, y: float, z: float) -> None:
    assert_close(prod([x, y, z]), x * y * z)


def test_empty_reductions_and_shapes() -> None:
    assert sum([]) == 0.0
    assert prod(()) == 1
    assert int(prod((2, 3, 4))) == 24


@pytest.mark.task0_3
@given(st.lists(small_floats))
def test_neg_list(ls: list[float]) -> None:
    assert negList(ls) == [-x for x in ls]


def test_higher_order_helpers() -> None:
    def double(x: float) -> float:
        return x * 2

    def minus(a: float, b: float) -> float:
        return a - b

    def shift_in(x: float, acc: float) -> float:
        return acc * 10 + x

    assert op_map(double)([1.0, 2.0]) == [2.0, 4.0]
    assert zipWith(minus)([5.0, 7.0], [1.0, 2.0]) == [4.0, 5.0]
    # reduce folds left to right: fn(x_2, fn(x_1, start)).
    assert reduce(shift_in, 0.0)([1.0, 2.0, 3.0]) == 123.0
    x1, x2 = addLists([1.0, 2.0], [3.0, 4.0])
    assert (x1, x2) == (4.0, 6.0)


def test_catalogue_classification() -> None:
    one, two, red = MathTest._tests()
    assert [n for n, _ in one] == [
        "addConstant", "complex", "cube", "div", "exp", "explog", "inv", "log",
        "multConstant", "neg", "relu", "sig", "square", "subConstant",
    ]  # fmt: skip
    assert [n for n, _ in two] == ["add2", "div2", "eq2", "gt2", "lt2", "mul2"]
    assert [n for n, _ in red] == ["mean_full_red", "mean_red", "sum_red"]


def test_catalogue_values() -> None:
    assert MathTest.addConstant(1.0) == 6.0
    assert MathTest.inv(0.5) == 0.25
    assert MathTest.relu(-6.0) == 0.0
    assert MathTest.div2(1.0, -3.5) == 0.5
    assert MathTest.gt2(0.0, 1.0) == 1.0
    assert MathTest.lt2(0.0, 1.0) == 0.0
    assert MathTest.eq2(5.5, 0.0) == 1.0
    assert MathTest.mean_red([1.0, 2.0, 6.0]) == 3.0
    assert_close(MathTest.complex(1.0), math.log(sigmoid(530.0)) / 50)
