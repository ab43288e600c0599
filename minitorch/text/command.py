"""``minitorch train sentiment`` and ``minitorch predict sentiment``.

Exit codes as for the other ``train`` commands: 0 done, 2 bad arguments or
unreadable data, 3 the loss diverged (NaN/inf), 130 interrupted (Ctrl-C),
1 results could not be written. Whatever was trained is saved in every case but
a user error.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

import numba
import numpy as np

from ..checkpoint import CheckpointError
from ..train.config import ConfigError
from ..train.progress import ProgressBar, note_compiling
from ..train.runs import check_writable
from ..train.tensor_model import make_backend
from .config import BACKENDS, SentimentConfig, SentimentConfigError
from .data import HARD_SLICE, DataError, Examples
from .explain import EmptySentenceError, explain
from .model import SentimentCNN
from .runs import BASELINE, FILES, MODEL, load_sentiment_model, save_sentiment_run
from .train import Epoch, Prepared, SentimentResult, evaluate, fit_sentiment, prepare

EXIT_WRITE = 1
EXIT_USAGE = 2
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130
DEFAULTS = SentimentConfig()
DEFAULT_OUT = "runs/sentiment"
EPILOG = (
    "Exit codes: 0 done, 2 bad arguments or unreadable data, 3 loss diverged "
    "(NaN/inf), 130 interrupted. Results so far are saved on 3 and 130."
)


def register_sentiment(
    families: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``sentiment`` next to the other models of ``minitorch train``."""
    parser = families.add_parser(
        "sentiment",
        help="a 1-D CNN over word embeddings that reads a sentence's sentiment",
        description="Train a sentence-sentiment CNN (conv1d over word embeddings, "
        "filter widths 3, 4, 5) and a bag-of-words baseline. Without --data it "
        "uses generated English sentences (nothing downloaded); with --data it "
        "reads SST-2's train.tsv and dev.tsv.",
        epilog=EPILOG,
    )
    d = DEFAULTS
    add = parser.add_argument
    add("--epochs", type=int, default=d.epochs, help="epochs (default: %(default)s)")
    add(
        "--batch-size",
        type=int,
        default=d.batch_size,
        help="sentences per step (default: %(default)s)",
    )
    add(
        "--lr",
        type=float,
        default=d.lr,
        help="Adam's learning rate (default: %(default)s)",
    )
    add(
        "--seed",
        type=int,
        default=d.seed,
        help="seed of the weights, batches and dropout (default: %(default)s)",
    )
    add(
        "--dim",
        type=int,
        default=d.dim,
        help="learned embedding size (default: %(default)s)",
    )
    add(
        "--filters",
        type=int,
        default=d.filters,
        help="filters per width (default: %(default)s)",
    )
    add(
        "--widths",
        type=int,
        nargs="+",
        default=list(d.widths),
        help="filter widths in words (default: %(default)s)",
    )
    add(
        "--dropout",
        type=float,
        default=d.dropout,
        help="dropout rate before the output layer (default: %(default)s)",
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
    add(
        "--limit",
        type=int,
        default=None,
        help="train on only the first N training sentences (default: all)",
    )
    add(
        "--backend",
        choices=BACKENDS,
        default=d.backend,
        help="fast (numba) or simple (pure Python) (default: %(default)s)",
    )
    add(
        "--threads",
        type=int,
        default=1,
        help="numba threads for the fast backend; this model's kernels are too small "
        "to gain from more (default: %(default)s)",
    )
    add("--out", default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    add("--quiet", action="store_true", help="no progress bar, no epoch lines")
    parser.set_defaults(handler=run_sentiment)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``predict`` with its ``sentiment`` model."""
    predict = subparsers.add_parser(
        "predict",
        help="score new input with a trained run",
        description="Score new input with a model trained by 'minitorch train'.",
    )
    models = predict.add_subparsers(dest="model", metavar="MODEL", required=True)
    parser = models.add_parser(
        "sentiment",
        help="P(positive) of a sentence, and the n-grams that drove it",
        description="Print the probability that SENTENCE is positive according to "
        "the CNN of a 'train sentiment' run, and the n-grams its filters picked, "
        "each with its share of the score.",
        epilog="Exit codes: 0 done, 2 bad arguments or an unreadable run.",
    )
    parser.add_argument("sentence", help="the sentence to score (quote it)")
    parser.add_argument(
        "--run", default=DEFAULT_OUT, help="run directory (default: %(default)s)"
    )
    parser.add_argument(
        "--top", type=int, default=5, help="n-grams to show (default: %(default)s)"
    )
    parser.set_defaults(handler=run_predict)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


class _Reporter:
    """A progress bar over each epoch's steps and one line per finished epoch."""

    def __init__(self, quiet: bool, out: TextIO, err: TextIO) -> None:
        self.quiet = quiet
        self.out = out
        self.err = err
        self.bar: ProgressBar | None = None
        self.show_bar = not quiet and err.isatty()
        self.label = "cnn epoch 1"

    def on_batch(self, done: int, batches: int, loss: float) -> None:
        """Redraw the bar for this epoch's ``done`` of ``batches`` steps."""
        if not self.show_bar:
            return
        if self.bar is None:
            self.bar = ProgressBar(batches, self.err)
        self.bar.update(done, f"{self.label} loss {loss:.4f}")

    def on_epoch(self, log: Epoch) -> None:
        """Clear the bar and print the epoch's line."""
        self.close()
        following = log.epoch + 1
        model = log.model if following <= log.epochs else "baseline"
        self.label = f"{model} epoch {following if following <= log.epochs else 1}"
        if self.quiet:
            return
        print(
            f"{log.model}: Epoch {log.epoch} loss {log.train_loss:.4f} "
            f"train_acc {log.train_accuracy:.4f} val_acc {log.val_accuracy:.4f} "
            f"time {log.seconds:.2f}s",
            file=self.out,
            flush=True,
        )

    def close(self) -> None:
        """Take the bar off the screen (a new one starts with the next epoch)."""
        if self.bar is not None:
            self.bar.clear()
            self.bar = None


def run_sentiment(args: argparse.Namespace) -> int:
    """Handle ``minitorch train sentiment ...``; return the exit code."""
    config = SentimentConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        dim=args.dim,
        filters=args.filters,
        widths=tuple(args.widths),
        dropout=args.dropout,
        limit=args.limit,
        backend=args.backend,
        data=args.data,
        embeddings=args.embeddings,
    )
    try:
        config = config.validated()
    except SentimentConfigError as e:
        return _error(str(e))
    most = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    threads = args.threads
    if not 1 <= threads <= most:
        return _error(f"--threads must be between 1 and {most}, got {threads}")
    out = Path(args.out)
    problem = check_writable(out)
    if problem:
        return _error(problem)
    try:
        data = prepare(config)
    except DataError as e:
        return _error(str(e))
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        return _train_and_save(config, data, out, args.quiet)
    except ConfigError as e:
        return _error(str(e))
    finally:
        numba.set_num_threads(before)  # the process may go on (tests, notebooks)


def _train_and_save(
    config: SentimentConfig, data: Prepared, out: Path, quiet: bool
) -> int:
    """Train, write the run directory and report; return the exit code."""
    reporter = _Reporter(quiet, sys.stdout, sys.stderr)
    if not quiet:
        note_compiling(config.backend, sys.stderr)
    began = time.perf_counter()
    try:
        result = fit_sentiment(
            config,
            make_backend(config.backend),
            data,
            on_epoch=reporter.on_epoch,
            on_batch=reporter.on_batch,
        )
    finally:
        reporter.close()
    wall = time.perf_counter() - began
    try:
        save_sentiment_run(result, out)
    except OSError as e:
        print(f"error: could not write results to {str(out)!r}: {e}", file=sys.stderr)
        return EXIT_WRITE
    _summary(result, out, wall)
    run = result.cnn if result.cnn.status != "completed" else result.baseline
    if result.status == "diverged" and run is not None:
        print(
            f"error: the {run.name}'s loss became NaN/inf at epoch "
            f"{run.diverged_epoch}; saved the last finite weights (try a smaller --lr)",
            file=sys.stderr,
        )
        return EXIT_DIVERGED
    if result.status == "interrupted":
        print("interrupted; saved the run so far", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def _summary(result: SentimentResult, out: Path, wall: float) -> None:
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
    print(
        f"sentiment ({corpus.source} data, {len(corpus.train)} training sentences, "
        f"widths {','.join(map(str, c.widths))} x {c.filters} filters, seed "
        f"{c.seed}): {result.status}; {'; '.join(parts)}; {wall:.1f} s in all"
    )
    print(f"wrote {out}/: {' '.join(FILES)}")


def run_predict(args: argparse.Namespace) -> int:
    """Handle ``minitorch predict sentiment --run DIR SENTENCE``; return the code."""
    if args.top < 1:
        return _error(f"--top must be a positive integer, got {args.top}")
    run = Path(args.run)
    if not (run / MODEL).is_file():
        return _error(
            f"no sentiment model in {str(run)!r} (expected {MODEL}; train one with "
            f"'minitorch train sentiment --out {run}')"
        )
    try:
        model, vocabulary, config = load_sentiment_model(run)
        assert isinstance(model, SentimentCNN)
        explanation = explain(model, vocabulary, args.sentence)
        baseline = None
        if (run / BASELINE).is_file():
            base_model, base_vocabulary, _ = load_sentiment_model(run, BASELINE)
            examples = Examples((args.sentence,), np.zeros(1, dtype=np.int64), ("",))
            baseline = evaluate(base_model, base_vocabulary, examples).probabilities[0]
    except (CheckpointError, ConfigError, EmptySentenceError) as e:
        return _error(str(e))
    p = explanation.probability
    verdict = "positive" if p > 0.5 else "negative"
    print(
        f"P(positive) = {p:.3f} ({verdict}) by the CNN trained on "
        f"{config.source} data in {run}"
    )
    if baseline is not None:
        print(f"bag-of-words baseline: P(positive) = {baseline:.3f}")
    print("n-grams that drove it (their filters' share of the score; + is positive):")
    for phrase, share in explanation.phrases()[: args.top]:
        print(f"  {share:+7.3f}  {phrase!r}")
    if explanation.unknown:
        unseen = " ".join(explanation.unknown)
        print(f"words the model never saw (read as <unk>): {unseen}")
    return 0
