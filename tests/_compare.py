"""Tight comparisons of tensors: relative 1e-9, with an absolute floor only near zero.

Sums and matrix products may add in another order from one backend to the next
(a CUDA reduction is a tree, a compiled matmul may fuse multiply-adds), so for
them the floor is 1e-12 of the summed magnitudes behind each value, not of the
value itself.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from minitorch import Tensor


def assert_same(
    got: Tensor, expected: Tensor, scale: npt.ArrayLike | None = None
) -> None:
    """Equal shapes and values as ``assert_same_values`` compares them."""
    assert got.shape == expected.shape
    assert_same_values(got.to_numpy(), expected.to_numpy(), scale)


def assert_same_values(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    scale: npt.ArrayLike | None = None,
) -> None:
    """inf and nan in the same cells, finite values to 1e-9 relative.

    ``scale`` (the summed magnitudes behind each cell of a sum or product) sets
    an absolute floor of 1e-12 · scale; without it the floor is 1e-300.
    """
    floor = np.broadcast_to(
        1e-300 if scale is None else 1e-12 * np.asarray(scale), b.shape
    )
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    infinite = np.isinf(b)
    np.testing.assert_array_equal(a[infinite], b[infinite])
    finite = np.isfinite(b)
    error = np.abs(a[finite] - b[finite])
    allowed = 1e-9 * np.abs(b[finite]) + floor[finite]
    assert np.all(error <= allowed), f"{a} != {b}"
