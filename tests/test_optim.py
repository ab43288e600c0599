import random

import numpy as np
import pytest

import minitorch
from minitorch import SGD, Adam, Module, Parameter, Scalar


class Quadratic(Module):
    """loss = (w - 3)^2 + (v + 1)^2, minimised at w = 3, v = -1."""

    def __init__(self) -> None:
        super().__init__()
        self.w = Parameter(Scalar(0.0))
        self.v = Parameter(Scalar(0.0))

    def forward(self) -> Scalar:
        a: Scalar = self.w.value - 3.0
        b: Scalar = self.v.value + 1.0
        return a * a + b * b


def _minimise(opt_factory: object, steps: int) -> Quadratic:
    model = Quadratic()
    opt = opt_factory(model.parameters())  # type: ignore[operator]
    for _ in range(steps):
        opt.zero_grad()
        model().backward()
        opt.step()
    return model


def test_sgd_step_is_exact() -> None:
    model = Quadratic()
    opt = SGD(model.parameters(), 0.1)
    model().backward()
    opt.step()
    assert model.w.value.data == pytest.approx(0.6)
    assert model.v.value.data == pytest.approx(-0.2)
    assert model.w.value.is_leaf() and model.w.value.derivative is None


def test_zero_grad_clears() -> None:
    model = Quadratic()
    model().backward()
    SGD(model.parameters()).zero_grad()
    assert model.w.value.derivative is None


@pytest.mark.parametrize(
    "factory",
    [
        lambda p: SGD(p, lr=0.1),
        lambda p: SGD(p, lr=0.05, momentum=0.9),
        lambda p: Adam(p, lr=0.1),
    ],
    ids=["sgd", "momentum", "adam"],
)
def test_optimisers_converge(factory: object) -> None:
    model = _minimise(factory, 300)
    assert model.w.value.data == pytest.approx(3.0, abs=1e-3)
    assert model.v.value.data == pytest.approx(-1.0, abs=1e-3)


def test_momentum_accelerates() -> None:
    plain = _minimise(lambda p: SGD(p, lr=0.01), 50)
    heavy = _minimise(lambda p: SGD(p, lr=0.01, momentum=0.9), 50)
    assert abs(heavy.w.value.data - 3.0) < abs(plain.w.value.data - 3.0)


def test_adam_first_step_has_size_lr() -> None:
    model = Quadratic()
    opt = Adam(model.parameters(), lr=0.5)
    model().backward()
    opt.step()
    # Bias-corrected first step is lr * sign(grad) in every coordinate.
    assert model.w.value.data == pytest.approx(0.5, rel=1e-6)
    assert model.v.value.data == pytest.approx(-0.5, rel=1e-6)


def test_parameters_without_gradient_are_untouched() -> None:
    model = Quadratic()
    for opt in (SGD(model.parameters(), 0.1, momentum=0.5), Adam(model.parameters())):
        opt.step()
    assert model.w.value.data == 0.0


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_learning_rate(bad: float) -> None:
    with pytest.raises(ValueError, match="learning rate"):
        SGD([], bad)
    with pytest.raises(ValueError, match="learning rate"):
        Adam([], bad)


def test_lecture_network_learns_simple() -> None:
    from minitorch.scalar_layers import Network

    data = minitorch.datasets["Simple"](20, seed=1)
    model = Network(3, random.Random(1))
    opt = SGD(model.parameters(), 0.5)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        total = 0.0
        for (x1, x2), y in zip(data.X, data.y, strict=True):
            out = model.forward((Scalar(x1), Scalar(x2)))
            loss = -(out if y == 1 else -out + 1.0).log()
            (loss / data.N).backward()
            total += loss.data
        opt.step()
        losses.append(total)
    assert losses[-1] < losses[0]
    assert np.all(np.isfinite(losses))
