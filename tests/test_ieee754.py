"""The IEEE 754 float functions of tensors, against numpy, as Python and compiled.

numpy gives the reference answer for every float, specials included; the same
function compiled by numba (as the fast backend compiles it) must agree bit for
bit, signed zeros and infinities included. The course's ``operators`` keep
``math``'s exceptions for Scalars.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minitorch import ieee754, operators
from minitorch._numba_index import njit

UNARY: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "exp": (ieee754.exp, lambda x: float(np.exp(x))),
    "log": (ieee754.log, lambda x: float(np.log(x))),
    "inv": (ieee754.inv, lambda x: float(np.float64(1.0) / x)),
}
BINARY: dict[
    str, tuple[Callable[[float, float], float], Callable[[float, float], float]]
] = {
    "log_back": (ieee754.log_back, lambda x, d: float(np.float64(d) / x)),
    "inv_back": (
        ieee754.inv_back,
        lambda x, d: float(-np.float64(d) / (np.float64(x) * x)),
    ),
}

any_float = st.floats() | st.sampled_from(
    [0.0, -0.0, 1e-310, -1e-310, 709.78, 709.8, 1e-160, math.inf, -math.inf]
)


def same(a: float, b: float, rel: float = 0.0) -> bool:
    """Equal as IEEE values (nan equals nan, the sign of a zero or inf counts).

    Finite non-zero values may differ by ``rel``: numpy's exp and log are not
    libm's and can round the other way.
    """
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.copysign(1.0, a) != math.copysign(1.0, b):
        return False
    if math.isinf(a) or math.isinf(b) or a == 0.0 or b == 0.0:
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=0.0)


COMPILED_UNARY = {name: njit(fn) for name, (fn, _) in UNARY.items()}
COMPILED_BINARY = {name: njit(fn) for name, (fn, _) in BINARY.items()}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(x=any_float)
def test_unary_functions_answer_like_numpy(name: str, x: float) -> None:
    fn, reference = UNARY[name]
    with np.errstate(all="ignore"):
        expected = reference(x)
    assert same(fn(x), expected, rel=4e-16), (x, fn(x), expected)
    assert same(COMPILED_UNARY[name](x), fn(x))


@pytest.mark.parametrize("name", sorted(BINARY))
@given(x=any_float, d=any_float)
def test_backward_functions_answer_like_numpy(name: str, x: float, d: float) -> None:
    fn, reference = BINARY[name]
    with np.errstate(all="ignore"):
        expected = reference(x, d)
    assert same(fn(x, d), expected), (x, d, fn(x, d), expected)
    assert same(COMPILED_BINARY[name](x, d), fn(x, d))


def test_the_exp_overflow_threshold_is_exact() -> None:
    assert math.isfinite(math.exp(ieee754.EXP_OVERFLOW))
    assert ieee754.exp(np.nextafter(ieee754.EXP_OVERFLOW, math.inf)) == math.inf


def test_operators_keep_maths_exceptions_for_scalars() -> None:
    with pytest.raises(OverflowError):
        operators.exp(710.0)
    with pytest.raises(ValueError):
        operators.log(0.0)
    with pytest.raises(ZeroDivisionError):
        operators.inv(0.0)
