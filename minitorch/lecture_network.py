"""The network of the "Neural Networks" lecture (Module 1.4), in the slide's shape.

Each ``Linear`` unit computes ``lin(x; w, b) = w_1·x_1 + w_2·x_2 + b`` with three
Scalar parameters; ``Network`` feeds two ReLU units (``unit1``, ``unit2``) into a
third (``unit3``): ``h = (ReLU(lin(x; unit1)), ReLU(lin(x; unit2)))``,
``m = lin(h; unit3)``, and the probability of label 1 is ``σ(m)``.
"""

from __future__ import annotations

import math
import random

from .module import Module, Parameter
from .scalar import Scalar, ScalarLike

UNITS = ("unit1", "unit2", "unit3")
WEIGHTS = ("w_1", "w_2", "b")
PARAMETER_NAMES = tuple(f"{unit}.{w}" for unit in UNITS for w in WEIGHTS)
# |w| of a starting hidden unit: steep enough that its split matters on [0, 1]².
SPLIT_STEEPNESS = 3.0


class Linear(Module):
    """One linear unit of two inputs: ``w_1·x_1 + w_2·x_2 + b``."""

    w_1: Parameter
    w_2: Parameter
    b: Parameter

    def __init__(self, w_1: float, w_2: float, b: float) -> None:
        super().__init__()
        self.add_parameter("w_1", Scalar(w_1))
        self.add_parameter("w_2", Scalar(w_2))
        self.add_parameter("b", Scalar(b))

    def forward(self, x_1: ScalarLike, x_2: ScalarLike) -> Scalar:
        """The unit's score at ``(x_1, x_2)``; zero on its separating line."""
        out: Scalar = x_1 * self.w_1.value + x_2 * self.w_2.value + self.b.value
        return out

    def line(self) -> tuple[float, float, float]:
        """``(w_1, w_2, b)`` as floats: the line ``w_1·x_1 + w_2·x_2 + b = 0``."""
        return (self.w_1.value.data, self.w_2.value.data, self.b.value.data)


class Network(Module):
    """Two ReLU units on the input and one linear unit on top of them.

    Each argument is a unit's ``(w_1, w_2, b)``; without them, unit1 is ``x_1``,
    unit2 is ``−x_1`` and unit3 adds the two (``m = |x_1|``). ``random`` draws the
    lecture's starting weights.
    """

    unit1: Linear
    unit2: Linear
    unit3: Linear

    def __init__(
        self,
        unit1: tuple[float, float, float] = (1.0, 0.0, 0.0),
        unit2: tuple[float, float, float] = (-1.0, 0.0, 0.0),
        unit3: tuple[float, float, float] = (1.0, 1.0, 0.0),
    ) -> None:
        super().__init__()
        self.unit1 = Linear(*unit1)
        self.unit2 = Linear(*unit2)
        self.unit3 = Linear(*unit3)

    @classmethod
    def random(cls, rng: random.Random) -> Network:
        """The lecture's starting point, drawn from ``rng``.

        Each hidden unit's split crosses the middle of the unit square (where the
        2-D datasets live) at a random angle, so both units start alive: positive
        on part of the data. ``unit3`` starts with weights in [-1, 1) and bias 0.
        """

        def split() -> tuple[float, float, float]:
            angle = rng.uniform(0.0, 2.0 * math.pi)
            px, py = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)
            w_1, w_2 = (
                SPLIT_STEEPNESS * math.cos(angle),
                SPLIT_STEEPNESS * math.sin(angle),
            )
            return (w_1, w_2, -(w_1 * px + w_2 * py))

        unit1, unit2 = split(), split()
        return cls(unit1, unit2, (rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0), 0.0))

    def hidden(self, x: tuple[ScalarLike, ScalarLike]) -> tuple[Scalar, Scalar]:
        """The hidden values before ReLU: ``lin(x; unit1)`` and ``lin(x; unit2)``."""
        return self.unit1.forward(*x), self.unit2.forward(*x)

    def score(self, x: tuple[ScalarLike, ScalarLike]) -> Scalar:
        """``m = lin(h; unit3)`` with ``h`` the hidden values after ReLU."""
        h1, h2 = self.hidden(x)
        return self.unit3.forward(h1.relu(), h2.relu())

    def forward(self, x: tuple[ScalarLike, ScalarLike]) -> Scalar:
        """The probability of label 1 at ``x``: ``σ(m)``."""
        return self.score(x).sigmoid()
