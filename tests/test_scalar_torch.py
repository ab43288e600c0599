"""Random Scalar expressions: values and gradients must equal PyTorch's (float64)."""

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import Scalar, autodiff

torch = pytest.importorskip("torch")

Expr = Any  # nested tuples: ("var", name) | ("const", c) | (op, child, ...)

VARS = ("x", "y", "z")

leaves = st.one_of(
    st.sampled_from(VARS).map(lambda n: ("var", n)),
    st.floats(-3, 3, allow_nan=False).map(lambda c: ("const", c)),
)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    unary = st.tuples(
        st.sampled_from(["neg", "sigmoid", "relu", "safe_log", "safe_exp"]), children
    )
    binary = st.tuples(
        st.sampled_from(["add", "sub", "mul", "safe_div"]), children, children
    )
    return st.one_of(unary, binary)


expressions = st.recursive(leaves, _extend, max_leaves=12)


def evaluate(e: Expr, env: dict[str, Any], lib: str) -> Any:
    """Evaluate with Scalars (lib='mt') or torch tensors (lib='torch')."""
    kind = e[0]
    if kind == "var":
        return env[e[1]]
    if kind == "const":
        return e[1]
    args = [evaluate(c, env, lib) for c in e[1:]]
    if kind == "neg":
        return -args[0]
    if kind == "add":
        return args[0] + args[1]
    if kind == "sub":
        return args[0] - args[1]
    if kind == "mul":
        return args[0] * args[1]
    if kind == "safe_div":
        return args[0] / (args[1] * args[1] + 1.0)
    a = args[0]
    if lib == "torch" and not isinstance(a, torch.Tensor):
        a = torch.tensor(a, dtype=torch.float64)
    if lib == "mt" and not isinstance(a, Scalar):
        a = Scalar(a)
    if kind == "sigmoid":
        return a.sigmoid()
    if kind == "relu":
        return a.relu()
    if kind == "safe_log":
        return (a * a + 1.0).log()
    if kind == "safe_exp":
        return a.sigmoid().exp()
    raise AssertionError(kind)


@settings(max_examples=150)
@given(expressions, st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3))
def test_random_expressions_match_torch(expr: Expr, values: list[float]) -> None:
    mt_env = {n: Scalar(v, name=n) for n, v in zip(VARS, values, strict=True)}
    th_env = {
        n: torch.tensor(v, dtype=torch.float64, requires_grad=True)
        for n, v in zip(VARS, values, strict=True)
    }
    out = evaluate(expr, mt_env, "mt")
    ref = evaluate(expr, th_env, "torch")
    if not isinstance(out, Scalar):
        return  # a constant expression: nothing to differentiate
    assert out.data == pytest.approx(float(ref.detach()), rel=1e-9, abs=1e-12)
    if not ref.requires_grad:
        return
    out.backward()
    ref.backward()
    for n in VARS:
        expected = th_env[n].grad
        got = mt_env[n].derivative
        if expected is None:
            assert got is None
            continue
        want = float(expected)
        assert (0.0 if got is None else got) == pytest.approx(want, rel=1e-6, abs=1e-9)


def test_lecture_network_gradients_match_torch() -> None:
    """The lecture network's parameter gradients equal torch's for one loss."""
    import random

    from minitorch.scalar_layers import Network

    model = Network(4, random.Random(3))
    x1, x2, label = 0.3, 0.8, 1
    out = model.forward((Scalar(x1), Scalar(x2)))
    loss = -(out if label == 1 else -out + 1.0).log()
    loss.backward()

    def weights(layer: Any) -> Any:
        return torch.tensor(
            [[w.value.data for w in row] for row in layer.weights],
            dtype=torch.float64,
            requires_grad=True,
        )

    def biases(layer: Any) -> Any:
        return torch.tensor(
            [b.value.data for b in layer.bias], dtype=torch.float64, requires_grad=True
        )

    layers = [model.layer1, model.layer2, model.layer3]
    ws = [weights(layer) for layer in layers]
    bs = [biases(layer) for layer in layers]
    h = torch.tensor([x1, x2], dtype=torch.float64)
    h = torch.relu(h @ ws[0] + bs[0])
    h = torch.relu(h @ ws[1] + bs[1])
    ref_out = torch.sigmoid(h @ ws[2] + bs[2])[0]
    ref_loss = -torch.log(ref_out)
    ref_loss.backward()
    assert loss.data == pytest.approx(float(ref_loss.detach()), rel=1e-12)
    for layer, w, b in zip(layers, ws, bs, strict=True):
        for i, row in enumerate(layer.weights):
            for j, p in enumerate(row):
                assert p.value.derivative == pytest.approx(
                    float(w.grad[i, j]), rel=1e-9, abs=1e-12
                )
        for j, p in enumerate(layer.bias):
            assert p.value.derivative == pytest.approx(
                float(b.grad[j]), rel=1e-9, abs=1e-12
            )
    assert math.isfinite(loss.data)
    assert minitorch.is_grad_enabled()


@settings(max_examples=100)
@given(expressions, st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3))
def test_observed_walk_gives_the_plain_walks_numbers(
    expr: Expr, values: list[float]
) -> None:
    """An observer sees the walk without changing it: derivatives equal bit for bit."""
    plain_env = {n: Scalar(v) for n, v in zip(VARS, values, strict=True)}
    seen_env = {n: Scalar(v) for n, v in zip(VARS, values, strict=True)}
    plain = evaluate(expr, plain_env, "mt")
    seen = evaluate(expr, seen_env, "mt")
    if not isinstance(plain, Scalar):
        return
    plain.backward(d_output=1.5)
    steps: list[autodiff.BackpropStep] = []
    seen.backward(d_output=1.5, observer=steps.append)
    for n in VARS:
        assert plain_env[n].derivative == seen_env[n].derivative
    ids = [s.variable.unique_id for s in steps]
    assert len(ids) == len(set(ids))  # each variable is one step
    assert steps[-1].pending == {}
