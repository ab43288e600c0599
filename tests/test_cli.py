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

from minitorch import _numba_index, apps, cli
from minitorch.checkpoint import load_arrays
from minitorch.train import command, device, get_family, load_run, plane
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
    assert lines[0] == plane.PlaneApp.legend
    assert lines[1].startswith("Epoch 2 loss ") and "correct " in lines[1]
    assert lines[2].startswith("Epoch 4 loss ") and lines[2].endswith("s")
    assert "/8" in lines[2]
    assert "final weights: loss " in captured.out and str(out) in captured.out
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


@pytest.mark.parametrize("app", ["scalar", "tensor", "digits", "sentiment"])
@pytest.mark.parametrize("where", ["file", "under_file"])
def test_unwritable_out_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, app: str
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    out = blocker if where == "file" else blocker / "run"
    assert cli.main(["train", app, "--out", str(out)]) == 2
    assert "cannot write to --out" in _one_error_line(capsys)
    assert blocker.read_text() == "x"


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
    def interrupted_fit(config: Any, on_epoch: Any, should_stop: Any) -> FitResult:
        def hook(log: EpochLog) -> None:
            on_epoch(log)
            if log.epoch == 2:
                raise KeyboardInterrupt

        return fit(config, on_epoch=hook)

    monkeypatch.setattr(plane, "fit", interrupted_fit)
    assert cli.main(_train(tmp_path, "--epochs", "50")) == 130
    metrics = _metrics(tmp_path)
    assert metrics["status"] == "interrupted"
    assert metrics["epochs"] == 2
    assert (tmp_path / "model.npz").is_file()


def test_commands_register_through_the_seam() -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["train", "scalar"]).handler is command.run
    assert apps in cli.COMMANDS


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
    monkeypatch.setattr(device, "_compile_noted", False)
    # Kernels may already be on disk: behave as if numba compiled right away.
    monkeypatch.setattr(_numba_index, "on_first_compile", lambda callback: callback())
    argv = ["train", "tensor", "--backend", backend, "--dataset", "Diag", "--pts"]
    argv += ["4", "--hidden", "2", "--epochs", "1", "--out", str(tmp_path), "--force"]
    assert cli.main(argv) == 0
    err = capsys.readouterr().err
    assert ("numba is compiling the fast backend's kernels" in err) is noted
    assert cli.main(argv) == 0  # once per process: the kernels are compiled now
    assert "numba" not in capsys.readouterr().err


def test_compile_note_after_its_stream_closed_is_silent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """numba may first compile long after the run that asked for the note."""
    monkeypatch.setattr(device, "_compile_noted", False)
    callbacks: list[Callable[[], None]] = []
    monkeypatch.setattr(_numba_index, "on_first_compile", callbacks.append)
    stream = io.StringIO()
    device.note_compiling("fast", stream)
    stream.close()
    (say,) = callbacks
    say()  # must not write to the closed stream


def test_quiet_runs_print_no_compile_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(device, "_compile_noted", False)
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


def test_version_prints_the_package_version(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"minitorch {cli.package_version()}"
    assert cli.package_version()[0].isdigit()


@pytest.mark.parametrize("argv", [["--help"], ["train", "scalar", "--help"]])
def test_help_imports_neither_numba_nor_matplotlib(argv: list[str]) -> None:
    """Asking for help must not wait for the JIT compiler or the plotting library."""
    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['minitorch', *{argv!r}]\n"
        "try:\n"
        "    runpy.run_module('minitorch', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('numba', 'matplotlib', 'sklearn')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.splitlines()[-1] == "[]"


def test_scalar_help_opens_with_a_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "scalar", "--help"]) == 0
    text = capsys.readouterr().out
    opening = text.split("\n\n")[1].replace("\n", " ")
    assert opening.startswith("Train a network of Scalars")
    assert "trained one point at a time" not in opening


def test_existing_run_needs_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert cli.main(_train(out, "--quiet", "--epochs", "2")) == 0
    first = (out / "model.npz").read_bytes()
    capsys.readouterr()
    assert cli.main(_train(out, "--quiet", "--epochs", "3")) == 2
    assert "already holds a run; pass --force" in _one_error_line(capsys)
    assert (out / "model.npz").read_bytes() == first
    assert cli.main(_train(out, "--quiet", "--epochs", "3", "--force")) == 0
    assert _metrics(out)["epochs"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no leftovers


def test_force_never_replaces_a_directory_that_is_not_a_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert cli.main(_train(tmp_path, "--force")) == 2
    assert "not a run" in _one_error_line(capsys)
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    ("argv", "asked"),
    [
        (["train", "scalar", "--pts", "1000000000000"], "--pts 1000000000000"),
        (["train", "tensor", "--hidden", "1000000000"], "--hidden 1000000000"),
        (["train", "digits", "--channels", "100000", "100000"], "100000 100000"),
    ],
)
def test_oversized_runs_are_refused_before_any_work(
    tmp_path: Path, argv: list[str], asked: str
) -> None:
    """In a child capped at 4 GB of address space: a refusal that came too late
    would fail with MemoryError there instead of taking this machine's memory."""
    out = tmp_path / "run"
    cap = "import resource; resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))"
    full = [*argv, "--out", str(out)]
    run = f"{cap}; from minitorch.cli import main; raise SystemExit(main({full!r}))"
    done = subprocess.run(
        [sys.executable, "-c", run],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert asked in lines[0] and "of memory; the limit is" in lines[0]
    assert command.size_text(command.memory_limit()) in lines[0]
    assert done.stdout == "" and not out.exists()


def test_last_epoch_line_and_summary_agree_with_what_they_say(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The epoch lines measure each epoch's starting weights, the summary the final
    ones; the legend says so, and each number is what its label claims."""
    out = tmp_path / "run"
    assert cli.main(_train(out, "--epochs", "5", "--log-every", "5")) == 0
    lines = capsys.readouterr().out.splitlines()
    legend, last, summary = lines[0], lines[1], lines[2]
    assert "starts from" in legend and "final weights" in legend
    metrics = _metrics(out)
    words = last.split()
    assert float(words[3]) == pytest.approx(metrics["loss_history"][-1], abs=1e-6)
    assert words[5] == f"{metrics['correct_history'][-1]}/8"
    model, data, config = load_run(out)
    probs = get_family(config.model).predict(model, data.X)
    kept = sum((p > 0.5) == (y == 1) for p, y in zip(probs, data.y, strict=True))
    loss = -sum(
        np.log(p if y == 1 else 1 - p) for p, y in zip(probs, data.y, strict=True)
    )
    assert f"final weights: loss {loss:.6f} correct {kept}/8" in summary
    assert metrics["final_weights_loss"] == pytest.approx(loss, rel=1e-12)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "scalar", "--model", "lecture", "--hidden", "4"], "2 hidden units"),
        (["train", "tensor", "--backend", "cuda"], "needs a CUDA GPU"),
    ],
)
def test_models_that_cannot_be_built_fail_before_any_output(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.setattr(_numba_index, "cuda_is_available", lambda: False)
    out = tmp_path / "run"
    assert cli.main([*argv, "--out", str(out)]) == 2
    assert message in _one_error_line(capsys)
    assert not out.exists()
