"""Write a run directory as one unit, and keep signals from losing a run.

Every file goes into a hidden sibling directory, which is renamed into place only
once all of it is written. So a crash, SIGKILL or full disk at any moment leaves
either the previous complete run or the new complete run under the name, never a
mix. Replacing an existing
run swaps the two directories in one atomic ``renameat2(RENAME_EXCHANGE)`` where
Linux offers it, else in two renames a few microseconds apart.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..checkpoint import atomic_writer

# Every run directory has this file; only such a directory may be replaced.
MARKER = "metrics.json"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def check_out(out: Path, force: bool) -> str | None:
    """Why a run cannot be written to ``out``, or ``None`` if it can.

    ``out`` may be missing or an empty directory; a previous run there (it has a
    ``metrics.json``) is replaced only with ``force``, and anything else never.
    Creates ``out``'s parent and tries writing there.
    """
    name = f"--out {str(out)!r}"
    target = out.resolve()
    if target.exists() and not target.is_dir():
        return f"cannot write to {name}: it is a file, not a directory"
    if target.is_dir() and any(target.iterdir()):
        if not (target / MARKER).is_file():
            return f"{name} holds files that are not a run; choose a new or empty one"
        if not force:
            return f"{name} already holds a run; pass --force to replace it"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.")
        os.rmdir(probe)
    except OSError as e:
        return f"cannot write to {name}: {e.strerror or e}"
    return None


@contextmanager
def run_directory(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh directory to fill; on success it becomes ``out`` in one step.

    If the block raises, the new files are removed and ``out`` is left as it was.
    """
    target = Path(out).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    try:
        yield staging
        staging.chmod(0o777 & ~_umask())
        _swap_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _swap_into_place(staging: Path, target: Path) -> None:
    """Make ``staging`` become ``target``; the old ``target`` ends up in ``staging``."""
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        return
    old = staging.with_name(staging.name + "-old")
    os.rename(target, old)
    os.rename(staging, target)
    os.rename(old, staging)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    done = renameat2(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE
    )
    return bool(done == 0)


def finite_or_none(x: float) -> float | None:
    """JSON has no NaN: a missing value is ``null``."""
    return x if math.isfinite(x) else None


def write_json(path: str | os.PathLike[str], content: dict[str, Any]) -> None:
    """Write ``content`` as indented strict JSON, atomically."""
    text = json.dumps(content, indent=2, allow_nan=False) + "\n"
    with atomic_writer(path) as f:
        f.write(text.encode())


@contextmanager
def signals_interrupt() -> Iterator[None]:
    """Inside the block SIGTERM raises ``KeyboardInterrupt``, as Ctrl-C does.

    So ``kill PID`` stops training the way Ctrl-C does: the run so far is kept.
    Outside the main thread signals cannot be handled; the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def signals_deferred() -> Iterator[list[int]]:
    """Hold Ctrl-C and SIGTERM during the block; yield the list of those received.

    Saving a run takes a moment; stopping halfway would lose what was trained.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def remember(signum: int, frame: object) -> None:
        received.append(signum)

    previous = {s: signal.signal(s, remember) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
