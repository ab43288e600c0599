import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch import (
    History,
    IndexingError,
    SimpleOps,
    Tensor,
    TensorBackend,
    TensorData,
    tensor,
)

from ._tensor_strategies import (
    assert_tensor_close,
    broadcast_tensors,
    matmul_tensors,
    shaped_tensors,
    tensors,
)

# ---------------------------------------------------------------------------
# Construction
# ---------------------------------------------------------------------------


@pytest.mark.task2_2
def test_create_from_nested_lists() -> None:
    assert tensor([1, 2, 3]).shape == (3,)
    t = tensor([[2, 3, 4], [4, 5, 7]])
    assert t.shape == (2, 3)
    assert t[1, 2] == 7.0
    assert tensor([[[1, 2, 3], [4, 5, 6]]]).shape == (1, 2, 3)
    assert tensor(((1.5, 2), (3, 4))).to_numpy().tolist() == [[1.5, 2], [3, 4]]


@pytest.mark.parametrize(
    "ragged", [[[1, 2], [3]], [[1, 2], 3], [1, [2, 3]], [[[1], [2]], [[3], [4, 5]]]]
)
def test_ragged_lists_are_rejected_with_their_path(ragged: list[object]) -> None:
    with pytest.raises(ValueError, match="ragged"):
        tensor(ragged)


def test_non_numbers_are_rejected() -> None:
    with pytest.raises(TypeError, match="got NoneType"):
        tensor(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="numeric ndarray"):
        tensor(np.array(["a", "b"]))
    with pytest.raises(TypeError):
        tensor(["a", "b"])
    with pytest.raises(TypeError):
        tensor("ab")


def test_factories() -> None:
    z = minitorch.zeros((2, 3))
    assert z.shape == (2, 3) and z.to_numpy().sum() == 0.0
    assert z.is_constant()
    r = minitorch.rand((3, 2))
    assert r.shape == (3, 2)
    assert np.all((r.to_numpy() >= 0) & (r.to_numpy() < 1))
    assert minitorch.rand((2,), requires_grad=True).is_leaf()
    assert not tensor([1.0]).requires_grad()
    assert tensor([1.0], requires_grad=True).is_leaf()


def test_rand_is_reproducible_with_an_rng() -> None:
    a = minitorch.rand((4,), rng=random.Random(3)).to_numpy()
    b = minitorch.rand((4,), rng=random.Random(3)).to_numpy()
    c = minitorch.rand((4,), rng=random.Random(4)).to_numpy()
    assert a.tolist() == b.tolist() != c.tolist()


def test_make_and_tensor_layout_access() -> None:
    t = Tensor.make(np.arange(6.0), (2, 3), backend=minitorch.SimpleBackend)
    assert t._tensor.strides == (3, 1)
    assert t[1, 0] == 3.0
    t2 = Tensor.make([0.0, 1.0, 2.0, 3.0], (2, 2), (1, 2))
    assert t2[0, 1] == 2.0


def test_from_numpy_makes_a_leaf_on_the_same_backend() -> None:
    backend = TensorBackend(SimpleOps)
    t = tensor([1.0, 2.0], backend=backend)
    array = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    u = t.from_numpy(array)
    assert u.shape == (2, 3)
    assert u.backend is backend
    assert u.is_leaf()
    assert u[1, 2] == 6.0
    array[0, 0] = 100.0
    assert u[0, 0] == 1.0  # a copy, not a view of the array


@given(tensors())
def test_to_numpy_roundtrip(t: Tensor) -> None:
    array = t.to_numpy()
    assert array.shape == t.shape
    for ind in t._tensor.indices():
        assert array[ind] == t[ind]
    back = t.from_numpy(array)
    assert back.to_numpy().tolist() == array.tolist()


# ---------------------------------------------------------------------------
# Indexing, views, layout
# ---------------------------------------------------------------------------


@pytest.mark.task2_2
def test_index_out_of_range_fails() -> None:
    t = tensor([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(IndexingError):
        t[50, 2]
    with pytest.raises(IndexingError):
        t[0, 3]
    with pytest.raises(IndexingError):
        t[0]


def test_set_and_get_items() -> None:
    t = tensor([[1, 2, 3], [4, 5, 6]])
    t[1, 1] = 10.0
    assert t[1, 1] == 10.0
    assert t[(np.int64(1), np.int64(1))] == 10.0
    v = tensor([1.0, 2.0])
    assert v[1] == 2.0
    assert tensor([[4.5]]).item() == 4.5
    with pytest.raises(ValueError, match="one value"):
        t.item()


@pytest.mark.task2_2
def test_view() -> None:
    t = tensor([[2, 3, 4], [4, 5, 7]])
    assert t.view(6).shape == (6,)
    assert t.view(1, 6).shape == (1, 6)
    t2 = t.view(3, 2)
    assert t2[2, 1] == 7.0
    assert t2._tensor._storage is t._tensor._storage


@pytest.mark.task2_2
def test_view_of_permuted_tensor_fails_and_suggests_contiguous() -> None:
    t = tensor([[2, 3, 4], [4, 5, 7]]).permute(1, 0)
    assert not t._tensor.is_contiguous()
    with pytest.raises(ValueError, match=r"contiguous\(\)"):
        t.view(6)
    assert t.contiguous().view(6).to_numpy().tolist() == [2, 4, 3, 5, 4, 7]


def test_view_of_wrong_size_fails() -> None:
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        tensor([[2, 3, 4], [4, 5, 7]]).view(4)


@given(tensors())
def test_contiguous_keeps_values(t: Tensor) -> None:
    c = t.contiguous()
    assert c._tensor.is_contiguous()
    assert c._tensor.strides == minitorch.strides_from_shape(t.shape)
    assert c.to_numpy().tolist() == t.to_numpy().tolist()


@given(st.data(), tensors())
def test_permute_matches_numpy(data: st.DataObject, t: Tensor) -> None:
    order = data.draw(st.permutations(range(t.dims)))
    assert t.permute(*order).to_numpy().tolist() == (
        t.to_numpy().transpose(order).tolist()
    )


# ---------------------------------------------------------------------------
# Operators (forward values; gradients are in test_tensor_functions)
# ---------------------------------------------------------------------------


@pytest.mark.task2_3
@given(shaped_tensors(2))
def test_arithmetic_matches_numpy(ts: list[Tensor]) -> None:
    a, b = ts
    x, y = a.to_numpy(), b.to_numpy()
    assert_tensor_close(a + b, x + y)
    assert_tensor_close(a - b, x - y)
    assert_tensor_close(a * b, x * y)
    assert_tensor_close(-a, -x)
    assert_tensor_close(a < b, (x < y).astype(float))
    assert_tensor_close(a > b, (x > y).astype(float))
    assert_tensor_close(a == a, np.ones_like(x))
    assert_tensor_close(a.is_close(a + 1e-3), np.ones_like(x))
    assert_tensor_close(a.relu(), np.maximum(x, 0))
    assert_tensor_close(a.sigmoid(), 1 / (1 + np.exp(-x)))
    assert_tensor_close((a - 200).exp(), np.exp(x - 200))
    assert_tensor_close((a + 101).log(), np.log(x + 101))


@given(tensors())
def test_reflected_operators(t: Tensor) -> None:
    x = t.to_numpy()
    assert_tensor_close(3 + t, 3 + x)
    assert_tensor_close(3 - t, 3 - x)
    assert_tensor_close(t - 3, x - 3)
    assert_tensor_close(4 * t, 4 * x)
    assert_tensor_close(2 / (t.relu() + 1), 2 / (np.maximum(x, 0) + 1))
    assert_tensor_close(t / 4, x / 4)
    assert_tensor_close(t > 0.5, (x > 0.5).astype(float))
    assert_tensor_close(t < 0.5, (x < 0.5).astype(float))


@pytest.mark.task2_3
@given(broadcast_tensors())
def test_broadcast_arithmetic(pair: tuple[Tensor, Tensor]) -> None:
    a, b = pair
    assert_tensor_close(a + b, a.to_numpy() + b.to_numpy())
    assert_tensor_close(a * b, a.to_numpy() * b.to_numpy())


@pytest.mark.task2_3
@given(tensors())
def test_reductions(t: Tensor) -> None:
    x = t.to_numpy()
    for dim in range(t.dims):
        scale = np.abs(x).sum(axis=dim, keepdims=True)
        assert_tensor_close(t.sum(dim), x.sum(axis=dim, keepdims=True), scale)
        assert_tensor_close(t.mean(dim), x.mean(axis=dim, keepdims=True), scale)
    total = np.abs(x).sum()
    assert_tensor_close(t.sum(), [x.sum()], total)
    assert_tensor_close(t.mean(), [x.mean()], total)
    last = np.abs(x).sum(axis=-1, keepdims=True)
    assert_tensor_close(t.sum(-1), x.sum(axis=-1, keepdims=True), last)
    ones = t > -1000
    assert_tensor_close(ones.all(), [1.0])
    assert_tensor_close((t > 1000).all(), [0.0])
    assert_tensor_close(ones.all(0), np.ones((1, *t.shape[1:])))


def test_sum_shapes() -> None:
    t = tensor([[1, 2], [3, 4], [5, 6]])
    assert t.sum(0).shape == (1, 2)
    assert t.sum(1).shape == (3, 1)
    assert t.sum().shape == (1,)
    assert t.permute(1, 0).sum().item() == 21.0
    with pytest.raises(IndexError):
        t.sum(2)


@pytest.mark.task2_2
@given(matmul_tensors())
def test_matmul_matches_numpy(pair: tuple[Tensor, Tensor]) -> None:
    a, b = pair
    out = a @ b
    x, y = a.to_numpy(), b.to_numpy()
    assert_tensor_close(out, x @ y, np.abs(x) @ np.abs(y))


def test_matmul_shapes() -> None:
    a = minitorch.rand((2, 3))
    assert (a @ minitorch.rand((3, 4))).shape == (2, 4)
    assert (minitorch.rand((5, 2, 3)) @ minitorch.rand((1, 3, 4))).shape == (5, 2, 4)
    assert (a @ minitorch.rand((5, 3, 4))).shape == (5, 2, 4)
    p, q = minitorch.rand((2, 1, 2, 3)), minitorch.rand((4, 3, 1))
    x, y = p.to_numpy(), q.to_numpy()
    assert_tensor_close(p @ q, x @ y, np.abs(x) @ np.abs(y))
    assert (p @ q).shape == (2, 4, 2, 1)
    with pytest.raises(IndexingError, match=r"\(2, 3\).*\(2, 4\)"):
        a @ minitorch.rand((2, 4))
    with pytest.raises(IndexingError):
        a @ minitorch.rand((3,))


# ---------------------------------------------------------------------------
# Autodiff bookkeeping
# ---------------------------------------------------------------------------


@pytest.mark.task2_4
def test_grad_size_with_broadcast() -> None:
    a = tensor([1], requires_grad=True)
    b = tensor([[1, 1]], requires_grad=True)
    c = (a * b).sum()
    c.backward()
    assert c[0] == 2
    assert a.grad is not None and b.grad is not None
    assert a.grad.shape == (1,)
    assert b.grad.shape == (1, 2)
    assert a.grad.to_numpy().tolist() == [2.0]
    assert b.grad.to_numpy().tolist() == [[1.0, 1.0]]


@pytest.mark.task2_4
def test_requires_grad_on_a_result_makes_it_a_leaf() -> None:
    t = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    s = t.sum(0)
    assert not s.is_leaf()
    s.requires_grad_(True)
    assert s.is_leaf() and s.history == History()
    (s * 3).sum().backward()
    assert s.grad is not None
    assert s.grad.to_numpy().tolist() == [[3.0, 3.0]]
    assert t.grad is None  # the link to t was cut


def test_requires_grad_false_makes_a_constant() -> None:
    t = tensor([1.0], requires_grad=True)
    t.requires_grad_(False)
    assert t.is_constant() and not t.requires_grad()
    assert (t * 2).is_constant()


@pytest.mark.task2_4
def test_no_grad_results_have_no_history() -> None:
    t = tensor([1.0, 2.0], requires_grad=True)
    with minitorch.no_grad():
        u = (t * t + 1).sum()
    assert u.history is None and u.is_constant()
    assert (t * t).history is not None  # recording resumes afterwards


def test_history_records_function_and_inputs() -> None:
    a = tensor([1.0, 2.0], requires_grad=True)
    b = tensor([3.0, 4.0], requires_grad=True)
    c = a * b
    assert c.history is not None
    assert c.history.last_fn is minitorch.Mul
    assert c.history.last_fn.__name__ == "Mul"
    assert [x.unique_id for x in c.parents] == [a.unique_id, b.unique_id]
    assert not c.is_leaf() and not c.is_constant()


def test_gradients_accumulate_until_zeroed() -> None:
    t = tensor([1.0, 2.0], requires_grad=True)
    (t * 2).sum().backward()
    (t * 2).sum().backward()
    assert t.grad is not None and t.grad.to_numpy().tolist() == [4.0, 4.0]
    t.zero_grad_()
    assert t.grad is None


def test_shared_subexpression_gets_both_paths() -> None:
    t = tensor([3.0], requires_grad=True)
    b = t * t
    (b + b).sum().backward()
    assert t.grad is not None and t.grad.item() == 12.0


def test_backward_needs_a_single_value_or_a_seed() -> None:
    t = tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="grad_output"):
        (t * 2).backward()
    (t * 2).backward(tensor([1.0, 10.0]))
    assert t.grad is not None and t.grad.to_numpy().tolist() == [2.0, 20.0]
    with pytest.raises(RuntimeError, match="requires_grad"):
        tensor([1.0]).backward()


def test_detach() -> None:
    t = tensor([1.0, 2.0], requires_grad=True)
    d = (t * 2).detach()
    assert d.is_constant()
    assert d.to_numpy().tolist() == [2.0, 4.0]


def test_tensor_has_no_derivative_attribute() -> None:
    t = tensor([1.0], requires_grad=True)
    assert not hasattr(t, "derivative")
    with pytest.raises(AttributeError):
        t.derivative = 1.0  # type: ignore[attr-defined]


def test_sgd_updates_tensor_parameters() -> None:
    p = minitorch.Parameter(tensor([1.0, 2.0]))
    (p.value * p.value).sum().backward()
    opt = minitorch.SGD([p], 0.5)
    opt.step()
    assert p.value.to_numpy().tolist() == [0.0, 0.0]
    assert p.value.is_leaf()


def test_names_and_ids() -> None:
    a, b = tensor([1.0]), tensor([1.0])
    assert b.unique_id > a.unique_id
    assert a.name == str(a.unique_id)
    a.name = "x"
    assert a.name == "x"
    assert repr(a) == "[1.]"


def test_backend_propagates_and_constants_move_onto_it() -> None:
    backend = TensorBackend(SimpleOps)
    t = tensor([1.0, 2.0], backend=backend, requires_grad=True)
    other = tensor([1.0, 1.0])  # default backend
    out = ((t + other) * 2 - 1).sigmoid().sum()
    assert out.backend is backend
    assert other.backend is backend  # _ensure_tensor moved it
    out.backward()
    assert t.grad is not None and t.grad.backend is backend
    assert t.f is backend


def test_tensor_data_is_shared_by_views_and_detach() -> None:
    data = TensorData([1.0, 2.0, 3.0, 4.0], (2, 2))
    t = Tensor(data)
    assert t.detach()._tensor is data
    assert t.permute(1, 0)._tensor._storage is data._storage
    assert t.backend is minitorch.SimpleBackend
