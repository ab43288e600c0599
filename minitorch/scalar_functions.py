"""The differentiable functions of Scalars: forward and backward side by side.

Each class is a namespace: ``forward(ctx, *floats)`` computes the value and saves what
``backward(ctx, d)`` needs to return the derivative for every input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from . import operators
from .autodiff import Context, _grad_mode
from .scalar import Scalar, ScalarHistory, ScalarLike, _ids


def wrap_tuple(x: Any) -> tuple[Any, ...]:
    """Return ``x`` as a tuple (a single value becomes a 1-tuple)."""
    return x if isinstance(x, tuple) else (x,)


def unwrap_tuple(x: tuple[Any, ...]) -> Any:
    """Return the only element of a 1-tuple, or the tuple itself."""
    return x[0] if len(x) == 1 else x


class ScalarFunction:
    """Base of every Scalar function; never instantiated, used through ``apply``.

    Subclasses define two static methods: ``forward(ctx, *floats) -> float`` computes
    the value, ``backward(ctx, d_output)`` returns one derivative per input. A
    subclass whose forward saves nothing may say so with ``saves_nothing = True``:
    its nodes then share one empty ``Context`` (saving into it raises).

    Every subclass with a forward also gets ``_apply1(a)`` and ``_apply2(a, b)``:
    ``apply`` for one and two inputs, what Scalar's operators call. They read
    ``forward`` and ``saves_nothing`` once, when the class is defined.
    """

    forward: ClassVar[Callable[..., float]]
    backward: ClassVar[Callable[..., float | tuple[float, ...]]]
    saves_nothing: ClassVar[bool] = False
    _apply1: ClassVar[Callable[[ScalarLike], Scalar]]
    _apply2: ClassVar[Callable[[ScalarLike, ScalarLike], Scalar]]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if hasattr(cls, "forward"):  # else an intermediate base, never applied
            cls._apply1 = _one_input(cls)
            cls._apply2 = _two_inputs(cls)

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
        if len(vals) == 2:
            return cls._apply2(vals[0], vals[1])
        if len(vals) == 1:
            return cls._apply1(vals[0])
        inputs = tuple(_as_scalar(v) for v in vals)
        if not _grad_mode.enabled:
            return Scalar(cls.forward(_NO_GRAD, *[v.data for v in inputs]), None)
        ctx = _SAVES_NOTHING if cls.saves_nothing else Context()
        value = cls.forward(ctx, *[v.data for v in inputs])
        return Scalar(value, ScalarHistory(cls, ctx, inputs))


class _SavesNothing(Context):
    """The one Context shared by every node of a function that saves nothing.

    It stays empty: saving into it, or setting any field, raises.
    """

    __slots__ = ()

    def __init__(self) -> None:
        object.__setattr__(self, "no_grad", False)
        object.__setattr__(self, "saved_values", ())

    def __setattr__(self, name: str, value: Any) -> None:
        self.save_for_backward(value)

    def save_for_backward(self, *values: Any) -> None:
        raise RuntimeError(
            "the shared empty Context holds no values: this function declares "
            "saves_nothing = True; set it to False to save values"
        )


_SAVES_NOTHING = _SavesNothing()
_NO_GRAD = Context(no_grad=True)  # saving into it does nothing


def _as_scalar(x: ScalarLike) -> Scalar:
    """``x`` itself if it is a Scalar, else ``x`` wrapped as a constant."""
    return x if isinstance(x, Scalar) else Scalar(x, None)


# The one- and two-input forms of apply, made once per function when its class is
# defined: the path of every operator, so its bookkeeping is written out. The
# Context and the node are made with object.__new__ and their fields set directly,
# instead of Context(), ScalarHistory(...) and Scalar(...): measured -33% time per
# operation; forward and saves_nothing are read once, when the class is made: -8%.
_bare = object.__new__
_next_id = _ids.__next__


def _one_input(fn: type[ScalarFunction]) -> Callable[[ScalarLike], Scalar]:
    forward, saves_nothing = fn.forward, fn.saves_nothing

    def apply1(a: ScalarLike) -> Scalar:
        if a.__class__ is not Scalar and not isinstance(a, Scalar):
            a = Scalar(a, None)
        if _grad_mode.blocks and not _grad_mode.thread.enabled:
            return Scalar(forward(_NO_GRAD, a.data), None)
        ctx: Context
        if saves_nothing:
            ctx = _SAVES_NOTHING
        else:
            ctx = _bare(Context)
            ctx.no_grad = False
            ctx.saved_values = ()
        value = forward(ctx, a.data)
        out = _bare(Scalar)
        out.data = value if value.__class__ is float else float(value)
        out.derivative = None
        out.unique_id = _next_id()
        out._fn = fn
        out._ctx = ctx
        out._inputs = (a,)
        out._pending = None
        return out

    return apply1


def _two_inputs(fn: type[ScalarFunction]) -> Callable[[ScalarLike, ScalarLike], Scalar]:
    forward, saves_nothing = fn.forward, fn.saves_nothing

    def apply2(a: ScalarLike, b: ScalarLike) -> Scalar:
        if a.__class__ is not Scalar and not isinstance(a, Scalar):
            a = Scalar(a, None)
        if b.__class__ is not Scalar and not isinstance(b, Scalar):
            b = Scalar(b, None)
        if _grad_mode.blocks and not _grad_mode.thread.enabled:
            return Scalar(forward(_NO_GRAD, a.data, b.data), None)
        ctx: Context
        if saves_nothing:
            ctx = _SAVES_NOTHING
        else:
            ctx = _bare(Context)
            ctx.no_grad = False
            ctx.saved_values = ()
        value = forward(ctx, a.data, b.data)
        out = _bare(Scalar)
        out.data = value if value.__class__ is float else float(value)
        out.derivative = None
        out.unique_id = _next_id()
        out._fn = fn
        out._ctx = ctx
        out._inputs = (a, b)
        out._pending = None
        return out

    return apply2


class Add(ScalarFunction):
    """a + b; derivatives (d, d)."""

    saves_nothing = True

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

    saves_nothing = True

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

    saves_nothing = True

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        return operators.lt(a, b)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        return 0.0, 0.0


class EQ(ScalarFunction):
    """1.0 if a == b else 0.0; a step, so derivatives (0, 0)."""

    saves_nothing = True

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        return operators.eq(a, b)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        return 0.0, 0.0
