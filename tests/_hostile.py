"""What every hostile-input case asserts: it ends, in little time and memory.

The limits are guards against the failures these tests were written for (minutes
and gigabytes), set far above a normal run on a busy machine: they are not
benchmarks.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Cost:
    """Wall time and peak traced memory of a block, filled in when it ends."""

    seconds: float = 0.0
    peak_mb: float = 0.0


@contextmanager
def bounded(seconds: float, megabytes: float) -> Iterator[Cost]:
    """Run the block under ``tracemalloc``; fail if it took longer or peaked higher.

    numpy reports its array buffers to ``tracemalloc``, so arrays count too.
    """
    cost = Cost()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield cost
    finally:
        cost.seconds = time.perf_counter() - start
        cost.peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    assert cost.seconds < seconds, f"took {cost.seconds:.1f} s (limit {seconds} s)"
    assert cost.peak_mb < megabytes, f"peaked at {cost.peak_mb:.0f} MB ({megabytes})"


def one_error_line(stderr: str) -> str:
    """The single ``error:`` line a refused command prints; fail on anything else."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got {len(lines)}: {stderr[:500]!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in stderr
    assert "allow_pickle" not in stderr
    return lines[0]


def snapshot_files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, to prove a reader changed nothing."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
