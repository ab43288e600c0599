"""Conv layers: parameters, forward formula, and a small network that learns."""

from __future__ import annotations

import random

import numpy as np
import pytest

import minitorch
from minitorch import Tensor, nn
from minitorch.fast_conv import conv1d, conv2d
from minitorch.layers import Conv1d, Conv2d
from minitorch.tensor_layers import Linear


def test_conv1d_layer_parameters_and_formula() -> None:
    layer = Conv1d(3, 4, 2, rng=random.Random(0))
    params = dict(layer.named_parameters())
    assert set(params) == {"weights", "bias"}
    assert params["weights"].value.shape == (4, 3, 2)
    assert params["bias"].value.shape == (1, 4, 1)
    bound = 1 / np.sqrt(3 * 2)
    assert np.all(np.abs(params["weights"].value.to_numpy()) <= bound)
    x = minitorch.rand((2, 3, 5))
    out = layer(x)
    expected = conv1d(x, layer.weights.value) + layer.bias.value
    assert out.shape == (2, 4, 5)
    np.testing.assert_array_equal(out.to_numpy(), expected.to_numpy())


def test_conv2d_layer_parameters_and_formula() -> None:
    layer = Conv2d(2, 3, (2, 3), rng=random.Random(0))
    assert layer.weights.value.shape == (3, 2, 2, 3)
    assert layer.bias.value.shape == (3, 1, 1)
    x = minitorch.rand((2, 2, 4, 4))
    out = layer(x)
    expected = conv2d(x, layer.weights.value) + layer.bias.value
    assert out.shape == (2, 3, 4, 4)
    np.testing.assert_array_equal(out.to_numpy(), expected.to_numpy())


def test_layers_are_reproducible_with_an_rng() -> None:
    a = Conv2d(1, 2, (2, 2), rng=random.Random(5)).weights.value.to_numpy()
    b = Conv2d(1, 2, (2, 2), rng=random.Random(5)).weights.value.to_numpy()
    np.testing.assert_array_equal(a, b)


def test_bad_sizes_are_rejected() -> None:
    with pytest.raises(ValueError, match="kernel_width"):
        Conv1d(1, 1, 0)
    with pytest.raises(ValueError, match="in_channels"):
        Conv2d(0, 1, (2, 2))


class _TinyImageNet(minitorch.Module):
    """conv → relu → avgpool → linear → logsoftmax, like the course's classifier."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.conv = Conv2d(1, 4, (2, 2), rng=rng)
        self.out = Linear(4 * 2 * 2, 2, rng=rng)
        self.rng = rng

    def forward(self, x: Tensor) -> Tensor:
        h = nn.avgpool2d(self.conv(x).relu(), (2, 2))
        h = nn.dropout(h.view(x.shape[0], 16), 0.25, self.mode == "eval", rng=self.rng)
        return nn.logsoftmax(self.out(h), dim=1)


def test_a_tiny_conv_net_learns() -> None:
    """A bar in the top or the bottom half: the loss must fall within a few epochs."""
    rng = np.random.default_rng(0)
    images, labels = [], []
    for i in range(8):
        img = rng.uniform(0, 0.2, (4, 4))
        img[i % 4, :] += 1.0  # rows 0, 1: top (class 0); rows 2, 3: bottom
        images.append(img)
        labels.append([1.0, 0.0] if i % 4 < 2 else [0.0, 1.0])
    x = Tensor.make(np.array(images).ravel(), (8, 1, 4, 4))
    y = minitorch.tensor(labels)

    model = _TinyImageNet(random.Random(2))
    optim = minitorch.SGD(model.parameters(), lr=0.5)
    model.eval()
    start = (-(model(x) * y).sum() / 8)[0]
    model.train()
    for _ in range(20):
        optim.zero_grad()
        loss = -(model(x) * y).sum() / 8
        loss.view(1).backward()
        optim.step()
    model.eval()
    end = (-(model(x) * y).sum() / 8)[0]
    assert loss.backend is x.backend
    assert end < 0.5 * start, (start, end)
