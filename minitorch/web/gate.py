"""One lock for all autodiff work in the process, handed to waiting requests first.

``no_grad`` flips a process-wide switch, so graph building in two threads at once
would corrupt each other. A training job holds the gate for its whole run and
offers it between epochs (``pause_for_waiters``); requests take it briefly.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class AutodiffGate:
    """A lock whose long-term holder steps aside between epochs for short users."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._waiting = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the gate for a block (a request, or a whole training run)."""
        with self._changed:
            self._waiting += 1
        self._lock.acquire()
        with self._changed:
            self._waiting -= 1
            self._changed.notify_all()
        try:
            yield
        finally:
            self._lock.release()

    def pause_for_waiters(self) -> None:
        """From the holder: let every thread already waiting run, then take it back."""
        with self._changed:
            if self._waiting == 0:
                return
        self._lock.release()
        try:
            with self._changed:
                self._changed.wait_for(lambda: self._waiting == 0)
        finally:
            self._lock.acquire()


AUTODIFF_GATE = AutodiffGate()
"""The process's gate: the switch it guards is process-wide too."""
