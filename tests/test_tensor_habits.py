"""What learners bring along: the course's own calling patterns, and PyTorch habits.

The course's Tensor Math sandbox builds every one-argument example from a bare
number, seeds backward with ``tensor([1.0])`` and reads the 0-d gradient with
``[0]``; its Tensor sandbox catches ``AssertionError`` for a storage that does not
fit the shape. The stand-ins below call the library the same way. PyTorch and
numpy habits (``t.numpy()``, ``reshape``, ``.T``, ``len``, negative indices,
``np.asarray(t)``, ...) either work or fail with a one-line error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import IndexingError, MathTestVariable, Tensor, TensorData

from ._tensor_strategies import tensors

one_arg, two_arg, red_arg = MathTestVariable._comp_testing()

# ---------------------------------------------------------------------------
# The course's Tensor Math sandbox: 0-d tensors from bare numbers
# ---------------------------------------------------------------------------


def test_a_bare_number_makes_a_0d_tensor() -> None:
    t = minitorch.tensor(2.0)
    assert t.shape == () and t.dims == 0 and t.size == 1
    assert t.item() == 2.0
    assert t[0] == 2.0 and t[()] == 2.0 and t[-1] == 2.0
    assert minitorch.tensor(3).item() == 3.0
    assert minitorch.tensor(np.float64(1.5)).item() == 1.5


@pytest.mark.parametrize("fn", one_arg, ids=[f[0] for f in one_arg])
def test_math_sandbox_one_arg_pattern(fn: tuple[str, object, object]) -> None:
    """The sandbox's loop: a 0-d input, seed ``tensor([1.0])``, read ``x.grad[0]``."""
    name, base_fn, tensor_fn = fn
    assert callable(base_fn) and callable(tensor_fn)
    for p in [-2.5 + 1e-5, 0.5 + 1e-5, 3.0 + 1e-5]:
        x = minitorch.tensor(p, requires_grad=True)
        out = tensor_fn(x)
        assert math.isclose(out[0], base_fn(p), rel_tol=1e-9, abs_tol=1e-12)
        out.backward(minitorch.tensor([1.0]))
        assert x.grad is not None and x.grad.shape == ()
        expected = minitorch.central_difference(base_fn, p)
        assert math.isclose(x.grad[0], expected, rel_tol=1e-4, abs_tol=1e-6), name


def test_math_sandbox_forward_patterns() -> None:
    """Plots read ``f(tensor([p]))[0]`` and ``f(tensor([x, y]))[0]`` for reductions."""
    for name, base_fn, tensor_fn in red_arg:
        got = tensor_fn(minitorch.tensor([1.5, -2.0]))[0]
        assert math.isclose(got, base_fn([1.5, -2.0]), rel_tol=1e-12), name
    for name, base_fn, tensor_fn in two_arg:
        got = tensor_fn(minitorch.tensor([1.5]), minitorch.tensor([-2.0]))[0]
        assert got == pytest.approx(base_fn(1.5, -2.0), rel=1e-12), name


def test_wrong_size_storage_is_an_assertion_error() -> None:
    """The course's Tensor sandbox catches AssertionError to show a message."""
    with pytest.raises(
        AssertionError, match=r"storage holds 5 values but shape \(2, 3\)"
    ):
        minitorch.Tensor.make([1.0] * 5, (2, 3))
    with pytest.raises(IndexingError):
        TensorData([1.0] * 5, (2, 3))


def test_tensor_validation_stays_strict() -> None:
    with pytest.raises(TypeError, match="got str"):
        minitorch.tensor("1.0")
    with pytest.raises(TypeError, match="not a number"):
        minitorch.tensor([1.0, None])
    with pytest.raises(ValueError, match="ragged"):
        minitorch.tensor([[1.0], [2.0, 3.0]])
    with pytest.raises(TypeError, match="numeric ndarray"):
        minitorch.tensor(np.array([1 + 2j]))


# ---------------------------------------------------------------------------
# Indexing
# ---------------------------------------------------------------------------


def test_0d_gradient_reads_with_index_0() -> None:
    x = minitorch.tensor(3.0, requires_grad=True)
    (x * x).backward()
    assert x.grad is not None and x.grad[0] == 6.0 and x.grad[()] == 6.0
    x.grad[0] = 1.0
    assert x.grad.item() == 1.0


@settings(max_examples=25)
@given(data=st.data(), t=tensors())
def test_negative_indices_count_from_the_end(data: st.DataObject, t: Tensor) -> None:
    index = tuple(data.draw(st.integers(-s, s - 1)) for s in t.shape)
    assert t[index] == t.to_numpy()[index]


def test_bad_indices_fail_in_one_line() -> None:
    t = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.raises(IndexingError, match=r"out of range for shape \(2, 3\)"):
        t[50, 2]
    with pytest.raises(IndexingError, match=r"out of range"):
        t[-3, 0]
    with pytest.raises(IndexingError, match="one index per dim"):
        t[0]
    with pytest.raises(TypeError, match="slices are not supported"):
        t[0:1]  # type: ignore[index]
    with pytest.raises(IndexingError):
        minitorch.tensor(1.0)[1]


# ---------------------------------------------------------------------------
# numpy and PyTorch habits
# ---------------------------------------------------------------------------


def test_tensor_from_a_numpy_array_keeps_its_shape() -> None:
    array = np.arange(6, dtype=np.int64).reshape(2, 3)
    t = minitorch.tensor(array, requires_grad=True)
    assert t.shape == (2, 3) and t.is_leaf()
    assert t.to_numpy().tolist() == array.tolist()
    assert minitorch.tensor(np.array(2.5)).shape == ()
    fast = minitorch.backend("fast")
    assert minitorch.tensor(array.T, backend=fast).tolist() == array.T.tolist()


def test_numpy_views_of_a_tensor() -> None:
    t = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).permute(1, 0)
    expected = [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    assert t.numpy().tolist() == expected
    assert t.tolist() == expected
    assert minitorch.tensor(2.0).tolist() == 2.0
    array = np.asarray(t)
    assert array.dtype == np.float64 and array.tolist() == expected
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert len(t) == 3
    with pytest.raises(TypeError, match="0-d"):
        len(minitorch.tensor(1.0))


def test_truth_of_one_value_tensors() -> None:
    loss = minitorch.tensor([0.25])
    assert loss < 0.5
    assert not (loss > 0.5)
    assert minitorch.tensor(1.0)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(minitorch.tensor([1.0, 2.0]))


def test_iterating_a_1d_tensor_gives_its_values() -> None:
    assert list(minitorch.tensor([1.0, 2.0])) == [1.0, 2.0]
    with pytest.raises(TypeError, match="only 1-D"):
        list(minitorch.tensor([[1.0]]))


def test_reshape_copies_when_needed_and_infers_minus_one() -> None:
    t = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    permuted = t.permute(1, 0)
    flat = permuted.reshape(-1)
    assert flat.tolist() == [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
    assert t.reshape((3, 2)).shape == (3, 2)
    assert t.reshape(1, -1).shape == (1, 6)
    (flat * minitorch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])).sum().backward()
    assert t.grad is not None
    assert t.grad.tolist() == [[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]
    with pytest.raises(ValueError, match="cannot reshape"):
        t.reshape(4, -1)
    with pytest.raises(ValueError, match="only one size may be -1"):
        t.reshape(-1, -1)


def test_transpose_property() -> None:
    t = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.T.shape == (3, 2)
    assert t.T.tolist() == np.array(t.tolist()).T.tolist()
    cube = minitorch.rand((2, 3, 4))
    np.testing.assert_array_equal(cube.T.to_numpy(), cube.to_numpy().T)


def test_max_over_everything_or_a_dim() -> None:
    t = minitorch.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 5.0]], requires_grad=True)
    assert t.max().tolist() == [5.0]
    assert t.max(1).tolist() == [[5.0], [5.0]]
    assert t.max(-2).tolist() == [[4.0, 5.0, 5.0]]
    t.max().backward()
    # Ties: every maximal value receives the gradient.
    assert t.grad is not None
    assert t.grad.tolist() == [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def test_printing_shows_significant_digits_and_summarises() -> None:
    assert repr(minitorch.tensor([1e-8, 2.0])) == "[1.e-08 2.e+00]"
    text = repr(minitorch.zeros((100, 100)))
    assert "..." in text and text.count("\n") < 10


def test_requires_grad_stays_the_courses_method() -> None:
    t = minitorch.tensor([1.0])
    assert t.requires_grad() is False
    t.requires_grad_(True)
    assert t.requires_grad() is True


def test_checkpoint_and_conv_modules_are_reachable() -> None:
    assert callable(minitorch.checkpoint.save_checkpoint)
    assert callable(minitorch.checkpoint.load_checkpoint)
    assert isinstance(minitorch.Conv2d(1, 2, (3, 3)), minitorch.Module)
    assert isinstance(minitorch.Conv1d(1, 2, 3), minitorch.Module)


# ---------------------------------------------------------------------------
# Backends
# ---------------------------------------------------------------------------


def test_backends_by_name() -> None:
    fast = minitorch.backend("fast")
    assert fast is minitorch.backend("fast")
    assert minitorch.backend("simple") is minitorch.SimpleBackend
    assert fast.ops is minitorch.FastOps
    with pytest.raises(ValueError, match="unknown backend 'gpu'; choose one of"):
        minitorch.backend("gpu")


def test_backends_of_different_kinds_do_not_mix_gradients() -> None:
    a = minitorch.tensor([1.0, 2.0], backend=minitorch.backend("fast"))
    b = minitorch.tensor([1.0, 2.0], requires_grad=True)
    message = r"TensorBackend\(FastOps\) with one that takes a gradient on "
    message += r"TensorBackend\(SimpleOps\)"
    with pytest.raises(ValueError, match=message):
        a + b
    with pytest.raises(ValueError, match="same backend"):
        a.view(2, 1) @ b.view(1, 2)
    assert b.backend is minitorch.SimpleBackend


def test_a_constant_moves_onto_the_other_backend() -> None:
    # The course compares results with expected values built on the default backend
    # (``t.sum(0).is_close(minitorch.tensor([[11, 16]]))``).
    fast = minitorch.backend("fast")
    t = minitorch.tensor([[2.0, 3.0], [4.0, 6.0], [5.0, 7.0]], backend=fast)
    expected = minitorch.tensor([[11.0, 16.0]])
    assert t.sum(0).is_close(expected).all().item() == 1.0
    assert expected.backend is fast


def test_backends_of_the_same_kind_mix() -> None:
    a = minitorch.tensor([1.0], backend=minitorch.TensorBackend(minitorch.FastOps))
    b = minitorch.tensor([2.0], backend=minitorch.TensorBackend(minitorch.FastOps))
    assert (a + b).tolist() == [3.0]
    assert b.backend is a.backend


# ---------------------------------------------------------------------------
# Module.load_state_dict(strict=...)
# ---------------------------------------------------------------------------


class _Two(minitorch.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = minitorch.Parameter(minitorch.tensor([1.0, 2.0]))
        self.b = minitorch.Parameter(minitorch.tensor([0.0]))


def test_load_state_dict_strict_and_not() -> None:
    model = _Two()
    partial = {"w": np.array([5.0, 6.0]), "extra": np.zeros(1)}
    with pytest.raises(KeyError, match=r"missing \['b'\], unexpected \['extra'\]"):
        model.load_state_dict(partial)
    assert model.w.value.tolist() == [1.0, 2.0]
    keys = model.load_state_dict(partial, strict=False)
    assert keys.missing_keys == ["b"] and keys.unexpected_keys == ["extra"]
    assert model.w.value.tolist() == [5.0, 6.0] and model.w.value.is_leaf()
    assert model.b.value.tolist() == [0.0]
    with pytest.raises(ValueError, match="expected shape"):
        model.load_state_dict({"w": np.zeros(3)}, strict=False)
