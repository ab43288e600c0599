"""What a training run shows while it runs: a progress bar and the epoch lines.

The bar is one line (no dependency, no threads) that redraws itself in place and
is cleared before any other line is printed, so the two never mix.
"""

from __future__ import annotations

import time
from typing import Any, TextIO

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


class Reporter:
    """Turns a run's step and epoch reports into the progress bar and epoch lines.

    An epoch line is printed every ``log_every`` epochs and after the last; its
    time is the mean seconds per epoch since the previous line. The ``legend``
    (what the lines measure) comes once, before the first. The bar follows
    the steps of the current epoch when the app reports steps, else the epochs.
    """

    def __init__(
        self,
        legend: str | None,
        log_every: int,
        quiet: bool,
        out: TextIO,
        err: TextIO,
    ) -> None:
        self.legend = legend
        self.log_every = log_every
        self.quiet = quiet
        self.out = out
        self.err = err
        self.show_bar = not quiet and err.isatty()
        self.bar: ProgressBar | None = None
        self._epoch = 1
        self._stepping = False
        self._seconds = 0.0
        self._count = 0

    def print(self, text: str) -> None:
        """Print a line of the run's output, unless quiet."""
        if not self.quiet:
            self.close()
            print(text, file=self.out, flush=True)

    def on_step(self, done: int, steps: int, loss: float) -> None:
        """Redraw the bar for ``done`` of the epoch's ``steps``."""
        self._stepping = True
        if self.show_bar:
            if self.bar is None:
                self.bar = ProgressBar(steps, self.err)
            self.bar.update(done, f"epoch {self._epoch} loss {loss:.4f}")

    def on_epoch(self, log: Any) -> None:
        """Count the epoch; print its ``line()`` when due; move the bar."""
        self._epoch = log.epoch + 1
        self._seconds += log.seconds
        self._count += 1
        if log.epoch % self.log_every == 0 or log.epoch == log.epochs:
            mean = self._seconds / self._count
            if self.legend:
                self.print(self.legend)
                self.legend = None
            self.print(f"{log.line()} time {mean:.4f}s")
            self._seconds, self._count = 0.0, 0
        if self._stepping:
            self.close()  # the next epoch's steps start a new bar
        elif self.show_bar:
            if self.bar is None:
                self.bar = ProgressBar(log.epochs, self.err)
            self.bar.update(log.epoch, f"loss {log.loss:.4f}")

    def close(self) -> None:
        """Take the bar off the screen."""
        if self.bar is not None:
            self.bar.clear()
            if self._stepping:
                self.bar = None
