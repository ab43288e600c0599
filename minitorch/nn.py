"""Network building blocks on tensors: pooling, max, softmax, dropout.

Everything here is a composition of differentiable tensor operations (``max``
applies the ``Max`` Function of ``tensor_functions``), and every computation goes
through the input's own backend, so a model keeps the backend it was built with.
"""

from __future__ import annotations

import random
from typing import Any

from . import operators
from .tensor import Tensor
from .tensor_functions import Max, rand
from .tensor_ops import ReduceFn

max_reduce: ReduceFn  # built on first access, by ``__getattr__`` below


def __getattr__(name: str) -> Any:
    """``max_reduce``: the course's module-level max reduction, built on first use.

    It runs on ``FastOps`` (numba, imported only now). ``Max`` itself does not
    use it: it dispatches through the input's backend (``backend.max_reduce``).
    """
    if name != "max_reduce":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .fast_ops import FastOps

    value = FastOps.reduce(operators.max, -1e9)
    globals()[name] = value
    return value


def _dim_index(input: Tensor, dim: int) -> int:
    """Check ``dim`` against ``input`` and return it as a non-negative index."""
    if not -input.dims <= dim < input.dims:
        raise IndexError(f"dim {dim} is out of range for shape {input.shape}")
    return dim % input.dims


def tile(input: Tensor, kernel: tuple[int, int]) -> tuple[Tensor, int, int]:
    """Cut every ``kh × kw`` block of an image batch into a last dim of its own.

    Args:
        input: ``(batch, channel, height, width)``; ``height`` and ``width``
            must be multiples of the kernel's.
        kernel: ``(kh, kw)``.

    Returns:
        ``(tiled, height // kh, width // kw)`` where ``tiled`` has shape
        ``(batch, channel, height // kh, width // kw, kh * kw)`` and
        ``tiled[b, c, i, j, p * kw + q] == input[b, c, i * kh + p, j * kw + q]``.
    """
    batch, channel, height, width = input.shape
    kh, kw = kernel
    if height % kh != 0 or width % kw != 0:
        raise AssertionError(
            f"tile: kernel {kernel} does not divide height and width of "
            f"input {input.shape}"
        )
    new_height, new_width = height // kh, width // kw
    # Split each spatial dim into (block, offset in block), then bring the two
    # offsets next to each other at the end and merge them.
    blocks = input.contiguous().view(batch, channel, new_height, kh, new_width, kw)
    tiled = (
        blocks.permute(0, 1, 2, 4, 3, 5)
        .contiguous()
        .view(batch, channel, new_height, new_width, kh * kw)
    )
    return tiled, new_height, new_width


def avgpool2d(input: Tensor, kernel: tuple[int, int]) -> Tensor:
    """Average each ``kh × kw`` block: ``(b, c, h, w)`` → ``(b, c, h//kh, w//kw)``.

    The result is contiguous, ready for ``view``.
    """
    batch, channel = input.shape[:2]
    tiled, new_height, new_width = tile(input, kernel)
    # ``mean`` returns fresh row-major storage, so the view is free.
    return tiled.mean(4).view(batch, channel, new_height, new_width)


def argmax(input: Tensor, dim: int) -> Tensor:
    """A 0/1 tensor of ``input``'s shape: 1.0 where a value is the max along ``dim``.

    Ties give several ones.
    """
    d = _dim_index(input, dim)
    f = input.f
    return f.eq_zip(input, f.max_reduce(input, d))


def max(input: Tensor, dim: int) -> Tensor:
    """Max of ``input`` along ``dim``, kept with size 1 (differentiable)."""
    return Max.apply(input, input._ensure_tensor(_dim_index(input, dim)))


def _shifted(input: Tensor, d: int) -> Tensor:
    """``input`` minus its max along ``d``, so that ``exp`` cannot overflow.

    The shift is a constant (no history): softmax does not change when a
    constant is subtracted along ``dim``, so no gradient needs to flow into it.
    """
    return input - input.f.max_reduce(input.detach(), d)


def softmax(input: Tensor, dim: int) -> Tensor:
    """``exp(x) / Σ exp(x)`` along ``dim``: same shape, sums to 1 along ``dim``."""
    d = _dim_index(input, dim)
    e = _shifted(input, d).exp()
    return e / e.sum(d)


def logsoftmax(input: Tensor, dim: int) -> Tensor:
    """``x - log Σ exp(x)`` along ``dim``, stable for large inputs.

    With ``m`` the max along ``dim``: ``(x - m) - log Σ exp(x - m)``; every
    exponent is ≤ 0, so nothing overflows and the largest term is exactly 1.
    """
    d = _dim_index(input, dim)
    shifted = _shifted(input, d)
    return shifted - shifted.exp().sum(d).log()


def maxpool2d(input: Tensor, kernel: tuple[int, int]) -> Tensor:
    """Max of each ``kh × kw`` block: ``(b, c, h, w)`` → ``(b, c, h//kh, w//kw)``."""
    batch, channel = input.shape[:2]
    tiled, new_height, new_width = tile(input, kernel)
    return max(tiled, 4).view(batch, channel, new_height, new_width)


def dropout(
    input: Tensor,
    rate: float,
    ignore: bool = False,
    *,
    rng: random.Random | None = None,
) -> Tensor:
    """Zero each value with probability ``rate`` (no rescaling of the kept ones).

    A value is kept where a uniform draw from [0, 1) is greater than ``rate``:
    ``rate=0`` keeps everything, ``rate=1`` zeroes everything.

    Args:
        input: any tensor.
        rate: the probability of dropping a value.
        ignore: return ``input`` unchanged (evaluation mode).
        rng: source of the draws (reproducible runs); the ``random`` module if
            not given.
    """
    if ignore:
        return input
    keep = rand(input.shape, input.backend, rng=rng) > rate
    return input * keep


__all__ = [
    "Max",
    "argmax",
    "avgpool2d",
    "dropout",
    "logsoftmax",
    "max",
    "max_reduce",
    "maxpool2d",
    "softmax",
    "tile",
]
