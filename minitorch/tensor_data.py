"""Strided storage: how an n-dimensional tensor lives in a flat array.

A ``TensorData`` is a flat float64 ``storage`` plus a ``shape`` and ``strides``;
element ``index`` lives at ``sum(index[i] * strides[i])``. Permuting dims only
reorders shape and strides, so views share storage.

The three index helpers (``index_to_position``, ``to_index``,
``broadcast_index``) are written once, in the subset of Python that numba
compiles: plain loops over ``len(...)``, integer arithmetic, writes into a
caller-provided ``out_index`` and no allocation. The same source therefore runs
as plain Python on lists/tuples and, compiled by the fast and CUDA backends, on
int32 arrays.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator, Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import as_strided

from .operators import prod

MAX_DIMS = 32

Storage: TypeAlias = npt.NDArray[np.float64]
OutIndex: TypeAlias = npt.NDArray[np.int32]
Index: TypeAlias = npt.NDArray[np.int32]
Shape: TypeAlias = npt.NDArray[np.int32]
Strides: TypeAlias = npt.NDArray[np.int32]

UserIndex: TypeAlias = Sequence[int]
UserShape: TypeAlias = Sequence[int]
UserStrides: TypeAlias = Sequence[int]

# What the index helpers accept: int32 arrays inside kernels, lists and tuples
# from Python callers (the course's layout page passes lists).
IndexLike: TypeAlias = Index | Sequence[int]
OutIndexLike: TypeAlias = OutIndex | list[int]
# A user's key into a tensor: an int for 1-D data, else a tuple (numpy ints welcome).
IndexKey: TypeAlias = int | np.integer[Any] | Sequence[int | np.integer[Any]] | Index

__all__ = [
    "MAX_DIMS",
    "Index",
    "IndexingError",
    "OutIndex",
    "Shape",
    "Storage",
    "StorageSizeError",
    "Strides",
    "TensorData",
    "UserIndex",
    "UserShape",
    "UserStrides",
    "broadcast_index",
    "index_to_position",
    "prod",
    "shape_broadcast",
    "strides_from_shape",
    "to_index",
]


class IndexingError(RuntimeError):
    """An index, shape or stride that does not fit the tensor it is used with."""


class StorageSizeError(IndexingError, AssertionError):
    """Storage whose length is not the size of the shape it is viewed with.

    Also an ``AssertionError``: the course asserts this, and its pages catch that.
    """


def index_to_position(index: IndexLike, strides: IndexLike) -> int:
    """Return the storage position of a multi-index: ``sum(index[i] * strides[i])``.

    Loops over ``strides`` so an index buffer longer than the dims is harmless.
    """
    position = 0
    for i in range(len(strides)):
        position += index[i] * strides[i]
    return position


def to_index(ordinal: int, shape: IndexLike, out_index: OutIndexLike) -> None:
    """Write into ``out_index`` the multi-index of the ``ordinal``-th cell of ``shape``.

    Cells are counted in row-major order (the last dim varies fastest), whatever
    the strides, so ``0 .. size-1`` enumerates every index exactly once.
    """
    remaining = ordinal
    for i in range(len(shape) - 1, -1, -1):
        out_index[i] = remaining % shape[i]
        remaining = remaining // shape[i]


def broadcast_index(
    big_index: IndexLike,
    big_shape: IndexLike,
    shape: IndexLike,
    out_index: OutIndexLike,
) -> None:
    """Map an index of the broadcast ``big_shape`` onto the smaller ``shape``.

    Dims are right-aligned; a dim of size 1 in ``shape`` was stretched by
    broadcasting, so every big index reads its single cell 0.
    """
    offset = len(big_shape) - len(shape)
    for i in range(len(shape)):
        if shape[i] > 1:
            out_index[i] = big_index[i + offset]
        else:
            out_index[i] = 0


def shape_broadcast(shape1: UserShape, shape2: UserShape) -> tuple[int, ...]:
    """Return the NumPy-style broadcast of two shapes.

    Raises:
        IndexingError: if some right-aligned pair of dims differs and neither is 1.
    """
    n = max(len(shape1), len(shape2))
    padded1 = (1,) * (n - len(shape1)) + tuple(shape1)
    padded2 = (1,) * (n - len(shape2)) + tuple(shape2)
    result = []
    for i, (d1, d2) in enumerate(zip(padded1, padded2, strict=True)):
        if d1 == d2 or d2 == 1:
            result.append(int(d1))
        elif d1 == 1:
            result.append(int(d2))
        else:
            raise IndexingError(
                f"cannot broadcast shapes {tuple(shape1)} and {tuple(shape2)}: "
                f"right-aligned dim {i} has sizes {d1} and {d2} (one must be 1)"
            )
    return tuple(result)


def strides_from_shape(shape: UserShape) -> tuple[int, ...]:
    """Return the contiguous row-major strides of ``shape``, e.g. (4,2,2) → (4,2,1)."""
    strides = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        strides[i] = strides[i + 1] * int(shape[i + 1])
    return tuple(strides)


@functools.lru_cache(maxsize=1024)
def _row_major_layout(shape: tuple[int, ...]) -> tuple[tuple[int, ...], int, Any, Any]:
    """``(strides, size, shape array, strides array)`` of a row-major ``shape``.

    Kernel outputs are row-major, and a program makes the same few shapes over
    and over: computing their layout once saves about a microsecond per
    output. The arrays are shared by every output of that shape and are never
    written.
    """
    strides = strides_from_shape(shape)
    size = int(prod(shape))
    return (
        strides,
        size,
        np.array(shape, dtype=np.int32),
        np.array(strides, dtype=np.int32),
    )


class TensorData:
    """Flat storage viewed through a shape and strides.

    Args:
        storage: the values; a list or tuple is copied into a float64 array, an
            ndarray (or a CUDA device array) is used as-is so views can share it.
        shape: size of each dim.
        strides: storage step of each dim; row-major if omitted.
    """

    _storage: Storage
    _shape: Shape
    _strides: Strides
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    dims: int
    size: int

    def __init__(
        self,
        storage: Sequence[float] | npt.NDArray[Any],
        shape: UserShape,
        strides: UserStrides | None = None,
    ) -> None:
        if isinstance(storage, list | tuple):
            self._storage = np.array(storage, dtype=np.float64)
        elif isinstance(storage, np.ndarray) and storage.dtype != np.float64:
            # Kernels write floats; an int array would silently truncate them.
            self._storage = storage.astype(np.float64)
        else:
            self._storage = storage  # type: ignore[assignment]
        self.shape = tuple(int(s) for s in shape)
        if any(s < 0 for s in self.shape):
            raise IndexingError(f"shape {self.shape} has a negative size")
        if strides is None:
            self.strides = strides_from_shape(self.shape)
        else:
            self.strides = tuple(int(s) for s in strides)
        if len(self.strides) != len(self.shape):
            raise IndexingError(
                f"strides {self.strides} have {len(self.strides)} entries but "
                f"shape {self.shape} has {len(self.shape)} dims"
            )
        self.dims = len(self.shape)
        self.size = int(prod(self.shape))
        if len(self._storage) != self.size:
            raise StorageSizeError(
                f"storage holds {len(self._storage)} values but shape "
                f"{self.shape} needs {self.size}"
            )
        self._shape = np.array(self.shape, dtype=np.int32)
        self._strides = np.array(self.strides, dtype=np.int32)

    @classmethod
    def fresh(cls, shape: tuple[int, ...], fill: float | None = None) -> TensorData:
        """New row-major float64 data of ``shape``: uninitialised, or all ``fill``.

        What kernel outputs are made of; ``shape`` comes from the library
        itself (a tuple of ints), so it is not checked again.
        """
        data = cls.__new__(cls)
        strides, size, shape_array, strides_array = _row_major_layout(shape)
        data._storage = np.empty(size) if fill is None else np.full(size, fill)
        data.shape = shape
        data.strides = strides
        data.dims = len(shape)
        data.size = size
        data._shape = shape_array
        data._strides = strides_array
        return data

    def to_cuda_(self) -> None:
        """Move the storage to the GPU (once; later calls do nothing)."""
        from numba import cuda  # deferred: only GPU users pay for it

        # The CUDA simulator has no ``is_cuda_array``; its arrays are never
        # plain ndarrays, which is the test that matters there.
        is_cuda_array = getattr(cuda, "is_cuda_array", None)
        on_device = (
            is_cuda_array(self._storage)
            if is_cuda_array is not None
            else not isinstance(self._storage, np.ndarray)
        )
        if not on_device:
            self._storage = cuda.to_device(self._storage)

    def is_contiguous(self) -> bool:
        """True if strides never increase from the outer to the inner dims.

        Only then can the storage be re-read under a new shape (``view``).
        """
        return all(
            outer >= inner
            for outer, inner in zip(self.strides, self.strides[1:], strict=False)
        )

    @staticmethod
    def shape_broadcast(shape_a: UserShape, shape_b: UserShape) -> tuple[int, ...]:
        """Broadcast two shapes; see the module-level ``shape_broadcast``."""
        return shape_broadcast(shape_a, shape_b)

    def index(self, index: IndexKey) -> int:
        """Return the storage position of ``index`` (an int for 1-D data).

        Raises:
            IndexingError: if the index has the wrong length or a component
                outside ``0 .. shape[i]-1``.
        """
        key = (index,) if isinstance(index, int | np.integer) else tuple(index)
        if len(key) != self.dims:
            raise IndexingError(
                f"index {key} has {len(key)} components but shape {self.shape} "
                f"has {self.dims} dims"
            )
        for i, (k, size) in enumerate(zip(key, self.shape, strict=True)):
            if not 0 <= k < size:
                raise IndexingError(
                    f"index {key} is out of range for shape {self.shape} (dim {i})"
                )
        return int(index_to_position(key, self.strides))

    def indices(self) -> Iterator[tuple[int, ...]]:
        """Yield every valid index once, in row-major order."""
        index = [0] * self.dims
        for ordinal in range(self.size):
            to_index(ordinal, self.shape, index)
            yield tuple(index)

    def sample(self) -> tuple[int, ...]:
        """Return a uniformly random valid index (uses the ``random`` module)."""
        return tuple(random.randint(0, s - 1) for s in self.shape)

    def get(self, key: IndexKey) -> float:
        """Return the value at ``key``."""
        return float(self._storage[self.index(key)])

    def set(self, key: IndexKey, val: float) -> None:
        """Store ``val`` at ``key``."""
        self._storage[self.index(key)] = val

    def tuple(self) -> tuple[Storage, Shape, Strides]:
        """Return ``(storage, shape, strides)``, the arguments every kernel takes."""
        return (self._storage, self._shape, self._strides)

    def permute(self, *order: int) -> TensorData:
        """Return a view whose dim ``i`` is this data's dim ``order[i]``.

        Raises:
            AssertionError: if ``order`` is not a permutation of ``range(dims)``.
        """
        if sorted(order) != list(range(self.dims)):
            raise AssertionError(
                f"permute order {order} is not a permutation of "
                f"{tuple(range(self.dims))} for shape {self.shape}"
            )
        return TensorData(
            self._storage,
            tuple(self.shape[o] for o in order),
            tuple(self.strides[o] for o in order),
        )

    def to_numpy(self) -> npt.NDArray[np.float64]:
        """Return a row-major copy of the values as an ndarray of ``shape``.

        A CUDA device storage is copied to the host first.
        """
        storage = self._storage
        if not isinstance(storage, np.ndarray):
            storage = storage.copy_to_host()
        byte_strides = tuple(s * storage.itemsize for s in self.strides)
        # numpy reads our layout directly: same storage, strides counted in bytes.
        return as_strided(storage, self.shape, byte_strides).copy()

    def to_string(self) -> str:
        """Render the values as numpy prints them.

        Significant digits rather than fixed decimals (``1e-08`` stays visible), and
        large tensors are summarised with ``...`` (numpy's print options apply).
        """
        return np.array2string(self.to_numpy())

    def __repr__(self) -> str:
        return f"TensorData(shape={self.shape}, strides={self.strides})"
