"""The one place minitorch talks to numba: typed compile wrappers and index helpers.

numba ships no type stubs, so every use of its API would leak ``Any`` into the
kernels' modules. This module wraps the few entry points the backends need
(``njit``, ``cuda.jit``, ``prange``, the CUDA module and its dtypes) behind
typed names, and compiles the shared index maths of ``tensor_data`` once per
target:

* CPU: ``njit(inline="always")`` versions, built at import (numba compiles
  lazily, on a kernel's first call, so importing costs nothing);
* CUDA: ``cuda.jit(device=True)`` versions, built on first request by
  ``cuda_index_helpers`` so that importing never touches a GPU.

With ``NUMBA_DISABLE_JIT=1`` every wrapper hands back the plain Python
function, and ``prange`` is ``range``: the kernels then run as ordinary Python.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol, TypeVar, cast

import numba
import numba.cuda

from .tensor_data import broadcast_index, index_to_position, to_index

F = TypeVar("F", bound=Callable[..., Any])

# Inside a kernel compiled with ``parallel=True``, ``prange`` splits the loop
# across threads; anywhere else it is ``range``.
prange: Callable[..., range] = numba.prange

# The CUDA module as kernels see it (thread/block ids, shared and local
# arrays, barriers). Kernels reference it as a global, which numba resolves.
cuda: Any = numba.cuda
float64: Any = numba.float64
int32: Any = numba.int32


class CudaKernel(Protocol):
    """A compiled CUDA kernel: ``kernel[blocks, threads](*args)`` launches it."""

    def __getitem__(self, config: tuple[Any, ...]) -> Callable[..., None]:
        """Return the kernel bound to a launch configuration."""
        ...


def njit(fn: F, **options: Any) -> F:
    """Compile ``fn`` for the CPU with numba (lazily, at its first call).

    The result is a numba dispatcher that calls like ``fn``; it also carries
    numba's extras such as ``parallel_diagnostics``.
    """
    return cast(F, numba.njit(**options)(fn))


def serial_twin(kernel: F, **options: Any) -> F:
    """Compile the Python source of a (parallel) CPU kernel again, without threads.

    Without ``parallel=True`` numba reads ``prange`` as ``range``.
    """
    return njit(getattr(kernel, "py_func", kernel), **options)


def as_cpu_function(fn: F) -> F:
    """Return ``fn`` compiled for use inside CPU kernels (as-is if already compiled)."""
    if isinstance(fn, numba.core.dispatcher.Dispatcher):
        return fn
    return njit(fn, inline="always")


def cuda_device(fn: F) -> F:
    """Compile ``fn`` as a CUDA device function, callable from kernels only."""
    return cast(F, numba.cuda.jit(device=True)(fn))  # type: ignore[no-untyped-call]


def cuda_kernel(fn: Callable[..., None]) -> CudaKernel:
    """Compile ``fn`` as a CUDA kernel (code is generated at the first launch)."""
    return cast(CudaKernel, numba.cuda.jit(fn))  # type: ignore[no-untyped-call]


def num_threads() -> int:
    """The number of threads that parallel CPU kernels run on."""
    return int(numba.get_num_threads())


def cuda_is_available() -> bool:
    """True when numba can launch CUDA kernels (a GPU, or the simulator)."""
    return bool(numba.cuda.is_available())  # type: ignore[no-untyped-call]


# CPU versions: inlined into every kernel, so the loops over dims are unrolled
# into the caller and no call overhead remains.
cpu_index_to_position = njit(index_to_position, inline="always")
cpu_to_index = njit(to_index, inline="always")
cpu_broadcast_index = njit(broadcast_index, inline="always")


class IndexHelpers(NamedTuple):
    """The three shared index helpers, compiled for one target."""

    index_to_position: Callable[..., int]
    to_index: Callable[..., None]
    broadcast_index: Callable[..., None]


@functools.cache
def cuda_index_helpers() -> IndexHelpers:
    """Return the CUDA device versions of the index helpers (built once, lazily)."""
    return IndexHelpers(
        cuda_device(index_to_position),
        cuda_device(to_index),
        cuda_device(broadcast_index),
    )
