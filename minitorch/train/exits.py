"""The exit codes of every ``minitorch`` command, and its one-line error."""

from __future__ import annotations

import sys

EXIT_WRITE = 1  # results could not be written
EXIT_USAGE = 2  # bad arguments or input
EXIT_DIVERGED = 3  # the loss became NaN/inf
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM


def usage_error(message: str) -> int:
    """Print ``error: message`` on stderr (adding no second prefix); ``EXIT_USAGE``."""
    print(
        message if message.startswith("error:") else f"error: {message}",
        file=sys.stderr,
    )
    return EXIT_USAGE
