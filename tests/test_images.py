"""The digits classifier: data, model, training, CLI and run directory."""

import json
import math
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import Tensor
from minitorch.cli import main
from minitorch.images.data import (
    batch_indices,
    load_images,
    load_split,
    one_hot,
    stratified_split,
    to_tensor,
)
from minitorch.images.model import DigitsCNN, nll_loss
from minitorch.train.config import ConfigError
from minitorch.train.digits import build_model, evaluate, fit_digits
from minitorch.train.digits_config import DigitsConfig
from minitorch.train.digits_run import FILES, load_digits_model

from .gradcheck import check_random_direction

FAST = minitorch.TensorBackend(minitorch.FastOps)
TINY = DigitsConfig(epochs=2, batch_size=32, limit=64, seed=1)


@pytest.fixture(scope="module")
def labels() -> np.ndarray:
    return load_images()[1]


# --- data ---------------------------------------------------------------------


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_split_is_deterministic_stratified_and_disjoint(
    labels: np.ndarray, seed: int
) -> None:
    train, val = stratified_split(labels, 0.2, seed)
    assert (train, val) == stratified_split(labels, 0.2, seed)
    assert not set(train) & set(val)
    assert sorted(train + val) == list(range(len(labels)))
    for digit in range(10):
        members = int(np.sum(labels == digit))
        assert int(np.sum(labels[val] == digit)) == round(members * 0.2)


def test_split_depends_on_the_seed(labels: np.ndarray) -> None:
    assert stratified_split(labels, 0.2, 0)[1] != stratified_split(labels, 0.2, 1)[1]


@settings(max_examples=30, deadline=None)
@given(count=st.integers(0, 200), size=st.integers(1, 50), seed=st.integers(0, 1000))
def test_batches_cover_the_data_once(count: int, size: int, seed: int) -> None:
    batches = batch_indices(count, size, random.Random(seed))
    assert sorted(i for batch in batches for i in batch) == list(range(count))
    assert all(1 <= len(b) <= size for b in batches)
    assert all(len(b) == size for b in batches[:-1])
    assert batches == batch_indices(count, size, random.Random(seed))


def test_pixels_are_scaled_to_unit_range() -> None:
    images, labels = load_images()
    assert images.shape == (1797, 8, 8)
    assert images.min() == 0.0
    assert images.max() == 1.0
    assert set(labels.tolist()) == set(range(10))


def test_limit_keeps_the_first_training_images() -> None:
    full, small = load_split(3), load_split(3, limit=50)
    np.testing.assert_array_equal(small.train_images, full.train_images[:50])
    np.testing.assert_array_equal(small.val_labels, full.val_labels)
    assert len(full.train_labels) + len(full.val_labels) == 1797


def test_tensors_have_image_shape_and_one_hot_rows() -> None:
    split = load_split(0)
    x = to_tensor(split.train_images[:5], FAST)
    assert x.shape == (5, 1, 8, 8)
    np.testing.assert_array_equal(x.to_numpy()[:, 0], split.train_images[:5])
    y = one_hot(split.train_labels[:5], FAST).to_numpy()
    assert y.shape == (5, 10)
    np.testing.assert_array_equal(y.argmax(axis=1), split.train_labels[:5])
    np.testing.assert_array_equal(y.sum(axis=1), np.ones(5))


# --- model --------------------------------------------------------------------


def test_model_gives_log_probabilities_per_image() -> None:
    model = DigitsCNN(rng=random.Random(0), backend=FAST)
    model.eval()
    images = load_split(0).val_images[:7]
    out = model(to_tensor(images, FAST)).to_numpy()
    assert out.shape == (7, 10)
    assert np.all(out <= 0.0)
    np.testing.assert_allclose(np.exp(out).sum(axis=1), np.ones(7), rtol=1e-9)


def test_model_is_seeded() -> None:
    a = DigitsCNN(rng=random.Random(5)).state_dict()
    b = DigitsCNN(rng=random.Random(5)).state_dict()
    c = DigitsCNN(rng=random.Random(6)).state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not all(np.array_equal(a[k], c[k]) for k in a)


@pytest.mark.parametrize("shape", [(2, 8, 8), (2, 3, 8, 8), (2, 1, 6, 8)])
def test_model_rejects_wrong_shapes(shape: tuple[int, ...]) -> None:
    model = DigitsCNN(backend=FAST)
    x = minitorch.zeros(shape, backend=FAST)
    with pytest.raises(ValueError, match=r"\(batch, 1, 8, 8\)"):
        model(x)


def test_nll_loss_is_mean_negative_log_probability_of_the_label() -> None:
    model = DigitsCNN(rng=random.Random(1), backend=FAST)
    model.eval()
    split = load_split(0)
    log_probs = model(to_tensor(split.val_images[:6], FAST))
    labels = split.val_labels[:6]
    loss = nll_loss(log_probs, one_hot(labels, FAST)).item()
    expected = -log_probs.to_numpy()[np.arange(6), labels].mean()
    assert loss == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("names", [("conv1.weights", "out.bias"), ("conv2.bias",)])
def test_loss_gradient_matches_central_differences(names: tuple[str, ...]) -> None:
    model = DigitsCNN(rng=random.Random(2), backend=FAST)
    model.eval()
    split = load_split(0)
    x = to_tensor(split.train_images[:4], FAST)
    y = one_hot(split.train_labels[:4], FAST)
    params = dict(model.named_parameters())

    def loss(*values: Tensor) -> Tensor:
        for name, value in zip(names, values, strict=True):
            params[name].value = value
        return nll_loss(model(x), y).view(1)

    # A small step: some pre-activations lie within 1e-5 of ReLU's kink.
    values = (params[n].value for n in names)
    check_random_direction(loss, *values, seed=3, epsilon=1e-8)


# --- training -----------------------------------------------------------------


def test_config_rejects_bad_values_with_a_reason() -> None:
    bad = {
        "epochs": 0,
        "batch_size": -1,
        "lr": math.nan,
        "limit": 0,
        "channels": (0, 4),
        "dropout": 1.0,
        "optimizer": "rmsprop",
        "backend": "cuda",
    }
    for field, value in bad.items():
        with pytest.raises(ConfigError, match=r"must|unknown"):
            DigitsConfig(**{field: value}).validated()  # type: ignore[arg-type]


def test_config_round_trips_through_a_dict() -> None:
    config = DigitsConfig(epochs=3, channels=(4, 6), limit=10).validated()
    assert DigitsConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    with pytest.raises(ConfigError, match="unknown config keys"):
        DigitsConfig.from_dict({"epochz": 3})


def test_fit_reports_each_epoch_and_is_reproducible() -> None:
    seen: list[int] = []
    a = fit_digits(TINY, on_epoch=lambda e: seen.append(e.epoch))
    b = fit_digits(TINY)
    assert seen == [1, 2]
    assert a.status == "completed"
    assert [e.val_loss for e in a.history] == [e.val_loss for e in b.history]
    assert a.history[1].train_loss < a.history[0].train_loss
    for e in a.history:
        assert 0.0 <= e.train_accuracy <= 1.0
        assert 0.0 <= e.val_accuracy <= 1.0
    assert a.confusion().sum() == len(a.split.val_labels)
    assert not a.model.training


def test_interrupt_keeps_the_last_whole_epoch() -> None:
    def stop_in_epoch_two(done: int, batches: int, loss: float) -> None:
        if len(calls) == batches:  # first step of the second epoch
            raise KeyboardInterrupt
        calls.append(done)

    calls: list[int] = []
    stopped = fit_digits(TINY, on_batch=stop_in_epoch_two)
    one_epoch = fit_digits(DigitsConfig(epochs=1, batch_size=32, limit=64, seed=1))
    assert stopped.status == "interrupted"
    assert stopped.epochs_completed == 1
    kept, expected = stopped.model.state_dict(), one_epoch.model.state_dict()
    assert all(np.array_equal(kept[k], expected[k]) for k in kept)


def test_divergence_keeps_finite_weights() -> None:
    config = DigitsConfig(epochs=3, limit=64, optimizer="sgd", lr=1e300, seed=1)
    result = fit_digits(config)
    assert result.status == "diverged"
    assert result.diverged_epoch == 1
    kept, initial = result.model.state_dict(), build_model(config).state_dict()
    assert all(np.array_equal(kept[k], initial[k]) for k in kept)


# --- command line and run directory ---------------------------------------------


def test_cli_writes_a_complete_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    argv = ["train", "digits", "--limit", "64", "--epochs", "1", "--threads", "1"]
    code = main([*argv, "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Epoch 1 loss " in printed
    assert " train_acc " in printed and " val_acc " in printed and " time " in printed
    for name in FILES:
        assert (out / name).stat().st_size > 0, name
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads((out / "metrics.json").read_text())
    assert {
        "config",
        "history",
        "final_val_accuracy",
        "best_val_accuracy",
        "confusion_matrix",
        "seconds_per_epoch",
        "status",
    } <= set(metrics)
    assert metrics["status"] == "completed"
    assert metrics["config"]["limit"] == 64
    assert metrics["train_images"] == 64
    assert set(metrics["history"]) == {
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
        "seconds",
    }
    assert all(len(v) == 1 for v in metrics["history"].values())
    matrix = np.array(metrics["confusion_matrix"])
    assert matrix.shape == (10, 10)
    assert matrix.sum() == metrics["val_images"]
    assert np.trace(matrix) / matrix.sum() == pytest.approx(
        metrics["final_val_accuracy"]
    )
    assert metrics["seconds_per_epoch"] > 0

    # Checkpoint round trip: the saved model scores exactly what metrics.json says.
    model, config = load_digits_model(out)
    assert config.limit == 64
    split = load_split(config.seed, config.val_fraction, config.limit)
    scored = evaluate(model, split.val_images, split.val_labels)
    assert scored.accuracy == metrics["final_val_accuracy"]
    assert scored.loss == pytest.approx(metrics["final_val_loss"], rel=1e-12)


def test_cli_diverged_run_exits_3_and_keeps_its_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    argv = ["train", "digits", "--limit", "64", "--optimizer", "sgd"]
    code = main([*argv, "--lr", "1e300", "--out", str(out), "--quiet"])
    assert code == 3
    assert "NaN/inf" in capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["status"] == "diverged"
    assert (out / "model.npz").stat().st_size > 0


@pytest.mark.parametrize(
    "args",
    [
        ["--epochs", "0"],
        ["--batch-size", "-3"],
        ["--lr", "nan"],
        ["--lr", "0"],
        ["--limit", "0"],
        ["--channels", "0", "4"],
        ["--dropout", "1"],
        ["--epochs", "two"],
        ["--backend", "cuda"],
        ["--threads", "0"],
    ],
)
def test_cli_rejects_bad_numbers(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert main(["train", "digits", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.slow
def test_default_config_reaches_95_percent() -> None:
    result = fit_digits(DigitsConfig())
    assert result.status == "completed"
    assert result.final_val_accuracy >= 0.95
