"""Compile the numba kernels the default suite uses, before its workers start.

``python -m tests._warm_kernels PART PARTS`` runs every PARTS-th job starting
at PART, so PARTS processes share the list. Each kernel lands in numba's disk
cache, where the test workers then load it instead of compiling it. The jobs go
through the public API with the shapes that pick each path: 2 × 3 tensors for
the serial kernels, work of ``PARALLEL_MIN_WORK`` or more for the parallel ones.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import minitorch
from minitorch import fast_ops

Job = Callable[[], object]

FAST = minitorch.TensorBackend(minitorch.FastOps)


def _tensor(*shape: int) -> minitorch.Tensor:
    """A tensor of small positive values (valid for log and inv) on ``FAST``."""
    return minitorch.rand(shape, backend=FAST) + 0.5


def _on_tiny_tensors(fn: Callable[..., object], name: str) -> object:
    """Call the backend function ``name`` the way its kind is called."""
    if name.endswith("_zip"):
        return fn(_tensor(2, 3), _tensor(2, 3))
    if name.endswith("_reduce"):
        return fn(_tensor(2, 3), 1)
    return fn(_tensor(2, 3))


def _serial_jobs() -> list[Job]:
    """Every map, zip and reduce of the backend, then matmul and conv, on tiny data."""
    kinds = ("_map", "_cmap", "_zip", "_reduce")
    jobs: list[Job] = [
        functools.partial(_on_tiny_tensors, getattr(FAST, name), name)
        for name in sorted(vars(FAST))
        if name.endswith(kinds)
    ]
    jobs.append(lambda: _tensor(2, 3) @ _tensor(3, 4))
    jobs.append(lambda: minitorch.conv1d(_tensor(1, 2, 6), _tensor(3, 2, 2)))
    jobs.append(lambda: minitorch.conv2d(_tensor(1, 2, 4, 4), _tensor(3, 2, 2, 2)))
    return jobs


def _parallel_jobs() -> list[Job]:
    """The threaded kernels the default suite reaches (the rest are marked slow)."""
    cells = fast_ops.PARALLEL_MIN_WORK
    rows = cells // 512
    return [
        lambda: _tensor(64, 128) @ _tensor(128, 64),
        lambda: FAST.exp_map(_tensor(rows, 512)),
        lambda: FAST.neg_map(_tensor(rows, 512)),
        lambda: FAST.add_zip(_tensor(rows, 512), _tensor(rows, 512)),
        lambda: FAST.mul_zip(_tensor(rows, 512), _tensor(rows, 512)),
        lambda: FAST.add_reduce(_tensor(rows, 512), 0),
        lambda: minitorch.conv1d(_tensor(8, 16, 256), _tensor(16, 16, 8)),
        lambda: minitorch.conv2d(_tensor(4, 8, 64, 64), _tensor(8, 8, 4, 4)),
    ]


def jobs() -> list[Job]:
    """The slowest compiles first, so the processes finish close together."""
    return _parallel_jobs() + _serial_jobs()


def main(part: int, parts: int) -> None:
    """Run this process's share of the jobs."""
    for job in jobs()[part::parts]:
        job()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
