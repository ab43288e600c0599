"""Hand-set weights for the lecture network: a small JSON object, checked strictly.

The file maps every parameter name (``unit1.w_1`` … ``unit3.b``) to a number, e.g.
``{"unit1.w_1": -8, "unit1.w_2": 0, "unit1.b": 2, ...}``. Anything else is refused
with one line saying what was expected and what came.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..lecture_network import PARAMETER_NAMES
from ..train.config import is_number

# A weights file is nine numbers; anything much larger is not one.
MAX_BYTES = 64 * 1024
# Beyond this every sigmoid is saturated and the pictures have nothing to show.
MAX_ABS = 1e6


class WeightsError(ValueError):
    """A weights file that cannot be used; the message is one line."""


def parse_weights(text: str, source: str = "weights") -> dict[str, float]:
    """The parameter values in the JSON ``text`` (``source`` names it in errors).

    Raises:
        WeightsError: for anything but an object of exactly the nine parameter
            names to finite numbers.
    """
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise WeightsError(
            f"{source} is not JSON: {e.msg} at line {e.lineno} column {e.colno}"
        ) from None
    if not isinstance(raw, dict):
        raise WeightsError(
            f"{source} must be a JSON object of parameter names to numbers, "
            f"got {type(raw).__name__}"
        )
    unknown = sorted(set(raw) - set(PARAMETER_NAMES))
    if unknown:
        name = unknown[0] if len(unknown[0]) <= 40 else unknown[0][:37] + "..."
        raise WeightsError(
            f"{source}: unknown parameter {name!r}; the names are "
            f"{', '.join(PARAMETER_NAMES)}"
        )
    missing = [name for name in PARAMETER_NAMES if name not in raw]
    if missing:
        raise WeightsError(
            f"{source}: missing {', '.join(missing)} (give all of "
            f"{', '.join(PARAMETER_NAMES)})"
        )
    values: dict[str, float] = {}
    for name in PARAMETER_NAMES:
        value = raw[name]
        number = math.nan
        if is_number(value):
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
        if not (math.isfinite(number) and abs(number) <= MAX_ABS):
            shown = json.dumps(value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise WeightsError(
                f"{source}: {name} must be a finite number from -{MAX_ABS:g} to "
                f"{MAX_ABS:g}, got {shown}"
            )
        values[name] = number
    return values


def read_weights(path: str | Path) -> dict[str, float]:
    """The parameter values in the JSON file at ``path``.

    Raises:
        WeightsError: if the file cannot be read or is not a valid weights file.
    """
    source = f"--weights {str(path)!r}"
    file = Path(path)
    try:
        if file.stat().st_size > MAX_BYTES:
            raise WeightsError(
                f"{source} is {file.stat().st_size} bytes; a weights file is a few "
                f"hundred (limit {MAX_BYTES})"
            )
        text = file.read_text(encoding="utf-8")
    except OSError as e:
        raise WeightsError(f"cannot read {source}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise WeightsError(f"{source} is not UTF-8 text") from None
    return parse_weights(text, source)
