"""``python -m minitorch`` / ``minitorch``: the command line.

Each command lives in its own module exposing ``register(subparsers)``, which adds
its subparser and sets ``handler`` (``Namespace -> exit code``). To add a command,
import its module here and append it to ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, Protocol, cast

from .lecture import command as lecture_command
from .train import command as train_command
from .viz import commands as viz_commands
from .web import command as web_command

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CommandModule(Protocol):
    """What a command module provides."""

    def register(
        self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]
    ) -> None:
        """Add the module's subcommand(s), each with a ``handler`` default."""
        ...


COMMANDS: tuple[CommandModule, ...] = (
    train_command,
    viz_commands,
    lecture_command,
    web_command,
)


class UsageError(Exception):
    """A command line argparse rejected; the message is the reason."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of printing usage and exiting.

    ``main`` turns the error into one ``error: ...`` line: a user who mistyped one
    option should not have to read the whole usage block to find the reason.
    """

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every registered command."""
    parser = _Parser(
        prog="minitorch",
        description="minitorch: train the lecture's models and draw what they do.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # Subparsers are _Parser too (argparse copies the class); commands need only the
    # ArgumentParser API, so they are typed against that.
    generic = cast("argparse._SubParsersAction[argparse.ArgumentParser]", subparsers)
    for module in COMMANDS:
        module.register(generic)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return an exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as e:  # --help and --version exit through argparse
        return e.code if isinstance(e.code, int) else 0
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        # A handler saves what it can on Ctrl-C; this catches one during the saving.
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
