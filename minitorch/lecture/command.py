"""``minitorch lecture 1.4 --out DIR``: the lecture page, regenerated.

Exit codes: 0 written, 2 bad options (one ``error:`` line), 1 the folder could not
be written (an earlier page there is left as it was).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from ..checkpoint import CheckpointError
from ..datasets import datasets
from ..lecture_network import Network
from ..train.exits import EXIT_WRITE, usage_error
from ..train.runs import load_run
from .story import (
    DEFAULT_DATASET,
    DEFAULT_LR,
    DEFAULT_PTS,
    DEFAULT_SEED,
    LectureError,
    LectureOptions,
    build_lecture,
    parameter_values,
)
from .weights import WeightsError, read_weights

LECTURES = ("1.4",)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``lecture`` with its ``handler`` default."""
    parser = subparsers.add_parser(
        "lecture",
        help="regenerate a lecture's figures as one HTML page",
        description=(
            "Write the 'Neural Networks' lecture (1.4) as one self-contained HTML "
            "page with its pictures as files: the backward pass of "
            "log(x*y) + exp(x*y) at x=5, y=3, a linear model that fits and one "
            "that fails, the network's two splits, ReLU, the hidden coordinates, "
            "the final split, the boundary, and one training step."
        ),
        epilog="example: minitorch lecture 1.4 --out runs/lecture",
    )
    parser.add_argument("lecture", choices=LECTURES, help="the lecture: 1.4")
    parser.add_argument(
        "--out", default="runs/lecture-1.4", help="output folder (default: %(default)s)"
    )
    parser.add_argument(
        "--dataset",
        default=DEFAULT_DATASET,
        help=f"{', '.join(datasets)} (default: %(default)s)",
    )
    parser.add_argument(
        "--pts", type=int, default=DEFAULT_PTS, help="points (default: %(default)s)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help="seed of the data and the starting weights (default: %(default)s)",
    )
    parser.add_argument(
        "--weights",
        metavar="FILE",
        help='starting weights instead of the seed\'s: JSON {"unit1.w_1": 1.5, ...} '
        "with all nine parameters",
    )
    parser.add_argument(
        "--run",
        metavar="DIR",
        help="the data and trained weights of a 'train scalar --model lecture' run",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="training epochs (default: 1500; 0 with --weights or --run, to draw the "
        "weights as given)",
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=DEFAULT_LR,
        help="learning rate (default: %(default)s)",
    )
    parser.set_defaults(handler=run)


def _from_run(run: Path, options: LectureOptions) -> LectureOptions:
    """``options`` with the data and weights of the training run in ``run``."""
    try:
        model, _, config = load_run(run)
    except FileNotFoundError:
        raise LectureError(
            f"--run {str(run)!r} is not a run directory (no model.npz); make one "
            "with 'minitorch train scalar --model lecture --out DIR'"
        ) from None
    except CheckpointError as e:
        raise LectureError(str(e)) from None
    if not isinstance(model, Network):
        raise LectureError(
            f"--run {str(run)!r} trained the {config.network} network; the lecture "
            "page draws runs of 'train scalar --model lecture'"
        )
    return replace(
        options,
        dataset=config.dataset,
        pts=config.pts,
        seed=config.seed,
        lr=config.lr,
        weights=parameter_values(model),
    )


def run(args: argparse.Namespace) -> int:
    """Build the lecture for the options and write its page; print what was written."""
    from .page import PAGE, check_out, write_lecture  # matplotlib loads only to draw

    out = Path(args.out)
    problem = check_out(out)
    if problem:
        return usage_error(problem)
    if args.run and args.weights:
        return usage_error("give --weights or --run, not both")
    try:
        weights = read_weights(args.weights) if args.weights else None
        options = LectureOptions(
            dataset=args.dataset,
            pts=args.pts,
            seed=args.seed,
            epochs=args.epochs,
            lr=args.lr,
            weights=weights,
        )
        if args.run:
            options = _from_run(Path(args.run), options)
        options = options.validated()
    except (WeightsError, LectureError) as e:
        return usage_error(str(e))
    lecture = build_lecture(options)
    try:
        paths = write_lecture(lecture, out)
    except OSError as e:
        print(f"error: could not write {str(out)!r}: {e}", file=sys.stderr)
        return EXIT_WRITE
    dx, dy = lecture.backward.leaf_derivatives()
    print(f"h = log(x*y) + exp(x*y) at x=5, y=3: dh/dx = {dx!r}, dh/dy = {dy!r}")
    n = len(lecture.data.X)
    print(f"network: {lecture.correct}/{n} points on their side")
    for unit in lecture.dead_units():
        print(f"{unit} is dead: <= 0 before ReLU at every point (see the page)")
    pictures = sum(1 for p in paths if p.parent.name == "img")
    frames = sum(1 for p in paths if p.parent.name == "frames" and p.suffix == ".svg")
    print(
        f"wrote {out}/: {PAGE}, {pictures} pictures in img/, "
        f"{frames} backward frames in frames/"
    )
    return 0
