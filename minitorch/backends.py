"""Tensor backends by name: ``"simple"``, ``"fast"`` and ``"cuda"``, mapped once.

Each name always gives the same backend object, so tensors built from two lookups
combine, and ``loss.backend == backend("fast")`` holds.
"""

from __future__ import annotations

import functools

from .tensor_ops import SimpleBackend, TensorBackend

BACKEND_NAMES = ("simple", "fast", "cuda")

__all__ = ["BACKEND_NAMES", "backend"]


@functools.cache
def backend(name: str) -> TensorBackend:
    """Return the backend called ``name``: ``"simple"``, ``"fast"`` or ``"cuda"``.

    Raises:
        ValueError: for an unknown name, or ``"cuda"`` where numba finds no GPU
            (nor the simulator, ``NUMBA_ENABLE_CUDASIM=1``).
    """
    # numba loads on the first request for a compiled backend, not at import.
    if name == "simple":
        return SimpleBackend
    if name == "fast":
        from .fast_ops import FastOps

        return TensorBackend(FastOps)
    if name == "cuda":
        from ._numba_index import cuda_is_available
        from .cuda_ops import CudaOps

        if not cuda_is_available():
            raise ValueError(
                "backend 'cuda' needs a CUDA GPU (or NUMBA_ENABLE_CUDASIM=1), "
                "and numba found none"
            )
        return TensorBackend(CudaOps)
    raise ValueError(
        f"unknown backend {name!r}; choose one of {', '.join(BACKEND_NAMES)}"
    )
