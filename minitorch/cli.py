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

from . import apps
from .lecture import command as lecture_command
from .text import command as text_command
from .train.exits import EXIT_INTERRUPTED, EXIT_USAGE
from .viz import commands as viz_commands
from .web import command as web_command


class CommandModule(Protocol):
    """What a command module provides."""

    def register(
        self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]
    ) -> None:
        """Add the module's subcommand(s), each with a ``handler`` default."""
        ...


COMMANDS: tuple[CommandModule, ...] = (
    apps,
    text_command,
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


def package_version() -> str:
    """The installed package's version (``unknown`` when run from a bare checkout)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("minitorch")
    except PackageNotFoundError:
        return "unknown"


class _Version(argparse.Action):
    """``--version``: read the package metadata only when asked (it is slow to load)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(f"minitorch {package_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every registered command."""
    parser = _Parser(
        prog="minitorch",
        description="minitorch: train the lecture's models and draw what they do.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version")
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
