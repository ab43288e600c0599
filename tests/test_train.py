"""The training loop, ``fit`` and run directories, on tiny data."""

import math
import random
from pathlib import Path

import numpy as np
import pytest

from minitorch.datasets import Graph, load
from minitorch.module import Module
from minitorch.optim import SGD, Optimizer
from minitorch.scalar_layers import Network
from minitorch.tensor_layers import Network as TensorNetwork
from minitorch.train import (
    FAMILIES,
    ConfigError,
    EpochLog,
    EpochResult,
    FitResult,
    TrainConfig,
    fit,
    load_run,
    load_snapshots,
    predict,
    save_run,
    snapshot_epochs,
    train_epoch,
)
from minitorch.train.scalar_model import ScalarFamily
from minitorch.train.tensor_model import train_epoch as tensor_epoch

TINY = TrainConfig(dataset="Simple", pts=10, hidden=3, lr=0.5, epochs=8, seed=3)


def _same_state(a: Module, b: Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(np.array_equal(sa[k], sb[k]) for k in sa)


def test_train_epoch_lowers_the_loss_and_counts_correct() -> None:
    data = load("Diag", 12, seed=1)
    model = Network(3, random.Random(0))
    optimizer = SGD(model.parameters(), 0.5)
    results = [train_epoch(model, data, optimizer) for _ in range(15)]
    assert results[-1].loss < results[0].loss
    assert all(0 <= r.correct <= 12 for r in results)
    initial = predict(Network(3, random.Random(0)), data.X)
    assert results[0].loss == pytest.approx(
        sum(
            -math.log(p if y == 1 else 1 - p)
            for p, y in zip(initial, data.y, strict=True)
        )
    )


class CountingSGD(SGD):
    """Plain SGD that counts its steps."""

    steps = 0

    def step(self) -> None:
        self.steps += 1
        super().step()


def test_train_epoch_takes_one_step_per_epoch() -> None:
    data = load("Xor", 6, seed=0)
    model = Network(2, random.Random(0))
    optimizer = CountingSGD(model.parameters(), 0.1)
    train_epoch(model, data, optimizer)
    assert optimizer.steps == 1


def test_fit_loss_falls() -> None:
    result = fit(TrainConfig(dataset="Diag", pts=12, hidden=3, lr=0.5, epochs=20))
    assert result.status == "completed"
    assert len(result.loss_history) == len(result.correct_history) == 20
    assert result.loss_history[-1] < result.loss_history[0]
    assert result.seconds_per_epoch > 0


def test_seed_makes_runs_reproducible() -> None:
    a, b = fit(TINY), fit(TINY)
    assert a.loss_history == b.loss_history
    assert _same_state(a.model, b.model)
    assert a.data.X == b.data.X
    other = fit(TrainConfig(**{**TINY.to_dict(), "seed": 4}))
    assert other.loss_history != a.loss_history


def test_data_follows_the_dataset_seed_and_weights_do_not_copy_it() -> None:
    result = fit(TINY)
    assert result.data.X == load("Simple", 10, seed=3).X
    # The weights come from their own stream, not the points' stream.
    first_weight = float(result.snapshots[0][1]["layer1.weight_0_0"])
    assert first_weight != pytest.approx(2 * (result.data.X[0][0] - 0.5))


def test_on_epoch_hears_every_epoch_in_order() -> None:
    logs: list[EpochLog] = []
    result = fit(TINY, on_epoch=logs.append)
    assert [log.epoch for log in logs] == list(range(1, 9))
    assert [log.loss for log in logs] == result.loss_history
    assert all(log.total == 10 and log.epochs == 8 for log in logs)


@pytest.mark.parametrize(
    ("epochs", "expected"),
    [
        (1, [0, 1]),
        (5, [0, 1, 2, 3, 4, 5]),
        (90, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]),
    ],
)
def test_snapshot_epochs(epochs: int, expected: list[int]) -> None:
    assert snapshot_epochs(epochs) == expected


def test_snapshots_start_at_the_initial_weights_and_end_at_the_final_ones() -> None:
    config = TrainConfig(dataset="Xor", pts=8, hidden=2, lr=0.5, epochs=27)
    result = fit(config)
    epochs = [e for e, _ in result.snapshots]
    assert epochs[0] == 0 and epochs[-1] == 27 and len(epochs) == 10
    initial = ScalarFamily().build(config.validated())
    assert all(
        np.array_equal(v, result.snapshots[0][1][k])
        for k, v in initial.state_dict().items()
    )
    final = result.snapshots[-1][1]
    assert all(
        np.array_equal(v, final[k]) for k, v in result.model.state_dict().items()
    )


def test_divergence_stops_and_keeps_the_last_finite_weights() -> None:
    config = TrainConfig(dataset="Xor", pts=10, hidden=3, lr=1e6, epochs=50)
    result = fit(config)
    assert result.status == "diverged"
    assert result.diverged_epoch is not None
    assert result.diverged_epoch == result.epochs_completed + 1
    assert all(math.isfinite(v) for v in result.loss_history)
    state = result.model.state_dict()
    assert all(np.isfinite(v).all() for v in state.values())
    # The kept weights are exactly those that produced the last recorded loss.
    check = train_epoch(result.model, result.data, SGD(result.model.parameters(), 1e-9))
    assert check.loss == pytest.approx(result.final_loss)
    assert result.snapshots[-1][1].keys() == state.keys()


class _InterruptingFamily(ScalarFamily):
    """Half-applies an update and then is 'interrupted' in its third epoch."""

    def __init__(self) -> None:
        self.calls = 0

    def train_epoch(
        self, model: Module, data: Graph, optimizer: Optimizer, config: TrainConfig
    ) -> EpochResult:
        self.calls += 1
        if self.calls == 3:
            first = model.parameters()[0]
            first.update(first.value.from_numpy(123.0))
            raise KeyboardInterrupt
        return super().train_epoch(model, data, optimizer, config)


def test_ctrl_c_keeps_the_last_whole_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    family = _InterruptingFamily()
    monkeypatch.setitem(FAMILIES, "scalar", family)
    logs: list[EpochLog] = []
    result = fit(TINY, on_epoch=logs.append)
    assert result.status == "interrupted"
    assert result.epochs_completed == 2 == len(logs)
    monkeypatch.setitem(FAMILIES, "scalar", ScalarFamily())
    reference = fit(TrainConfig(**{**TINY.to_dict(), "epochs": 2}))
    assert _same_state(result.model, reference.model)
    assert result.snapshots[-1][0] == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dataset": "Foo"}, "unknown dataset 'Foo'; choose one of Simple, Diag"),
        ({"pts": 0}, "pts must be a positive integer"),
        ({"hidden": -2}, "hidden must be a positive integer"),
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"lr": 0.0}, "learning rate must be positive and finite"),
        ({"lr": math.nan}, "learning rate must be positive and finite"),
        ({"lr": math.inf}, "learning rate must be positive and finite"),
        ({"optimizer": "lbfgs"}, "unknown optimizer 'lbfgs'"),
        ({"dataset": "Spiral", "pts": 1}, "Spiral needs at least 2 points"),
        ({"batch_size": 0}, "batch size must be a positive integer"),
    ],
)
def test_bad_configs_are_named(change: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        TrainConfig(**{**TINY.to_dict(), **change}).validated()


def test_unknown_family_and_scalar_batch_size() -> None:
    with pytest.raises(ConfigError, match="unknown model family 'quantum'"):
        fit(TrainConfig(**{**TINY.to_dict(), "model": "quantum"}))
    with pytest.raises(ConfigError, match="no batch size"):
        fit(TrainConfig(**{**TINY.to_dict(), "batch_size": 4}))


def test_dataset_names_are_case_insensitive() -> None:
    assert TrainConfig(dataset="xOR").validated().dataset == "Xor"


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_other_optimizers_train(optimizer: str) -> None:
    config = TrainConfig(dataset="Diag", pts=12, hidden=3, lr=0.05, epochs=15)
    result = fit(TrainConfig(**{**config.to_dict(), "optimizer": optimizer}))
    assert result.loss_history[-1] < result.loss_history[0]


def test_run_directory_round_trip(tmp_path: Path) -> None:
    result = fit(TINY)
    paths = save_run(result, tmp_path / "run")
    for path in paths.values():
        assert path.is_file() and path.stat().st_size > 0
    for name in ("loss", "boundary"):
        assert paths[name].read_bytes().startswith(b"\x89PNG")
    model, data, config = load_run(tmp_path / "run")
    assert config == TINY.validated()
    assert data.X == result.data.X and data.y == result.data.y
    assert _same_state(model, result.model)
    snapshots = load_snapshots(tmp_path / "run")
    assert [e for e, _ in snapshots] == [e for e, _ in result.snapshots]
    for (_, loaded), (_, kept) in zip(snapshots, result.snapshots, strict=True):
        assert all(np.array_equal(loaded[k], v) for k, v in kept.items())
    fresh = Network(3)
    fresh.load_state_dict(snapshots[0][1])


def test_save_run_of_an_empty_interrupted_run(tmp_path: Path) -> None:
    result = fit(TINY)
    empty = FitResult(
        result.model,
        status="interrupted",
        config=result.config,
        family=result.family,
        data=result.data,
    )
    empty.snapshots = [(0, result.model.state_dict())]
    paths = save_run(empty, tmp_path)
    assert paths["metrics"].read_text().count('"final_loss": null') == 1


def test_tensor_family_full_batch_matches_the_scalar_family() -> None:
    # Same weight stream in the same order, one full-batch step per epoch: the two
    # engines must agree to rounding.
    scalar = fit(TINY)
    tensor = fit(TrainConfig(**{**TINY.to_dict(), "model": "tensor"}))
    assert tensor.loss_history == pytest.approx(scalar.loss_history, rel=1e-9)
    assert tensor.correct_history == scalar.correct_history


def test_tensor_family_takes_one_step_per_batch() -> None:
    data = load("Simple", 10, seed=0)
    model = TensorNetwork(3, random.Random(0))
    optimizer = CountingSGD(model.parameters(), 0.1)
    result = tensor_epoch(model, data, optimizer, 4)
    assert optimizer.steps == 3  # batches of 4, 4, 2
    assert 0 <= result.correct <= 10
    assert math.isfinite(result.loss)


def test_tensor_family_divergence_is_caught() -> None:
    config = TrainConfig(model="tensor", dataset="Xor", pts=10, hidden=3, lr=1e6)
    result = fit(TrainConfig(**{**config.to_dict(), "epochs": 30}))
    assert result.status == "diverged"
    assert all(np.isfinite(v).all() for v in result.model.state_dict().values())


# The lecture's bars (50 points, 1000 epochs, plain SGD at lr 0.5, seed 0), measured
# last (2026-11-26, newest-first backward): 50, 50, 48, 49, 49 and 36 correct.
# Spiral needs a wider network (29/50 at hidden 10, 32/50 at 20) and is marginal
# even at 30: its count swings between 32 and 38 over the last epochs.
SPIRAL_HIDDEN = 30
ACCURACY_BARS = [
    ("Simple", 10, 50),
    ("Diag", 10, 50),
    ("Split", 10, 47),
    ("Xor", 10, 47),
    ("Circle", 10, 47),
    ("Spiral", SPIRAL_HIDDEN, 35),
]


@pytest.mark.slow
@pytest.mark.parametrize(("dataset", "hidden", "bar"), ACCURACY_BARS)
def test_lecture_accuracy_bars(dataset: str, hidden: int, bar: int) -> None:
    config = TrainConfig(
        dataset=dataset, pts=50, hidden=hidden, lr=0.5, epochs=1000, seed=0
    )
    result = fit(config)
    assert result.status == "completed"
    assert result.final_correct >= bar, (result.final_correct, result.final_loss)
