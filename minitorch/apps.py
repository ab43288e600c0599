"""The registration point: every model ``minitorch train`` trains, in ``--help`` order.

An app is an ``App`` subclass (``train/app.py``) living next to its data and
model; adding one is one entry in ``APPS``. The 2-D classifiers come from
``train/families.py`` (a ``ModelFamily`` there is also what the web app and
``explain-network`` read), each wrapped as a ``PlaneApp``.
"""

from __future__ import annotations

import argparse

from .text.app import SentimentApp
from .train import command
from .train.app import App
from .train.digits_app import DigitsApp
from .train.families import FAMILIES
from .train.plane import PlaneApp

APPS: tuple[App, ...] = (
    *(PlaneApp(family) for family in FAMILIES.values()),
    DigitsApp(),
    SentimentApp(),
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``train`` with one subcommand per app (the CLI's command contract)."""
    command.register(subparsers, APPS)
