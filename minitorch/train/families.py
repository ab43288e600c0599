"""The registration point: every app ``minitorch train`` knows about.

A 2-D classifier (a ``ModelFamily``: build, train an epoch, predict points) goes
in ``FAMILIES``: it gets ``train <name>``, the web app and ``explain-network``
for free. Any other app (its own data, model, numbers and pictures: an ``App``)
goes in ``APPS``. Each is one line here; the CLI grows a ``train <name>``
subcommand from it.
"""

from __future__ import annotations

from .app import App
from .base import ModelFamily
from .config import ConfigError
from .digits_app import DigitsApp
from .scalar_model import ScalarFamily
from .tensor_model import TensorFamily

FAMILIES: dict[str, ModelFamily] = {
    family.name: family for family in (ScalarFamily(), TensorFamily())
}
APPS: dict[str, App] = {app.name: app for app in (DigitsApp(),)}


def get_family(name: str) -> ModelFamily:
    """The 2-D family registered as ``name``.

    Raises:
        ConfigError: for an unknown name, listing the known ones.
    """
    try:
        return FAMILIES[name]
    except KeyError:
        raise ConfigError(
            f"unknown model family {name!r}; choose one of {', '.join(FAMILIES)}"
        ) from None
