"""The command line, in process: outputs, exit codes and one-line errors."""

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from minitorch import _numba_index, cli
from minitorch.checkpoint import load_arrays
from minitorch.train import command, get_family, load_run, progress
from minitorch.train.config import ConfigError, TrainConfig
from minitorch.train.fit import EpochLog, FitResult, fit

OUTPUTS = ["metrics.json", "model.npz", "snapshots.npz", "loss.png", "boundary.png"]
METRIC_KEYS = {
    "status",
    "dataset",
    "epochs",
    "final_loss",
    "correct",
    "total",
    "seconds_per_epoch",
    "loss_history",
    "correct_history",
    "config",
}
CONFIG_KEYS = {"model", "dataset", "pts", "hidden", "lr", "epochs", "seed", "optimizer"}


def _train(out: Path, *extra: str) -> list[str]:
    base = ["train", "scalar", "--dataset", "Xor", "--pts", "8", "--hidden", "3"]
    return [*base, "--lr", "0.5", "--epochs", "4", "--out", str(out), *extra]


def _metrics(out: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((out / "metrics.json").read_text())
    return result


def test_train_writes_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "new" / "run"
    assert cli.main(_train(out, "--log-every", "2")) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    metrics = _metrics(out)
    assert metrics.keys() >= METRIC_KEYS
    assert metrics["config"].keys() >= CONFIG_KEYS
    assert metrics["status"] == "completed"
    assert metrics["epochs"] == 4 == len(metrics["loss_history"])
    assert metrics["total"] == 8
    assert metrics["final_loss"] == metrics["loss_history"][-1]
    assert metrics["config"]["hidden"] == 3
    _, meta = load_arrays(out / "model.npz")
    assert meta["config"] == metrics["config"]
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("Epoch 2 loss ") and "correct " in lines[0]
    assert lines[1].startswith("Epoch 4 loss ") and lines[1].endswith("s")
    assert "/8" in lines[1]
    assert "final loss" in captured.out and str(out) in captured.out
    assert captured.err == ""  # not a TTY: no progress bar
    # Summary, metrics and the boundary title count with the weights that were saved.
    model, data, config = load_run(out)
    family = get_family(config.model)
    probs = family.predict(model, data.X)
    kept = sum((p > 0.5) == (y == 1) for p, y in zip(probs, data.y, strict=True))
    assert metrics["correct"] == kept
    assert metrics["correct_last_epoch"] == metrics["correct_history"][-1]
    assert f"correct {kept}/8" in captured.out


def test_quiet_prints_only_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(_train(tmp_path, "--quiet", "--epochs", "2")) == 0
    out = capsys.readouterr().out
    assert "Epoch" not in out
    assert "correct" in out


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "Foo"], "unknown dataset 'Foo'; choose one of Simple, Diag,"),
        (["--pts", "0"], "pts must be a positive integer, got 0"),
        (["--pts", "-5"], "pts must be a positive integer, got -5"),
        (["--pts", "ten"], "invalid int value: 'ten'"),
        (["--hidden", "0"], "hidden must be a positive integer"),
        (["--epochs", "-1"], "epochs must be a positive integer"),
        (["--lr", "0"], "learning rate must be positive and finite"),
        (["--lr", "-0.1"], "learning rate must be positive and finite"),
        (["--lr", "nan"], "learning rate must be positive and finite"),
        (["--lr", "inf"], "learning rate must be positive and finite"),
        (["--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
        (["--log-every", "0"], "--log-every must be a positive integer"),
        (["--dataset", "Spiral", "--pts", "1"], "Spiral needs at least 2 points"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_user_errors_exit_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    out = tmp_path / "run"
    assert cli.main(_train(out, *args)) == 2
    assert message in _one_error_line(capsys)
    assert not (out / "metrics.json").exists()


def test_dataset_name_is_case_insensitive(tmp_path: Path) -> None:
    assert cli.main(_train(tmp_path, "--dataset", "xor", "--epochs", "1")) == 0
    assert _metrics(tmp_path)["dataset"] == "Xor"


@pytest.mark.parametrize("where", ["file", "under_file"])
def test_unwritable_out_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    out = blocker if where == "file" else blocker / "run"
    assert cli.main(_train(out)) == 2
    assert "cannot write to --out" in _one_error_line(capsys)


@pytest.mark.parametrize(
    "argv", [[], ["train"], ["nonsense"]], ids=["nothing", "no-model", "bad-command"]
)
def test_incomplete_command_lines_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert cli.main(argv) == 2
    _one_error_line(capsys)


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "scalar", "--help"]) == 0
    text = capsys.readouterr().out
    for option in ("--dataset", "--pts", "--hidden", "--lr", "--epochs", "--seed"):
        assert option in text
    assert "mean seconds per epoch" in text


def test_nan_loss_exits_3_and_keeps_finite_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(_train(tmp_path, "--lr", "1e6", "--epochs", "30")) == 3
    err = capsys.readouterr().err
    assert "NaN/inf at epoch" in err and "Traceback" not in err
    metrics = _metrics(tmp_path)
    assert metrics["status"] == "diverged"
    assert metrics["diverged_epoch"] >= 1
    arrays, meta = load_arrays(tmp_path / "model.npz")
    assert meta["status"] == "diverged"
    assert all(np.isfinite(v).all() for v in arrays.values())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(OUTPUTS)


def test_ctrl_c_saves_the_run_and_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted_fit(config: Any, on_epoch: Any) -> FitResult:
        def hook(log: EpochLog) -> None:
            on_epoch(log)
            if log.epoch == 2:
                raise KeyboardInterrupt

        return fit(config, on_epoch=hook)

    monkeypatch.setattr(command, "fit", interrupted_fit)
    assert cli.main(_train(tmp_path, "--epochs", "50")) == 130
    metrics = _metrics(tmp_path)
    assert metrics["status"] == "interrupted"
    assert metrics["epochs"] == 2
    assert (tmp_path / "model.npz").is_file()


def test_commands_register_through_the_seam() -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["train", "scalar"]).handler is command.run
    assert command in cli.COMMANDS


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "minitorch", "train", "scalar", "--dataset", "Foo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: unknown dataset 'Foo'")


def test_train_tensor_with_batches_and_load_run(tmp_path: Path) -> None:
    args = ["train", "tensor", "--dataset", "Diag", "--pts", "8", "--hidden", "2"]
    args += ["--epochs", "3", "--batch-size", "3", "--out", str(tmp_path), "--quiet"]
    assert cli.main(args) == 0
    metrics = _metrics(tmp_path)
    assert metrics["config"]["model"] == "tensor"
    assert metrics["config"]["batch_size"] == 3
    model, data, config = load_run(tmp_path)
    assert config.batch_size == 3 and len(data.X) == 8
    assert model.state_dict().keys() == {
        f"layer{i}.{p}" for i in (1, 2, 3) for p in ("weights", "bias")
    }


def test_scalar_has_no_batch_size_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "scalar", "--batch-size", "3"]) == 2
    assert "unrecognized arguments: --batch-size" in _one_error_line(capsys)


def test_tensor_backend_option(tmp_path: Path) -> None:
    """The fast backend trains the same network to the same losses as simple."""
    losses = {}
    for backend in ("simple", "fast"):
        out = tmp_path / backend
        argv = ["train", "tensor", "--backend", backend, "--dataset", "Diag"]
        argv += ["--pts", "8", "--hidden", "3", "--epochs", "3", "--out", str(out)]
        assert cli.main([*argv, "--quiet"]) == 0
        metrics = json.loads((out / "metrics.json").read_text())
        assert metrics["config"]["backend"] == backend
        losses[backend] = metrics["loss_history"]
    assert losses["fast"] == pytest.approx(losses["simple"], rel=1e-9)


@pytest.mark.parametrize(("backend", "noted"), [("fast", True), ("simple", False)])
def test_compiled_backends_explain_the_slow_first_epoch(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    backend: str,
    noted: bool,
) -> None:
    """When numba compiles for a training run, one note says why epoch 1 is slow."""
    monkeypatch.setattr(progress, "_compile_noted", False)
    # Kernels may already be on disk: behave as if numba compiled right away.
    monkeypatch.setattr(_numba_index, "on_first_compile", lambda callback: callback())
    argv = ["train", "tensor", "--backend", backend, "--dataset", "Diag", "--pts"]
    argv += ["4", "--hidden", "2", "--epochs", "1", "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    err = capsys.readouterr().err
    assert ("numba is compiling the fast backend's kernels" in err) is noted
    assert cli.main(argv) == 0  # once per process: the kernels are compiled now
    assert "numba" not in capsys.readouterr().err


def test_compile_note_after_its_stream_closed_is_silent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """numba may first compile long after the run that asked for the note."""
    monkeypatch.setattr(progress, "_compile_noted", False)
    callbacks: list[Callable[[], None]] = []
    monkeypatch.setattr(_numba_index, "on_first_compile", callbacks.append)
    stream = io.StringIO()
    progress.note_compiling("fast", stream)
    stream.close()
    (say,) = callbacks
    say()  # must not write to the closed stream


def test_quiet_runs_print_no_compile_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "_compile_noted", False)
    argv = ["train", "tensor", "--backend", "fast", "--pts", "4", "--hidden", "2"]
    assert cli.main([*argv, "--epochs", "1", "--out", str(tmp_path), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_unknown_backend_and_scalar_backend_are_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["train", "tensor", "--backend", "tpu"]) == 2
    assert "invalid choice: 'tpu'" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="no tensor backend"):
        fit(TrainConfig(backend="fast", epochs=1, pts=4, hidden=2))
