"""Compile the numba kernels the default suite uses, before its workers start.

``python -m tests._warm_kernels N`` runs the jobs below in N fresh processes,
each taking the next job when it is free. Each kernel lands in numba's disk
cache, where the test workers then load it instead of compiling it. The jobs go
through the public API with the shapes that pick each path: 2 × 3 tensors for
the serial kernels, work of ``PARALLEL_MIN_WORK`` or more for the parallel ones.
Inputs are made in numpy, so a job compiles only the kernel it names.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial

import numpy as np

import minitorch
from minitorch import fast_ops

FAST = minitorch.TensorBackend(minitorch.FastOps)
BIG = (fast_ops.PARALLEL_MIN_WORK // 512, 512)
TINY = (2, 3)


def _tensor(*shape: int) -> minitorch.Tensor:
    """A constant tensor of values in [0.5, 1.5) (valid for log and inv) on ``FAST``."""
    values = np.random.default_rng(0).random(int(np.prod(shape))) + 0.5
    return minitorch.Tensor.make(values, shape, backend=FAST)


def _matmul(big: bool) -> object:
    if big:
        return _tensor(64, 128) @ _tensor(128, 64)
    return _tensor(2, 3) @ _tensor(3, 4)


def _conv(big: bool, dims: int) -> object:
    if dims == 1:
        if big:
            return minitorch.conv1d(_tensor(8, 16, 256), _tensor(16, 16, 8))
        return minitorch.conv1d(_tensor(1, 2, 6), _tensor(3, 2, 2))
    if big:
        return minitorch.conv2d(_tensor(4, 8, 64, 64), _tensor(8, 8, 4, 4))
    return minitorch.conv2d(_tensor(1, 2, 4, 4), _tensor(3, 2, 2, 2))


def _backend_function(name: str, shape: tuple[int, ...]) -> object:
    """Call the backend function ``name`` the way its kind is called."""
    fn = getattr(FAST, name)
    if name.endswith("_zip"):
        return fn(_tensor(*shape), _tensor(*shape))
    if name.endswith("_reduce"):
        return fn(_tensor(*shape), 0)
    return fn(_tensor(*shape))


# The threaded kernels the default suite reaches (the others' tests are marked
# slow), the slowest compiles first; then every map, zip and reduce serially.
JOBS: list[Callable[[], object]] = [
    partial(_matmul, big=True),
    partial(_conv, big=True, dims=1),
    partial(_conv, big=True, dims=2),
    *(
        partial(_backend_function, name, BIG)
        for name in ("exp_map", "neg_map", "add_zip", "mul_zip", "add_reduce")
    ),
    partial(_matmul, big=False),
    partial(_conv, big=False, dims=1),
    partial(_conv, big=False, dims=2),
    *(
        partial(_backend_function, name, TINY)
        for name in sorted(vars(FAST))
        if name.endswith(("_map", "_cmap", "_zip", "_reduce"))
    ),
]


def run_job(index: int) -> None:
    """Run job ``index`` of ``JOBS`` (an index travels to a pool process cheaply)."""
    JOBS[index]()


def main(processes: int) -> None:
    """Run every job, ``processes`` at a time, in fresh processes."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        for _ in pool.map(run_job, range(len(JOBS))):
            pass


if __name__ == "__main__":
    main(int(sys.argv[1]))
