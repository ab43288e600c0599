"""Checkpoints: npz round trips with metadata, clear errors, and never any pickle."""

import os
import pickle
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest

from minitorch.checkpoint import (
    CheckpointError,
    atomic_writer,
    load_arrays,
    load_checkpoint,
    save_arrays,
    save_checkpoint,
)
from minitorch.scalar import Scalar
from minitorch.scalar_layers import Network


def _net(hidden: int = 3, seed: int = 0) -> Network:
    return Network(hidden, random.Random(seed))


def _states_equal(a: Network, b: Network) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(np.array_equal(sa[k], sb[k]) for k in sa)


def test_round_trip_restores_weights_and_outputs(tmp_path: Path) -> None:
    saved, fresh = _net(seed=1), _net(seed=2)
    assert not _states_equal(saved, fresh)
    path = tmp_path / "model.npz"
    save_checkpoint(saved, path)
    assert load_checkpoint(fresh, path) == {}
    assert _states_equal(saved, fresh)
    x = (Scalar(0.3), Scalar(0.8))
    assert fresh.forward(x).data == saved.forward(x).data


def test_metadata_round_trips(tmp_path: Path) -> None:
    meta = {"config": {"dataset": "Xor", "lr": 0.5, "hidden": 3}, "tags": ["a", "é"]}
    path = tmp_path / "m.npz"
    save_checkpoint(_net(), path, meta)
    assert load_checkpoint(_net(seed=5), path) == meta


def test_loaded_values_are_fresh_trainable_leaves(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    save_checkpoint(_net(seed=1), path)
    model = _net(seed=2)
    load_checkpoint(model, path)
    for p in model.parameters():
        assert isinstance(p.value, Scalar)
        assert p.value.is_leaf()


def test_file_is_a_zip_of_npy_not_a_pickle(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    save_checkpoint(_net(), path, {"k": 1})
    assert zipfile.is_zipfile(path)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            assert name.endswith(".npy")
            assert z.read(name).startswith(b"\x93NUMPY")
    # And every entry loads with pickling disabled.
    with np.load(path, allow_pickle=False) as npz:
        for name in npz.files:
            assert npz[name].dtype != object


class _Boom:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.makedirs, (str(self.marker),))


@pytest.mark.parametrize("how", ["raw_pickle", "object_array"])
def test_pickled_files_are_refused_without_running_code(
    tmp_path: Path, how: str
) -> None:
    marker = tmp_path / "code-ran"
    path = tmp_path / "evil.npz"
    if how == "raw_pickle":
        path.write_bytes(pickle.dumps(_Boom(marker)))
    else:
        arr = np.empty(1, dtype=object)
        arr[0] = _Boom(marker)
        with path.open("wb") as f:
            np.savez(f, payload=arr, __metadata__=np.array(["{}"]))
    model = _net()
    before = model.state_dict()
    with pytest.raises(CheckpointError, match=r"evil\.npz"):
        load_checkpoint(model, path)
    assert not marker.exists()
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no checkpoint file"):
        load_checkpoint(_net(), tmp_path / "nope.npz")


@pytest.mark.parametrize(
    "content",
    [b"", b"not a checkpoint at all", b"PK\x03\x04truncated zip"],
    ids=["empty", "text", "truncated-zip"],
)
def test_garbage_files_give_checkpoint_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(_net(), path)


def test_truncated_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    save_checkpoint(_net(), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError):
        load_checkpoint(_net(), path)


def test_single_array_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "one.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(CheckpointError, match="single array"):
        load_checkpoint(_net(), path)


def test_foreign_npz_without_metadata(tmp_path: Path) -> None:
    path = tmp_path / "foreign.npz"
    np.savez(path, a=np.zeros(2))
    with pytest.raises(CheckpointError, match="__metadata__"):
        load_arrays(path)


def test_mismatched_architecture_names_missing_and_unexpected(tmp_path: Path) -> None:
    path = tmp_path / "h3.npz"
    save_checkpoint(_net(hidden=3), path)
    bigger = _net(hidden=4)
    before = bigger.state_dict()
    with pytest.raises(CheckpointError, match="missing") as info:
        load_checkpoint(bigger, path)
    assert "layer1.weight_0_3" in str(info.value)
    assert all(np.array_equal(before[k], v) for k, v in bigger.state_dict().items())


def test_mismatched_shape(tmp_path: Path) -> None:
    model = _net()
    state = model.state_dict()
    state["layer1.bias_0"] = np.zeros(2)
    path = tmp_path / "shape.npz"
    save_arrays(path, state)
    with pytest.raises(CheckpointError, match=r"does not fit Network.*bias_0"):
        load_checkpoint(model, path)


def test_failed_write_keeps_previous_file_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    save_checkpoint(_net(seed=1), path, {"v": 1})
    with pytest.raises(RuntimeError), atomic_writer(path) as f:
        f.write(b"half a file")
        raise RuntimeError("disk on fire")
    assert load_checkpoint(_net(), path) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_unserialisable_metadata_touches_nothing(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    with pytest.raises(TypeError):
        save_checkpoint(_net(), path, {"bad": object()})
    assert list(tmp_path.iterdir()) == []


def test_metadata_key_is_reserved(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="reserved"):
        save_arrays(tmp_path / "x.npz", {"__metadata__": np.zeros(1)})
