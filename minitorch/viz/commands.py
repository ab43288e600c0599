"""The ``graph`` and ``explain-network`` commands of ``python -m minitorch``.

``register(subparsers)`` adds both (the CLI's registration contract). Exit codes:
0 done, 2 bad input (expression syntax, undefined variable, a maths error, a budget
exceeded, an unwritable ``--out``, a missing or unreadable run).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from ..checkpoint import CheckpointError
from ..train.exits import usage_error
from .budgets import MAX_FRAME_NODES, GraphSizeError, draws_frames
from .graph import ExprGraph, build_graph
from .parser import MAX_LENGTH, ExpressionError, build, shorten


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``graph`` and ``explain-network``, each with a ``handler`` default."""
    graph = subparsers.add_parser(
        "graph",
        help="draw an expression's computation graph and its backward pass",
        description=(
            "Draw the computation graph of EXPRESSION (numbers, variables, + - * /, "
            "unary -, parentheses, log exp sigmoid relu, < > ==) and its backward "
            "pass step by step: graph.svg/.png/.dot, frames/step_NNN.svg/.png and "
            f"backprop.html in --out. Expressions are limited to {MAX_LENGTH} "
            "characters; the step-by-step frames are drawn for graphs of up to "
            f"{MAX_FRAME_NODES} nodes."
        ),
        epilog='example: minitorch graph "log(x*y) + exp(x*y)" --x 5 --y 3 '
        "--out runs/h",
    )
    graph.add_argument("expression", nargs="?", help='e.g. "log(x*y) + exp(x*y)"')
    graph.add_argument(
        "--expr-file",
        metavar="PATH",
        help="read the expression from a file instead ('-' for standard input)",
    )
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
    for name, value in values.items():
        if not math.isfinite(value):
            return f"the value of {name} must be a finite number, got {value!r}"
    return values


def _expression(args: argparse.Namespace) -> str:
    """The expression from the command line or ``--expr-file``.

    Raises:
        ValueError: for neither or both, or a file that is not short UTF-8 text.
    """
    if (args.expression is None) == (args.expr_file is None):
        raise ValueError("give either an EXPRESSION or --expr-file PATH")
    if args.expr_file is None:
        text: str = args.expression
        return text
    path = args.expr_file
    # UTF-8 takes at most 4 bytes a character; never read more than the budget.
    limit = 4 * MAX_LENGTH
    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as f:
                data = f.read(limit + 1)
    except OSError as e:
        raise ValueError(f"cannot read --expr-file {path!r}: {e.strerror or e}") from e
    if len(data) > limit:
        raise ValueError(
            f"--expr-file {path!r} is over {limit} bytes; expressions are limited "
            f"to {MAX_LENGTH} characters"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(
            f"--expr-file {path!r} is not UTF-8 text (byte {e.start})"
        ) from e


def run_graph(args: argparse.Namespace) -> int:
    """Build the expression, draw it and its backward pass; print what was written."""
    values = _values(args)
    if isinstance(values, str):
        return usage_error(values)
    try:
        text = _expression(args)
        result = build(text, values)
    except (ExpressionError, ValueError) as e:
        return usage_error(str(e))
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return usage_error(f"--out {args.out!r} is a file; give a directory")
    from .export import write_pictures  # matplotlib loads only when drawing

    try:
        paths = write_pictures(result, out, text)
    except (ExpressionError, GraphSizeError) as e:
        return usage_error(str(e))
    except OSError as e:
        return usage_error(f"cannot write to --out {args.out!r}: {e.strerror or e}")
    graph = build_graph(result)
    leaves = ", ".join(f"d/d{k} = {v!r}" for k, v in _leaf_derivatives(graph))
    print(f"{shorten(text)} = {result.data!r}; {leaves}")
    if not draws_frames(graph):
        print(
            f"wrote {args.out}/: graph.svg graph.png graph.dot; the backward pass "
            f"is drawn step by step for graphs of up to {MAX_FRAME_NODES} nodes, "
            f"this one has {len(graph.nodes)}"
        )
        return 0
    frames = sum(1 for p in paths if p.parent.name == "frames" and p.suffix == ".svg")
    print(
        f"wrote {args.out}/: graph.svg graph.png graph.dot backprop.html, "
        f"{frames} frames in frames/ (frame 0 before backward, then {frames - 1} steps)"
    )
    return 0


def _leaf_derivatives(graph: ExprGraph) -> list[tuple[str, float]]:
    return [
        (n.label, n.derivative)
        for n in graph.nodes
        if n.kind == "leaf" and n.derivative is not None
    ]


def run_explain(args: argparse.Namespace) -> int:
    """Load a run directory and write the network pictures; print their paths."""
    from .explain_run import load_explain_run  # numpy and the trainers load here
    from .network import write_network_pictures  # matplotlib loads only when drawing

    run = Path(args.run)
    try:
        loaded = load_explain_run(run)
    except FileNotFoundError:
        return usage_error(
            f"{str(run)!r} is not a run directory (no model.npz); "
            "make one with 'minitorch train scalar --out DIR'"
        )
    except CheckpointError as e:
        return usage_error(str(e))
    model = loaded.model
    if not hasattr(model, "hidden_activations"):
        return usage_error(
            f"{str(run)!r} holds a {type(model).__name__}; explain-network "
            "draws the course's scalar Network"
        )
    hidden = model.layer1.out_size
    if args.units is not None and not all(0 <= u < hidden for u in args.units):
        return usage_error(
            f"--units must be between 0 and {hidden - 1}, got {args.units}"
        )
    out = Path(args.out) if args.out else run / "explain"
    units = (args.units[0], args.units[1]) if args.units else None
    try:
        paths = write_network_pictures(model, loaded.data, out, loaded.snapshots, units)
    except OSError as e:
        return usage_error(f"cannot write to --out {str(out)!r}: {e.strerror or e}")
    print(f"wrote {out}/: " + " ".join(p.name for p in paths))
    return 0
