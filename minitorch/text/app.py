"""``minitorch train sentiment``: the sentence CNN and its baseline as a harness app.

Training, metrics and pictures load only when a run starts (they need numba and
matplotlib), so listing the apps stays quick.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..train.app import (
    App,
    Hooks,
    add_config_options,
    add_limit_option,
    cnn_run_bytes,
)
from ..train.config import ConfigError
from ..train.device import add_backend_options
from ..train.validated import EVAL_BATCH
from .config import BACKENDS, SentimentConfig
from .data import DataError, check_inputs

if TYPE_CHECKING:
    from .train import SentimentResult

# Sizes for the memory estimate made before any data is read: SST-2 has about
# 15 000 distinct words and sentences of up to about 60; GloVe vectors have at
# most 300 numbers.
VOCABULARY = {"generated": 300, "sst2": 20_000}
LONGEST = {"generated": 20, "sst2": 60}
GLOVE_DIM = 300


class SentimentApp(App):
    """A 1-D CNN over word embeddings that reads a sentence's sentiment."""

    name = "sentiment"
    description = (
        "a 1-D CNN over word embeddings that reads a sentence's sentiment, with a "
        "bag-of-words baseline"
    )
    config_type = SentimentConfig
    log_every = 1

    def check(self, config: SentimentConfig) -> None:
        """A missing data folder or vectors file fails before any output.

        Raises:
            ConfigError: naming the folder or file.
        """
        try:
            check_inputs(config.data, config.embeddings)
        except DataError as e:
            raise ConfigError(str(e)) from None

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        """Sizes, data and embeddings files, backend; one numba thread by default."""
        d = SentimentConfig()
        add = parser.add_argument
        sizes = {
            "batch_size": "sentences per step",
            "dim": "learned embedding size",
            "filters": "filters per width",
        }
        add_config_options(parser, d, sizes)
        add(
            "--widths",
            type=int,
            nargs="+",
            default=list(d.widths),
            help="filter widths in words (default: %(default)s)",
        )
        add_config_options(
            parser, d, {"dropout": "dropout rate before the output layer"}
        )
        add(
            "--data",
            default=None,
            metavar="DIR",
            help="an SST-2 directory with train.tsv and dev.tsv (default: generated "
            "sentences)",
        )
        add(
            "--embeddings",
            default=None,
            metavar="PATH",
            help="GloVe vectors in text format, kept fixed (default: learned "
            "embeddings of --dim numbers)",
        )
        add_limit_option(parser, "sentences")
        add_backend_options(parser, BACKENDS, d.backend)
        # The kernels are tiny (a batch of short sentences): a second thread only
        # waits, so one is the default here.
        parser.set_defaults(threads=1)

    def memory_bytes(self, config: SentimentConfig) -> int:
        """Embedding table, filters and one evaluation batch's activations."""
        vocab, longest = VOCABULARY[config.source], LONGEST[config.source]
        dim = config.dim if config.embeddings is None else GLOVE_DIM
        features = config.filters * len(config.widths)
        weights = 2 * vocab * dim + features * dim * sum(config.widths) + features
        cells = longest * (dim + features)
        return cnn_run_bytes(weights, EVAL_BATCH * cells)

    def fit(self, config: SentimentConfig, hooks: Hooks) -> SentimentResult:
        """Read or generate the data, then train the CNN and the baseline."""
        from ..train.device import make_backend
        from .train import fit_sentiment, prepare

        try:
            data = prepare(config)
        except DataError as e:
            raise ConfigError(str(e)) from None
        backend = make_backend(config.backend)
        return fit_sentiment(
            config, backend, data, hooks.on_epoch, hooks.on_step, hooks.should_stop
        )

    def summary(self, result: SentimentResult) -> str:
        """How the run ended, and each model's test and slice accuracy."""
        from .data import HARD_SLICE
        from .train import evaluate

        data = result.data
        corpus = data.corpus
        hard = corpus.slices.get(HARD_SLICE)
        parts = []
        for run in (result.cnn, result.baseline):
            if run is None:
                continue
            test = evaluate(run.model, data.vocabulary, corpus.test).accuracy
            text = f"{run.name} test_acc {test:.4f}"
            if hard is not None and len(hard):
                slice_acc = evaluate(run.model, data.vocabulary, hard).accuracy
                text += f" {HARD_SLICE}_acc {slice_acc:.4f}"
            parts.append(text)
        c = result.config
        return (
            f"sentiment ({corpus.source} data, {len(corpus.train)} training "
            f"sentences, widths {','.join(map(str, c.widths))} x {c.filters} "
            f"filters, {c.optimizer} lr {c.lr:g}, seed {c.seed}): {result.status}; "
            f"{'; '.join(parts)}"
        )

    def save(
        self, result: SentimentResult, out: Path, args: argparse.Namespace
    ) -> list[str]:
        """Both checkpoints, metrics and the four pictures."""
        from .runs import FILES, save_sentiment_run

        save_sentiment_run(result, out)
        return list(FILES)
