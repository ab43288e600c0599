"""Save and load a Module's parameters as ``.npz`` files, never with pickle.

A checkpoint holds one float64 array per parameter (``Module.state_dict()`` names) and
a JSON metadata string. Reading parses the zip directory and each ``.npy`` header
itself and checks them against budgets before reading an entry, and never
unpickles, so a crafted file costs neither code execution nor memory. Every write
goes to a temporary file in the target directory and is then renamed over the target:
an interrupted save leaves the previous file (or none), never half a file.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import struct
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
from numpy.lib import format as npformat

from .module import Module

Array = npt.NDArray[np.float64]
StrPath = str | os.PathLike[str]

METADATA_KEY = "__metadata__"
# Reading budgets, far above any model this library trains (a scalar network of
# 200 hidden units has ~41,000 entries; the digits CNN's file is a few MB).
MAX_FILE_BYTES = 256 * 2**20
MAX_TOTAL_BYTES = 512 * 2**20
MAX_ENTRIES = 100_000
MAX_METADATA_BYTES = 16 * 2**20
# A directory entry is 46 bytes plus its name; this bounds the names' total length.
_DIRECTORY_BYTES_PER_ENTRY = 46 + 80
_EOCD_SIZE = 22


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


def _zip_directory(f: IO[bytes], size: int, where: str) -> tuple[int, int]:
    """Entries and central-directory bytes an archive declares, read from its end.

    Read before ``zipfile`` builds one object per entry, so a crafted directory
    cannot cost memory before the budgets are checked.
    """
    tail = min(size, _EOCD_SIZE + 0xFFFF)
    f.seek(size - tail)
    data = f.read(tail)
    i = data.rfind(b"PK\x05\x06")
    if i < 0 or len(data) - i < _EOCD_SIZE:
        raise CheckpointError(f"{where} is not a readable checkpoint: no zip directory")
    entries, directory = struct.unpack_from("<HI", data, i + 10)
    if entries == 0xFFFF or directory == 0xFFFFFFFF:
        # Zip64: the real counts are in a record the locator before us points to.
        if i < 20 or data[i - 20 : i - 16] != b"PK\x06\x07":
            raise CheckpointError(f"{where} is not a readable checkpoint: bad zip64")
        (offset,) = struct.unpack_from("<Q", data, i - 12)
        f.seek(offset)
        record = f.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            raise CheckpointError(f"{where} is not a readable checkpoint: bad zip64")
        entries, directory = struct.unpack_from("<Q8xQ", record, 32)
    return entries, directory


def _check_archive(f: IO[bytes], size: int, where: str) -> None:
    """Refuse a file that is not a zip archive within the budgets, before opening it."""
    if size > MAX_FILE_BYTES:
        raise CheckpointError(
            f"{where} is {size} bytes; checkpoints are read up to {MAX_FILE_BYTES}"
        )
    head = f.read(8)
    if head.startswith(b"\x93NUMPY"):
        raise CheckpointError(
            f"{where} holds a single array, not a checkpoint (.npz archive)"
        )
    if not head.startswith(b"PK\x03\x04"):
        raise CheckpointError(
            f"{where} is not a readable checkpoint: not a .npz (zip) archive "
            f"(it starts with {head!r})"
        )
    entries, directory = _zip_directory(f, size, where)
    if entries > MAX_ENTRIES or directory > MAX_ENTRIES * _DIRECTORY_BYTES_PER_ENTRY:
        raise CheckpointError(
            f"{where} declares {entries} entries ({directory} directory bytes); "
            f"checkpoints are read up to {MAX_ENTRIES} entries"
        )
    f.seek(0)


def _read_entry(z: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> np.ndarray:
    """One ``.npy`` entry, its header checked against its size before any read."""
    name = info.filename[: -len(".npy")]
    what = f"{where}: entry {name!r}"
    with z.open(info) as member:
        try:
            version = npformat.read_magic(member)
            if version == (1, 0):
                shape, fortran, dtype = npformat.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, fortran, dtype = npformat.read_array_header_2_0(member)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except (ValueError, SyntaxError, TypeError, EOFError) as e:
            raise CheckpointError(f"{what} has no valid .npy header: {e}") from e
        text = name == METADATA_KEY and dtype.kind == "U"
        if dtype.hasobject or not (dtype.kind in "fiu" or text):
            raise CheckpointError(f"{what} holds {dtype}, expected numbers")
        if any(d < 0 for d in shape):
            raise CheckpointError(f"{what}: its header gives a negative shape {shape}")
        count = math.prod(shape)
        nbytes = count * dtype.itemsize
        if text and nbytes > MAX_METADATA_BYTES:
            raise CheckpointError(
                f"{what} is {nbytes} bytes; metadata is read up to {MAX_METADATA_BYTES}"
            )
        data_bytes = info.file_size - member.tell()
        if nbytes != data_bytes:
            raise CheckpointError(
                f"{what}: its header says shape {shape} of {dtype} ({nbytes} bytes) "
                f"but it holds {data_bytes} bytes"
            )
        data = member.read(nbytes)
    if len(data) != nbytes:
        raise CheckpointError(f"{what} is truncated")
    flat: np.ndarray = np.frombuffer(data, dtype=dtype)
    return flat.reshape(shape, order="F" if fortran else "C")


def _read_npz(p: Path) -> dict[str, np.ndarray]:
    """Every entry of the ``.npz`` at ``p``, each checked before it is read."""
    where = repr(str(p))
    with p.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        _check_archive(f, size, where)
        with zipfile.ZipFile(f) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_TOTAL_BYTES:
                raise CheckpointError(
                    f"{where} unpacks to {total} bytes; checkpoints are read up to "
                    f"{MAX_TOTAL_BYTES}"
                )
            contents: dict[str, np.ndarray] = {}
            for info in infos:
                if not info.filename.endswith(".npy"):
                    raise CheckpointError(
                        f"{where} holds {shorten(info.filename)!r}, not a .npy entry"
                    )
                name = info.filename[: -len(".npy")]
                if name in contents:
                    raise CheckpointError(f"{where} holds two entries named {name!r}")
                contents[name] = _read_entry(z, info, where)
    return contents


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters (names from a file can be any length)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_arrays(path: StrPath) -> tuple[dict[str, Array], dict[str, Any]]:
    """Read back ``(arrays, metadata)`` written by ``save_arrays``.

    The file is never unpickled. Before anything is read, its size, its number of
    entries and their unpacked sizes are checked against ``MAX_FILE_BYTES``,
    ``MAX_ENTRIES`` and ``MAX_TOTAL_BYTES``, and each entry's ``.npy`` header
    (dtype, shape) against the bytes it holds.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        CheckpointError: if the file is not a checkpoint (corrupt, pickled,
            foreign, beyond the budgets).
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no checkpoint file at {str(p)!r}")
    try:
        contents = _read_npz(p)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as e:
        raise CheckpointError(f"{str(p)!r} is not a readable checkpoint: {e}") from e
    except NotImplementedError as e:
        # zipfile's answer to a compression method it does not know.
        raise CheckpointError(f"{str(p)!r} is not a readable checkpoint: {e}") from e
    if METADATA_KEY not in contents:
        raise CheckpointError(f"{str(p)!r} has no {METADATA_KEY!r} entry")
    raw_meta = contents.pop(METADATA_KEY)
    if raw_meta.dtype.kind != "U" or raw_meta.size != 1:
        raise CheckpointError(f"{str(p)!r}: metadata must be one JSON string")
    try:
        metadata = json.loads(str(raw_meta.reshape(-1)[0]))
    except RecursionError:
        raise CheckpointError(f"{str(p)!r} has metadata nested too deeply") from None
    except ValueError as e:
        raise CheckpointError(f"{str(p)!r} has unreadable metadata: {e}") from e
    if not isinstance(metadata, dict):
        raise CheckpointError(f"{str(p)!r}: metadata must be a JSON object")
    arrays: dict[str, Array] = {}
    for name, value in contents.items():
        if value.dtype.kind not in "fiu":
            raise CheckpointError(
                f"{str(p)!r}: entry {shorten(name)!r} is {value.dtype}, "
                "expected numbers"
            )
        arrays[name] = value.astype(np.float64)
    return arrays, metadata


def check_finite(arrays: Mapping[str, Array], where: str) -> None:
    """Refuse weights that are NaN or infinite: no model can use them.

    ``where`` names the file in the message.

    Raises:
        CheckpointError: naming how many entries hold such values and the first.
    """
    bad = [name for name, a in arrays.items() if not np.isfinite(a).all()]
    if bad:
        raise CheckpointError(
            f"{where}: {len(bad)} of {len(arrays)} entries hold NaN or "
            f"infinite values (first: {shorten(bad[0])!r}); the weights are unusable"
        )


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
        CheckpointError: if the file is unreadable, holds NaN or infinite values,
            or its parameters do not match the module's names and shapes.
    """
    arrays, metadata = load_arrays(path)
    check_finite(arrays, repr(str(path)))
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
