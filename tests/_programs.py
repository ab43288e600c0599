"""Small random tensor programs over special values, run the same way on any backend.

A program is a few steps; each applies one operation to earlier results (the
inputs ``x`` and ``y`` are the first two) and appends its output. Inputs are drawn
from values that reach every IEEE 754 edge in one or two steps: signed zeros, a
subnormal, values whose ``exp`` overflows, ``±inf`` and ``nan``. Programs stay
short and inputs small so that no finite sum comes near overflow: then summing in
another order (a CUDA reduction is a tree) changes the last bits only, never which
cells are inf or nan.

Used by the backend conformance tests, and run as a script under
``NUMBA_DISABLE_JIT=1`` (``python -m tests._programs COUNT``) to check FastOps
with the JIT off on the same programs.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

import minitorch
from minitorch import Tensor, TensorBackend, TensorData

SPECIAL_VALUES = (
    0.0,
    -0.0,
    0.5,
    -1.0,
    2.0,
    -3.0,
    800.0,
    -800.0,
    1e-310,
    math.inf,
    -math.inf,
    math.nan,
)

UNARY: dict[str, Callable[[Tensor, int], Tensor]] = {
    "neg": lambda a, d: -a,
    "exp": lambda a, d: a.exp(),
    "log": lambda a, d: a.log(),
    "inv": lambda a, d: 1.0 / a,
    "sigmoid": lambda a, d: a.sigmoid(),
    "relu": lambda a, d: a.relu(),
    "sum": lambda a, d: a.sum(d % a.dims),
    "mean": lambda a, d: a.mean(d % a.dims),
}
BINARY: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "lt": lambda a, b: a < b,
    "eq": lambda a, b: a == b,
}
OPS = tuple(UNARY) + tuple(BINARY)


@dataclass(frozen=True)
class Step:
    """One operation: ``op`` on the results numbered ``first`` and ``second``.

    Numbers are taken modulo the results so far; ``dim`` (modulo the dims) is
    the reduced dim of ``sum`` and ``mean``.
    """

    op: str
    first: int
    second: int
    dim: int


@dataclass(frozen=True)
class Program:
    """Two inputs of one shape and storage order, and the steps applied to them."""

    shape: tuple[int, ...]
    order: tuple[int, ...]
    x: tuple[float, ...]
    y: tuple[float, ...]
    steps: tuple[Step, ...]


@dataclass
class Outcome:
    """The last result of a program, and the gradients of the inputs."""

    out: npt.NDArray[np.float64]
    x_grad: npt.NDArray[np.float64]
    y_grad: npt.NDArray[np.float64]


def _inverse(order: Sequence[int]) -> list[int]:
    inverse = [0] * len(order)
    for i, o in enumerate(order):
        inverse[o] = i
    return inverse


def _input(values: Sequence[float], program: Program, backend: TensorBackend) -> Tensor:
    """A gradient-tracking input whose storage is laid out in the program's order."""
    stored_shape = tuple(program.shape[o] for o in program.order)
    data = TensorData(list(values), stored_shape).permute(*_inverse(program.order))
    t = Tensor(data, backend=backend)
    t.requires_grad_(True)
    return t


def _grad(t: Tensor) -> npt.NDArray[np.float64]:
    return np.zeros(t.shape) if t.grad is None else t.grad.to_numpy()


def run(program: Program, backend: TensorBackend) -> Outcome:
    """Run ``program`` on ``backend``, then backward from its last result.

    The backward seed is all ones, shaped like the last result.
    """
    x = _input(program.x, program, backend)
    y = _input(program.y, program, backend)
    results = [x, y]
    for step in program.steps:
        a = results[step.first % len(results)]
        if step.op in UNARY:
            results.append(UNARY[step.op](a, step.dim))
        else:
            b = results[step.second % len(results)]
            results.append(BINARY[step.op](a, b))
    out = results[-1]
    if out.requires_grad():
        seed = minitorch.tensor(np.ones(out.shape), backend=backend)
        out.backward(seed)
    return Outcome(out.to_numpy(), _grad(x), _grad(y))


def assert_same_outcome(got: Outcome, expected: Outcome) -> None:
    """Identical inf/nan patterns (signs included); finite values to 1e-9 relative.

    The absolute floor of 1e-12 only matters near zero, where a sum in another
    order may leave a last-bit residue.
    """
    for name in ("out", "x_grad", "y_grad"):
        a, b = getattr(got, name), getattr(expected, name)
        assert a.shape == b.shape, f"{name}: shape {a.shape} != {b.shape}"
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=name)
        np.testing.assert_array_equal(np.isposinf(a), np.isposinf(b), err_msg=name)
        np.testing.assert_array_equal(np.isneginf(a), np.isneginf(b), err_msg=name)
        finite = np.isfinite(b)
        np.testing.assert_allclose(
            a[finite], b[finite], rtol=1e-9, atol=1e-12, err_msg=name
        )


def random_program(rng: random.Random) -> Program:
    """A program drawn from ``rng`` (the script's source; tests use hypothesis)."""
    shape = tuple(rng.randint(1, 3) for _ in range(rng.randint(1, 2)))
    order = list(range(len(shape)))
    rng.shuffle(order)
    size = math.prod(shape)
    steps = tuple(
        Step(rng.choice(OPS), rng.randrange(8), rng.randrange(8), rng.randrange(2))
        for _ in range(rng.randint(1, 3))
    )
    return Program(
        shape,
        tuple(order),
        tuple(rng.choice(SPECIAL_VALUES) for _ in range(size)),
        tuple(rng.choice(SPECIAL_VALUES) for _ in range(size)),
        steps,
    )


def main(count: int) -> None:
    """Run ``count`` random programs on FastOps and SimpleOps; print ``ok``."""
    import warnings

    warnings.simplefilter("error")
    fast = minitorch.backend("fast")
    rng = random.Random(0)
    for _ in range(count):
        program = random_program(rng)
        assert_same_outcome(run(program, fast), run(program, minitorch.SimpleBackend))
    print("ok")


if __name__ == "__main__":
    main(int(sys.argv[1]))
