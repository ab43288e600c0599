"""The registry of model families ``fit`` and ``minitorch train`` know about.

Adding a family is one entry in ``FAMILIES``; the CLI grows a ``train <name>``
subcommand from it automatically.
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
    """The family registered as ``name``.

    Raises:
        ConfigError: for an unknown name, listing the known ones.
    """
    try:
        return FAMILIES[name]
    except KeyError:
        raise ConfigError(
            f"unknown model family {name!r}; choose one of {', '.join(FAMILIES)}"
        ) from None
