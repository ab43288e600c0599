"""The ``serve`` command of ``python -m minitorch``: run the web app until Ctrl-C.

Exit codes: 0 stopped with Ctrl-C (the normal way to end a server), 1 could not
listen on the address (e.g. the port is in use).
"""

from __future__ import annotations

import argparse
import sys

EXIT_CANNOT_LISTEN = 1


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
        help="a local web app: train with live pictures, draw expression graphs",
        description=(
            "Serve a small web page on this machine: a Train tab (live loss curve "
            "and decision regions) and a Graph tab (an expression's graph after "
            "backward). Nothing is downloaded; Ctrl-C stops the server."
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
    serve.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Listen, print the URL, serve until Ctrl-C."""
    from .server import WebApp, WebServer  # the HTTP stack loads only to serve

    try:
        server = WebServer((args.host, args.port), WebApp())
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
