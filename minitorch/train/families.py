"""The 2-D classifiers ``fit``, the web app and ``explain-network`` know about.

A ``ModelFamily`` (build, train an epoch, predict points) listed in ``FAMILIES``
gets ``train <name>`` (through ``minitorch/apps.py``), the web app and
``explain-network`` for free.
"""

from __future__ import annotations

from .base import ModelFamily
from .config import ConfigError
from .scalar_model import ScalarFamily
from .tensor_model import TensorFamily

FAMILIES: dict[str, ModelFamily] = {
    family.name: family for family in (ScalarFamily(), TensorFamily())
}


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
