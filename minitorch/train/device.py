"""The apps' one door to numba and the backends.

Pick a backend by name, set the CPU thread count, say once that kernels compile.

numba (and numba.cuda) load only when a function here needs them, so a command
that never trains on a compiled backend (``--help``, the scalar model) starts fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

from ..module import Module
from ..tensor_ops import SimpleBackend, TensorBackend
from .config import ConfigError

# Backends whose kernels numba compiles at first use, in every new process.
COMPILED_BACKENDS = ("fast", "cuda")
_compile_noted = False


def add_backend_options(
    parser: argparse.ArgumentParser, choices: Sequence[str], default: str
) -> None:
    """``--backend`` (dest ``backend``) and ``--threads`` for an app's parser."""
    kinds = {"simple": "pure Python", "fast": "numba", "cuda": "numba on a GPU"}
    parser.add_argument(
        "--backend",
        choices=choices,
        default=default,
        help=", ".join(f"{name} ({kinds[name]})" for name in choices)
        + " (default: %(default)s)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="numba threads for the fast backend; 1 is several times faster when "
        "other jobs share the cores (default: numba's, one per core)",
    )


def make_backend(name: str) -> TensorBackend:
    """The tensor backend called ``name`` (``simple``, ``fast`` or ``cuda``).

    Raises:
        ConfigError: for ``cuda`` without a GPU, or an unknown name.
    """
    if name == "simple":
        return SimpleBackend
    if name == "fast":
        from ..fast_ops import FastOps

        return TensorBackend(FastOps)
    if name == "cuda":
        from .._numba_index import cuda_is_available
        from ..cuda_ops import CudaOps

        if not cuda_is_available():
            raise ConfigError("backend 'cuda' needs a CUDA GPU, and none was found")
        return TensorBackend(CudaOps)
    raise ConfigError(f"unknown backend {name!r}; choose one of simple, fast, cuda")


def backend_of(model: Module) -> TensorBackend:
    """The backend a tensor model's parameters live on (inputs must go there too)."""
    backend: TensorBackend = model.parameters()[0].value.backend
    return backend


def thread_limit() -> int:
    """The most CPU threads numba's parallel kernels may use (one per core)."""
    import numba

    return int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]


def threads_in_use() -> int:
    """The CPU threads numba's parallel kernels use now."""
    from .._numba_index import num_threads

    return num_threads()


@contextmanager
def using_threads(count: int | None) -> Iterator[None]:
    """Run the block with ``count`` numba threads (``None``: leave as is).

    The previous count comes back afterwards: the process may go on (tests,
    notebooks).

    Raises:
        ConfigError: if ``count`` is outside 1..``thread_limit()``.
    """
    if count is None:
        yield
        return
    import numba

    most = thread_limit()
    if not 1 <= count <= most:
        raise ConfigError(f"--threads must be between 1 and {most}, got {count}")
    before = numba.get_num_threads()
    numba.set_num_threads(count)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def note_compiling(backend: str, stream: TextIO) -> None:
    """Explain a slow first epoch: numba compiles ``backend``'s kernels.

    Said once, when numba really starts compiling: kernels are kept on disk, so
    on a machine that has compiled them before nothing is said.
    """
    global _compile_noted
    if backend not in COMPILED_BACKENDS or _compile_noted:
        return
    _compile_noted = True
    from .._numba_index import on_first_compile

    def say() -> None:
        # The first compile may come after this run's output has been closed.
        if not stream.closed:
            print(
                f"note: numba is compiling the {backend} backend's kernels (once per "
                "machine: later runs load them from disk); this takes 5-30 s",
                file=stream,
                flush=True,
            )

    on_first_compile(say)
