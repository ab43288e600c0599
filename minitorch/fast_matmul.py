"""FastOps' matrix multiply: a numba kernel blocked for the CPU's caches.

``out[.., i, j] = Σ_k a[.., i, k] · b[.., k, j]`` is computed in three levels
of blocks, each sized so that its data stays in one level of cache:

1. **Pack b.** Every matrix of ``b`` is copied once into a contiguous buffer,
   split into column blocks (``_pack_rows``): a block is ``inner`` rows of at
   most ``MATMUL_COLS`` neighbouring values. Whatever ``b``'s strides were (a
   transposed view in the backward pass, say), the kernel then reads plain rows.
2. **One task, one block of out.** A parallel task sums a block of at most
   ``MATMUL_ROWS × MATMUL_COLS`` cells of ``out`` in a private buffer
   (``_multiply_block``), walking the shared dim in chunks of
   ``MATMUL_DEPTH`` steps: a chunk of packed ``b`` (256 KiB) stays in the core's
   L2 cache while every row of the block passes over it.
3. **Four rows, four steps.** The innermost loop (``_four_rows``) adds four
   steps of the shared dim to four rows of the buffer at once. Each running sum
   loaded and stored takes four multiply-adds, each value of ``b`` serves four
   rows, the sixteen values of ``a`` stay in registers, and the compiler turns
   the loop along the row into SIMD instructions.

A product of only a few rows (``PACK_MIN_ROWS``) skips the packing when the
rows of ``b`` are contiguous already, and sums one row at a time (``_few_rows``).

Every cell is still summed in the order of ``k``, starting from 0.0, and each
product is rounded before it is added, as in ``SimpleOps``: a chained
``c + x0·b0 + x1·b1 + …`` adds left to right. The results are therefore equal
to ``SimpleOps``' bit for bit.
"""

from __future__ import annotations

import types
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from ._numba_index import cached_njit, njit, prange
from .tensor_data import Shape, Storage, Strides
from .tensor_ops import MatMulKernel

__all__ = ["serial_matrix_multiply", "tensor_matrix_multiply"]

Block = npt.NDArray[np.float64]
F = TypeVar("F", bound=Any)

# Rows and columns of out summed by one task; 64 × 128 running sums (64 KiB)
# stay in the L2 cache next to the chunk of b they are multiplied with.
MATMUL_ROWS = 64
MATMUL_COLS = 128
# Steps of the shared dim per pass over a block: 256 rows of a packed column
# block of b (256 KiB) fit the L2 cache of one core.
MATMUL_DEPTH = 256
# Rows of b packed by one task: a cache line holds eight values, so a
# transposed b is read a line at a time.
PACK_GROUP = 8
# Fewer rows of out than this read b where it lies when b's rows are contiguous:
# packing costs more than it saves when each value of b serves so few rows
# ((1, 2048) @ 2048²: 3.5 ms, not 22; 8 rows: 1.9 ms, not 3.0).
PACK_MIN_ROWS = 10


def _split(size: int, most: int) -> tuple[int, int]:
    """``(count, length)``: fewest equal blocks of at most ``most`` covering ``size``.

    Equal blocks waste less than full ones and a remainder: 129 columns make two
    blocks of 65, not 128 and 1.
    """
    if size == 0:
        return 0, 0
    count = (size + most - 1) // most
    return count, (size + count - 1) // count


split = njit(_split, inline="always")


def _matrix_start(index: int, shape: Shape, strides: Strides) -> int:
    """Storage position of matrix ``index`` (row-major over the batch dims)."""
    start = 0
    for d in range(len(shape) - 3, -1, -1):
        start += (index % shape[d]) * strides[d]
        index //= shape[d]
    return start


matrix_start = njit(_matrix_start, inline="always")


def _batch_starts(
    batch: int,
    out_shape: Shape,
    out_strides: Strides,
    a_shape: Shape,
    a_strides: Strides,
    b_shape: Shape,
) -> tuple[int, int, int]:
    """Where matrix ``batch`` of out and its ``a`` start, and which ``b`` it uses.

    The ``b`` matrix is counted row-major over ``b``'s batch dims. Batch dims
    broadcast: a dim of size 1 in ``a`` or ``b`` serves every index.
    """
    dims = len(out_shape)
    a_off = dims - len(a_shape)
    b_off = dims - len(b_shape)
    out_start = 0
    a_start = 0
    b_matrix = 0
    b_matrices_below = 1
    rest = batch
    for d in range(dims - 3, -1, -1):
        index = rest % out_shape[d]
        rest //= out_shape[d]
        out_start += index * out_strides[d]
        if d >= a_off and a_shape[d - a_off] != 1:
            a_start += index * a_strides[d - a_off]
        if d >= b_off:
            size = b_shape[d - b_off]
            if size != 1:
                b_matrix += index * b_matrices_below
            b_matrices_below *= size
    return out_start, a_start, b_matrix


batch_starts = njit(_batch_starts, inline="always")


def _pack_rows(
    packed: Any,
    first_k: int,
    last_k: int,
    b_storage: Storage,
    start: int,
    k_step: int,
    col_step: int,
    cols: int,
) -> None:
    """Copy rows ``first_k ≤ k < last_k`` of one matrix of ``b`` into ``packed``.

    ``start`` is where the matrix begins; row ``k``'s columns of block ``block``
    go to ``packed[block, k]``. Rows laid out contiguously are copied row by
    row; otherwise (a transposed ``b``) column by column, all the rows at once,
    so that neighbouring values are read together, not one per cache line
    (1024² bᵀ: 1.7 ms, not 3.5; contiguous rows row by row: 0.5 ms, not 1.5).
    """
    width = packed.shape[2]
    blocks = packed.shape[0]
    if col_step == 1:
        for k in range(first_k, last_k):
            for block in range(blocks):
                first = block * width
                run = packed[block, k]
                row = start + k * k_step + first
                for j in range(min(width, cols - first)):
                    run[j] = b_storage[row + j]
    else:
        for block in range(blocks):
            first = block * width
            for j in range(min(width, cols - first)):
                column = start + (first + j) * col_step
                if last_k - first_k == PACK_GROUP:
                    # A fixed count the compiler unrolls (1024² bᵀ: 1.6 ms, not 4.4).
                    for k in range(first_k, first_k + PACK_GROUP):
                        packed[block, k, j] = b_storage[column + k * k_step]
                else:
                    for k in range(first_k, last_k):
                        packed[block, k, j] = b_storage[column + k * k_step]


pack_rows = njit(_pack_rows, inline="always")


def _four_steps(
    a_storage: Storage, start: int, step: int
) -> tuple[float, float, float, float]:
    """Four values of ``a``, ``step`` apart from ``start`` (along a row or a column)."""
    return (
        a_storage[start],
        a_storage[start + step],
        a_storage[start + 2 * step],
        a_storage[start + 3 * step],
    )


four_steps = njit(_four_steps, inline="always")


def _four_rows(
    c: Block,
    i: int,
    a_storage: Storage,
    a_start: int,
    a_row_step: int,
    a_k_step: int,
    packed: Block,
    first_k: int,
    last_k: int,
) -> None:
    """Add steps ``first_k ≤ k < last_k`` to rows ``i .. i+3`` of the running sums.

    ``a_start`` is where row ``i`` of ``a`` starts; ``packed`` is the column
    block of ``b``. Four steps at a time: each sum takes four products per load.
    """
    c0, c1, c2, c3 = c[i], c[i + 1], c[i + 2], c[i + 3]
    width = c.shape[1]
    k = first_k
    while k + 4 <= last_k:
        b0, b1, b2, b3 = packed[k], packed[k + 1], packed[k + 2], packed[k + 3]
        row = a_start + k * a_k_step
        x00, x01, x02, x03 = four_steps(a_storage, row, a_k_step)
        row += a_row_step
        x10, x11, x12, x13 = four_steps(a_storage, row, a_k_step)
        row += a_row_step
        x20, x21, x22, x23 = four_steps(a_storage, row, a_k_step)
        row += a_row_step
        x30, x31, x32, x33 = four_steps(a_storage, row, a_k_step)
        for j in range(width):
            # Read b once: after a store to c the compiler could not reuse b[j].
            y0, y1, y2, y3 = b0[j], b1[j], b2[j], b3[j]
            c0[j] = c0[j] + x00 * y0 + x01 * y1 + x02 * y2 + x03 * y3
            c1[j] = c1[j] + x10 * y0 + x11 * y1 + x12 * y2 + x13 * y3
            c2[j] = c2[j] + x20 * y0 + x21 * y1 + x22 * y2 + x23 * y3
            c3[j] = c3[j] + x30 * y0 + x31 * y1 + x32 * y2 + x33 * y3
        k += 4
    while k < last_k:
        b0 = packed[k]
        x0, x1, x2, x3 = four_steps(a_storage, a_start + k * a_k_step, a_row_step)
        for j in range(width):
            y0 = b0[j]
            c0[j] += x0 * y0
            c1[j] += x1 * y0
            c2[j] += x2 * y0
            c3[j] += x3 * y0
        k += 1


four_rows = njit(_four_rows, inline="always")


def _one_row(
    c_row: Block,
    a_storage: Storage,
    a_start: int,
    a_k_step: int,
    packed: Block,
    first_k: int,
    last_k: int,
) -> None:
    """Add steps ``first_k ≤ k < last_k`` to one row of sums (left from fours)."""
    for k in range(first_k, last_k):
        x = a_storage[a_start + k * a_k_step]
        b_k = packed[k]
        for j in range(len(c_row)):
            c_row[j] += x * b_k[j]


one_row = njit(_one_row, inline="always")


def _multiply_block(
    c: Block,
    a_storage: Storage,
    a_start: int,
    a_row_step: int,
    a_k_step: int,
    packed: Block,
) -> None:
    """``c += a_block @ b_block``, in chunks of the shared dim.

    ``a_start`` is where the block's first row of ``a`` starts, ``packed`` the
    column block of ``b`` (all ``inner`` rows). A chunk is ``MATMUL_DEPTH``
    steps, so that its part of ``b`` stays in cache while every row of ``c``
    passes over it.
    """
    height = c.shape[0]
    inner = packed.shape[0]
    for first_k in range(0, inner, MATMUL_DEPTH):
        last_k = min(inner, first_k + MATMUL_DEPTH)
        for i in range(0, height - 3, 4):
            row = a_start + i * a_row_step
            four_rows(
                c, i, a_storage, row, a_row_step, a_k_step, packed, first_k, last_k
            )
        for i in range(height - height % 4, height):
            row = a_start + i * a_row_step
            one_row(c[i], a_storage, row, a_k_step, packed, first_k, last_k)


multiply_block = njit(_multiply_block, inline="always")


def _few_rows(
    out: Storage,
    out_start: int,
    out_row_step: int,
    out_col_step: int,
    rows: int,
    a_storage: Storage,
    a_start: int,
    a_row_step: int,
    a_k_step: int,
    b_storage: Storage,
    b_start: int,
    b_k_step: int,
    inner: int,
    width: int,
) -> None:
    """``width`` columns of a product with few rows, read straight from ``b``.

    The starts are those of the block's first row and column; ``b``'s rows must
    be contiguous. One row of sums at a time, in order of ``k``; the loop along
    the row (a contiguous slice of ``b``) becomes SIMD code.
    """
    c = np.empty(width)
    for i in range(rows):
        c[:] = 0.0
        for k in range(inner):
            x = a_storage[a_start + i * a_row_step + k * a_k_step]
            row = b_start + k * b_k_step
            b_run = b_storage[row : row + width]
            for j in range(width):
                c[j] += x * b_run[j]
        at = out_start + i * out_row_step
        for j in range(width):
            out[at + j * out_col_step] = c[j]


few_rows = njit(_few_rows, inline="always")


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
    effect). First every row of every matrix of ``b`` is packed (in parallel),
    then the blocks of ``out`` are summed (in parallel), see the module's notes.
    Two parallel loops, not more: each costs seconds of compile time.
    """
    dims = len(out_shape)
    rows = out_shape[dims - 2]
    cols = out_shape[dims - 1]
    inner = a_shape[len(a_shape) - 1]
    if len(out) == 0:
        return
    matrices = len(out) // (rows * cols)
    b_matrices = 1
    for d in range(len(b_shape) - 2):
        b_matrices *= b_shape[d]
    b_k_step = b_strides[len(b_strides) - 2]
    b_col_step = b_strides[len(b_strides) - 1]
    a_row_step = a_strides[len(a_strides) - 2]
    a_k_step = a_strides[len(a_strides) - 1]
    out_row_step = out_strides[dims - 2]
    out_col_step = out_strides[dims - 1]
    col_blocks, width = split(cols, MATMUL_COLS)
    row_blocks, height = split(rows, MATMUL_ROWS)
    few = rows < PACK_MIN_ROWS and b_col_step == 1
    packed = np.empty((0 if few else b_matrices, col_blocks, inner, width))
    groups = (inner + PACK_GROUP - 1) // PACK_GROUP
    for task in prange(len(packed) * groups):
        matrix = task // groups
        first_k = (task % groups) * PACK_GROUP
        last_k = min(inner, first_k + PACK_GROUP)
        start = matrix_start(matrix, b_shape, b_strides)
        pack_rows(
            packed[matrix],
            first_k,
            last_k,
            b_storage,
            start,
            b_k_step,
            b_col_step,
            cols,
        )

    per_matrix = row_blocks * col_blocks
    # Neighbouring tasks share a column block of b: one thread's next task
    # finds it still in cache.
    for task in prange(matrices * per_matrix):
        batch = task // per_matrix
        col_block = (task % per_matrix) // row_blocks
        first_row = (task % row_blocks) * height
        first_col = col_block * width
        out_start, a_start, b_matrix = batch_starts(
            batch, out_shape, out_strides, a_shape, a_strides, b_shape
        )
        out_start += first_row * out_row_step + first_col * out_col_step
        a_start += first_row * a_row_step
        block_rows = min(height, rows - first_row)
        block_cols = min(width, cols - first_col)
        if few:
            b_start = matrix_start(b_matrix, b_shape, b_strides) + first_col
            few_rows(
                out,
                out_start,
                out_row_step,
                out_col_step,
                block_rows,
                a_storage,
                a_start,
                a_row_step,
                a_k_step,
                b_storage,
                b_start,
                b_k_step,
                inner,
                block_cols,
            )
        else:
            c = np.zeros((block_rows, block_cols))
            multiply_block(
                c, a_storage, a_start, a_row_step, a_k_step, packed[b_matrix, col_block]
            )
            for i in range(block_rows):
                for j in range(block_cols):
                    out[out_start + i * out_row_step + j * out_col_step] = c[i, j]


def _named_copy(fn: F, suffix: str) -> F:
    """A copy of ``fn`` with a name of its own, so it gets its own cache entry.

    numba files a cached compile under the function's name; the parallel and the
    serial compile of the kernel need one each.
    """
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__)
    copy.__qualname__ = f"{fn.__qualname__}__{suffix}"
    copy.__doc__ = fn.__doc__
    return cast(F, copy)


# No fastmath: fused multiply-adds would save about a tenth (1024²: 56-59 ms, not
# 63-64) but round differently; without them results equal SimpleOps' exactly.
tensor_matrix_multiply: MatMulKernel = cached_njit(
    _named_copy(_tensor_matrix_multiply, "parallel"),
    parallel=True,
)
serial_matrix_multiply: MatMulKernel = cached_njit(
    _named_copy(_tensor_matrix_multiply, "serial")
)
