import threading
from collections.abc import Callable
from typing import Any, cast

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minitorch
from minitorch import (
    Context,
    MathTestVariable,
    Scalar,
    ScalarFunction,
    ScalarHistory,
    derivative_check,
    operators,
)
from minitorch.scalar_functions import Neg as ScalarNeg

from ._scalar_strategies import assert_close, scalars, small_floats

Case = tuple[str, Callable[..., Any], Callable[..., Any]]

one_arg, two_arg, _ = MathTestVariable._comp_testing()


def _away_from_kinks(name: str, *xs: float) -> None:
    """Keep draws off the points where a case has no derivative (or divides by 0)."""
    a = xs[0]
    b = xs[1] if len(xs) > 1 else 0.0
    if name == "relu":
        assume(abs(a + 5.5) > 1e-3)
    if name == "complex":
        assume(abs(a * 10 + 7) > 1e-3)
    if name == "inv":
        assume(abs(a + 3.5) > 0.1)
    if name == "div2":
        assume(abs(b + 5.5) > 0.1)
    if name in ("gt2", "lt2"):
        assume(abs(a + 1.2 - b) > 1e-3)
    if name == "eq2":
        assume(abs(a - (b + 5.5)) > 1e-3)


@pytest.mark.task1_2
@given(small_floats)
@pytest.mark.parametrize("fn", one_arg, ids=[f[0] for f in one_arg])
def test_one_arg_forward(fn: Case, t1: float) -> None:
    name, base_fn, scalar_fn = fn
    _away_from_kinks(name, t1)
    assert_close(scalar_fn(Scalar(t1)).data, base_fn(t1))


@pytest.mark.task1_2
@given(small_floats, small_floats)
@pytest.mark.parametrize("fn", two_arg, ids=[f[0] for f in two_arg])
def test_two_arg_forward(fn: Case, t1: float, t2: float) -> None:
    name, base_fn, scalar_fn = fn
    _away_from_kinks(name, t1, t2)
    assert_close(scalar_fn(Scalar(t1), Scalar(t2)).data, base_fn(t1, t2))


@pytest.mark.task1_4
@given(small_floats)
@pytest.mark.parametrize("fn", one_arg, ids=[f[0] for f in one_arg])
def test_one_derivative(fn: Case, t1: float) -> None:
    name, _, scalar_fn = fn
    _away_from_kinks(name, t1)
    derivative_check(scalar_fn, Scalar(t1))


@pytest.mark.task1_4
@given(small_floats, small_floats)
@pytest.mark.parametrize("fn", two_arg, ids=[f[0] for f in two_arg])
def test_two_derivative(fn: Case, t1: float, t2: float) -> None:
    name, _, scalar_fn = fn
    _away_from_kinks(name, t1, t2)
    derivative_check(scalar_fn, Scalar(t1), Scalar(t2))


def test_derivative_check_catches_a_wrong_backward() -> None:
    class BadSquare(ScalarFunction):
        @staticmethod
        def forward(ctx: Context, a: float) -> float:
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx: Context, d: float) -> float:
            a: float
            (a,) = ctx.saved_values
            return d * a  # should be 2 * a

    with pytest.raises(AssertionError, match="argument 0"):
        derivative_check(BadSquare.apply, Scalar(3.0))


@pytest.mark.task1_2
@given(small_floats, small_floats)
def test_simple_operators(a: float, b: float) -> None:
    assert_close((Scalar(a) + Scalar(b)).data, a + b)
    assert_close((Scalar(a) * Scalar(b)).data, a * b)
    assert_close((Scalar(a) - Scalar(b)).data, a - b)
    assert_close((a - Scalar(b)).data, a - b)
    assert_close((a + Scalar(b)).data, a + b)
    assert_close((a * Scalar(b)).data, a * b)
    assert_close((-Scalar(a)).data, -a)
    assert (Scalar(a) < Scalar(b)).data == (1.0 if a < b else 0.0)
    assert (Scalar(a) > Scalar(b)).data == (1.0 if a > b else 0.0)
    assert (Scalar(a) == Scalar(b)).data == (1.0 if a == b else 0.0)
    assume(abs(b) > 1e-3)
    assert_close((Scalar(a) / Scalar(b)).data, a / b)
    assert_close((a / Scalar(b)).data, a / b)


def test_scalar_basics() -> None:
    x = Scalar(1)
    assert repr(x) == "Scalar(1.000000)"
    assert isinstance(x.data, float)
    assert x.derivative is None
    assert x.is_leaf() and not x.is_constant()
    assert x.name == str(x.unique_id)
    x.name = "x"
    assert x.name == "x"
    assert Scalar(2.0, name="w").name == "w"
    assert bool(Scalar(1.0) < Scalar(2.0))
    assert not bool(Scalar(0.0))
    y = x * 2.0
    assert not y.is_leaf() and not y.is_constant()
    assert y.history is not None and y.history.last_fn is minitorch.scalar_functions.Mul
    assert y.unique_id > x.unique_id


def test_plain_numbers_become_constants() -> None:
    x = Scalar(2.0)
    y = 3.0 * x
    assert y.history is not None
    constant, var = y.history.inputs
    assert constant.is_constant() and constant.data == 3.0
    assert var is x
    y.backward()
    assert x.derivative == 3.0
    assert constant.derivative is None


def test_scalars_are_unhashable() -> None:
    with pytest.raises(TypeError):
        hash(Scalar(1.0))


class Function1(ScalarFunction):
    """x + y + 10; derivatives (d, d)."""

    @staticmethod
    def forward(ctx: Context, x: float, y: float) -> float:
        return x + y + 10

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        return d_output, d_output


class Function2(ScalarFunction):
    """x * y + x; derivatives (d * (y + 1), d * x)."""

    @staticmethod
    def forward(ctx: Context, x: float, y: float) -> float:
        ctx.save_for_backward(x, y)
        return x * y + x

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        x, y = ctx.saved_values
        return d_output * (y + 1), d_output * x


@pytest.mark.task1_3
def test_chain_rule_lists_every_input() -> None:
    x = Scalar(
        0.0, ScalarHistory(Function1, ctx=Context(), inputs=[Scalar(0), Scalar(0)])
    )
    pairs = list(x.chain_rule(d_output=5))
    assert len(pairs) == 2
    assert [d for _, d in pairs] == [5, 5]

    var = Scalar(5)
    y = Function2.apply(10, var)
    pairs = list(y.chain_rule(d_output=5))
    assert len(pairs) == 2
    assert pairs[0][0].is_constant()
    variable, deriv = pairs[1]
    assert variable is var
    assert deriv == 5 * 10


@pytest.mark.task1_4
def test_backprop_facts() -> None:
    var = Scalar(0)
    Function1.apply(0, var).backward(d_output=5)
    assert var.derivative == 5

    var = Scalar(0)
    Function1.apply(0, Function1.apply(0, var)).backward(d_output=5)
    assert var.derivative == 5

    var = Scalar(0)
    v1 = Function1.apply(0, var)
    Function1.apply(v1, Function1.apply(0, var)).backward(d_output=5)
    assert var.derivative == 10


def test_reused_non_leaf_counts_every_path() -> None:
    a = Scalar(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.derivative == 4.0
    # Diamond with different weights: d = x*y + exp(x*y).
    x, y = Scalar(0.5), Scalar(2.0)
    z = x * y
    (z * z + z).backward()
    assert x.derivative == pytest.approx((2 * 1.0 + 1) * 2.0)
    assert y.derivative == pytest.approx((2 * 1.0 + 1) * 0.5)


def _random_graph(steps: list[tuple[int, int, str]]) -> Scalar:
    """A graph that reuses earlier nodes at random; ``steps`` pick inputs and ops."""
    nodes: list[Scalar] = [Scalar(0.5), Scalar(-1.5), Scalar(2.0)]
    for i, j, op in steps:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(a * b if op == "*" else a + b if op == "+" else (a - 1.0).relu())
    return nodes[-1]


graph_steps = st.lists(
    st.tuples(st.integers(0, 99), st.integers(0, 99), st.sampled_from("+*r")),
    min_size=1,
    max_size=40,
)


@given(graph_steps)
def test_walk_matches_the_topological_order_sum(
    steps: list[tuple[int, int, str]],
) -> None:
    """Graphs that reuse nodes at random: the walk equals a slow, plain reference."""
    root = _random_graph(steps)
    order = minitorch.topological_sort(root)
    uids = [v.unique_id for v in order]
    assert len(uids) == len(set(uids))
    position = {uid: k for k, uid in enumerate(uids)}
    for var in order:
        for parent in var.parents:
            if not parent.is_constant():
                assert position[parent.unique_id] > position[var.unique_id]
    # Reference: push derivatives down the topological order through chain_rule.
    totals = {root.unique_id: 1.0}
    for var in order:
        d = totals.pop(var.unique_id, 0.0)
        if var.is_leaf():
            totals[var.unique_id] = d
            continue
        for parent, d_parent in var.chain_rule(d):
            if not parent.is_constant():
                uid = parent.unique_id
                totals[uid] = totals.get(uid, 0.0) + d_parent
    root.backward()
    for var in cast("list[Scalar]", order):
        if var.is_leaf():
            assert var.derivative == pytest.approx(totals[var.unique_id], rel=1e-12)
        else:
            assert var.derivative is None
            assert var._pending is None


def test_hand_built_history_with_a_newer_input_backpropagates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An input may be newer than its output: the walk then sorts the graph."""
    order = minitorch.autodiff._creation_order
    monkeypatch.setattr(order, "is_topological", True)  # restored after the test
    out = Scalar(0.0, ScalarHistory(ScalarNeg, ctx=Context(), inputs=[]))
    a = Scalar(3.0)
    square = a * a  # newer than ``out``, yet its input
    assert order.is_topological
    out.history = ScalarHistory(ScalarNeg, ctx=Context(), inputs=[square])
    assert not order.is_topological
    assert out.parents == [square] and out.unique_id < square.unique_id
    out.backward()
    assert a.derivative == -6.0


def test_histories_set_to_older_inputs_keep_the_newest_first_walk() -> None:
    order = minitorch.autodiff._creation_order
    a = Scalar(3.0)
    square = a * a
    out = Scalar(0.0)  # newer than its input-to-be: creation order still holds
    out.history = ScalarHistory(ScalarNeg, ctx=Context(), inputs=[square])
    (out * 2.0 + out).backward()
    assert order.is_topological and a.derivative == -18.0


def test_history_is_a_view_and_assignable() -> None:
    x = Scalar(2.0)
    assert x.history == ScalarHistory() and x.is_leaf()
    y = x * 3.0
    h = y.history
    assert h is not None and h.last_fn is minitorch.scalar_functions.Mul
    assert h.inputs[0] is x and h.inputs[1].is_constant()
    assert h.ctx is not None and h.ctx.saved_values == (2.0, 3.0)
    y.history = None
    assert y.is_constant() and y.history is None and y.parents == ()
    y.history = ScalarHistory()
    assert y.is_leaf()


def test_functions_that_save_nothing_share_one_context_that_refuses_saving() -> None:
    a, b = Scalar(1.0), Scalar(2.0)
    c1, c2 = (a + b).history, (a - b).history
    assert c1 is not None and c2 is not None and c1.ctx is c2.ctx
    assert c1.ctx is not None
    with pytest.raises(RuntimeError, match="saves_nothing"):
        c1.ctx.save_for_backward(1.0)
    with pytest.raises(RuntimeError, match="saves_nothing"):
        c1.ctx.saved_values = (1.0,)
    assert c1.ctx.saved_values == () and not c1.ctx.no_grad
    m1, m2 = (a * b).history, (a * b).history
    assert m1 is not None and m2 is not None and m1.ctx is not m2.ctx


class Cube(ScalarFunction):
    """a³; derivative 3a²·d (a user function through apply)."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        ctx.save_for_backward(a)
        return a**3

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        a: float = ctx.saved_values[0]
        return 3 * a * a * d_output


class Twice(ScalarFunction):
    """2a, declared to save nothing; derivative 2d."""

    saves_nothing = True

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        return 2 * a

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        return 2 * d_output


class Sum3(ScalarFunction):
    """a + b + c; three inputs through the general apply."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float, c: float) -> float:
        return a + b + c

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float, float]:
        return d_output, d_output, d_output


class BadArity(ScalarFunction):
    """a + b with a backward that forgets one derivative."""

    saves_nothing = True

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        return a + b

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        return d_output


def test_user_functions_work_through_apply() -> None:
    x = Scalar(2.0)
    y = Sum3.apply(Cube.apply(x), Twice.apply(x), 1)
    assert isinstance(y.data, float) and y.data == 13.0  # int results become floats
    y.backward()
    assert x.derivative == 12.0 + 2.0


def test_wrong_number_of_derivatives_is_reported() -> None:
    out = BadArity.apply(Scalar(1.0), Scalar(2.0))
    with pytest.raises(ValueError, match=r"BadArity\.backward gave 1 derivatives"):
        out.chain_rule(1.0)


class Boom(ScalarFunction):
    """a; a backward that fails, for the half-way failure test."""

    saves_nothing = True

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        return a

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        raise ArithmeticError("boom")


def test_backward_that_raises_half_way_leaves_the_graph_ready() -> None:
    x = Scalar(2.0)
    shared = x * x
    bad = Boom.apply(shared) + shared * 3.0
    with pytest.raises(ArithmeticError, match="boom"):
        bad.backward()
    good = shared + shared
    good.backward()
    assert x.derivative == 8.0
    for var in minitorch.topological_sort(bad):
        assert var._pending is None


def test_backward_interrupted_while_ordering_the_graph_leaves_it_ready(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x = Scalar(2.0)
    shared = x * x
    out = shared * 3.0 + shared

    def interrupt(node: Scalar) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(minitorch.autodiff, "_newest_first", interrupt)
    with pytest.raises(KeyboardInterrupt):
        out.backward()
    monkeypatch.undo()
    assert all(v._pending is None for v in minitorch.topological_sort(out))
    assert x.derivative is None
    out.backward()
    assert x.derivative == 16.0  # d(4x²)/dx at 2


def test_two_threads_backpropagate_their_own_graphs_at_once() -> None:
    start = threading.Barrier(2)
    results: dict[int, float | None] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            x = Scalar(1.0 + k)
            y = x
            for _ in range(20_000):
                y = y * 1.0 + x
            start.wait(5)
            y.backward()
            results[k] = x.derivative
        except BaseException as e:  # reported below, in the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert results == {0: 20_001.0, 1: 20_001.0}


def test_item_returns_the_float() -> None:
    s = Scalar(3) * 2
    assert s.item() == 6.0 and isinstance(s.item(), float)


def test_backward_twice_accumulates() -> None:
    x = Scalar(2.0)
    y = x * x
    y.backward()
    y.backward()
    assert x.derivative == 8.0


def test_lecture_example() -> None:
    x, y = Scalar(5.0, name="x"), Scalar(3.0, name="y")
    h = (x * y).log() + (x * y).exp()
    h.backward()
    e = operators.exp(15.0)
    assert x.derivative == pytest.approx(3.0 * (1 / 15 + e), rel=1e-12)
    assert y.derivative == pytest.approx(5.0 * (1 / 15 + e), rel=1e-12)


def test_accumulate_on_non_leaf_is_an_error() -> None:
    y = Scalar(1.0) + 1.0
    with pytest.raises(RuntimeError, match="non-leaf"):
        y.accumulate_derivative(1.0)


def test_no_grad_makes_constants() -> None:
    x = Scalar(2.0)
    with minitorch.no_grad():
        assert not minitorch.is_grad_enabled()
        y = x * x + 1.0
    assert minitorch.is_grad_enabled()
    assert y.is_constant()
    assert y.data == 5.0


def test_no_grad_is_per_thread() -> None:
    """A no_grad block in another thread leaves this thread recording graphs."""
    inside, done = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def other() -> None:
        with minitorch.no_grad():
            inside.set()
            done.wait(5)
            seen["other"] = minitorch.is_grad_enabled()

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(5)
    x = Scalar(2.0)
    y = x * x
    done.set()
    thread.join(5)
    assert minitorch.is_grad_enabled()
    assert seen == {"other": False}
    assert not y.is_constant()
    y.backward()
    assert x.derivative == 4.0


@given(scalars(min_value=-1e5, max_value=1e5))
def test_sigmoid_derivative_stable(x: Scalar) -> None:
    s = x.sigmoid()
    s.backward()
    assert 0.0 <= s.data <= 1.0
    assert x.derivative is not None
    assert 0.0 <= x.derivative <= 0.25


def test_central_difference_on_numbers_and_scalars() -> None:
    d = minitorch.central_difference(operators.mul, 5, 10, arg=1)
    assert_close(d, 5.0)
    d = minitorch.central_difference(operators.exp, 0.0)
    assert_close(d, 1.0)
    s = minitorch.central_difference(lambda a, b: a * b, Scalar(5.0), Scalar(10.0))
    assert isinstance(s, Scalar)
    assert_close(s.data, 10.0)


# 20,000 nodes are far past the recursion limit; the million-node chain is slow.
@pytest.mark.parametrize(
    "length", [20_000, pytest.param(1_000_000, marks=pytest.mark.slow)]
)
def test_long_chain_backpropagates_without_recursion(length: int) -> None:
    x = Scalar(1.0)
    y = x
    for _ in range(length):
        y = y + 1.0
    y.backward()
    assert x.derivative == 1.0


def test_wrong_number_of_derivatives_stops_backward() -> None:
    out = BadArity.apply(Scalar(1.0), Scalar(2.0))
    with pytest.raises(ValueError, match=r"BadArity\.backward gave 1 derivatives"):
        out.backward()
