"""A one-line text progress bar for terminals (no dependency, no threads).

It redraws itself in place (carriage return); callers that print other lines in between
``clear()`` it first so the bar never mixes with them.
"""

from __future__ import annotations

import time
from typing import TextIO

# Backends whose kernels numba compiles at first use, in every new process.
COMPILED_BACKENDS = ("fast", "cuda")
_compile_noted = False

WIDTH = 30
# Redrawing costs a terminal write; ten frames a second look smooth enough.
MIN_INTERVAL = 0.1


class ProgressBar:
    """``[#######-------]  120/500  24%  loss 12.3456  eta 25s`` on one line."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = max(total, 1)
        self.stream = stream
        self._start = time.perf_counter()
        self._drawn_at = -MIN_INTERVAL
        self._shown = False

    def update(self, done: int, note: str = "") -> None:
        """Redraw for ``done`` finished steps, with ``note`` after the counters."""
        now = time.perf_counter()
        if self._shown and done < self.total and now - self._drawn_at < MIN_INTERVAL:
            return
        self._drawn_at = now
        frac = min(max(done / self.total, 0.0), 1.0)
        filled = round(WIDTH * frac)
        elapsed = now - self._start
        eta = elapsed / done * (self.total - done) if done else 0.0
        line = (
            f"[{'#' * filled}{'-' * (WIDTH - filled)}] "
            f"{done:>{len(str(self.total))}}/{self.total} {frac:4.0%}"
            f"  {note}  eta {eta:.0f}s"
        )
        self.stream.write("\r\x1b[K" + line)
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        """Erase the bar (before printing a normal line, or at the end)."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


def note_compiling(backend: str, stream: TextIO) -> None:
    """Explain a slow first epoch: numba compiles ``backend``'s kernels.

    Said once, when numba really starts compiling: kernels are kept on disk, so
    on a machine that has compiled them before nothing is said.
    """
    global _compile_noted
    if backend not in COMPILED_BACKENDS or _compile_noted:
        return
    _compile_noted = True
    from .._numba_index import on_first_compile

    def say() -> None:
        # The first compile may come after this run's output has been closed.
        if not stream.closed:
            print(
                f"note: numba is compiling the {backend} backend's kernels (once per "
                "machine: later runs load them from disk); this takes 5-30 s",
                file=stream,
                flush=True,
            )

    on_first_compile(say)
