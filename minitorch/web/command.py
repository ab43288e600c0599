"""The ``serve`` command of ``python -m minitorch``: run the web app until Ctrl-C.

Exit codes: 0 stopped with Ctrl-C (the normal way to end a server), 1 could not
listen on the address (e.g. the port is in use), 2 the ``--digits-run`` or
``--sentiment-run`` directory holds no readable model.
"""

from __future__ import annotations

import argparse
import sys

EXIT_CANNOT_LISTEN = 1
EXIT_BAD_RUN = 2


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0..65535, got {value}")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` with its ``handler``."""
    serve = subparsers.add_parser(
        "serve",
        help="a local web app: datasets, training, backprop, tensors, digits, text",
        description=(
            "Serve the course's pages on this machine: Datasets, Train (live loss "
            "and decision regions), Backprop (the backward pass step by step), "
            "Network (hand-set a hidden unit), Tensors (shape, strides, storage), "
            "Digits (draw a digit for the CNN) and Sentiment (score a sentence). "
            "Nothing is downloaded; Ctrl-C "
            "stops the server."
        ),
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    serve.add_argument(
        "--port", type=_port, default=8000, help="port (default 8000; 0 picks one)"
    )
    serve.add_argument(
        "--digits-run",
        metavar="DIR",
        help="a run directory of `minitorch train digits` for the Digits page",
    )
    serve.add_argument(
        "--sentiment-run",
        metavar="DIR",
        help="a run directory of `minitorch train sentiment` for the Sentiment page",
    )
    serve.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Listen, print the URL, serve until Ctrl-C."""
    from ..checkpoint import CheckpointError
    from .server import WebApp, WebServer  # the HTTP stack loads only to serve

    app = WebApp()
    runs = {
        "--digits-run": (args.digits_run, app.digits.load_run),
        "--sentiment-run": (args.sentiment_run, app.sentiment.load_run),
    }
    for option, (run_dir, load_run) in runs.items():
        if run_dir is None:
            continue
        try:
            load_run(run_dir)
        except (OSError, CheckpointError) as e:
            print(f"error: {option}: {e}", file=sys.stderr)
            return EXIT_BAD_RUN
    try:
        server = WebServer((args.host, args.port), app)
    except OSError as e:
        reason = e.strerror or str(e)
        print(
            f"error: cannot listen on {args.host}:{args.port}: {reason}",
            file=sys.stderr,
        )
        return EXIT_CANNOT_LISTEN
    print(f"minitorch web app on {server.url} (Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        job = server.app.trainer.job
        if job is not None:
            job.request_stop()
        server.server_close()
    return 0
