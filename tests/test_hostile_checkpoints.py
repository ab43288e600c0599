"""Hostile run directories and checkpoints: every crafted or damaged file is one
clean error, read in bounded time and memory, and left exactly as it was."""

from __future__ import annotations

import io
import json
import shutil
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minitorch.checkpoint import MAX_ENTRIES, CheckpointError, load_arrays, save_arrays
from minitorch.cli import main
from minitorch.train import TrainConfig, fit, save_run
from minitorch.viz.explain_run import MAX_POINTS, load_explain_run

from ._hostile import bounded, one_error_line, snapshot_files

Arrays = dict[str, Any]


def _npy(value: Any) -> bytes:
    buf = io.BytesIO()
    np.save(buf, value)
    return buf.getvalue()


def _raw_npy(header: str, data: bytes) -> bytes:
    """A ``.npy`` with any header text: the crafted files numpy would never write."""
    text = header + " " * (118 - len(header)) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode() + data


def _write_npz(path: Path, entries: dict[str, bytes]) -> None:
    path.unlink(missing_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name + ".npy", data)


def _read(path: Path) -> tuple[Arrays, dict[str, Any]]:
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays.pop("__metadata__")[0]))
    return arrays, meta


def _rewrite(path: Path, arrays: Arrays, meta: Any) -> None:
    entries = {k: _npy(v) for k, v in arrays.items()}
    entries["__metadata__"] = _npy(np.array([json.dumps(meta)]))
    _write_npz(path, entries)


def _config_change(key: str, value: Any) -> Callable[[Path], None]:
    def change(run: Path) -> None:
        arrays, meta = _read(run / "model.npz")
        meta["config"][key] = value
        _rewrite(run / "model.npz", arrays, meta)

    return change


def _model_entries(run: Path, change: Callable[[Arrays], None]) -> None:
    arrays, meta = _read(run / "model.npz")
    entries = {k: _npy(v) for k, v in arrays.items()}
    entries["__metadata__"] = _npy(np.array([json.dumps(meta)]))
    change(entries)
    _write_npz(run / "model.npz", entries)


def _weights(run: Path, value: float, count: int | None = None) -> None:
    arrays, meta = _read(run / "model.npz")
    for name in list(arrays)[:count]:
        arrays[name] = np.full_like(arrays[name], value)
    _rewrite(run / "model.npz", arrays, meta)


def _huge_member(run: Path) -> None:
    """A directory that claims a 2 GB entry (a zip bomb's signature), cheaply."""
    path = run / "model.npz"
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, at + 24, 2_000_000_000)
    path.write_bytes(bytes(data))


def _declares_many_entries(run: Path) -> None:
    """An archive whose end record claims more entries than the budget."""
    path = run / "model.npz"
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, 0xFFFE, 0xFFFE)
    struct.pack_into("<I", data, at + 12, 0xFFFFFFF0)
    path.write_bytes(bytes(data))


def _many_entries(run: Path) -> None:
    path = run / "model.npz"
    entry = _npy(np.array(0.0))
    path.unlink()
    with zipfile.ZipFile(path, "w") as z:
        for i in range(MAX_ENTRIES + 1):
            z.writestr(f"w{i}.npy", entry)


def _snapshots(run: Path, change: Callable[[Arrays, dict[str, Any]], Any]) -> None:
    arrays, meta = _read(run / "snapshots.npz")
    arrays = change(arrays, meta) or arrays
    _rewrite(run / "snapshots.npz", arrays, meta)


HEADER = "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }"
CASES: dict[str, tuple[Callable[[Path], object], str]] = {
    "hidden 10**9": (_config_change("hidden", 10**9), "says hidden = 1000000000"),
    "hidden 2000": (_config_change("hidden", 2000), "but it stores 2 first-layer"),
    "pts 10**12": (_config_change("pts", 10**12), f"runs of up to {MAX_POINTS}"),
    "dataset a list": (_config_change("dataset", ["Xor"]), "config.dataset must be"),
    "hidden a string": (_config_change("hidden", "2"), "config.hidden must be int"),
    "hidden a bool": (_config_change("hidden", True), "config.hidden must be int"),
    "model tensor": (_config_change("model", "tensor"), "draws the course's scalar"),
    "network lecture": (
        _config_change("network", "lecture"),
        "holds the lecture network",
    ),
    "config a list": (
        lambda run: _rewrite(
            run / "model.npz", *_read(run / "model.npz")[:1], {"config": [1]}
        ),
        "has no training config",
    ),
    "plain text": (
        lambda run: (run / "model.npz").write_text("weights, honest\n" * 4),
        "not a .npz (zip) archive",
    ),
    "empty file": (lambda run: (run / "model.npz").write_bytes(b""), "not a .npz"),
    "single .npy": (
        lambda run: (run / "model.npz").write_bytes(_npy(np.zeros(3))),
        "holds a single array",
    ),
    "truncated": (
        lambda run: (run / "model.npz").write_bytes(
            (run / "model.npz").read_bytes()[:300]
        ),
        "not a readable checkpoint",
    ),
    "all NaN": (lambda run: _weights(run, float("nan")), "15 of 15 entries hold NaN"),
    "one inf": (lambda run: _weights(run, float("inf"), 1), "1 of 15 entries hold NaN"),
    "header shape 10**10": (
        lambda run: _model_entries(
            run,
            lambda e: e.update(
                {"layer1.bias_0": _raw_npy(HEADER % "(100000, 100000)", bytes(8))}
            ),
        ),
        "header says shape (100000, 100000) of float64 (80000000000 bytes)",
    ),
    "header shape negative": (
        lambda run: _model_entries(
            run,
            lambda e: e.update(
                {"layer1.bias_0": _raw_npy(HEADER % "(-1, -1)", bytes(8))}
            ),
        ),
        "negative shape (-1, -1)",
    ),
    "header garbage": (
        lambda run: _model_entries(
            run,
            lambda e: e.update(
                {"layer1.bias_0": _raw_npy("{'descr': __import__('os')}", b"")}
            ),
        ),
        "has no valid .npy header",
    ),
    "object dtype": (
        lambda run: _model_entries(
            run,
            lambda e: e.update(
                {
                    "layer1.bias_0": _raw_npy(
                        "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
                        b"\x80\x04N.",
                    )
                }
            ),
        ),
        "holds object, expected numbers",
    ),
    "not .npy entry": (
        lambda run: _model_entries(run, lambda e: e.update({"evil.py\0": b"print(1)"})),
        "not a .npy entry",
    ),
    "member of 2 GB": (_huge_member, "checkpoints are read up to"),
    "declares many entries": (
        _declares_many_entries,
        f"checkpoints are read up to {MAX_ENTRIES} entries",
    ),
    "metadata nested": (
        lambda run: _model_entries(
            run, lambda e: e.update({"__metadata__": _npy(np.array(["[" * 100_000]))})
        ),
        "metadata nested too deeply",
    ),
    "snapshots corrupt": (
        lambda run: (run / "snapshots.npz").write_bytes(b"PK\x03\x04" + bytes(200)),
        "snapshots.npz' is not a readable checkpoint",
    ),
    "snapshots text": (
        lambda run: (run / "snapshots.npz").write_text("epochs"),
        "snapshots.npz' is not a readable checkpoint",
    ),
    "snapshots wrong shape": (
        lambda run: _snapshots(run, lambda a, m: {k: v[:, None] for k, v in a.items()}),
        "does not fit the model",
    ),
    "snapshots NaN": (
        lambda run: _snapshots(run, lambda a, m: {k: v * np.nan for k, v in a.items()}),
        "hold NaN or infinite values",
    ),
    "snapshots 10**6 epochs": (
        lambda run: _snapshots(run, lambda a, m: m.update(epochs=list(range(10**6)))),
        "metadata is read up to",
    ),
}


@pytest.fixture(scope="module")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("good")
    save_run(fit(TrainConfig(dataset="Xor", pts=8, hidden=2, epochs=2, seed=3)), out)
    return out


def test_the_good_run_loads(good_run: Path) -> None:
    with bounded(seconds=20, megabytes=50):
        loaded = load_explain_run(good_run)
    assert len(loaded.data.X) == 8
    assert [e for e, _ in loaded.snapshots] == [0, 1, 2]


@pytest.mark.parametrize("case", list(CASES))
def test_crafted_run_is_one_clean_error(
    case: str, good_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    craft, message = CASES[case]
    run = tmp_path / "run"
    shutil.copytree(good_run, run)
    craft(run)
    before = snapshot_files(run)
    out = tmp_path / "explain"
    with bounded(seconds=30, megabytes=60):
        rc = main(["explain-network", "--run", str(run), "--out", str(out)])
    assert rc == 2
    assert message in one_error_line(capsys.readouterr().err)
    assert snapshot_files(run) == before
    assert not out.exists()


def test_no_pickle_advice_for_a_pickle(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(b"\x80\x04\x95" + bytes(40))
    with pytest.raises(CheckpointError) as info:
        load_arrays(path)
    # The message names the file; after the name it gives no advice to unpickle.
    assert "pickle" not in str(info.value).split(".npz' ", 1)[1]


@pytest.mark.slow
def test_more_entries_than_the_budget(
    good_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    shutil.copytree(good_run, run)
    _many_entries(run)
    with bounded(seconds=60, megabytes=60):
        rc = main(["explain-network", "--run", str(run), "--out", str(tmp_path / "o")])
    assert rc == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"declares {MAX_ENTRIES + 1} entries" in line


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_random_bytes_are_a_clean_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    with bounded(seconds=10, megabytes=20), pytest.raises(CheckpointError):
        load_arrays(path)


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6
    ),
    st.integers(0, 10**6),
)
def test_damaged_checkpoints_load_or_fail_cleanly(
    good_run: Path, tmp_path: Path, flips: list[tuple[int, int]], cut: int
) -> None:
    good = (good_run / "model.npz").read_bytes()
    data = bytearray(good[: max(1, cut % (len(good) + 1))])
    for at, byte in flips:
        data[at % len(data)] = byte
    path = tmp_path / "model.npz"
    path.write_bytes(bytes(data))
    with bounded(seconds=10, megabytes=20):
        try:
            arrays, meta = load_arrays(path)
        except CheckpointError as e:
            assert "\n" not in str(e)
        else:
            assert isinstance(meta, dict)
            assert all(a.dtype == np.float64 for a in arrays.values())
    assert path.read_bytes() == bytes(data)


@pytest.mark.slow
def test_a_zip64_directory_of_many_entries_still_loads(tmp_path: Path) -> None:
    """Past 65,535 entries the archive's end record moves to its zip64 form."""
    path = tmp_path / "big.npz"
    save_arrays(path, {f"w{i}": np.float64(i) for i in range(70_000)}, {"n": 1})
    arrays, meta = load_arrays(path)
    assert meta == {"n": 1}
    assert len(arrays) == 70_000 and arrays["w69999"] == 69_999.0
