"""Pictures of the lecture network: the numbers behind them, checked on set weights."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from matplotlib.lines import Line2D

from minitorch.datasets import Graph
from minitorch.scalar_layers import Network
from minitorch.viz.network import (
    Snapshot,
    busiest_units,
    epoch_strip_figure,
    first_layer_figure,
    first_layer_lines,
    hidden_space_figure,
    hidden_values,
    pick_snapshots,
    write_network_pictures,
)

DATA = Graph(4, [(0.1, 0.2), (0.9, 0.8), (0.2, 0.9), (0.7, 0.1)], [0, 0, 1, 1])


def network() -> Network:
    net = Network(3, random.Random(0))
    w = [[1.0, -2.0, 0.5], [1.0, 1.0, -3.0]]
    b = [-1.0, 0.2, 0.4]
    state = net.state_dict()
    for i in range(2):
        for j in range(3):
            state[f"layer1.weight_{i}_{j}"] = np.array(w[i][j])
    for j in range(3):
        state[f"layer1.bias_{j}"] = np.array(b[j])
        # Unit 2 feeds the second layer most, then unit 0.
        for k in range(3):
            state[f"layer2.weight_{j}_{k}"] = np.array([2.0, 0.1, 5.0][j])
    net.load_state_dict(state)
    return net


def test_first_layer_lines_are_the_weights() -> None:
    assert first_layer_lines(network()) == [
        (1.0, 1.0, -1.0),
        (-2.0, 1.0, 0.2),
        (0.5, -3.0, 0.4),
    ]


def test_first_layer_figure_draws_each_unit_line() -> None:
    net = network()
    fig = first_layer_figure(net, DATA)
    lines = [ln for ln in fig.axes[0].get_lines() if isinstance(ln, Line2D)]
    assert len(lines) == 3
    for line, (w1, w2, b) in zip(lines, first_layer_lines(net), strict=True):
        xs, ys = (np.asarray(v, dtype=float) for v in line.get_data())
        np.testing.assert_allclose(w1 * xs + w2 * ys + b, 0.0, atol=1e-12)


def test_hidden_values_and_units() -> None:
    net = network()
    h = hidden_values(net, DATA)
    expected = [
        [x1 + x2 - 1.0, -2 * x1 + x2 + 0.2, 0.5 * x1 - 3 * x2 + 0.4]
        for x1, x2 in DATA.X
    ]
    np.testing.assert_allclose(h, expected, rtol=1e-12)
    assert busiest_units(net) == (2, 0)
    fig = hidden_space_figure(net, DATA)
    before, after = fig.axes
    assert "units 2 and 0" in before.get_title() and "after ReLU" in after.get_title()
    pts_before = np.asarray(before.collections[0].get_offsets(), dtype=float)
    pts_after = np.asarray(after.collections[0].get_offsets(), dtype=float)
    np.testing.assert_allclose(pts_before, h[[0, 1]][:, [2, 0]])
    np.testing.assert_allclose(pts_after, np.maximum(h[[0, 1]][:, [2, 0]], 0.0))


def test_epoch_strip_restores_weights() -> None:
    net = network()
    before = net.state_dict()
    other = Network(3, random.Random(5)).state_dict()
    fig = epoch_strip_figure(net, DATA, [(0, other), (10, before)], resolution=8)
    assert [ax.get_title() for ax in fig.axes] == ["epoch 0", "epoch 10"]
    after = net.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)
    with pytest.raises(ValueError, match="at least one"):
        epoch_strip_figure(net, DATA, [])


def test_pick_snapshots_keeps_first_and_last() -> None:
    snaps: list[Snapshot] = [(e, {}) for e in range(20)]
    picked = [e for e, _ in pick_snapshots(snaps, 6)]
    assert picked[0] == 0 and picked[-1] == 19 and len(picked) == 6


def test_write_network_pictures(tmp_path: Path) -> None:
    net = network()
    paths = write_network_pictures(
        net, DATA, tmp_path, [(0, net.state_dict())], resolution=8
    )
    assert [p.name for p in paths] == [
        "first_layer.png",
        "hidden_space.png",
        "decision_boundary.png",
        "epochs.png",
    ]
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in paths)
    without = write_network_pictures(net, DATA, tmp_path / "b", resolution=8)
    assert [p.name for p in without] == [
        "first_layer.png",
        "hidden_space.png",
        "decision_boundary.png",
    ]
