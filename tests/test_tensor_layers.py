import random

import numpy as np
import pytest

import minitorch
from minitorch import Tensor
from minitorch.tensor_layers import Linear, Network


def _simple_data(n: int, seed: int) -> tuple[Tensor, Tensor]:
    """Points in the unit square labelled 1 when ``x1 < 0.5`` (the "Simple" set)."""
    rng = random.Random(seed)
    points = [(rng.random(), rng.random()) for _ in range(n)]
    labels = [1.0 if x1 < 0.5 else 0.0 for x1, _ in points]
    return minitorch.tensor(points), minitorch.tensor(labels)


def _loss(model: Network, x: Tensor, y: Tensor) -> Tensor:
    """Mean binary cross-entropy, written the way the course scripts write it."""
    out: Tensor = model(x).view(y.shape[0])
    prob = (out * y) + (out - 1.0) * (y - 1.0)
    return -prob.log().sum() / y.shape[0]


def test_linear_shapes_and_parameters() -> None:
    layer = Linear(3, 2, random.Random(0))
    names = dict(layer.named_parameters())
    assert set(names) == {"weights", "bias"}
    assert layer.weights.value.shape == (3, 2)
    assert layer.bias.value.shape == (2,)
    assert layer.weights.value.is_leaf()
    values = np.concatenate(
        [layer.weights.value.to_numpy().ravel(), layer.bias.value.to_numpy()]
    )
    assert np.all((values >= -1) & (values < 1))
    out = layer(minitorch.rand((5, 3)))
    assert out.shape == (5, 2)
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        layer(minitorch.rand((5, 2)))


def test_linear_computes_x_w_plus_b() -> None:
    layer = Linear(2, 2, random.Random(0))
    x = minitorch.tensor([[1.0, 2.0], [3.0, 4.0], [0.0, -1.0]])
    w = layer.weights.value.to_numpy()
    b = layer.bias.value.to_numpy()
    np.testing.assert_allclose(layer(x).to_numpy(), x.to_numpy() @ w + b)


def test_network_is_reproducible_with_an_rng() -> None:
    x, _ = _simple_data(4, seed=1)
    a = Network(3, random.Random(7))(x).to_numpy()
    b = Network(3, random.Random(7))(x).to_numpy()
    c = Network(3, random.Random(8))(x).to_numpy()
    assert a.shape == (4, 1)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.all((a > 0) & (a < 1))


@pytest.mark.task2_4
def test_training_reduces_the_loss() -> None:
    x, y = _simple_data(20, seed=1)
    model = Network(4, random.Random(0))
    optim = minitorch.SGD(model.parameters(), 0.5)
    losses = []
    for _ in range(15):
        optim.zero_grad()
        loss = _loss(model, x, y)
        loss.view(1).backward()
        optim.step()
        losses.append(loss.item())
    assert losses[-1] < 0.9 * losses[0], losses
    for p in model.parameters():
        assert p.value.is_leaf()


def test_adam_and_checkpoints_work_on_tensor_parameters() -> None:
    x, y = _simple_data(10, seed=2)
    model = Network(3, random.Random(1))
    optim = minitorch.Adam(model.parameters(), lr=0.05)
    first = _loss(model, x, y).item()
    for _ in range(10):
        optim.zero_grad()
        _loss(model, x, y).backward()
        optim.step()
    trained = _loss(model, x, y).item()
    assert trained < first

    state = model.state_dict()
    assert state["layer1.weights"].shape == (2, 3)
    fresh = Network(3, random.Random(99))
    fresh.load_state_dict(state)
    assert fresh(x).to_numpy().tolist() == model(x).to_numpy().tolist()
