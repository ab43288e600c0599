"""Pictures of the lecture network: the numbers behind them, checked on set weights."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D
from matplotlib.text import Annotation

from minitorch.datasets import Graph
from minitorch.scalar_layers import Network
from minitorch.train.fit import snapshot_epochs
from minitorch.viz.network import (
    Snapshot,
    busiest_units,
    epoch_strip_figure,
    first_layer_figure,
    first_layer_lines,
    hidden_space_figure,
    hidden_values,
    label_spots,
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
    assert picked == [0, 4, 8, 11, 15, 19]


@pytest.mark.parametrize("epochs", [7, 30, 100, 333, 500, 1000])
def test_epoch_strip_is_evenly_spaced(epochs: int) -> None:
    """The strip's epochs step evenly (to within the snapshots' rounding of 1)."""
    snaps: list[Snapshot] = [(e, {}) for e in snapshot_epochs(epochs)]
    picked = [e for e, _ in pick_snapshots(snaps)]
    assert picked[0] == 0 and picked[-1] == epochs and len(picked) >= 3
    steps = [b - a for a, b in itertools.pairwise(picked)]
    assert max(steps) - min(steps) <= 1, picked


def test_epoch_strip_takes_six_when_they_fit() -> None:
    snaps: list[Snapshot] = [(e, {}) for e in range(0, 501, 50)]
    assert [e for e, _ in pick_snapshots(snaps)] == [0, 100, 200, 300, 400, 500]
    # An interrupted run's last snapshot breaks the spacing: first and last remain.
    odd: list[Snapshot] = [(0, {}), (56, {}), (111, {}), (130, {})]
    assert [e for e, _ in pick_snapshots(odd)] == [0, 130]


def _fan(hidden: int) -> Network:
    """Every first-layer line through the middle of the square, at spread angles."""
    net = Network(hidden, random.Random(0))
    state = net.state_dict()
    for j in range(hidden):
        angle = math.pi * j / hidden
        w1, w2 = math.cos(angle), math.sin(angle)
        state[f"layer1.weight_0_{j}"] = np.array(w1)
        state[f"layer1.weight_1_{j}"] = np.array(w2)
        state[f"layer1.bias_{j}"] = np.array(-0.5 * (w1 + w2))
    net.load_state_dict(state)
    return net


@pytest.mark.parametrize("hidden", [3, 6, 10])
def test_first_layer_labels_do_not_overlap(hidden: int) -> None:
    fig = first_layer_figure(_fan(hidden), DATA)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # type: ignore[no-untyped-call]
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
    ax = fig.axes[0]
    labels = [
        t.get_window_extent(renderer)
        for t in ax.texts
        if not isinstance(t, Annotation) and t.get_text()
    ]
    arrows = [
        t.arrow_patch.get_window_extent(renderer)
        for t in ax.texts
        if isinstance(t, Annotation) and t.arrow_patch is not None
    ]
    assert len(labels) == len(arrows) == hidden
    for a, b in itertools.combinations(labels, 2):
        assert not a.overlaps(b)
    for label in labels:
        assert not any(label.overlaps(arrow) for arrow in arrows)


def test_label_spots_lie_on_their_lines() -> None:
    lines = [(1.0, 1.0, -1.0), (-2.0, 1.0, 0.2), (0.0, 0.0, 1.0), (1.0, 0.0, -3.0)]
    spots = label_spots(lines)
    assert spots[2] is None and spots[3] is None  # no line; line outside the view
    for (w1, w2, b), spot in zip(lines[:2], spots[:2], strict=True):
        assert spot is not None
        assert abs(w1 * spot[0] + w2 * spot[1] + b) < 1e-9


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
