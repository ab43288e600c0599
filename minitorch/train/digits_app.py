"""``minitorch train digits``: the digits CNN as an app of the harness.

The model, its training and its run directory load only when a run starts (they
need numba), so listing the apps stays quick.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING

from ..images.data import SIDE
from .app import App, Hooks, add_config_options, add_limit_option, cnn_run_bytes
from .device import add_backend_options
from .digits_config import BACKENDS, DigitsConfig
from .validated import EVAL_BATCH

if TYPE_CHECKING:
    from .digits import DigitsResult


class DigitsApp(App):
    """A small CNN on scikit-learn's 8×8 handwritten digits."""

    name = "digits"
    description = "a small CNN on scikit-learn's 8x8 handwritten digits"
    config_type = DigitsConfig
    log_every = 1

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        """``--batch-size --channels --dropout --limit``."""
        d = DigitsConfig()
        add_config_options(parser, d, {"batch_size": "images per step"})
        parser.add_argument(
            "--channels",
            type=int,
            nargs=2,
            metavar=("C1", "C2"),
            default=list(d.channels),
            help="channels of the two conv layers (default: %(default)s)",
        )
        add_config_options(parser, d, {"dropout": "dropout rate before the last layer"})
        add_limit_option(parser, "images")
        add_backend_options(parser, BACKENDS, d.backend)

    def memory_bytes(self, config: DigitsConfig) -> int:
        """Weights and one batch's activations (the data is a fixed 0.9 MB)."""
        from ..images.model import KERNEL

        c1, c2 = config.channels
        taps = KERNEL[0] * KERNEL[1]
        weights = c1 * taps + c1 + c1 * c2 * taps + c2 + c2 * SIDE * SIDE // 4 * 10
        cells = (c1 + c2) * SIDE * SIDE
        batch = max(config.batch_size, EVAL_BATCH)
        return cnn_run_bytes(weights, batch * cells)

    def fit(self, config: DigitsConfig, hooks: Hooks) -> DigitsResult:
        """``fit_digits``, reporting every step."""
        from .digits import fit_digits

        return fit_digits(config, hooks.on_epoch, hooks.on_step, hooks.should_stop)

    def summary(self, result: DigitsResult) -> str:
        """How the run ended and the kept weights' validation accuracy."""
        c = result.config
        per_epoch = result.seconds_per_epoch
        timing = "n/a" if math.isnan(per_epoch) else f"{per_epoch:.2f}"
        best = result.best_val_accuracy
        best_text = "n/a" if math.isnan(best) else f"{best:.4f}"
        n = result.epochs_completed
        return (
            f"digits (channels {c.channels[0]},{c.channels[1]}, {c.optimizer} lr "
            f"{c.lr:g}, batch {c.batch_size}, seed {c.seed}, "
            f"{len(result.split.train_labels)} training images): {result.status} "
            f"after {n} epoch{'' if n == 1 else 's'}, {timing} s/epoch; final "
            f"weights: val_acc {result.final_val_accuracy:.4f} (best {best_text})"
        )

    def save(
        self, result: DigitsResult, out: Path, args: argparse.Namespace
    ) -> list[str]:
        """The checkpoint, metrics and the four pictures."""
        from .digits_run import FILES, write_digits_files

        write_digits_files(result, out)
        return list(FILES)
