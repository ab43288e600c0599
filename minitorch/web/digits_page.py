"""The Digits page: a CNN to ask (trained here or loaded from a run) and its mistakes.

One ``DigitsLab`` holds the current model. Training runs ``fit_digits`` in a
background thread on a small, quick config; a run directory written by
``minitorch train digits`` can be loaded when the server starts. Predictions and
the gallery of validation mistakes come from the real model in eval mode.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..autodiff import no_grad
from ..images.data import CLASSES, SIDE, load_split, to_tensor
from ..module import Module
from ..train.config import ConfigError, is_integer
from ..train.device import backend_of
from ..train.digits import evaluate, fit_digits
from ..train.digits_config import DigitsConfig
from ..train.digits_run import load_digits_model
from ..train.validated import SplitEpoch
from .guard import HTTPError, bad_request

MAX_EPOCHS = 5
MAX_LIMIT = 1437
MAX_MISTAKES = 24
LabState = Literal["empty", "training", "ready", "failed"]


def quick_config(form: object) -> DigitsConfig:
    """The small training run the page asks for: ``{"epochs", "limit", "seed"}``."""
    if not isinstance(form, Mapping):
        raise bad_request("the request must be a JSON object")
    unknown = sorted(str(k) for k in form if k not in ("epochs", "limit", "seed"))
    if unknown:
        raise bad_request(f"unknown fields {unknown}; expected epochs, limit, seed")
    values = {"epochs": 2, "limit": 500, "seed": 0, **form}
    for name, high in (("epochs", MAX_EPOCHS), ("limit", MAX_LIMIT), ("seed", 2**31)):
        value = values[name]
        if not is_integer(value):
            raise bad_request(f"{name} must be an integer, got {value!r}")
        if not (0 if name == "seed" else 1) <= value <= high:
            raise bad_request(f"{name} must be at most {high} here, got {value}")
    try:
        return DigitsConfig(
            epochs=values["epochs"], limit=values["limit"], seed=values["seed"]
        ).validated()
    except ConfigError as e:
        raise bad_request(str(e)) from None


def pixels_of(body: object) -> npt.NDArray[np.float64]:
    """The drawn digit: ``{"pixels": 64 numbers in [0, 1]}`` → an ``(8, 8)`` image."""
    pixels = body.get("pixels") if isinstance(body, Mapping) else None
    if (
        not isinstance(pixels, list)
        or len(pixels) != SIDE * SIDE
        or not all(
            isinstance(p, int | float) and not isinstance(p, bool) and 0 <= p <= 1
            for p in pixels
        )
    ):
        raise bad_request(f"pixels must be a list of {SIDE * SIDE} numbers in [0, 1]")
    return np.array(pixels, dtype=np.float64).reshape(SIDE, SIDE)


class DigitsLab:
    """The current digits model, its origin, and its validation mistakes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: Module | None = None
        self._state: LabState = "empty"
        self._source = ""
        self._progress = ""
        self._accuracy: float | None = None
        self._mistakes: list[dict[str, Any]] = []
        self._thread: threading.Thread | None = None

    def status(self) -> dict[str, Any]:
        """The body of ``/api/digits/status``."""
        with self._lock:
            return {
                "state": self._state,
                "source": self._source,
                "progress": self._progress,
                "accuracy": self._accuracy,
                "mistakes": self._mistakes,
            }

    def install(
        self,
        model: Module,
        source: str,
        val_images: npt.NDArray[np.float64],
        val_labels: npt.NDArray[np.int64],
    ) -> None:
        """Make ``model`` the one the page asks; find its mistakes on the images."""
        model.eval()
        result = evaluate(model, val_images, val_labels)
        wrong = np.flatnonzero(result.predictions != val_labels)[:MAX_MISTAKES]
        mistakes = [
            {
                "pixels": val_images[i].reshape(-1).round(3).tolist(),
                "label": int(val_labels[i]),
                "predicted": int(result.predictions[i]),
            }
            for i in wrong
        ]
        with self._lock:
            self._model = model
            self._state = "ready"
            self._source = source
            self._accuracy = result.accuracy
            self._mistakes = mistakes

    def load_run(self, run_dir: str | Path) -> None:
        """Use the model of a ``minitorch train digits`` run directory.

        Raises:
            FileNotFoundError, CheckpointError: as ``load_digits_model``.
        """
        model, config = load_digits_model(run_dir)
        split = load_split(config.seed, config.val_fraction, config.limit)
        self.install(model, f"run {run_dir}", split.val_images, split.val_labels)

    def train(self, config: DigitsConfig) -> None:
        """Train ``config`` in the background (409 while another training runs)."""
        with self._lock:
            if self._state == "training":
                raise HTTPError(HTTPStatus.CONFLICT, "a digits model is training")
            self._state = "training"
            self._progress = "loading the digits and compiling (first time ~20 s)"
            self._thread = threading.Thread(
                target=self._train, args=(config,), daemon=True
            )
            self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for a training thread (tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _train(self, config: DigitsConfig) -> None:
        try:
            result = fit_digits(
                config, on_epoch=self._on_epoch, on_batch=self._on_batch
            )
            split = result.split
            self.install(
                result.model,
                f"trained here: {result.epochs_completed} epochs on "
                f"{len(split.train_labels)} images ({result.status})",
                split.val_images,
                split.val_labels,
            )
        except Exception as e:  # keep the server alive; the page shows the reason
            print("digits training failed:", file=sys.stderr)
            traceback.print_exc()
            with self._lock:
                self._state = "failed"
                self._progress = f"training failed: {type(e).__name__}"

    def _on_batch(self, done: int, batches: int, loss: float) -> None:
        with self._lock:
            self._progress = f"batch {done}/{batches}, loss {loss:.3f}"

    def _on_epoch(self, log: SplitEpoch) -> None:
        with self._lock:
            self._progress = (
                f"epoch {log.epoch}/{log.epochs}: "
                f"validation accuracy {log.val_accuracy:.1%}"
            )

    def predict(self, image: npt.NDArray[np.float64]) -> list[float]:
        """The ten class probabilities of one ``(8, 8)`` image."""
        with self._lock:
            model = self._model
        if model is None:
            raise HTTPError(
                HTTPStatus.CONFLICT, "no digits model yet: train or load one"
            )
        with no_grad():
            log_probs = model(to_tensor(image[None], backend_of(model)))
        probs = np.exp(log_probs.to_numpy().reshape(CLASSES))
        return [float(p) for p in probs / probs.sum()]
