"""The differentiable functions of Scalars: forward and backward side by side.

Each class is a namespace: ``forward(ctx, *floats)`` computes the value and saves what
``backward(ctx, d)`` needs to return the derivative for every input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from . import operators
from .autodiff import Context, _grad_mode
from .scalar import Scalar, ScalarHistory, ScalarLike


def wrap_tuple(x: Any) -> tuple[Any, ...]:
    """Return ``x`` as a tuple (a single value becomes a 1-tuple)."""
    return x if isinstance(x, tuple) else (x,)


def unwrap_tuple(x: tuple[Any, ...]) -> Any:
    """Return the only element of a 1-tuple, or the tuple itself."""
    return x[0] if len(x) == 1 else x


class ScalarFunction:
    """Base of every Scalar function; never instantiated, used through ``apply``.

    Subclasses define two static methods: ``forward(ctx, *floats) -> float`` computes
    the value, ``backward(ctx, d_output)`` returns one derivative per input.
    """

    forward: ClassVar[Callable[..., float]]
    backward: ClassVar[Callable[..., float | tuple[float, ...]]]

    @classmethod
    def _forward(cls, ctx: Context, *inps: float) -> float:
        return cls.forward(ctx, *inps)

    @classmethod
    def _backward(cls, ctx: Context, d_out: float) -> tuple[float, ...]:
        return wrap_tuple(cls.backward(ctx, d_out))

    @classmethod
    def apply(cls, *vals: ScalarLike) -> Scalar:
        """Apply the function, recording it in the result's history.

        Plain numbers become constants: they are listed as inputs but take no
        derivative. Inside ``no_grad()`` the result is a constant too.
        """
        # Speed: this runs once per graph node, so the usual cases are made cheap.
        # When every input is already a Scalar the argument tuple itself becomes
        # the history's inputs: no list is built.
        inputs: tuple[Scalar, ...] = vals  # type: ignore[assignment]
        for v in vals:
            if not isinstance(v, Scalar):
                inputs = tuple(_as_scalar(x) for x in vals)
                break
        ctx = Context(not _grad_mode.enabled)
        # Unary and binary calls (every built-in function) pass the values
        # directly: a star-call over a generated sequence costs several times more.
        n = len(inputs)
        if n == 2:
            value = cls.forward(ctx, inputs[0].data, inputs[1].data)
        elif n == 1:
            value = cls.forward(ctx, inputs[0].data)
        else:
            value = cls.forward(ctx, *[v.data for v in inputs])
        if ctx.no_grad:
            return Scalar(value, None)
        return Scalar(value, ScalarHistory(cls, ctx, inputs))


def _as_scalar(x: ScalarLike) -> Scalar:
    """``x`` itself if it is a Scalar, else ``x`` wrapped as a constant."""
    return x if isinstance(x, Scalar) else Scalar(x, None)


class Add(ScalarFunction):
    """a + b; derivatives (d, d)."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        return a + b

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        return d_output, d_output


class Log(ScalarFunction):
    """log(a); derivative d / a."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        ctx.save_for_backward(a)
        return operators.log(a)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        a: float
        (a,) = ctx.saved_values
        return operators.log_back(a, d_output)


class Mul(ScalarFunction):
    """a · b; derivatives (d·b, d·a)."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        a: float
        b: float
        a, b = ctx.saved_values
        return d_output * b, d_output * a


class Inv(ScalarFunction):
    """1 / a; derivative -d / a²."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        ctx.save_for_backward(a)
        return operators.inv(a)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        a: float
        (a,) = ctx.saved_values
        return operators.inv_back(a, d_output)


class Neg(ScalarFunction):
    """-a; derivative -d."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        return -a

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        return -d_output


class Sigmoid(ScalarFunction):
    """σ(a); derivative d · σ(a) · (1 − σ(a)), reusing the saved σ(a)."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        s = operators.sigmoid(a)
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        s: float
        (s,) = ctx.saved_values
        return d_output * s * (1.0 - s)


class ReLU(ScalarFunction):
    """max(a, 0); derivative d where a > 0, else 0."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        ctx.save_for_backward(a)
        return operators.relu(a)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        a: float
        (a,) = ctx.saved_values
        return operators.relu_back(a, d_output)


class Exp(ScalarFunction):
    """e^a; derivative d · e^a, reusing the saved e^a."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        e = operators.exp(a)
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        e: float
        (e,) = ctx.saved_values
        return d_output * e


class LT(ScalarFunction):
    """1.0 if a < b else 0.0; a step, so derivatives (0, 0)."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        return operators.lt(a, b)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        return 0.0, 0.0


class EQ(ScalarFunction):
    """1.0 if a == b else 0.0; a step, so derivatives (0, 0)."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        return operators.eq(a, b)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        return 0.0, 0.0
