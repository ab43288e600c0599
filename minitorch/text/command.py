"""``minitorch predict sentiment``: score a sentence with a trained run's CNN.

Exit codes: 0 done, 2 bad arguments or an unreadable run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..train.exits import usage_error

DEFAULT_RUN = "runs/sentiment"


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
        "--run", default=DEFAULT_RUN, help="run directory (default: %(default)s)"
    )
    parser.add_argument(
        "--top", type=int, default=5, help="n-grams to show (default: %(default)s)"
    )
    parser.set_defaults(handler=run_predict)


def run_predict(args: argparse.Namespace) -> int:
    """Handle ``minitorch predict sentiment --run DIR SENTENCE``; return the code."""
    if args.top < 1:
        return usage_error(f"--top must be a positive integer, got {args.top}")
    # Loaded here, not at start-up: they need numba, which other commands skip.
    import numpy as np

    from ..checkpoint import CheckpointError
    from ..train.config import ConfigError
    from ..train.run_checkpoint import MODEL
    from .data import Examples
    from .explain import EmptySentenceError, explain
    from .model import SentimentCNN
    from .runs import BASELINE, load_sentiment_model
    from .train import evaluate

    run = Path(args.run)
    if not (run / MODEL).is_file():
        return usage_error(
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
        return usage_error(str(e))
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
