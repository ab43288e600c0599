import math

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import (
    IndexingError,
    TensorData,
    broadcast_index,
    index_to_position,
    shape_broadcast,
    strides_from_shape,
    to_index,
)

from ._tensor_strategies import (
    any_floats,
    broadcast_shapes,
    indices,
    shapes,
    tensor_data,
)

# ---------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------


@pytest.mark.task2_1
def test_layout() -> None:
    data = [0.0] * 15
    td = TensorData(data, (3, 5), (5, 1))
    assert td.is_contiguous()
    assert td.shape == (3, 5)
    assert td.strides == (5, 1)
    assert td.index((1, 0)) == 5
    assert td.index((1, 2)) == 7

    td = TensorData(data, (5, 3), (1, 5))
    assert not td.is_contiguous()
    assert td.shape == (5, 3)
    assert td.index((1, 0)) == 1
    assert td.index((1, 2)) == 11


@pytest.mark.task2_1
def test_attributes() -> None:
    td = TensorData([1, 2, 3, 4, 5, 6], (2, 3))
    assert td._storage.dtype == np.float64
    assert td.strides == (3, 1)
    assert isinstance(td.shape, tuple) and isinstance(td.strides, tuple)
    assert td.dims == 2
    assert td.size == 6
    assert isinstance(td.size, int)
    assert list(td._shape) == [2, 3] and list(td._strides) == [3, 1]
    storage, shape, strides = td.tuple()
    assert storage is td._storage and shape is td._shape and strides is td._strides


def test_storage_array_is_shared_not_copied() -> None:
    storage = np.arange(6, dtype=np.float64)
    td = TensorData(storage, (2, 3))
    assert td._storage is storage


def test_int_array_storage_becomes_float() -> None:
    td = TensorData(np.arange(4), (4,))
    td.set((0,), 0.5)
    assert td.get((0,)) == 0.5


@pytest.mark.task2_1
def test_mismatched_strides_fail() -> None:
    with pytest.raises(IndexingError, match=r"\(6,\).*\(3, 5\)"):
        TensorData([0.0] * 15, (3, 5), (6,))


def test_wrong_storage_size_fails() -> None:
    with pytest.raises(IndexingError, match="needs 6"):
        TensorData([0.0] * 5, (2, 3))


def test_negative_size_fails() -> None:
    with pytest.raises(IndexingError, match="negative"):
        TensorData([], (2, -1))


@pytest.mark.task2_1
def test_strides_from_shape() -> None:
    assert strides_from_shape((4, 2, 2)) == (4, 2, 1)
    assert strides_from_shape((5,)) == (1,)
    assert strides_from_shape(()) == ()


def test_prod_accepts_numpy_ints() -> None:
    shape = (np.int32(2), np.int64(3))
    assert int(minitorch.prod(shape)) == 6  # type: ignore[arg-type]
    assert minitorch.prod(()) == 1


# ---------------------------------------------------------------------------
# Indexing
# ---------------------------------------------------------------------------


@pytest.mark.task2_1
def test_index_errors_name_index_and_shape() -> None:
    td = TensorData([0.0] * 6, (2, 3))
    with pytest.raises(IndexingError, match=r"\(2, 0\).*\(2, 3\)"):
        td.index((2, 0))
    with pytest.raises(IndexingError, match=r"\(0, -1\)"):
        td.index((0, -1))
    with pytest.raises(IndexingError, match="3 components"):
        td.index((0, 0, 0))
    with pytest.raises(IndexingError):
        td.index(0)  # one component for two dims


def test_index_accepts_ints_and_numpy_ints() -> None:
    td = TensorData([10.0, 11.0, 12.0], (3,))
    assert td.index(2) == 2
    assert td.index(np.int64(1)) == 1
    assert td.get((np.int32(2),)) == 12.0
    assert isinstance(td.index((np.int64(1),)), int)


@pytest.mark.task2_1
@given(tensor_data(any_floats))
def test_enumeration_visits_each_position_once(td: TensorData) -> None:
    all_indices = list(td.indices())
    assert len(all_indices) == td.size
    assert len(set(all_indices)) == td.size
    positions = sorted(td.index(i) for i in all_indices)
    assert positions == list(range(td.size))
    for ind in all_indices:
        assert all(0 <= i < s for i, s in zip(ind, td.shape, strict=True))


@pytest.mark.task2_1
@given(st.data(), tensor_data(any_floats))
def test_get_set_roundtrip(data: st.DataObject, td: TensorData) -> None:
    ind = data.draw(indices(td))
    td.set(ind, -7.25)
    assert td.get(ind) == -7.25
    assert td._storage[td.index(ind)] == -7.25


@given(tensor_data(any_floats))
def test_sample_is_a_valid_python_int_index(td: TensorData) -> None:
    ind = td.sample()
    assert all(type(i) is int for i in ind)
    td.index(ind)  # must not raise


@pytest.mark.task2_1
@given(shapes())
def test_to_index_inverts_contiguous_position(shape: tuple[int, ...]) -> None:
    strides = strides_from_shape(shape)
    out = [0] * len(shape)
    for ordinal in range(int(minitorch.prod(shape))):
        to_index(ordinal, shape, out)
        assert index_to_position(out, strides) == ordinal


# ---------------------------------------------------------------------------
# Permute
# ---------------------------------------------------------------------------


@pytest.mark.task2_1
@given(st.data(), tensor_data(any_floats))
def test_permute_reverse_dims(data: st.DataObject, td: TensorData) -> None:
    rev = td.permute(*reversed(range(td.dims)))
    assert rev._storage is td._storage
    assert rev.shape == td.shape[::-1]
    ind = data.draw(indices(td))
    assert rev.index(tuple(reversed(ind))) == td.index(ind)


@pytest.mark.task2_1
@given(st.data(), tensor_data(any_floats))
def test_permute_moves_dims(data: st.DataObject, td: TensorData) -> None:
    order = data.draw(st.permutations(range(td.dims)))
    p = td.permute(*order)
    assert p.shape == tuple(td.shape[o] for o in order)
    assert p.strides == tuple(td.strides[o] for o in order)
    ind = data.draw(indices(p))
    original = [0] * td.dims
    for i, o in enumerate(order):
        original[o] = ind[i]
    assert p.index(ind) == td.index(tuple(original))


def test_permute_rejects_non_permutations() -> None:
    td = TensorData([0.0] * 6, (2, 3))
    with pytest.raises(AssertionError, match="permutation"):
        td.permute(0, 0)
    with pytest.raises(AssertionError):
        td.permute(1)


# ---------------------------------------------------------------------------
# Broadcasting
# ---------------------------------------------------------------------------


@pytest.mark.task2_2
def test_shape_broadcast_examples() -> None:
    assert shape_broadcast((1,), (5, 5)) == (5, 5)
    assert shape_broadcast((5, 5), (1,)) == (5, 5)
    assert shape_broadcast((1, 5, 5), (5, 5)) == (1, 5, 5)
    assert shape_broadcast((5, 1, 5, 1), (1, 5, 1, 5)) == (5, 5, 5, 5)
    assert shape_broadcast((2, 5), (5,)) == (2, 5)
    assert TensorData.shape_broadcast((3, 1), (1, 4)) == (3, 4)


@pytest.mark.task2_2
@pytest.mark.parametrize(
    ("a", "b"), [((5, 7, 5, 1), (1, 5, 1, 5)), ((5, 2), (5,)), ((2,), (3,))]
)
def test_shape_broadcast_errors_name_both_shapes(
    a: tuple[int, ...], b: tuple[int, ...]
) -> None:
    with pytest.raises(IndexingError) as info:
        shape_broadcast(a, b)
    assert str(a) in str(info.value) and str(b) in str(info.value)


@pytest.mark.task2_2
@given(broadcast_shapes())
def test_shape_broadcast_matches_numpy(pair: tuple[tuple[int, ...], ...]) -> None:
    a, b = pair
    assert shape_broadcast(a, b) == np.broadcast_shapes(a, b)


@given(shapes(), shapes())
def test_shape_broadcast_fails_exactly_when_numpy_does(
    a: tuple[int, ...], b: tuple[int, ...]
) -> None:
    try:
        expected = np.broadcast_shapes(a, b)
    except ValueError:
        with pytest.raises(IndexingError):
            shape_broadcast(a, b)
        return
    assert shape_broadcast(a, b) == expected


@pytest.mark.task2_2
def test_broadcast_index_examples() -> None:
    out = [9, 9]
    broadcast_index([2, 1, 3], (4, 2, 5), (1, 5), out)
    assert out == [0, 3]
    out = [9]
    broadcast_index([1, 2], (3, 4), (4,), out)
    assert out == [2]


@pytest.mark.task2_2
@given(broadcast_shapes())
def test_broadcast_index_reads_what_numpy_broadcasts(
    pair: tuple[tuple[int, ...], ...],
) -> None:
    small, other = pair
    big = shape_broadcast(small, other)
    values = np.arange(int(minitorch.prod(small)), dtype=np.float64).reshape(small)
    expected = np.broadcast_to(values, big)
    strides = strides_from_shape(small)
    big_index = [0] * len(big)
    out = [0] * len(small)
    for ordinal in range(int(minitorch.prod(big))):
        to_index(ordinal, big, big_index)
        broadcast_index(big_index, big, small, out)
        pos = index_to_position(out, strides)
        assert values.ravel()[pos] == expected[tuple(big_index)]


def test_index_helpers_accept_lists_tuples_and_int32_arrays() -> None:
    assert index_to_position([1, 2], [5, 1]) == 7
    assert index_to_position(np.array([1, 2], np.int32), (5, 1)) == 7
    out = np.zeros(2, np.int32)
    to_index(5, np.array([2, 3], np.int32), out)
    assert out.tolist() == [1, 2]
    small = np.zeros(2, np.int32)
    broadcast_index(out, (2, 3), np.array([1, 3], np.int32), small)
    assert small.tolist() == [0, 2]


# ---------------------------------------------------------------------------
# The index helpers under numba, on int32 arrays (as the fast backends use them)
# ---------------------------------------------------------------------------


@settings(max_examples=20)
@given(broadcast_shapes())
def test_index_helpers_compile_with_numba(pair: tuple[tuple[int, ...], ...]) -> None:
    small, other = pair
    big = shape_broadcast(small, other)
    positions = _numba_positions(
        np.array(big, np.int32),
        np.array(small, np.int32),
        np.array(strides_from_shape(small), np.int32),
    )
    expected = []
    big_index = [0] * len(big)
    out = [0] * len(small)
    for ordinal in range(int(minitorch.prod(big))):
        to_index(ordinal, big, big_index)
        broadcast_index(big_index, big, small, out)
        expected.append(index_to_position(out, strides_from_shape(small)))
    assert list(positions) == expected


_to_index = numba.njit(inline="always")(to_index)
_broadcast_index = numba.njit(inline="always")(broadcast_index)
_index_to_position = numba.njit(inline="always")(index_to_position)


@numba.njit
def _numba_positions(
    big: np.ndarray, small: np.ndarray, small_strides: np.ndarray
) -> np.ndarray:
    size = 1
    for s in big:
        size *= s
    out = np.zeros(size, np.int64)
    big_index = np.zeros(len(big), np.int32)
    small_index = np.zeros(len(small), np.int32)
    for ordinal in range(size):
        _to_index(ordinal, big, big_index)
        _broadcast_index(big_index, big, small, small_index)
        out[ordinal] = _index_to_position(small_index, small_strides)
    return out


# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------


def test_to_string_prints_like_numpy() -> None:
    td = TensorData([1, 2, 3, 4], (2, 2))
    assert td.to_string() == "[[1. 2.]\n [3. 4.]]"
    permuted = td.permute(1, 0)
    assert permuted.to_string() == "[[1. 3.]\n [2. 4.]]"


def test_to_string_keeps_significant_digits() -> None:
    assert TensorData([1e-8, 0.5], (2,)).to_string() == "[1.e-08 5.e-01]"
    assert TensorData([2.0], ()).to_string() == "2."


def test_to_string_summarises_large_data_like_numpy() -> None:
    values = np.arange(2000.0)
    td = TensorData(values, (2, 1000))
    text = td.to_string()
    assert text == np.array2string(values.reshape(2, 1000))
    assert "..." in text and len(text) < 200


@given(tensor_data(any_floats))
def test_to_string_never_fails(td: TensorData) -> None:
    text = td.to_string()
    assert text.count("[") == text.count("]")


def test_to_string_of_special_values() -> None:
    td = TensorData([math.nan, math.inf, -math.inf], (3,))
    assert "nan" in td.to_string() and "inf" in td.to_string()


@pytest.mark.parametrize("shape", [(), (1,), (4, 3), (2, 1, 5)])
@pytest.mark.parametrize("fill", [None, 2.5])
def test_fresh_data_is_row_major(shape: tuple[int, ...], fill: float | None) -> None:
    data = TensorData.fresh(shape, fill)
    expected = TensorData([0.0] * int(minitorch.prod(shape)), shape)
    assert (data.shape, data.strides, data.dims, data.size) == (
        expected.shape,
        expected.strides,
        expected.dims,
        expected.size,
    )
    assert data._storage.dtype == np.float64 and len(data._storage) == data.size
    assert data._shape.tolist() == list(shape)
    assert data._strides.tolist() == list(expected.strides)
    assert data._shape.dtype == expected._shape.dtype
    assert data._strides.dtype == expected._strides.dtype
    if fill is not None:
        assert data._storage.tolist() == [fill] * data.size
    assert data.is_contiguous()
