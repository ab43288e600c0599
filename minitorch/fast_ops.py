"""The numba CPU backend: the same kernels as ``SimpleOps``, compiled and parallel.

Each kernel has the signature of its pure-Python twin in ``tensor_ops`` and is
compiled by numba with ``parallel=True``: the outer loop is a ``prange``, whose
iterations numba spreads over the CPU's threads. The host-side work (output
shapes, allocation, the reduce start value, 2-D matmul promotion) is not
repeated here: ``FastOps`` hands its kernels to the shared ``wrap_*`` helpers.

Three habits keep the kernels fast:

* **Fast path.** When the input and output have the same shape and row-major
  strides, cell ``i`` of one is cell ``i`` of the other: a plain loop over
  the storage, no index maths at all.
* **No allocation or division per cell.** The general path needs index
  buffers; each parallel task allocates them once, finds its first cell's
  index with ``to_index``, then steps from cell to cell like an odometer.
* **Stride walks.** A reduction finds the start of each fold once, then steps
  along the reduced dim by its stride; matmul does the same along rows.

Small calls skip the threads altogether: waking them costs tens of
microseconds on an idle machine (milliseconds on a busy one), more than the
whole job, so below ``PARALLEL_MIN_WORK`` a serial compile of the same kernel
runs instead.

Everything also runs as plain Python under ``NUMBA_DISABLE_JIT=1`` (then
``prange`` is ``range``), which is how to step through a kernel in a debugger.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np

from ._numba_index import as_cpu_function, njit, prange, serial_twin
from ._numba_index import cpu_broadcast_index as broadcast_index
from ._numba_index import cpu_index_to_position as index_to_position
from ._numba_index import cpu_to_index as to_index
from .tensor_data import MAX_DIMS, Index, Shape, Storage, Strides
from .tensor_ops import (
    MapKernel,
    MatMulKernel,
    ReduceKernel,
    TensorOps,
    ZipKernel,
)

if TYPE_CHECKING:
    pass

__all__ = [
    "FastOps",
    "tensor_map",
    "tensor_matrix_multiply",
    "tensor_reduce",
    "tensor_zip",
]

# Cells handled by one parallel task of a map or zip: enough that the task's
# index buffers cost nothing per cell, few enough that a 1024×1024 tensor still
# splits into a thousand tasks for the threads to share.
CELLS_PER_TASK = 1024

# Work (cells read or multiply-adds) below which a call runs serially. About
# what one core does in the time it takes to wake the other threads.
PARALLEL_MIN_WORK = 32_768

# Output rows computed together by one matmul task: every row of ``b`` loaded
# from memory is then used for this many rows of ``a`` before it is evicted.
ROWS_PER_TASK = 8


def _same_dense_layout(
    out_shape: Shape, out_strides: Strides, shape: Shape, strides: Strides
) -> bool:
    """True if both layouts are the same row-major one: cell i is storage[i] in both.

    Row-major strides of ``out`` mean its storage holds each cell exactly once,
    in index order; an input with the same shape and strides reads the same way.
    """
    if len(shape) != len(out_shape):
        return False
    expected = 1
    for i in range(len(out_shape) - 1, -1, -1):
        if out_shape[i] != shape[i] or out_strides[i] != strides[i]:
            return False
        # A dim of size 1 is never stepped along, so its stride is free.
        if out_shape[i] != 1 and out_strides[i] != expected:
            return False
        expected *= out_shape[i]
    return True


same_dense_layout = njit(_same_dense_layout, inline="always")


def _next_index(index: Index, shape: Shape) -> None:
    """Advance ``index`` to the next cell of ``shape`` in row-major order.

    Like an odometer: bump the last dim, and where it rolls over to 0 carry
    into the dim before. Cheaper than ``to_index`` from scratch, which divides
    once per dim.
    """
    d = len(shape) - 1
    while d >= 0:
        index[d] += 1
        if index[d] < shape[d]:
            return
        index[d] = 0
        d -= 1


next_index = njit(_next_index, inline="always")


def tensor_map(fn: Callable[[float], float]) -> MapKernel:
    """Return a parallel kernel writing ``fn(in[broadcast(i)])`` into each out cell.

    ``fn`` may be a plain float function or one already compiled with ``njit``.
    """
    fn = as_cpu_function(fn)

    def _map(
        out: Storage,
        out_shape: Shape,
        out_strides: Strides,
        in_storage: Storage,
        in_shape: Shape,
        in_strides: Strides,
    ) -> None:
        size = len(out)
        if same_dense_layout(out_shape, out_strides, in_shape, in_strides):
            for i in prange(size):
                out[i] = fn(in_storage[i])
        else:
            tasks = (size + CELLS_PER_TASK - 1) // CELLS_PER_TASK
            for task in prange(tasks):
                out_index = np.empty(MAX_DIMS, np.int32)
                in_index = np.empty(MAX_DIMS, np.int32)
                first = task * CELLS_PER_TASK
                to_index(first, out_shape, out_index)
                for _ in range(first, min(size, first + CELLS_PER_TASK)):
                    broadcast_index(out_index, out_shape, in_shape, in_index)
                    value = in_storage[index_to_position(in_index, in_strides)]
                    out[index_to_position(out_index, out_strides)] = fn(value)
                    next_index(out_index, out_shape)

    return njit(_map, parallel=True)


def tensor_zip(fn: Callable[[float, float], float]) -> ZipKernel:
    """Return a parallel kernel writing ``fn(a[...], b[...])`` into each out cell.

    Both inputs may broadcast to the output's shape.
    """
    fn = as_cpu_function(fn)

    def _zip(
        out: Storage,
        out_shape: Shape,
        out_strides: Strides,
        a_storage: Storage,
        a_shape: Shape,
        a_strides: Strides,
        b_storage: Storage,
        b_shape: Shape,
        b_strides: Strides,
    ) -> None:
        size = len(out)
        a_dense = same_dense_layout(out_shape, out_strides, a_shape, a_strides)
        b_dense = same_dense_layout(out_shape, out_strides, b_shape, b_strides)
        if a_dense and b_dense:
            for i in prange(size):
                out[i] = fn(a_storage[i], b_storage[i])
        else:
            tasks = (size + CELLS_PER_TASK - 1) // CELLS_PER_TASK
            for task in prange(tasks):
                out_index = np.empty(MAX_DIMS, np.int32)
                a_index = np.empty(MAX_DIMS, np.int32)
                b_index = np.empty(MAX_DIMS, np.int32)
                first = task * CELLS_PER_TASK
                to_index(first, out_shape, out_index)
                for _ in range(first, min(size, first + CELLS_PER_TASK)):
                    broadcast_index(out_index, out_shape, a_shape, a_index)
                    broadcast_index(out_index, out_shape, b_shape, b_index)
                    a = a_storage[index_to_position(a_index, a_strides)]
                    b = b_storage[index_to_position(b_index, b_strides)]
                    out[index_to_position(out_index, out_strides)] = fn(a, b)
                    next_index(out_index, out_shape)

    return njit(_zip, parallel=True)


def tensor_reduce(fn: Callable[[float, float], float]) -> ReduceKernel:
    """Return a parallel kernel folding ``a`` along ``reduce_dim`` into out.

    Each output cell is folded starting from the value already stored there.
    """
    fn = as_cpu_function(fn)

    def _reduce(
        out: Storage,
        out_shape: Shape,
        out_strides: Strides,
        a_storage: Storage,
        a_shape: Shape,
        a_strides: Strides,
        reduce_dim: int,
    ) -> None:
        size = len(out)
        length = a_shape[reduce_dim]
        step = a_strides[reduce_dim]
        # Each cell folds ``length`` values: give a task fewer cells when
        # folds are long, so long reductions still spread over the threads.
        cells_per_task = max(1, CELLS_PER_TASK // max(1, length))
        tasks = (size + cells_per_task - 1) // cells_per_task
        for task in prange(tasks):
            index = np.empty(MAX_DIMS, np.int32)
            for ordinal in range(
                task * cells_per_task, min(size, (task + 1) * cells_per_task)
            ):
                to_index(ordinal, out_shape, index)
                out_pos = index_to_position(index, out_strides)
                # ``index`` is 0 along ``reduce_dim``: it names the first value
                # of the fold in ``a``; the rest follow ``step`` apart.
                a_pos = index_to_position(index, a_strides)
                acc = out[out_pos]
                for j in range(length):
                    acc = fn(acc, a_storage[a_pos + j * step])
                out[out_pos] = acc

    return njit(_reduce, parallel=True)


def _tensor_matrix_multiply(
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    a_storage: Storage,
    a_shape: Shape,
    a_strides: Strides,
    b_storage: Storage,
    b_shape: Shape,
    b_strides: Strides,
) -> None:
    """Batched product ``out[.., i, j] = Σ_k a[.., i, k] · b[.., k, j]``, any strides.

    Inputs have at least 3 dims; their leading (batch) dims broadcast to
    ``out``'s, so a batch dim of size 1 is reused for every batch (stride 0 in
    effect). One parallel task computes ``ROWS_PER_TASK`` rows of one matrix.
    """
    dims = len(out_shape)
    rows = out_shape[dims - 2]
    cols = out_shape[dims - 1]
    inner = a_shape[len(a_shape) - 1]
    a_row_step = a_strides[len(a_strides) - 2]
    a_k_step = a_strides[len(a_strides) - 1]
    b_k_step = b_strides[len(b_strides) - 2]
    b_col_step = b_strides[len(b_strides) - 1]
    out_row_step = out_strides[dims - 2]
    out_col_step = out_strides[dims - 1]
    matrices = len(out) // (rows * cols) if rows * cols > 0 else 0
    row_blocks = (rows + ROWS_PER_TASK - 1) // ROWS_PER_TASK
    for task in prange(matrices * row_blocks):
        batch = task // row_blocks
        first = (task % row_blocks) * ROWS_PER_TASK
        last = min(rows, first + ROWS_PER_TASK)
        # Cell (batch, 0, 0) of out, broadcast onto a and b, locates where this
        # batch's three matrices start.
        out_index = np.empty(MAX_DIMS, np.int32)
        a_index = np.empty(MAX_DIMS, np.int32)
        b_index = np.empty(MAX_DIMS, np.int32)
        to_index(batch * rows * cols, out_shape, out_index)
        broadcast_index(out_index, out_shape, a_shape, a_index)
        broadcast_index(out_index, out_shape, b_shape, b_index)
        out_start = index_to_position(out_index, out_strides)
        a_start = index_to_position(a_index, a_strides)
        b_start = index_to_position(b_index, b_strides)
        # Loop order i-k-j: the innermost loop walks a row of b and a row of the
        # accumulator, both in order. acc is private to the task, and when b's
        # rows are contiguous they are read as plain slices: the compiler can
        # then use SIMD instructions (several multiply-adds per instruction).
        acc = np.zeros((ROWS_PER_TASK, cols))
        for k in range(inner):
            b_row = b_start + k * b_k_step
            for i in range(first, last):
                a_ik = a_storage[a_start + i * a_row_step + k * a_k_step]
                acc_row = acc[i - first]
                if b_col_step == 1:
                    b_values = b_storage[b_row : b_row + cols]
                    for j in range(cols):
                        acc_row[j] += a_ik * b_values[j]
                else:
                    for j in range(cols):
                        acc_row[j] += a_ik * b_storage[b_row + j * b_col_step]
        for i in range(first, last):
            out_row = out_start + i * out_row_step
            for j in range(cols):
                out[out_row + j * out_col_step] = acc[i - first, j]


tensor_matrix_multiply: MatMulKernel = njit(
    _tensor_matrix_multiply, parallel=True, fastmath=True
)


K = TypeVar("K", bound=Callable[..., None])


class SizedKernel(Generic[K]):
    """A kernel in two compiles: ``parallel`` for big calls, ``serial`` for small.

    ``work(*args)`` measures a call; numba compiles each version on its first
    use, so a program that only ever makes small calls never pays for the
    (slower) parallel compile.
    """

    def __init__(
        self, parallel: K, work: Callable[..., int], fastmath: bool = False
    ) -> None:
        self.parallel = parallel
        self.serial = serial_twin(parallel, fastmath=fastmath)
        self.work = work

    def __call__(self, *args: object) -> None:
        big = self.work(*args) >= PARALLEL_MIN_WORK
        (self.parallel if big else self.serial)(*args)


def _out_cells(out: Storage, *_: object) -> int:
    return len(out)


def _input_cells(
    out: Storage, out_shape: Shape, out_strides: Strides, a_storage: Storage, *_: object
) -> int:
    return len(a_storage)


def _multiply_adds(
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    a_storage: Storage,
    a_shape: Shape,
    *_: object,
) -> int:
    return len(out) * int(a_shape[-1])


# One compiled kernel per operator, shared by every ``TensorBackend(FastOps)``:
# compiling a kernel takes seconds, building a backend should not.
@functools.cache
def _map_kernel(fn: Callable[[float], float]) -> SizedKernel[MapKernel]:
    return SizedKernel(tensor_map(fn), _out_cells)


@functools.cache
def _zip_kernel(fn: Callable[[float, float], float]) -> SizedKernel[ZipKernel]:
    return SizedKernel(tensor_zip(fn), _out_cells)


@functools.cache
def _reduce_kernel(fn: Callable[[float, float], float]) -> SizedKernel[ReduceKernel]:
    return SizedKernel(tensor_reduce(fn), _input_cells)


_matrix_multiply_kernel = SizedKernel(
    tensor_matrix_multiply, _multiply_adds, fastmath=True
)


class FastOps(TensorOps):
    """The numba-parallel CPU backend (use it as ``TensorBackend(FastOps)``)."""

    map_kernel = _map_kernel
    zip_kernel = _zip_kernel
    reduce_kernel = _reduce_kernel
    matrix_multiply_kernel = _matrix_multiply_kernel
