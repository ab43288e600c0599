"""The shared catalogue of test functions run on floats, Scalars and Tensors.

``MathTest`` holds float versions; ``MathTestVariable`` overrides the ones that need
methods of a differentiable value. Parametrised tests pair them by name, so the set of
public methods (and their constants) is fixed by the course: add nothing public here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import operators

Fn = Callable[..., Any]
Case = tuple[str, Fn]

# The comparison cases shift by 1.2, written as the quotient 6 / 5 (the very same
# float). Hypothesis feeds number literals it finds in local source into its draws;
# a literal 1.2 makes it draw b - a == 1.2, exactly on the step of lt2/gt2, where
# there is no derivative and every gradient check fails.
SHIFT = 6 / 5
CompCase = tuple[str, Fn, Fn]


class MathTest:
    """Float versions of the catalogue, written with ``operators``."""

    @staticmethod
    def neg(a: Any) -> Any:
        """Negate."""
        return -a

    @staticmethod
    def addConstant(a: Any) -> Any:
        """Add a constant on the left (exercises reflected add)."""
        return 5 + a

    @staticmethod
    def square(a: Any) -> Any:
        """Square."""
        return a * a

    @staticmethod
    def cube(a: Any) -> Any:
        """Cube."""
        return a * a * a

    @staticmethod
    def subConstant(a: Any) -> Any:
        """Subtract a constant."""
        return a - 5

    @staticmethod
    def multConstant(a: Any) -> Any:
        """Multiply by a constant on the left (exercises reflected multiply)."""
        return 5 * a

    @staticmethod
    def div(a: Any) -> Any:
        """Divide by a constant."""
        return a / 5

    @staticmethod
    def inv(a: Any) -> Any:
        """Invert, shifted away from zero."""
        return operators.inv(a + 3.5)

    @staticmethod
    def sig(a: Any) -> Any:
        """Sigmoid."""
        return operators.sigmoid(a)

    @staticmethod
    def log(a: Any) -> Any:
        """Log, shifted to stay positive."""
        return operators.log(a + 100000)

    @staticmethod
    def relu(a: Any) -> Any:
        """ReLU, shifted."""
        return operators.relu(a + 5.5)

    @staticmethod
    def exp(a: Any) -> Any:
        """Exp, shifted to stay small."""
        return operators.exp(a - 200)

    @staticmethod
    def explog(a: Any) -> Any:
        """Log plus exp."""
        return operators.log(a + 100000) + operators.exp(a - 200)

    @staticmethod
    def add2(a: Any, b: Any) -> Any:
        """Add two values."""
        return a + b

    @staticmethod
    def mul2(a: Any, b: Any) -> Any:
        """Multiply two values."""
        return a * b

    @staticmethod
    def div2(a: Any, b: Any) -> Any:
        """Divide by a shifted second value."""
        return a / (b + 5.5)

    @staticmethod
    def gt2(a: Any, b: Any) -> Any:
        """Greater-than, shifted."""
        return operators.lt(b, a + SHIFT)

    @staticmethod
    def lt2(a: Any, b: Any) -> Any:
        """Less-than, shifted."""
        return operators.lt(a + SHIFT, b)

    @staticmethod
    def eq2(a: Any, b: Any) -> Any:
        """Equality, shifted."""
        return operators.eq(a, (b + 5.5))

    @staticmethod
    def sum_red(a: Any) -> Any:
        """Sum of a list."""
        return operators.sum(a)

    @staticmethod
    def mean_red(a: Any) -> Any:
        """Mean of a list."""
        return operators.sum(a) / float(len(a))

    @staticmethod
    def mean_full_red(a: Any) -> Any:
        """Mean of a list (the full reduction for tensors)."""
        return operators.sum(a) / float(len(a))

    @staticmethod
    def complex(a: Any) -> Any:
        """A composition of everything: relu, sigmoid, log and arithmetic."""
        return (
            operators.log(
                operators.sigmoid(
                    operators.relu(operators.relu(a * 10 + 7) * 6 + 5) * 10
                )
            )
            / 50
        )

    @classmethod
    def _tests(cls) -> tuple[list[Case], list[Case], list[Case]]:
        """Split the catalogue into one-argument, two-argument and reduction cases."""
        one_arg: list[Case] = []
        two_arg: list[Case] = []
        red_arg: list[Case] = []
        for name in dir(MathTest):
            if name.startswith("_") or not callable(getattr(MathTest, name)):
                continue
            case = (name, getattr(cls, name))
            if name.endswith("2"):
                two_arg.append(case)
            elif name.endswith("red"):
                red_arg.append(case)
            else:
                one_arg.append(case)
        return one_arg, two_arg, red_arg

    @classmethod
    def _comp_testing(
        cls,
    ) -> tuple[list[CompCase], list[CompCase], list[CompCase]]:
        """Pair each case of ``cls`` with its float version: ``(name, base, cls)``."""
        mine = cls._tests()
        base = MathTest._tests()
        one, two, red = (
            [(name, base_fn, fn) for (name, fn), (_, base_fn) in zip(m, b, strict=True)]
            for m, b in zip(mine, base, strict=True)
        )
        return one, two, red


class MathTestVariable(MathTest):
    """The catalogue for Scalars and Tensors, through their methods and operators."""

    @staticmethod
    def inv(a: Any) -> Any:
        """Invert through reflected division."""
        return 1.0 / (a + 3.5)

    @staticmethod
    def sig(a: Any) -> Any:
        """Sigmoid."""
        return a.sigmoid()

    @staticmethod
    def log(a: Any) -> Any:
        """Log, shifted to stay positive."""
        return (a + 100000).log()

    @staticmethod
    def relu(a: Any) -> Any:
        """ReLU, shifted."""
        return (a + 5.5).relu()

    @staticmethod
    def exp(a: Any) -> Any:
        """Exp, shifted to stay small."""
        return (a - 200).exp()

    @staticmethod
    def explog(a: Any) -> Any:
        """Log plus exp."""
        return (a + 100000).log() + (a - 200).exp()

    @staticmethod
    def sum_red(a: Any) -> Any:
        """Sum over dim 0."""
        return a.sum(0)

    @staticmethod
    def mean_red(a: Any) -> Any:
        """Mean over dim 0."""
        return a.mean(0)

    @staticmethod
    def mean_full_red(a: Any) -> Any:
        """Mean over everything."""
        return a.mean()

    @staticmethod
    def eq2(a: Any, b: Any) -> Any:
        """Equality, shifted."""
        return a == (b + 5.5)

    @staticmethod
    def gt2(a: Any, b: Any) -> Any:
        """Greater-than, shifted."""
        return a + SHIFT > b

    @staticmethod
    def lt2(a: Any, b: Any) -> Any:
        """Less-than, shifted."""
        return a + SHIFT < b

    @staticmethod
    def complex(a: Any) -> Any:
        """The composition, through methods."""
        return (((a * 10 + 7).relu() * 6 + 5).relu() * 10).sigmoid().log() / 50
