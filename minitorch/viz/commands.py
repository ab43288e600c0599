"""The ``graph`` and ``explain-network`` commands of ``python -m minitorch``.

``register(subparsers)`` adds both (the CLI's registration contract). Exit codes:
0 done, 2 bad input (expression syntax, undefined variable, missing run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..checkpoint import CheckpointError
from ..scalar import Scalar
from ..train.runs import load_run, load_snapshots
from .export import write_pictures
from .graph import build_graph
from .network import write_network_pictures
from .parser import ExpressionError, build

EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``graph`` and ``explain-network``, each with a ``handler`` default."""
    graph = subparsers.add_parser(
        "graph",
        help="draw an expression's computation graph and its backward pass",
        description=(
            "Draw the computation graph of EXPRESSION (numbers, variables, + - * /, "
            "unary -, parentheses, log exp sigmoid relu, < > ==) and its backward "
            "pass step by step: graph.svg/.png/.dot, frames/step_NNN.svg/.png and "
            "backprop.html in --out."
        ),
        epilog='example: minitorch graph "log(x*y) + exp(x*y)" --x 5 --y 3 '
        "--out runs/h",
    )
    graph.add_argument("expression", help='e.g. "log(x*y) + exp(x*y)"')
    graph.add_argument("--x", type=float, help="value of the variable x")
    graph.add_argument("--y", type=float, help="value of the variable y")
    graph.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="value of any variable (repeatable)",
    )
    graph.add_argument("--out", default="runs/graph", help="output directory")
    graph.set_defaults(handler=run_graph)

    explain = subparsers.add_parser(
        "explain-network",
        help="pictures of a trained network's hidden layer and training",
        description=(
            "Read a run directory written by 'minitorch train scalar' and draw the "
            "first layer's lines, the data in hidden-unit coordinates before and "
            "after ReLU, the final decision boundary and the boundary over epochs."
        ),
    )
    explain.add_argument("--run", required=True, help="run directory, e.g. runs/xor")
    explain.add_argument("--out", default=None, help="output directory (RUN/explain)")
    explain.add_argument(
        "--units",
        type=int,
        nargs=2,
        metavar=("I", "J"),
        help="first-layer units for the hidden-space picture (default: the two "
        "the second layer weighs most)",
    )
    explain.set_defaults(handler=run_explain)


def _error(message: str) -> int:
    print(
        message if message.startswith("error:") else f"error: {message}",
        file=sys.stderr,
    )
    return EXIT_USAGE


def _values(args: argparse.Namespace) -> dict[str, float] | str:
    values: dict[str, float] = {}
    for item in args.var:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            return f"--var expects NAME=VALUE, got {item!r}"
        try:
            values[name] = float(raw)
        except ValueError:
            return f"--var {name}: {raw!r} is not a number"
    for name in ("x", "y"):
        value = getattr(args, name)
        if value is not None:
            values[name] = value
    return values


def run_graph(args: argparse.Namespace) -> int:
    """Build the expression, draw it and its backward pass; print what was written."""
    values = _values(args)
    if isinstance(values, str):
        return _error(values)
    try:
        result = build(args.expression, values)
    except ExpressionError as e:
        return _error(str(e))
    paths = write_pictures(result, args.out, args.expression)
    leaves = ", ".join(f"d/d{k} = {v!r}" for k, v in _leaf_derivatives(result))
    print(f"{args.expression} = {result.data!r}; {leaves}")
    frames = sum(1 for p in paths if p.parent.name == "frames" and p.suffix == ".svg")
    print(
        f"wrote {args.out}/: graph.svg graph.png graph.dot backprop.html, "
        f"{frames} frames in frames/ (frame 0 before backward, then {frames - 1} steps)"
    )
    return 0


def _leaf_derivatives(result: Scalar) -> list[tuple[str, float]]:
    graph = build_graph(result)
    return [
        (n.label, n.derivative)
        for n in graph.nodes
        if n.kind == "leaf" and n.derivative is not None
    ]


def run_explain(args: argparse.Namespace) -> int:
    """Load a run directory and write the network pictures; print their paths."""
    run = Path(args.run)
    try:
        model, data, config = load_run(run)
    except FileNotFoundError:
        return _error(
            f"{str(run)!r} is not a run directory (no model.npz); "
            "make one with 'minitorch train scalar --out DIR'"
        )
    except CheckpointError as e:
        return _error(str(e))
    if not hasattr(model, "hidden_activations"):
        if config.network == "lecture":
            return _error(
                f"{str(run)!r} holds the lecture network; draw it with "
                f"'minitorch lecture 1.4 --run {run}'"
            )
        return _error(
            f"{str(run)!r} holds a {type(model).__name__}; explain-network "
            "draws the course's scalar Network"
        )
    try:
        snapshots = load_snapshots(run)
    except FileNotFoundError:
        snapshots = []
    hidden = model.layer1.out_size
    if args.units is not None and not all(0 <= u < hidden for u in args.units):
        return _error(f"--units must be between 0 and {hidden - 1}, got {args.units}")
    out = Path(args.out) if args.out else run / "explain"
    units = (args.units[0], args.units[1]) if args.units else None
    paths = write_network_pictures(model, data, out, snapshots, units)
    print(f"wrote {out}/: " + " ".join(p.name for p in paths))
    return 0
