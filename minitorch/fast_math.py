"""exp, log and sigmoid in plain arithmetic, so compiled loops over them vectorise.

numba calls the C library's ``exp`` and ``log`` once per cell: a call the
compiler cannot turn into vector instructions, about five times numpy's time
(numpy evaluates them several cells per instruction). These versions are plain
arithmetic, comparisons and bit reinterpretation, with no calls and no
branches that cannot become selects, so a loop over them runs on the CPU's
vector units. They answer exactly as ``ieee754.exp``/``ieee754.log`` and
``operators.sigmoid`` do at the edges (``inf``, ``-inf``, ``nan``, ``±0``),
and within a few units in the last place elsewhere (a relative 1e-15; results
below 1e-300, subnormal, differ by at most a unit of their last place).

Each is compiled (``njit``, inlined where called): ``bits_to_float`` exists only
in compiled code. ``FastOps`` uses them in place of the ``ieee754`` and
``operators`` functions.
"""

from __future__ import annotations

from ._numba_index import bits_to_float, float_to_bits, fma, njit

__all__ = ["exp", "log", "sigmoid"]

LOG2_E = 1.4426950408889634
# ln 2 split in two: the high part has 32 trailing zero bits, so ``k * LN2_HI``
# is exact for any exponent ``k`` a float64 can have.
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
EXP_OVERFLOW = 709.782712893384
SQRT_2 = 1.4142135623730951
SMALLEST_NORMAL = 2.2250738585072014e-308
TWO_52 = 4503599627370496.0
INF = float("inf")
NAN = float("nan")
EXPONENT_BIAS = 1023
MANTISSA_BITS = 0x000FFFFFFFFFFFFF
ONE_BITS = 0x3FF0000000000000


def _py_pow2(k: int) -> float:
    """``2.0 ** k`` for ``-1022 <= k <= 1023``, built from its bits."""
    return bits_to_float((k + EXPONENT_BIAS) << 52)


_pow2 = njit(_py_pow2, inline="always")


def _py_exp(x: float) -> float:
    """``e**x``: ``inf`` above ``EXP_OVERFLOW``, 0 far below zero, ``nan`` at ``nan``.

    ``x = k ln 2 + r`` with ``|r| <= ln 2 / 2``; ``e**r`` is its Taylor series to
    ``r**13`` (the rest is below 1e-17 of it), and ``2**k`` is applied in two
    halves so that subnormal results round once, like the C library's.
    """
    clamped = x if x > -746.0 else -746.0
    clamped = clamped if clamped < 710.0 else 710.0
    k = int(clamped * LOG2_E + 0.5 if clamped >= 0.0 else clamped * LOG2_E - 0.5)
    kf = float(k)
    r = fma(-kf, LN2_LO, fma(-kf, LN2_HI, clamped))
    p = 1.6059043836821613e-10
    p = fma(p, r, 2.08767569878681e-09)
    p = fma(p, r, 2.505210838544172e-08)
    p = fma(p, r, 2.755731922398589e-07)
    p = fma(p, r, 2.7557319223985893e-06)
    p = fma(p, r, 2.48015873015873e-05)
    p = fma(p, r, 0.0001984126984126984)
    p = fma(p, r, 0.001388888888888889)
    p = fma(p, r, 0.008333333333333333)
    p = fma(p, r, 0.041666666666666664)
    p = fma(p, r, 0.16666666666666666)
    p = fma(p, r, 0.5)
    p = fma(p, r, 1.0)
    p = fma(p, r, 1.0)
    half = k >> 1
    y = p * _pow2(half) * _pow2(k - half)
    y = INF if x > EXP_OVERFLOW else y
    return x if x != x else y


exp = njit(_py_exp, inline="always")


def _py_log(x: float) -> float:
    """Natural log: ``-inf`` at ``±0``, ``nan`` below 0 and at ``nan``, ``inf`` at inf.

    ``x = 2**e m`` with ``sqrt(1/2) < m <= sqrt(2)``; ``log m = 2 atanh(s)`` for
    ``s = (m - 1) / (m + 1)``, whose odd series is summed to ``s**23`` (the rest
    is below 1e-18 of it). Subnormal ``x`` is first scaled by ``2**52``.
    """
    tiny = x < SMALLEST_NORMAL
    scaled = x * TWO_52 if tiny else x
    bits = float_to_bits(scaled)
    e = ((bits >> 52) & 0x7FF) - EXPONENT_BIAS - (52 if tiny else 0)
    m = bits_to_float((bits & MANTISSA_BITS) | ONE_BITS)
    above = m > SQRT_2
    m = m * 0.5 if above else m
    e = e + 1 if above else e
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    p = 2.0 / 23.0
    p = fma(p, z, 2.0 / 21.0)
    p = fma(p, z, 2.0 / 19.0)
    p = fma(p, z, 2.0 / 17.0)
    p = fma(p, z, 2.0 / 15.0)
    p = fma(p, z, 2.0 / 13.0)
    p = fma(p, z, 2.0 / 11.0)
    p = fma(p, z, 2.0 / 9.0)
    p = fma(p, z, 2.0 / 7.0)
    p = fma(p, z, 2.0 / 5.0)
    p = fma(p, z, 2.0 / 3.0)
    log_m = fma(s, z * p, s * 2.0)
    ef = float(e)
    y = fma(ef, LN2_HI, fma(ef, LN2_LO, log_m))
    y = INF if x == INF else y
    y = y if x > 0.0 else NAN
    return -INF if x == 0.0 else y


log = njit(_py_log, inline="always")


def _py_sigmoid(x: float) -> float:
    """``1 / (1 + e**-x)``, exponentiating only ``-|x|``, as ``operators.sigmoid``."""
    e = exp(-x if x >= 0.0 else x)
    return 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)


sigmoid = njit(_py_sigmoid, inline="always")
