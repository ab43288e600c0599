"""The numba CUDA backend: one GPU thread per output cell.

The kernels mirror the CPU ones, but the outer loop is gone: the launch
creates a grid of thread blocks, and each thread finds its cell from its block
and thread ids. Index buffers live in per-thread ``cuda.local`` arrays; threads
of a block cooperate through ``cuda.shared`` arrays and ``cuda.syncthreads()``
barriers.

* map / zip: blocks of ``THREADS_PER_BLOCK`` threads, one thread per out cell.
* reduce: one block per out cell, of up to ``REDUCE_THREADS`` threads; each
  thread folds a strided slice of the reduced dim, then the block combines the
  partial results in shared memory, halving the active threads each step.
* matmul: 32×32 tiles of ``a`` and ``b`` are staged in shared memory, so each
  value read from global memory serves 32 multiply-adds.

The host side (output shapes, allocation, the reduce start, 2-D matmul
promotion) is the shared ``wrap_*`` code of ``tensor_ops``; this module only
adds how to launch. Nothing here compiles or touches a GPU at import: kernels
are built on first launch (``NUMBA_ENABLE_CUDASIM=1`` runs them in numba's
CPU simulator).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ._numba_index import (
    CudaKernel,
    cuda_device,
    cuda_index_helpers,
    cuda_kernel,
    cuda_module,
    float64,
    int32,
)
from .tensor_data import (
    MAX_DIMS,
    Shape,
    Storage,
    Strides,
    TensorData,
    strides_from_shape,
)
from .tensor_ops import (
    MapKernel,
    ReduceFn,
    ReduceKernel,
    TensorOps,
    ZipKernel,
    wrap_reduce,
)

if TYPE_CHECKING:
    from .tensor import Tensor

# The CUDA module as kernels see it (thread/block ids, shared and local arrays,
# barriers); kernels reference it as a global, which numba resolves.
cuda = cuda_module()

__all__ = [
    "THREADS_PER_BLOCK",
    "CudaOps",
    "mm_practice",
    "sum_practice",
    "tensor_map",
    "tensor_reduce",
    "tensor_zip",
]

# Threads per block of a map or zip, and the side of a matmul tile. 32 is a
# warp: the GPU schedules threads 32 at a time.
THREADS_PER_BLOCK = 32

# Shared-memory lanes of a reduction block, and its most threads: the most a
# block can have, and a power of two so the tree halves evenly.
REDUCE_THREADS = 1024


def _blocks(cells: int, per_block: int) -> int:
    """How many blocks of ``per_block`` threads cover ``cells`` cells."""
    return (cells + per_block - 1) // per_block


def _reduce_threads(length: int) -> int:
    """Threads of a reduction block: the power of two ≥ ``length``, at most 1024.

    Summing 3 values needs 4 threads, not 1024 idle ones (and the CUDA simulator
    runs every thread as a Python thread).
    """
    threads = 1
    while threads < min(length, REDUCE_THREADS):
        threads *= 2
    return threads


# ---------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------


def tensor_map(fn: Callable[[float], float]) -> CudaKernel:
    """Return a kernel writing ``fn(in[broadcast(i)])`` into out cell ``i``.

    Signature: ``(out, out_shape, out_strides, out_size, in_storage, in_shape,
    in_strides)``; launch one thread per out cell.
    """
    device_fn = cuda_device(fn)
    index_to_position, to_index, broadcast_index = cuda_index_helpers()

    def _map(
        out: Storage,
        out_shape: Shape,
        out_strides: Strides,
        out_size: int,
        in_storage: Storage,
        in_shape: Shape,
        in_strides: Strides,
    ) -> None:
        out_index = cuda.local.array(MAX_DIMS, int32)
        in_index = cuda.local.array(MAX_DIMS, int32)
        i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
        # The last block is usually only partly needed.
        if i < out_size:
            to_index(i, out_shape, out_index)
            broadcast_index(out_index, out_shape, in_shape, in_index)
            value = in_storage[index_to_position(in_index, in_strides)]
            out[index_to_position(out_index, out_strides)] = device_fn(value)

    return cuda_kernel(_map)


def tensor_zip(fn: Callable[[float, float], float]) -> CudaKernel:
    """Return a kernel writing ``fn(a[...], b[...])`` into out cell ``i``.

    Signature: ``(out, out_shape, out_strides, out_size, a_storage, a_shape,
    a_strides, b_storage, b_shape, b_strides)``; one thread per out cell.
    """
    device_fn = cuda_device(fn)
    index_to_position, to_index, broadcast_index = cuda_index_helpers()

    def _zip(
        out: Storage,
        out_shape: Shape,
        out_strides: Strides,
        out_size: int,
        a_storage: Storage,
        a_shape: Shape,
        a_strides: Strides,
        b_storage: Storage,
        b_shape: Shape,
        b_strides: Strides,
    ) -> None:
        out_index = cuda.local.array(MAX_DIMS, int32)
        a_index = cuda.local.array(MAX_DIMS, int32)
        b_index = cuda.local.array(MAX_DIMS, int32)
        i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
        if i < out_size:
            to_index(i, out_shape, out_index)
            broadcast_index(out_index, out_shape, a_shape, a_index)
            broadcast_index(out_index, out_shape, b_shape, b_index)
            a = a_storage[index_to_position(a_index, a_strides)]
            b = b_storage[index_to_position(b_index, b_strides)]
            out[index_to_position(out_index, out_strides)] = device_fn(a, b)

    return cuda_kernel(_zip)


def tensor_reduce(fn: Callable[[float, float], float]) -> CudaKernel:
    """Return a kernel folding ``a`` along ``reduce_dim``: one block per out cell.

    Signature: ``(out, out_shape, out_strides, out_size, a_storage, a_shape,
    a_strides, reduce_dim, reduce_value)``; launch ``out_size`` blocks of a
    power-of-two number of threads, at most ``REDUCE_THREADS``.
    ``reduce_value`` (the fold's start, e.g. 0 for a sum) fills the lanes that
    have no value, so they change nothing; the block's result is folded into
    the value already in ``out``.
    """
    device_fn = cuda_device(fn)
    index_to_position, to_index, _ = cuda_index_helpers()

    def _reduce(
        out: Storage,
        out_shape: Shape,
        out_strides: Strides,
        out_size: int,
        a_storage: Storage,
        a_shape: Shape,
        a_strides: Strides,
        reduce_dim: int,
        reduce_value: float,
    ) -> None:
        partial = cuda.shared.array(REDUCE_THREADS, float64)
        out_index = cuda.local.array(MAX_DIMS, int32)
        cell = cuda.blockIdx.x
        lane = cuda.threadIdx.x
        threads = cuda.blockDim.x
        # ``cell`` is the same for the whole block, so every thread of a block
        # takes this branch together and reaches the same barriers.
        if cell < out_size:
            to_index(cell, out_shape, out_index)
            out_pos = index_to_position(out_index, out_strides)
            # out_index is 0 along reduce_dim: the first value of the fold in a.
            start = index_to_position(out_index, a_strides)
            step = a_strides[reduce_dim]
            length = a_shape[reduce_dim]
            # Lane k folds values k, k + threads, ...: any length fits a block.
            acc = reduce_value
            j = lane
            while j < length:
                acc = device_fn(acc, a_storage[start + j * step])
                j += threads
            partial[lane] = acc
            cuda.syncthreads()
            # Tree: lanes [0, half) absorb lanes [half, 2·half), half halves.
            half = threads // 2
            while half > 0:
                if lane < half:
                    partial[lane] = device_fn(partial[lane], partial[lane + half])
                cuda.syncthreads()
                half //= 2
            if lane == 0:
                out[out_pos] = device_fn(out[out_pos], partial[0])

    return cuda_kernel(_reduce)


def _build_matrix_multiply() -> CudaKernel:
    """Build the tiled batched matmul kernel (see ``tensor_matrix_multiply``)."""
    index_to_position, to_index, broadcast_index = cuda_index_helpers()
    tile = THREADS_PER_BLOCK

    def _matrix_multiply(
        out: Storage,
        out_shape: Shape,
        out_strides: Strides,
        out_size: int,
        a_storage: Storage,
        a_shape: Shape,
        a_strides: Strides,
        b_storage: Storage,
        b_shape: Shape,
        b_strides: Strides,
    ) -> None:
        a_tile = cuda.shared.array((tile, tile), float64)
        b_tile = cuda.shared.array((tile, tile), float64)
        out_index = cuda.local.array(MAX_DIMS, int32)
        a_index = cuda.local.array(MAX_DIMS, int32)
        b_index = cuda.local.array(MAX_DIMS, int32)

        dims = len(out_shape)
        rows = out_shape[dims - 2]
        cols = out_shape[dims - 1]
        inner = a_shape[len(a_shape) - 1]
        # Block (x, y, z) computes the tile of rows 32x.., cols 32y.. of batch z.
        # threadIdx.x runs along a row of out, so neighbouring threads read
        # neighbouring values of b and out.
        ty = cuda.threadIdx.y
        tx = cuda.threadIdx.x
        i = cuda.blockIdx.x * tile + ty
        j = cuda.blockIdx.y * tile + tx
        batch = cuda.blockIdx.z

        # Cell (batch, 0, 0) broadcast onto a and b: where this batch starts.
        to_index(batch * rows * cols, out_shape, out_index)
        broadcast_index(out_index, out_shape, a_shape, a_index)
        broadcast_index(out_index, out_shape, b_shape, b_index)
        out_start = index_to_position(out_index, out_strides)
        a_start = index_to_position(a_index, a_strides)
        b_start = index_to_position(b_index, b_strides)
        a_row_step = a_strides[len(a_strides) - 2]
        a_k_step = a_strides[len(a_strides) - 1]
        b_k_step = b_strides[len(b_strides) - 2]
        b_col_step = b_strides[len(b_strides) - 1]

        acc = 0.0
        for k0 in range(0, inner, tile):
            # Every thread loads one value of each tile (0 past the edges, so
            # partial tiles need no special case), then all wait for the rest.
            k = k0 + tx
            if i < rows and k < inner:
                a_tile[ty, tx] = a_storage[a_start + i * a_row_step + k * a_k_step]
            else:
                a_tile[ty, tx] = 0.0
            k = k0 + ty
            if k < inner and j < cols:
                b_tile[ty, tx] = b_storage[b_start + k * b_k_step + j * b_col_step]
            else:
                b_tile[ty, tx] = 0.0
            cuda.syncthreads()
            for kk in range(tile):
                acc += a_tile[ty, kk] * b_tile[kk, tx]
            # Nobody may overwrite the tiles while others still read them.
            cuda.syncthreads()
        if i < rows and j < cols:
            out_pos = out_start + i * out_strides[dims - 2] + j * out_strides[dims - 1]
            out[out_pos] = acc

    return cuda_kernel(_matrix_multiply)


# One kernel per operator, built at its first launch and then reused.
_map_kernel = functools.cache(tensor_map)
_zip_kernel = functools.cache(tensor_zip)
_reduce_kernel = functools.cache(tensor_reduce)
_matrix_multiply_kernel = functools.cache(_build_matrix_multiply)


def __getattr__(name: str) -> CudaKernel:
    """Build ``tensor_matrix_multiply`` on first access (importing needs no GPU).

    Kernel signature: ``(out, out_shape, out_strides, out_size, a_storage,
    a_shape, a_strides, b_storage, b_shape, b_strides)`` over inputs of at
    least 3 dims; launch grid ``(⌈rows/32⌉, ⌈cols/32⌉, batch)``, block
    ``(32, 32, 1)``.
    """
    if name == "tensor_matrix_multiply":
        return _matrix_multiply_kernel()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------
# Launchers: the kernel signatures of tensor_ops, launching on the GPU
#
# The host-side kernels of tensor_ops take ``(out, out_shape, out_strides,
# *inputs)``; a CUDA kernel also wants ``out_size`` after the output triple.
# Shapes and strides go to the device once per layout (``_on_device``): numba
# would otherwise copy each host array to the GPU and back at every launch.
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _device_ints(values: tuple[int, ...]) -> Any:
    """A device copy of a shape or strides, shared by every launch that needs it."""
    return cuda.to_device(np.array(values, dtype=np.int32))


def _on_device(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``args`` with every host int32 array (a shape or strides) on the device."""
    return tuple(
        _device_ints(tuple(a.tolist()))
        if isinstance(a, np.ndarray) and a.dtype == np.int32
        else a
        for a in args
    )


def _launch(kernel: CudaKernel, grid: Any, block: Any, *args: Any) -> None:
    """Launch ``kernel`` on ``(out, out_shape, out_strides, *rest)``.

    The kernel receives ``out_size`` after the output triple.
    """
    out, out_shape, out_strides, *rest = _on_device(args)
    kernel[grid, block](out, out_shape, out_strides, len(out), *rest)


def _cellwise_launcher(build: Callable[[Any], CudaKernel], fn: Any) -> Any:
    """A map or zip launcher: one thread per output cell, blocks of 32."""

    def launch(out: Storage, *args: Any) -> None:
        if len(out) > 0:
            blocks = _blocks(len(out), THREADS_PER_BLOCK)
            _launch(build(fn), blocks, THREADS_PER_BLOCK, out, *args)

    return launch


def _map_launcher(fn: Callable[[float], float]) -> MapKernel:
    launch: MapKernel = _cellwise_launcher(_map_kernel, fn)
    return launch


def _zip_launcher(fn: Callable[[float, float], float]) -> ZipKernel:
    launch: ZipKernel = _cellwise_launcher(_zip_kernel, fn)
    return launch


def _reduce_launcher(fn: Callable[[float, float], float], start: float) -> ReduceKernel:
    def launch(
        out: Storage,
        out_shape: Shape,
        out_strides: Strides,
        a_storage: Storage,
        a_shape: Shape,
        a_strides: Strides,
        reduce_dim: int,
    ) -> None:
        if len(out) > 0:
            threads = _reduce_threads(int(a_shape[reduce_dim]))
            args = (out, out_shape, out_strides, a_storage, a_shape, a_strides)
            _launch(_reduce_kernel(fn), len(out), threads, *args, reduce_dim, start)

    return launch


def _matrix_multiply_launcher(out: Storage, out_shape: Shape, *args: Any) -> None:
    rows, cols = int(out_shape[-2]), int(out_shape[-1])
    if len(out) == 0:
        return
    grid = (
        _blocks(rows, THREADS_PER_BLOCK),
        _blocks(cols, THREADS_PER_BLOCK),
        len(out) // (rows * cols),
    )
    block = (THREADS_PER_BLOCK, THREADS_PER_BLOCK, 1)
    _launch(_matrix_multiply_kernel(), grid, block, out, out_shape, *args)


class CudaOps(TensorOps):
    """The numba CUDA backend (use it as ``TensorBackend(CudaOps)``)."""

    cuda = True
    map_kernel = _map_launcher
    zip_kernel = _zip_launcher
    matrix_multiply_kernel = _matrix_multiply_launcher

    @classmethod
    def reduce(
        cls, fn: Callable[[float, float], float], start: float = 0.0
    ) -> ReduceFn:
        """Return a reduction folding ``fn`` from ``start`` along a dim on the GPU.

        The launcher needs ``start`` too: it fills the block's idle lanes.
        """
        return wrap_reduce(_reduce_launcher(fn, start), start, threaded=True)


# ---------------------------------------------------------------------------
# Convolutions (the kernels of fast_conv, one GPU thread per output cell)
# ---------------------------------------------------------------------------


def _conv1d(
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    out_size: int,
    input: Storage,
    input_shape: Shape,
    input_strides: Strides,
    weight: Storage,
    weight_shape: Shape,
    weight_strides: Strides,
    reverse: bool,
) -> None:
    """``out[b, o, t] = Σ_c Σ_j weight[o, c, j] · input[b, c, t ± j]``."""
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < out_size:
        out_width = out_shape[2]
        b = i // (out_shape[1] * out_width)
        o = (i // out_width) % out_shape[1]
        t = i % out_width
        acc = 0.0
        for c in range(input_shape[1]):
            for j in range(weight_shape[2]):
                pos = t - j if reverse else t + j
                if 0 <= pos < input_shape[2]:
                    acc += (
                        weight[
                            o * weight_strides[0]
                            + c * weight_strides[1]
                            + j * weight_strides[2]
                        ]
                        * input[
                            b * input_strides[0]
                            + c * input_strides[1]
                            + pos * input_strides[2]
                        ]
                    )
        out[b * out_strides[0] + o * out_strides[1] + t * out_strides[2]] = acc


def _conv2d(
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    out_size: int,
    input: Storage,
    input_shape: Shape,
    input_strides: Strides,
    weight: Storage,
    weight_shape: Shape,
    weight_strides: Strides,
    reverse: bool,
) -> None:
    """``out[b,o,y,x] = Σ_c Σ_p Σ_q weight[o,c,p,q] · input[b,c,y±p,x±q]``."""
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < out_size:
        out_h = out_shape[2]
        out_w = out_shape[3]
        b = i // (out_shape[1] * out_h * out_w)
        o = (i // (out_h * out_w)) % out_shape[1]
        y = (i // out_w) % out_h
        x = i % out_w
        acc = 0.0
        for c in range(input_shape[1]):
            in_base = b * input_strides[0] + c * input_strides[1]
            w_base = o * weight_strides[0] + c * weight_strides[1]
            for p in range(weight_shape[2]):
                row = y - p if reverse else y + p
                if 0 <= row < input_shape[2]:
                    for q in range(weight_shape[3]):
                        col = x - q if reverse else x + q
                        if 0 <= col < input_shape[3]:
                            acc += (
                                weight[
                                    w_base
                                    + p * weight_strides[2]
                                    + q * weight_strides[3]
                                ]
                                * input[
                                    in_base
                                    + row * input_strides[2]
                                    + col * input_strides[3]
                                ]
                            )
        out[
            b * out_strides[0]
            + o * out_strides[1]
            + y * out_strides[2]
            + x * out_strides[3]
        ] = acc


@functools.cache
def _conv_kernel(spatial_dims: int) -> CudaKernel:
    return cuda_kernel(_conv1d if spatial_dims == 1 else _conv2d)


def convolve(spatial_dims: int, out: Storage, *args: Any) -> None:
    """Run the ``spatial_dims``-D convolution kernel on the device, any strides.

    Arguments as ``fast_conv``'s kernels, without ``out_size``: ``(out,
    out_shape, out_strides, input, input_shape, input_strides, weight,
    weight_shape, weight_strides, reverse)``; every storage on the device.
    """
    if len(out) > 0:
        kernel = _conv_kernel(spatial_dims)
        blocks = _blocks(len(out), THREADS_PER_BLOCK)
        _launch(kernel, blocks, THREADS_PER_BLOCK, out, *args)


# ---------------------------------------------------------------------------
# Practice kernels (course exercises on shared memory)
# ---------------------------------------------------------------------------


def _sum_practice(out: Storage, a: Storage, size: int) -> None:
    """Block k writes the sum of ``a[32k : 32k + 32]`` to ``out[k]``."""
    cache = cuda.shared.array(THREADS_PER_BLOCK, float64)
    i = cuda.blockIdx.x * THREADS_PER_BLOCK + cuda.threadIdx.x
    lane = cuda.threadIdx.x
    cache[lane] = a[i] if i < size else 0.0
    cuda.syncthreads()
    half = THREADS_PER_BLOCK // 2
    while half > 0:
        if lane < half:
            cache[lane] += cache[lane + half]
        cuda.syncthreads()
        half //= 2
    # Blocks past the end of ``out`` have nowhere to write their (zero) sum.
    if lane == 0 and cuda.blockIdx.x < len(out):
        out[cuda.blockIdx.x] = cache[0]


def _mm_practice(out: Storage, a: Storage, b: Storage, size: int) -> None:
    """One block: stage both square matrices in shared memory, one thread per cell."""
    a_shared = cuda.shared.array((THREADS_PER_BLOCK, THREADS_PER_BLOCK), float64)
    b_shared = cuda.shared.array((THREADS_PER_BLOCK, THREADS_PER_BLOCK), float64)
    i = cuda.threadIdx.y
    j = cuda.threadIdx.x
    if i < size and j < size:
        a_shared[i, j] = a[i * size + j]
        b_shared[i, j] = b[i * size + j]
    cuda.syncthreads()
    if i < size and j < size:
        acc = 0.0
        for k in range(size):
            acc += a_shared[i, k] * b_shared[k, j]
        out[i * size + j] = acc


@functools.cache
def _sum_practice_kernel() -> CudaKernel:
    return cuda_kernel(_sum_practice)


@functools.cache
def _mm_practice_kernel() -> CudaKernel:
    return cuda_kernel(_mm_practice)


def _row_major_storage(t: Tensor) -> Storage:
    """``t``'s storage, copied to row-major order first if it is not already."""
    data = t._tensor
    if data.strides != strides_from_shape(data.shape):
        data = t.contiguous()._tensor
    return data._storage


def sum_practice(a: Tensor) -> TensorData:
    """Sum each run of 32 values of the 1-D ``a`` into a 2-cell output (practice).

    Launches ``size // 32 + 1`` blocks; only blocks 0 and 1 have a cell to write,
    so for up to 64 values ``out[0] + out[1]`` is the total.
    """
    (size,) = a.shape
    out = TensorData([0.0, 0.0], (2,))
    out.to_cuda_()
    kernel = _sum_practice_kernel()[size // THREADS_PER_BLOCK + 1, THREADS_PER_BLOCK]
    kernel(out._storage, _row_major_storage(a), size)
    return out


def mm_practice(a: Tensor, b: Tensor) -> TensorData:
    """Multiply two square ``(size, size)`` matrices, ``size ≤ 32``, in one block.

    Returns row-major data: ``out._storage[size * i + j] == (a @ b)[i, j]``.
    """
    size = a.shape[0]
    if a.shape != (size, size) or b.shape != (size, size) or size > THREADS_PER_BLOCK:
        raise ValueError(
            f"mm_practice needs two square matrices of the same size ≤ "
            f"{THREADS_PER_BLOCK}, got {a.shape} and {b.shape}"
        )
    out = TensorData([0.0] * (size * size), (size, size))
    out.to_cuda_()
    block = (THREADS_PER_BLOCK, THREADS_PER_BLOCK, 1)
    _mm_practice_kernel()[1, block](
        out._storage, _row_major_storage(a), _row_major_storage(b), size
    )
    return out
