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
import hashlib
import os
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar, cast

# numba's OpenMP threads otherwise spin for a while after every parallel call,
# taking a core from the thread that goes on with the program: a digits epoch
# at 2 threads took 1115 ms instead of 215 ms (2289 instead of 322 ms with
# another process holding a core). Read when numba first starts its threads;
# a value the user set is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numba
import numba.core.event
from llvmlite import ir  # type: ignore[import-untyped]
from numba.extending import intrinsic

from .tensor_data import broadcast_index, index_to_position, to_index

F = TypeVar("F", bound=Callable[..., Any])

# Inside a kernel compiled with ``parallel=True``, ``prange`` splits the loop
# across threads; anywhere else it is ``range``.
prange: Callable[..., range] = numba.prange

float64: Any = numba.float64
int32: Any = numba.int32


class CudaKernel(Protocol):
    """A compiled CUDA kernel: ``kernel[blocks, threads](*args)`` launches it."""

    def __getitem__(self, config: tuple[Any, ...]) -> Callable[..., None]:
        """Return the kernel bound to a launch configuration."""
        ...


def njit(fn: F, **options: Any) -> F:
    """Compile ``fn`` for the CPU with numba (lazily, at its first call).

    Float division follows numpy (``1/0`` is ``inf``, never ``ZeroDivisionError``).
    The result is a numba dispatcher that calls like ``fn``; it also carries
    numba's extras such as ``parallel_diagnostics``.
    """
    options.setdefault("error_model", "numpy")
    return cast(F, numba.njit(**options)(fn))


def cached_njit(fn: F, **options: Any) -> F:
    """``njit`` with the machine code kept on disk, where numba can keep it.

    numba writes next to the source (``__pycache__``), or under
    ``NUMBA_CACHE_DIR``, or in the user's cache directory when the install is
    read-only; with none of these writable the kernel is compiled per process.
    """
    try:
        return njit(fn, cache=True, **options)
    except RuntimeError:  # numba: "cannot cache function ...: no locator available"
        return njit(fn, **options)


def as_cpu_function(fn: F) -> F:
    """Return ``fn`` compiled for use inside CPU kernels (as-is if already compiled)."""
    if isinstance(fn, numba.core.dispatcher.Dispatcher):
        return fn
    return njit(fn, inline="always")


def python_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The Python function behind ``fn`` (itself, or a dispatcher's ``py_func``)."""
    return cast(Callable[..., Any], getattr(fn, "py_func", fn))


@functools.cache
def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _code_digest(code: types.CodeType, into: Any) -> None:
    into.update(code.co_code)
    into.update(repr(code.co_names).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_digest(const, into)
        else:
            into.update(repr(const).encode())


def operator_key(fn: Callable[..., Any]) -> str | None:
    """A name for ``fn`` that changes whenever its code could have changed.

    It covers the function's bytecode and the whole source file of its module
    (and of ``tensor_data``, whose index maths every kernel uses), because numba's
    disk cache does not notice edits to the functions a kernel calls. ``None``
    for functions that a name cannot describe: closures, lambdas with defaults,
    functions without a source file; kernels for them are not cached.
    """
    py = python_function(fn)
    if not isinstance(py, types.FunctionType) or py.__closure__ or py.__defaults__:
        return None
    module = sys.modules.get(py.__module__)
    source = getattr(module, "__file__", None)
    if source is None or not Path(source).is_file():
        return None
    digest = hashlib.sha256()
    _code_digest(py.__code__, digest)
    digest.update(_file_digest(source).encode())
    digest.update(
        _file_digest(sys.modules[to_index.__module__].__file__ or "").encode()
    )
    name = "".join(
        c if c.isalnum() else "_" for c in f"{py.__module__}_{py.__qualname__}"
    )
    return f"{name}_{digest.hexdigest()[:16]}"


def bind_operator(template: F, op: Callable[..., Any], key: str) -> F:
    """A copy of ``template`` whose global ``op`` is ``op``, named after ``key``.

    numba files a cached kernel under its function's qualified name, so each
    operator's copy gets its own name (and so its own cache entry).
    """
    scope = dict(template.__globals__)
    scope["op"] = op
    bound = types.FunctionType(template.__code__, scope, template.__name__)
    bound.__qualname__ = f"{template.__qualname__}__{key}"
    bound.__doc__ = template.__doc__
    return cast(F, bound)


def on_first_compile(callback: Callable[[], None]) -> None:
    """Call ``callback`` once, when numba next starts compiling in this process.

    Loading a kernel from the disk cache is not compiling: a process whose
    kernels are all cached never calls it. Apps use it to explain a slow start.
    """
    fired = False

    class _Listener(numba.core.event.Listener):
        def on_start(self, event: Any) -> None:
            nonlocal fired
            if not fired:
                fired = True
                callback()

        def on_end(self, event: Any) -> None:
            pass

    numba.core.event.register("numba:compile", _Listener())  # type: ignore[no-untyped-call]


def cuda_module() -> Any:
    """The ``numba.cuda`` module, imported on first use (it is slow to import)."""
    import numba.cuda

    return numba.cuda


def cuda_device(fn: F) -> F:
    """Compile ``fn`` as a CUDA device function, callable from kernels only."""
    return cast(F, cuda_module().jit(device=True)(fn))


def cuda_kernel(fn: Callable[..., None]) -> CudaKernel:
    """Compile ``fn`` as a CUDA kernel (code is generated at the first launch)."""
    return cast(CudaKernel, cuda_module().jit(fn))


def _bits_to_float(typingctx: Any, bits: Any) -> Any:
    """Numba typing of ``bits_to_float``: an int64 read as a float64's bits."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.DoubleType())

    return numba.float64(numba.int64), codegen


def _float_to_bits(typingctx: Any, value: Any) -> Any:
    """Numba typing of ``float_to_bits``: a float64's bits as an int64."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.IntType(64))

    return numba.int64(numba.float64), codegen


def _fused_multiply_add(typingctx: Any, a: Any, b: Any, c: Any) -> Any:
    """Numba typing of ``fma``: ``a * b + c`` rounded once (LLVM's ``llvm.fma``)."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        double = ir.DoubleType()
        fma = builder.module.declare_intrinsic(
            "llvm.fma", [double], ir.FunctionType(double, [double] * 3)
        )
        return builder.call(fma, args)

    return numba.float64(numba.float64, numba.float64, numba.float64), codegen


# ``a * b + c`` with one rounding, one instruction: what polynomial steps use.
fma = cast(Callable[[float, float, float], float], intrinsic(_fused_multiply_add))

# Reinterpret a float64's 64 bits as an int64 and back (no conversion): what
# vectorised exp and log use to build 2**k and split off an exponent. They
# compile to nothing, so loops around them still vectorise; callable only
# from compiled code.
bits_to_float = cast(Callable[[int], float], intrinsic(_bits_to_float))
float_to_bits = cast(Callable[[float], int], intrinsic(_float_to_bits))


def num_threads() -> int:
    """The number of threads that parallel CPU kernels run on."""
    return int(numba.get_num_threads())


def set_num_threads(threads: int) -> None:
    """Run parallel CPU kernels on ``threads`` threads (at most numba's pool size)."""
    numba.set_num_threads(threads)


def jit_disabled() -> bool:
    """True under ``NUMBA_DISABLE_JIT=1``: CPU kernels then run as plain Python."""
    return bool(numba.config.DISABLE_JIT)  # type: ignore[attr-defined]


def cuda_is_available() -> bool:
    """True when numba can launch CUDA kernels (a GPU, or the simulator)."""
    return bool(cuda_module().is_available())


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
