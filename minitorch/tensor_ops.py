"""The backend seam: what a tensor backend must provide, and the pure-Python one.

A backend is four primitives (``map``, ``zip``, ``reduce``, ``matrix_multiply``)
plus a ``cuda`` flag. Each primitive is split in two:

* a **kernel** that only fills a pre-allocated output storage
  (``tensor_map``/``tensor_zip``/``tensor_reduce``/``tensor_matrix_multiply``
  here; numba-compiled versions in the fast and CUDA backends), and
* host-side work that is the same for every backend: broadcast the output
  shape, allocate it, pre-fill a reduction's start value, promote 2-D matrix
  products to 3-D and back, check shapes. That work lives once, in
  ``wrap_map``/``wrap_zip``/``wrap_reduce``/``wrap_matrix_multiply``, so a new
  backend only supplies kernels.

``TensorBackend(ops)`` turns an ops class into the ready-made callables
(``add_zip``, ``neg_map``, ...) that tensor Functions use.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeAlias, TypeVar, cast

import numpy as np

from . import ieee754, operators
from .tensor_data import (
    IndexingError,
    Shape,
    Storage,
    Strides,
    TensorData,
    broadcast_index,
    index_to_position,
    prod,
    shape_broadcast,
    to_index,
)

if TYPE_CHECKING:
    from .tensor import Tensor

# Kernel signatures (§12 of the API): output triple first, then each input triple.
MapKernel: TypeAlias = Callable[
    [Storage, Shape, Strides, Storage, Shape, Strides], None
]
ZipKernel: TypeAlias = Callable[
    [Storage, Shape, Strides, Storage, Shape, Strides, Storage, Shape, Strides], None
]
ReduceKernel: TypeAlias = Callable[
    [Storage, Shape, Strides, Storage, Shape, Strides, int], None
]
MatMulKernel: TypeAlias = ZipKernel
KernelT = TypeVar("KernelT", bound=Callable[..., None])


class MapProto(Protocol):
    """A backend map: ``fn`` applied to every cell of ``x``, broadcast into ``out``."""

    def __call__(self, x: Tensor, out: Tensor | None = ..., /) -> Tensor:
        """Return ``out`` (allocated with ``x``'s shape if not given)."""
        ...


ZipFn: TypeAlias = Callable[["Tensor", "Tensor"], "Tensor"]
ReduceFn: TypeAlias = Callable[["Tensor", int], "Tensor"]


# ---------------------------------------------------------------------------
# Host-side wrappers shared by every backend.
# ---------------------------------------------------------------------------


class _IgnoreRuntimeWarnings(warnings.catch_warnings):
    """Filter out RuntimeWarnings, from every thread, for the duration of a block."""

    def __enter__(self) -> None:
        super().__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)


def _launcher(kernel: KernelT, quiet: bool, threaded: bool) -> KernelT:
    """``kernel`` itself, or if ``quiet`` a launcher that silences numpy's warnings.

    Kernels that may run as Python on numpy scalars (numba with the JIT off, the
    CUDA simulator) warn where IEEE 754 answers inf or nan; those are the answers
    tensors give, so there is nothing to warn about. ``np.errstate`` is per
    thread, and the CUDA simulator runs every GPU thread as a Python thread
    (``threaded``), so there the warnings themselves are filtered. Kernels that
    never compute on numpy scalars (``SimpleOps``', compiled ``FastOps``') are
    called directly: the silencing costs about a microsecond a call.
    """
    if not quiet:
        return kernel

    def launch(*args: object) -> None:
        silence: AbstractContextManager[object] = (
            _IgnoreRuntimeWarnings()
            if threaded
            else np.errstate(over="ignore", divide="ignore", invalid="ignore")
        )
        with silence:
            kernel(*args)

    return cast(KernelT, launch)


def wrap_map(kernel: MapKernel, quiet: bool = True, threaded: bool = False) -> MapProto:
    """Make a map from a kernel: allocate the output unless given, then fill it.

    With ``out`` given, ``x`` may be smaller and is broadcast into it (this is how
    ``Tensor.expand`` stretches a gradient). ``quiet``, ``threaded``: see
    ``_launcher``.
    """
    launch = _launcher(kernel, quiet, threaded)

    def _map(x: Tensor, out: Tensor | None = None, /) -> Tensor:
        if out is None:
            out = _output(x, x.shape)
        elif shape_broadcast(x.shape, out.shape) != out.shape:
            raise IndexingError(
                f"map: input of shape {x.shape} cannot broadcast into output "
                f"of shape {out.shape}"
            )
        launch(*out._tensor.tuple(), *x._tensor.tuple())
        return out

    return _map


def wrap_zip(kernel: ZipKernel, quiet: bool = True, threaded: bool = False) -> ZipFn:
    """Make a zip from a kernel: the output has the broadcast shape of both inputs."""
    launch = _launcher(kernel, quiet, threaded)

    def _zip(a: Tensor, b: Tensor) -> Tensor:
        x, y = a._tensor, b._tensor
        shape = x.shape if x.shape == y.shape else shape_broadcast(x.shape, y.shape)
        out = _output(a, shape)
        o = out._tensor
        # Fields read directly rather than through ``tuple()``: 0.2 µs of a
        # 10-cell op's 3.6 µs.
        launch(
            o._storage, o._shape, o._strides,
            x._storage, x._shape, x._strides,
            y._storage, y._shape, y._strides,
        )  # fmt: skip
        return out

    return _zip


def wrap_reduce(
    kernel: ReduceKernel, start: float, quiet: bool = True, threaded: bool = False
) -> ReduceFn:
    """Make a reduction along one dim; that dim is kept with size 1.

    The output is pre-filled with ``start`` because kernels fold each cell
    starting from the value already there.
    """
    launch = _launcher(kernel, quiet, threaded)

    def _reduce(a: Tensor, dim: int) -> Tensor:
        if not 0 <= dim < a.dims:
            raise IndexingError(f"reduce: dim {dim} is out of range for {a.shape}")
        out_shape = list(a.shape)
        out_shape[dim] = 1
        out = _output(a, tuple(out_shape), start)
        launch(*out._tensor.tuple(), *a._tensor.tuple(), dim)
        return out

    return _reduce


def wrap_matrix_multiply(
    kernel: MatMulKernel, quiet: bool = True, threaded: bool = False
) -> ZipFn:
    """Make a batched matrix product ``a @ b`` from a kernel.

    The kernel always sees inputs of at least 3 dims (2-D inputs get a leading
    batch dim of size 1) and an output whose leading dims are the broadcast of
    the inputs' leading dims. If both inputs were 2-D the result is 2-D again.
    """
    launch = _launcher(kernel, quiet, threaded)

    def _matrix_multiply(a: Tensor, b: Tensor) -> Tensor:
        if a.dims < 2 or b.dims < 2:
            raise IndexingError(
                f"matrix_multiply needs inputs of at least 2 dims, got shapes "
                f"{a.shape} and {b.shape}"
            )
        if a.shape[-1] != b.shape[-2]:
            raise IndexingError(
                f"matrix_multiply: shapes {a.shape} and {b.shape} do not chain "
                f"({a.shape[-1]} columns vs {b.shape[-2]} rows)"
            )
        both_2d = a.dims == 2 and b.dims == 2
        a3, b3 = _at_least_3d(a), _at_least_3d(b)
        batch = shape_broadcast(a3.shape[:-2], b3.shape[:-2])
        out_shape = (*batch, a3.shape[-2], b3.shape[-1])
        out = _output(a, out_shape)
        launch(*out.tuple(), *a3.tuple(), *b3.tuple())
        if both_2d:
            # ``out`` is fresh and contiguous, so dropping the size-1 batch dim
            # is a pure re-reading of the same storage.
            return out._new(TensorData(out._tensor._storage, out_shape[1:]))
        return out

    return _matrix_multiply


def _output(like: Tensor, shape: tuple[int, ...], fill: float | None = None) -> Tensor:
    """A fresh row-major output of ``shape`` on ``like``'s backend.

    Kernels write every cell of it, so it is not zeroed first (for a large
    tensor that pass costs as much as a simple kernel); a reduction's output is
    filled with its start value.
    """
    backend = like.backend
    # Built directly, arguments by position, not through ``_new``: -0.15 µs.
    out = type(like)(TensorData.fresh(shape, fill), None, None, backend)
    if backend.cuda:
        out._type_(backend)
    return out


def _at_least_3d(t: Tensor) -> Tensor:
    """View a 2-D tensor as ``(1, n, m)``; the new dim's stride never matters."""
    if t.dims >= 3:
        return t
    data = t._tensor
    return t._new(TensorData(data._storage, (1, *data.shape), (0, *data.strides)))


# ---------------------------------------------------------------------------
# The backend interface.
# ---------------------------------------------------------------------------


class TensorOps:
    """Interface of a backend: four primitives and a ``cuda`` flag.

    A backend only declares its kernels: ``map_kernel``, ``zip_kernel`` and
    ``reduce_kernel`` turn an operator into a kernel, ``matrix_multiply_kernel``
    is one. The primitives below wrap them with the shared host-side helpers, so
    backends differ only in how their kernels compile and launch.
    """

    cuda: bool = False
    # True if kernels may compute on numpy scalars (see ``_launcher``).
    python_scalars: ClassVar[bool] = True
    map_kernel: ClassVar[Callable[[Callable[[float], float]], MapKernel]]
    zip_kernel: ClassVar[Callable[[Callable[[float, float], float]], ZipKernel]]
    reduce_kernel: ClassVar[Callable[[Callable[[float, float], float]], ReduceKernel]]
    matrix_multiply_kernel: ClassVar[MatMulKernel]

    @classmethod
    def map(cls, fn: Callable[[float], float]) -> MapProto:
        """Return a map applying ``fn`` to every cell."""
        return wrap_map(cls.map_kernel(fn), cls.python_scalars, cls.cuda)

    @classmethod
    def cmap(cls, fn: Callable[[float], float]) -> MapProto:
        """Return a map that always writes into a given ``out`` (same as ``map``)."""
        return wrap_map(cls.map_kernel(fn), cls.python_scalars, cls.cuda)

    @classmethod
    def zip(cls, fn: Callable[[float, float], float]) -> ZipFn:
        """Return a zip applying ``fn`` to pairs of (broadcast) cells."""
        return wrap_zip(cls.zip_kernel(fn), cls.python_scalars, cls.cuda)

    @classmethod
    def reduce(
        cls, fn: Callable[[float, float], float], start: float = 0.0
    ) -> ReduceFn:
        """Return a reduction folding ``fn`` from ``start`` along a dim."""
        return wrap_reduce(cls.reduce_kernel(fn), start, cls.python_scalars, cls.cuda)

    @classmethod
    def matrix_multiply(cls, a: Tensor, b: Tensor) -> Tensor:
        """Return the batched matrix product ``a @ b``."""
        kernel = cls.matrix_multiply_kernel
        return wrap_matrix_multiply(kernel, cls.python_scalars, cls.cuda)(a, b)


class TensorBackend:
    """The callables a tensor needs, specialised from one ops class.

    Building one only creates closures; kernels compile on first use (a numba
    backend can be constructed on a machine without a GPU). Logs, exponentials
    and reciprocals come from ``ieee754`` (``inf``/``nan`` as numpy gives them,
    where the Scalar ``operators`` raise); everything else from ``operators``.
    """

    def __init__(self, ops: type[TensorOps]) -> None:
        self.ops = ops
        self.cuda = ops.cuda

        self.neg_map = ops.map(operators.neg)
        self.sigmoid_map = ops.map(operators.sigmoid)
        self.relu_map = ops.map(operators.relu)
        self.log_map = ops.map(ieee754.log)
        self.exp_map = ops.map(ieee754.exp)
        self.id_map = ops.map(operators.id)
        self.id_cmap = ops.cmap(operators.id)
        self.inv_map = ops.map(ieee754.inv)

        self.add_zip = ops.zip(operators.add)
        self.mul_zip = ops.zip(operators.mul)
        self.lt_zip = ops.zip(operators.lt)
        self.eq_zip = ops.zip(operators.eq)
        self.is_close_zip = ops.zip(operators.is_close)
        self.relu_back_zip = ops.zip(operators.relu_back)
        self.log_back_zip = ops.zip(ieee754.log_back)
        self.inv_back_zip = ops.zip(ieee754.inv_back)

        self.add_reduce = ops.reduce(operators.add, 0.0)
        self.mul_reduce = ops.reduce(operators.mul, 1.0)
        # -inf, not a large negative constant: correct for any input values.
        self.max_reduce = ops.reduce(operators.max, float("-inf"))
        self.matrix_multiply: ZipFn = ops.matrix_multiply

    def __repr__(self) -> str:
        return f"TensorBackend({self.ops.__name__})"


# ---------------------------------------------------------------------------
# The pure-Python reference kernels.
#
# They use the shared index helpers on Python ints, and read values as Python
# floats: shapes, strides and storages are turned into tuples and lists once per
# call. Python arithmetic on numpy scalars is several times slower in an
# interpreted loop, and it warns where IEEE 754 answers inf or nan.
# ---------------------------------------------------------------------------


def _ints(values: Shape | Strides) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


def tensor_map(fn: Callable[[float], float]) -> MapKernel:
    """Return a kernel writing ``fn(in[broadcast(i)])`` into every cell ``i`` of out."""

    def _map(
        out: Storage,
        out_shape: Shape,
        out_strides: Strides,
        in_storage: Storage,
        in_shape: Shape,
        in_strides: Strides,
    ) -> None:
        o_shape, o_strides = _ints(out_shape), _ints(out_strides)
        i_shape, i_strides = _ints(in_shape), _ints(in_strides)
        values = in_storage.tolist()
        out_index = [0] * len(o_shape)
        in_index = [0] * len(i_shape)
        for ordinal in range(int(prod(o_shape))):
            to_index(ordinal, o_shape, out_index)
            broadcast_index(out_index, o_shape, i_shape, in_index)
            value = values[index_to_position(in_index, i_strides)]
            out[index_to_position(out_index, o_strides)] = fn(value)

    return _map


def tensor_zip(fn: Callable[[float, float], float]) -> ZipKernel:
    """Return a kernel writing ``fn(a[...], b[...])`` into every cell of out."""

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
        o_shape, o_strides = _ints(out_shape), _ints(out_strides)
        sa, sta = _ints(a_shape), _ints(a_strides)
        sb, stb = _ints(b_shape), _ints(b_strides)
        a_values, b_values = a_storage.tolist(), b_storage.tolist()
        out_index = [0] * len(o_shape)
        a_index = [0] * len(sa)
        b_index = [0] * len(sb)
        for ordinal in range(int(prod(o_shape))):
            to_index(ordinal, o_shape, out_index)
            broadcast_index(out_index, o_shape, sa, a_index)
            broadcast_index(out_index, o_shape, sb, b_index)
            a = a_values[index_to_position(a_index, sta)]
            b = b_values[index_to_position(b_index, stb)]
            out[index_to_position(out_index, o_strides)] = fn(a, b)

    return _zip


def tensor_reduce(fn: Callable[[float, float], float]) -> ReduceKernel:
    """Return a kernel folding ``a`` along ``reduce_dim`` into out.

    Each output cell starts from the value already stored there.
    """

    def _reduce(
        out: Storage,
        out_shape: Shape,
        out_strides: Strides,
        a_storage: Storage,
        a_shape: Shape,
        a_strides: Strides,
        reduce_dim: int,
    ) -> None:
        o_shape, o_strides = _ints(out_shape), _ints(out_strides)
        a_strides_t = _ints(a_strides)
        length = int(a_shape[reduce_dim])
        values = a_storage.tolist()
        index = [0] * len(o_shape)
        for ordinal in range(int(prod(o_shape))):
            to_index(ordinal, o_shape, index)
            out_pos = index_to_position(index, o_strides)
            acc = float(out[out_pos])
            # The output index has 0 in ``reduce_dim``; walk that dim of ``a``.
            for j in range(length):
                index[reduce_dim] = j
                acc = fn(acc, values[index_to_position(index, a_strides_t)])
            out[out_pos] = acc

    return _reduce


def tensor_matrix_multiply(
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
    """Kernel of the batched product ``out[.., i, j] = Σ_k a[.., i, k] b[.., k, j]``.

    Leading (batch) dims of ``a`` and ``b`` broadcast to those of ``out``.
    """
    o_shape, o_strides = _ints(out_shape), _ints(out_strides)
    sa, sta = _ints(a_shape), _ints(a_strides)
    sb, stb = _ints(b_shape), _ints(b_strides)
    inner = sa[-1]
    a_values, b_values = a_storage.tolist(), b_storage.tolist()
    out_index = [0] * len(o_shape)
    a_index = [0] * len(sa)
    b_index = [0] * len(sb)
    for ordinal in range(int(prod(o_shape))):
        to_index(ordinal, o_shape, out_index)
        broadcast_index(out_index, o_shape, sa, a_index)
        broadcast_index(out_index, o_shape, sb, b_index)
        # Row i of a and column j of b; k then walks the shared dim.
        a_index[-2] = out_index[-2]
        b_index[-1] = out_index[-1]
        acc = 0.0
        for k in range(inner):
            a_index[-1] = k
            b_index[-2] = k
            acc += (
                a_values[index_to_position(a_index, sta)]
                * b_values[index_to_position(b_index, stb)]
            )
        out[index_to_position(out_index, o_strides)] = acc


class SimpleOps(TensorOps):
    """The readable pure-Python backend; the oracle the fast backends are tested on."""

    python_scalars = False
    map_kernel = tensor_map
    zip_kernel = tensor_zip
    reduce_kernel = tensor_reduce
    matrix_multiply_kernel = tensor_matrix_multiply


SimpleBackend = TensorBackend(SimpleOps)
