"""Save and load a Module's parameters as ``.npz`` files, never with pickle.

A checkpoint holds one float64 array per parameter (``Module.state_dict()`` names) and
a JSON metadata string, so loading runs no code (``allow_pickle=False``). Every write
goes to a temporary file in the target directory and is then renamed over the target:
an interrupted save leaves the previous file (or none), never half a file.
"""

from __future__ import annotations

import json
import os
import secrets
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from .module import Module

Array = npt.NDArray[np.float64]
StrPath = str | os.PathLike[str]

METADATA_KEY = "__metadata__"


class CheckpointError(ValueError):
    """A file that is not a readable checkpoint, or one that does not fit the model."""


@contextmanager
def atomic_writer(path: StrPath) -> Iterator[IO[bytes]]:
    """Open a binary temp file next to ``path``; rename it onto ``path`` on success.

    If the block raises, the temp file is removed and ``path`` is left untouched.
    """
    target = Path(path)
    tmp_name = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    # os.open (not mkstemp, which forces mode 0o600) so the umask decides the mode,
    # exactly as for a file written directly.
    fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        # BaseException too: a Ctrl-C mid-write must not leave temp files behind.
        tmp_name.unlink(missing_ok=True)
        raise


def save_arrays(
    path: StrPath,
    arrays: Mapping[str, npt.ArrayLike],
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Write named float64 arrays and JSON-able ``metadata`` to ``path`` atomically.

    Raises:
        ValueError: if a name is the reserved metadata key.
        TypeError: if ``metadata`` is not JSON-serialisable.
    """
    if METADATA_KEY in arrays:
        raise ValueError(f"array name {METADATA_KEY!r} is reserved for metadata")
    # Serialise first, so a bad metadata value fails before any file is touched.
    meta_json = json.dumps(dict(metadata or {}), allow_nan=True)
    payload: dict[str, Any] = {
        name: np.asarray(value, dtype=np.float64) for name, value in arrays.items()
    }
    payload[METADATA_KEY] = np.array([meta_json])
    with atomic_writer(path) as f:
        # Compressed: each entry's .npy header is mostly padding, and a scalar model
        # has one tiny entry per weight.
        np.savez_compressed(f, **payload)


def load_arrays(path: StrPath) -> tuple[dict[str, Array], dict[str, Any]]:
    """Read back ``(arrays, metadata)`` written by ``save_arrays``.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        CheckpointError: if the file is not a checkpoint (corrupt, pickled, foreign).
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no checkpoint file at {str(p)!r}")
    try:
        loaded = np.load(p, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise CheckpointError(
                f"{str(p)!r} holds a single array, not a checkpoint (.npz archive)"
            )
        with loaded as npz:
            contents = {name: npz[name] for name in npz.files}
    except CheckpointError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        # numpy reports pickles and garbage as ValueError/OSError; name the file.
        raise CheckpointError(f"{str(p)!r} is not a readable checkpoint: {e}") from e
    if METADATA_KEY not in contents:
        raise CheckpointError(f"{str(p)!r} has no {METADATA_KEY!r} entry")
    raw_meta = contents.pop(METADATA_KEY)
    try:
        metadata = json.loads(str(raw_meta.reshape(-1)[0]))
    except (ValueError, IndexError) as e:
        raise CheckpointError(f"{str(p)!r} has unreadable metadata: {e}") from e
    if not isinstance(metadata, dict):
        raise CheckpointError(f"{str(p)!r}: metadata must be a JSON object")
    arrays: dict[str, Array] = {}
    for name, value in contents.items():
        if value.dtype.kind not in "fiu":
            raise CheckpointError(
                f"{str(p)!r}: entry {name!r} is {value.dtype}, expected numbers"
            )
        arrays[name] = value.astype(np.float64)
    return arrays, metadata


def save_checkpoint(
    module: Module, path: StrPath, metadata: Mapping[str, Any] | None = None
) -> None:
    """Save ``module``'s parameters (and optional JSON-able metadata) to ``path``."""
    save_arrays(path, module.state_dict(), metadata)


def load_checkpoint(module: Module, path: StrPath) -> dict[str, Any]:
    """Load the parameters saved at ``path`` into ``module``; return the metadata.

    The module is only changed when the whole checkpoint fits it.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        CheckpointError: if the file is unreadable or its parameters do not match
            the module's names and shapes.
    """
    arrays, metadata = load_arrays(path)
    try:
        module.load_state_dict(arrays)
    except KeyError as e:
        # KeyError's str() wraps the message in quotes; use the bare message.
        raise CheckpointError(f"{str(path)!r}: {e.args[0]}") from e
    except ValueError as e:
        raise CheckpointError(
            f"{str(path)!r} does not fit {type(module).__name__}: {e}"
        ) from e
    return metadata
