"""Run directories are written as one unit, and signals never lose a run."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from minitorch.checkpoint import load_arrays
from minitorch.train import rundir
from minitorch.train.rundir import run_directory, signals_deferred, signals_interrupt

ROOT = Path(__file__).resolve().parent.parent


def _old_run(out: Path) -> None:
    out.mkdir()
    (out / "metrics.json").write_text('{"old": true}')
    (out / "model.npz").write_text("old weights")


@pytest.mark.parametrize("exchange", [True, False])
def test_a_new_run_replaces_the_old_one_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    if not exchange:  # the two-rename fallback for systems without renameat2
        monkeypatch.setattr(rundir, "_exchange", lambda a, b: False)
    out = tmp_path / "run"
    _old_run(out)
    with run_directory(out) as staging:
        (staging / "metrics.json").write_text('{"new": true}')
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json"]
    assert json.loads((out / "metrics.json").read_text()) == {"new": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_failed_write_leaves_the_old_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _old_run(out)
    with pytest.raises(OSError, match="disk full"), run_directory(out) as staging:
        (staging / "metrics.json").write_text('{"new": true}')
        raise OSError("disk full")
    assert (out / "model.npz").read_text() == "old weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_sigkill_while_writing_leaves_the_old_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _old_run(out)
    script = (
        "import os, signal\n"
        "from minitorch.train.rundir import run_directory\n"
        f"with run_directory({str(out)!r}) as staging:\n"
        "    (staging / 'metrics.json').write_text('{}')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=_env(), timeout=120, check=False
    )
    assert done.returncode == -signal.SIGKILL
    assert (out / "metrics.json").read_text() == '{"old": true}'
    assert (out / "model.npz").read_text() == "old weights"


def test_sigterm_raises_keyboard_interrupt_inside_the_block() -> None:
    with pytest.raises(KeyboardInterrupt), signals_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_signals_wait_while_a_run_is_saved() -> None:
    with signals_deferred() as received:
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
    assert received == [signal.SIGTERM, signal.SIGINT]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_sigterm_to_a_training_process_saves_the_run(tmp_path: Path) -> None:
    """``kill PID`` mid-training: exit 130, status interrupted, every file there."""
    out = tmp_path / "run"
    argv = [sys.executable, "-m", "minitorch", "train", "scalar", "--pts", "10"]
    argv += ["--hidden", "2", "--epochs", "1000000", "--log-every", "1"]
    proc = subprocess.Popen(
        [*argv, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdout is not None
    seen = 0
    for line in proc.stdout:
        seen += line.startswith("Epoch ")
        if seen == 3:
            break
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted after" in err and "Traceback" not in err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["status"] == "interrupted"
    assert metrics["epochs"] >= 3
    arrays, meta = load_arrays(out / "model.npz")
    assert meta["status"] == "interrupted" and meta["epochs"] == metrics["epochs"]
    assert all(np.isfinite(v).all() for v in arrays.values())
    names = {"metrics.json", "model.npz", "snapshots.npz", "loss.png", "boundary.png"}
    assert {p.name for p in out.iterdir()} == names
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
