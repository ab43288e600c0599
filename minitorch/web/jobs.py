"""The one background training job of the web app: start, follow, stop, look inside.

The job runs ``fit`` in a daemon thread. Before each epoch ``fit`` hands over the
weights the epoch starts from; the job keeps the latest (for the boundary picture,
drawn with a private model, never the one being trained) and answers Stop.

Stop must not wait for a long epoch to end, so it interrupts the training thread
the way Ctrl-C interrupts a terminal run: ``fit`` already turns a
``KeyboardInterrupt`` into an ``interrupted`` run that keeps the last whole epoch.
Only Python-level runs (the scalar model, the simple backend) are interrupted so;
the compiled backends' epochs are short, and numba's compiler is never cut
mid-way: they stop before their next epoch.
"""

from __future__ import annotations

import ctypes
import math
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Literal

from ..train.base import ModelFamily
from ..train.config import TrainConfig
from ..train.families import get_family
from ..train.fit import EpochLog, FitResult, State, fit, load_data
from .boundary import boundary_payload

# Weight multiplications one boundary picture may cost (about a second here) when
# every one is a Python-level operation (the scalar model or the simple backend).
BOUNDARY_OPS = 500_000
MIN_GRID = 6
# How long Stop waits for the training thread to leave ``fit`` before interrupting
# it again.
RESEND_SECONDS = 0.1

JobState = Literal["idle", "running", "completed", "diverged", "interrupted", "failed"]


class JobBusyError(RuntimeError):
    """A training job is already running; only one at a time."""


def ops_per_point(config: TrainConfig) -> int:
    """Weight multiplications of one forward pass of the 2 → h → h → 1 network."""
    return config.hidden * config.hidden + 3 * config.hidden


def python_level(config: TrainConfig) -> bool:
    """Whether every operation of this run is Python code (no compiled kernels)."""
    return config.model == "scalar" or config.backend == "simple"


def grid_limit(config: TrainConfig, wanted: int) -> int:
    """The largest grid ≤ ``wanted`` whose picture stays within ``BOUNDARY_OPS``.

    The fast backends run a whole grid as a few compiled kernels: no limit.
    """
    if not python_level(config):
        return wanted
    cells = BOUNDARY_OPS // ops_per_point(config)
    return max(MIN_GRID, min(wanted, math.isqrt(cells)))


class StopRequested(KeyboardInterrupt):
    """Raised inside the training thread when Stop is pressed (a Ctrl-C for ``fit``)."""


def _raise_in(thread: threading.Thread, error: type[BaseException] | None) -> None:
    """Make ``thread`` raise ``error`` at its next bytecode (None cancels one).

    CPython delivers it between bytecodes, so it can land neither inside a C call
    (a numba kernel ends first) nor between a lock's acquire and its ``with`` block.
    """
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident),
            ctypes.py_object(error) if error is not None else None,
        )


@dataclass
class _Progress:
    """What the training thread reports; read and written under the job's lock."""

    state: JobState = "running"
    losses: list[float] = field(default_factory=list)
    corrects: list[int] = field(default_factory=list)
    seconds: float = 0.0
    correct: int = 0
    finished_at: float | None = None
    error: str | None = None


class TrainingJob:
    """One run of ``fit`` in a background thread.

    Building the job loads the data and a prediction model synchronously, so a bad
    config (e.g. the cuda backend without a GPU) fails before any thread starts.
    """

    def __init__(self, job_id: int, config: TrainConfig) -> None:
        self.job_id = job_id
        self.config = config
        self.family: ModelFamily = get_family(config.model)
        self.data = load_data(config)
        self._predictor = self.family.build(config)
        self._predictor_lock = threading.Lock()  # requests may overlap
        self._lock = threading.Lock()
        self._progress = _Progress()
        self._started_at = time.monotonic()
        self._stop = threading.Event()
        self._in_fit = False  # set under ``_lock``: when Stop may interrupt
        self._weights: State | None = None  # the latest whole-epoch weights
        self._result: FitResult | None = None
        self._boundary_cache: tuple[tuple[int, bool, int], dict[str, Any]] | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"minitorch-train-{job_id}", daemon=True
        )

    def start(self) -> None:
        """Start training in the background."""
        self._started_at = time.monotonic()
        self._thread.start()

    def request_stop(self) -> None:
        """Stop the run (it ends ``interrupted``, keeping the last whole epoch).

        A Python-level run stops at once, mid-epoch; a compiled one before its
        next epoch.

        The interruption is sent under the lock the job's callbacks take first,
        so it reaches the thread inside ``fit`` and never inside those callbacks'
        locked blocks; a second press sends nothing more.
        """
        with self._lock:
            if self._stop.is_set():
                return
            self._stop.set()
            interrupt = self._in_fit and python_level(self.config)
        if interrupt:
            threading.Thread(
                target=self._keep_interrupting, name="minitorch-stop", daemon=True
            ).start()

    def _keep_interrupting(self) -> None:
        """Interrupt the training thread until it has left ``fit``.

        CPython drops an interruption that lands in a weakref or ``gc`` callback
        or a ``__del__`` (it only prints it), so one is not always enough. With a
        Python ``gc`` callback installed (hypothesis installs one), a thread that
        builds a large graph is often paused right after a collection, at the
        callback's first line, and most interruptions land there (4 of 5 in one
        measured Stop). With a cap of 50 resends (5 s), a run in a busy test
        session was still going 5 s after Stop; so it resends for as long as the
        thread is in ``fit``.
        """
        while True:
            with self._lock:
                if not (self._in_fit and self._thread.is_alive()):
                    return
                _raise_in(self._thread, StopRequested)
            self._thread.join(RESEND_SECONDS)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the training thread (tests and shutdown)."""
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """Whether the run has not ended yet."""
        with self._lock:
            return self._progress.state == "running"

    def _run(self) -> None:
        try:
            try:
                result = self._fit()
            except StopRequested:  # delivered on the way out of ``_fit``
                result = None
            if result is None:
                with self._lock:
                    self._progress.state = "interrupted"
                return
            weights = result.model.state_dict()
            with self._lock:
                self._weights = weights
                self._result = result
                self._progress.state = result.status
                if result.status == "diverged":
                    self._progress.error = (
                        f"the loss became infinite or NaN at epoch "
                        f"{result.diverged_epoch}: the steps were too large. Lower "
                        f"the learning rate (e.g. {self.config.lr / 10:g}) and start "
                        "again; the weights of the last finite epoch are kept."
                    )
        except Exception as e:  # a bug or an odd backend: keep the server alive
            print(f"training job {self.job_id} failed:", file=sys.stderr)
            traceback.print_exc()
            with self._lock:
                self._progress.state = "failed"
                self._progress.error = f"training failed: {type(e).__name__}"
        finally:
            with self._lock:
                self._progress.finished_at = time.monotonic()

    def _fit(self) -> FitResult | None:
        """Run ``fit`` so Stop can interrupt it; None if Stop came before ``fit``."""
        result: FitResult | None = None
        try:
            with self._lock:
                self._in_fit = not self._stop.is_set()
                if not self._in_fit:
                    return None
            result = fit(self.config, on_epoch=self._record, should_stop=self._between)
        except StopRequested:
            pass
        finally:
            self._disarm()
        return result

    def _disarm(self) -> None:
        """Leave the interruptible part: no Stop may arrive after this returns."""
        while True:
            try:
                with self._lock:
                    self._in_fit = False
                    _raise_in(self._thread, None)
                return
            except StopRequested:
                continue  # it arrived between fit's return and the lock: drop it

    def _record(self, log: EpochLog) -> None:
        with self._lock:
            self._progress.losses.append(log.loss)
            self._progress.corrects.append(log.correct)
            self._progress.seconds += log.seconds
            self._progress.correct = log.correct

    def _between(self, weights: State) -> bool:
        with self._lock:
            self._weights = weights
        return self._stop.is_set()

    def status(self, since: int = 0) -> dict[str, Any]:
        """The body of ``/api/status``; ``losses`` starts at epoch ``since + 1``."""
        with self._lock:
            p = self._progress
            end = p.finished_at if p.finished_at is not None else time.monotonic()
            epoch = len(p.losses)
            losses = p.losses[max(since, 0) :]
            corrects = p.corrects[max(since, 0) :]
            per_epoch = p.seconds / epoch if epoch else None
            state, correct, error = p.state, p.correct, p.error
            loss_text = f"{p.losses[-1]:.6f}" if epoch else "-"
        total = len(self.data.X)
        return {
            "job": self.job_id,
            "state": state,
            "epoch": epoch,
            "epochs": self.config.epochs,
            "since": max(since, 0),
            "losses": losses,
            "corrects": corrects,
            "seconds_per_epoch": per_epoch,
            "correct": correct,
            "total": total,
            "elapsed": round(end - self._started_at, 3),
            "error": error,
            "config": self.config.to_dict(),
            "line": f"Epoch {epoch} loss {loss_text} correct {correct}/{total}",
        }

    def weights(self) -> State | None:
        """The latest whole-epoch weights (or the final ones)."""
        with self._lock:
            return self._weights

    def result(self) -> FitResult | None:
        """The finished run (None while it trains, or if it failed)."""
        with self._lock:
            return self._result

    def boundary(self, size: int) -> dict[str, Any]:
        """Class-1 probabilities on a grid of at most ``size × size``, current weights.

        Large Python-level models get a coarser grid (``grid_limit``).

        The weights are the copy ``fit`` handed over before the current epoch (or
        the final ones), loaded into a private model: training never waits for this.
        """
        size = grid_limit(self.config, size)
        with self._lock:
            weights = self._weights
            key = (
                len(self._progress.losses),
                self._progress.state != "running",
                size,
            )
            if self._boundary_cache and self._boundary_cache[0] == key:
                return self._boundary_cache[1]
        with self._predictor_lock:
            if weights is not None:
                self._predictor.load_state_dict(weights)
            payload = boundary_payload(
                self.data,
                lambda points: self.family.predict(self._predictor, points),
                size,
            )
        payload["job"] = self.job_id
        payload["epoch"] = key[0]
        with self._lock:
            self._boundary_cache = (key, payload)
        return payload


class Trainer:
    """Owns the current job and enforces one running job at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._job: TrainingJob | None = None
        self._next_id = 1

    @property
    def job(self) -> TrainingJob | None:
        """The latest job, running or finished (None before the first)."""
        with self._lock:
            return self._job

    def start(self, config: TrainConfig) -> TrainingJob:
        """Start a job for ``config``.

        Raises:
            JobBusyError: if a job is still running.
            ConfigError: if the config cannot be built (nothing is started).
        """
        with self._lock:
            if self._job is not None and self._job.running:
                raise JobBusyError(
                    f"job {self._job.job_id} is still running; stop it first"
                )
            job = TrainingJob(self._next_id, config.validated())
            self._next_id += 1
            self._job = job
            job.start()
            return job

    def stop(self) -> dict[str, Any]:
        """Ask the running job (if any) to stop; return the status."""
        job = self.job
        if job is not None:
            job.request_stop()
        return self.status()

    def status(self, since: int = 0) -> dict[str, Any]:
        """The latest job's status, or ``{"state": "idle"}`` before the first job."""
        job = self.job
        if job is None:
            return idle_status()
        return job.status(since)


def idle_status() -> dict[str, Any]:
    """The status body before any job has started."""
    return {
        "job": 0,
        "state": "idle",
        "epoch": 0,
        "epochs": 0,
        "since": 0,
        "losses": [],
        "corrects": [],
        "seconds_per_epoch": None,
        "correct": 0,
        "total": 0,
        "elapsed": 0.0,
        "error": None,
        "config": None,
        "line": "",
    }
