"""Pooling, max, softmax and dropout: values, gradients, PyTorch as oracle."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import Tensor, TensorBackend, nn, tensor
from minitorch.fast_ops import FastOps

from ._tensor_strategies import assert_tensor_close, strided_data, tensors
from .gradcheck import check_each_element, check_random_direction

# The pure-Python backend compiles nothing, which keeps the many small
# hypothesis cases cheap; FAST (compiled once per kernel) runs the course-sized
# cases and is compared with it.
BACKEND: TensorBackend = minitorch.SimpleBackend
FAST = TensorBackend(FastOps)

SoftmaxFn = Callable[..., Tensor]


def _t(values: list[Any], requires_grad: bool = False) -> Tensor:
    return tensor(values, backend=BACKEND, requires_grad=requires_grad)


def _numpy(t: Tensor) -> np.ndarray:
    return t.to_numpy()


def _from_numpy(values: np.ndarray, backend: TensorBackend = BACKEND) -> Tensor:
    return Tensor.make(values.ravel(), values.shape, backend=backend)


@st.composite
def distinct_tensors(draw: st.DrawFn, shape: tuple[int, ...]) -> Tensor:
    """Tensors whose values are at least 0.01 apart, with a random layout.

    Max has no derivative at ties; drawing free floats and rejecting ties would
    discard most draws (hypothesis favours repeated simple values).
    """
    size = int(np.prod(shape))
    ranks = draw(st.permutations(range(size)))
    spacing = draw(st.floats(0.01, 10.0))
    shift = draw(st.floats(-50.0, 50.0))
    values = [shift + spacing * r for r in ranks]
    order = draw(st.permutations(range(len(shape))))
    return Tensor(strided_data(values, shape, order), backend=BACKEND)


# ---------------------------------------------------------------------------
# tile and pooling
# ---------------------------------------------------------------------------


def test_tile_layout() -> None:
    x_np = np.arange(2 * 3 * 4 * 6, dtype=float).reshape(2, 3, 4, 6)
    tiled, h, w = nn.tile(_from_numpy(x_np), (2, 3))
    assert (h, w) == (2, 2)
    assert tiled.shape == (2, 3, 2, 2, 6)
    got = _numpy(tiled)
    for b, c, i, j, p, q in np.ndindex(2, 3, 2, 2, 2, 3):
        assert got[b, c, i, j, p * 3 + q] == x_np[b, c, i * 2 + p, j * 3 + q]


def test_tile_rejects_a_kernel_that_does_not_divide() -> None:
    with pytest.raises(AssertionError, match=r"\(3, 2\).*\(1, 1, 4, 4\)"):
        nn.tile(minitorch.zeros((1, 1, 4, 4)), (3, 2))


@pytest.mark.task4_3
@pytest.mark.parametrize("kernel", [(2, 2), (2, 1), (1, 2)])
@given(t=tensors(backend=BACKEND, shape=(1, 1, 4, 4)))
@settings(max_examples=10)
def test_avgpool2d(kernel: tuple[int, int], t: Tensor) -> None:
    kh, kw = kernel
    out = nn.avgpool2d(t, kernel)
    assert out.shape == (1, 1, 4 // kh, 4 // kw)
    assert out._tensor.is_contiguous()
    x = _numpy(t)
    assert out[0, 0, 0, 0] == pytest.approx(x[0, 0, :kh, :kw].mean())
    tiles = x.reshape(1, 1, 4 // kh, kh, 4 // kw, kw)
    assert_tensor_close(out, tiles.mean(axis=(3, 5)), np.abs(tiles).sum(axis=(3, 5)))


def test_avgpool2d_matches_torch_on_a_course_sized_batch() -> None:
    x_np = np.random.default_rng(0).standard_normal((3, 2, 8, 12))
    out = nn.avgpool2d(_from_numpy(x_np), (4, 3))
    expected = torch.nn.functional.avg_pool2d(torch.tensor(x_np), (4, 3)).numpy()
    np.testing.assert_allclose(_numpy(out), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.task4_4
@given(t=tensors(backend=BACKEND, shape=(2, 2, 4, 6)))
@settings(max_examples=10)
def test_maxpool2d(t: Tensor) -> None:
    out = nn.maxpool2d(t, (2, 3))
    assert out.shape == (2, 2, 2, 2)
    expected = torch.nn.functional.max_pool2d(torch.tensor(_numpy(t)), (2, 3))
    np.testing.assert_array_equal(_numpy(out), expected.numpy())


@pytest.mark.task4_4
@given(t=distinct_tensors((1, 1, 4, 4)))
@settings(max_examples=10)
def test_maxpool2d_grad_check(t: Tensor) -> None:
    minitorch.grad_check(lambda x: nn.maxpool2d(x, (2, 2)), t)


# ---------------------------------------------------------------------------
# max and argmax
# ---------------------------------------------------------------------------


@pytest.mark.task4_4
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@given(t=tensors(backend=BACKEND, shape=(2, 3, 4)))
@settings(max_examples=10)
def test_max_values(dim: int, t: Tensor) -> None:
    out = minitorch.max(t, dim)
    x = _numpy(t)
    assert out.shape == np.max(x, axis=dim, keepdims=True).shape
    np.testing.assert_array_equal(_numpy(out), np.max(x, axis=dim, keepdims=True))


def test_max_of_very_negative_values() -> None:
    """No finite start value may leak into the result."""
    t = _t([[-1e12, -3e12]])
    assert minitorch.max(t, 1).item() == -1e12
    assert nn.argmax(t, 1).to_numpy().tolist() == [[1.0, 0.0]]


def test_max_reduce_is_the_module_level_max_reduction() -> None:
    t = _t([[1.0, 7.0, -2.0], [4.0, 0.5, 3.0]])
    assert nn.max_reduce(t, 1).to_numpy().tolist() == [[7.0], [4.0]]
    assert nn.max_reduce(t, 0).to_numpy().tolist() == [[4.0, 7.0, 3.0]]


@pytest.mark.task4_4
def test_argmax_marks_every_maximum() -> None:
    t = _t([[1.0, 5.0, 5.0], [2.0, 0.0, -1.0]])
    assert nn.argmax(t, 1).to_numpy().tolist() == [[0, 1, 1], [1, 0, 0]]
    assert nn.argmax(t, 0).to_numpy().tolist() == [[0, 1, 1], [1, 0, 0]]
    assert nn.argmax(t, -1).shape == t.shape


@given(t=tensors(backend=BACKEND, shape=(2, 3, 4)), dim=st.integers(0, 2))
@settings(max_examples=20)
def test_argmax_is_one_exactly_at_the_max(t: Tensor, dim: int) -> None:
    x = _numpy(t)
    expected = x == np.max(x, axis=dim, keepdims=True)
    np.testing.assert_array_equal(_numpy(nn.argmax(t, dim)), expected)


@pytest.mark.task4_4
@pytest.mark.parametrize("dim", [0, 1, 2])
@given(t=distinct_tensors((2, 3, 4)))
@settings(max_examples=10)
def test_max_grad_check(dim: int, t: Tensor) -> None:
    minitorch.grad_check(lambda x: minitorch.max(x, dim), t)


@given(t=distinct_tensors((2, 3, 4)), dim=st.integers(0, 2))
@settings(max_examples=10)
def test_max_gradient_every_element(t: Tensor, dim: int) -> None:
    check_each_element(lambda x: minitorch.max(x, dim), t)


def test_max_gradient_at_ties_goes_to_every_maximum() -> None:
    t = _t([[3.0, 1.0, 3.0]], requires_grad=True)
    out = minitorch.max(t, 1)
    out.backward(_t([[2.0]]))
    assert t.grad is not None
    assert t.grad.to_numpy().tolist() == [[2.0, 0.0, 2.0]]


def test_max_dispatches_through_the_input_backend() -> None:
    backend = TensorBackend(minitorch.SimpleOps)
    calls: list[int] = []
    reduce = backend.max_reduce

    def counting(a: Tensor, dim: int) -> Tensor:
        calls.append(dim)
        return reduce(a, dim)

    backend.max_reduce = counting
    t = tensor([[1.0, 2.0], [4.0, 3.0]], backend=backend, requires_grad=True)
    out = minitorch.max(t, 1)
    out.sum().backward()
    assert out.backend is backend
    assert calls and set(calls) == {1}


def test_max_rejects_a_bad_dim() -> None:
    with pytest.raises(IndexError, match=r"dim 3 .*\(2, 2\)"):
        minitorch.max(minitorch.zeros((2, 2)), 3)


# ---------------------------------------------------------------------------
# softmax and logsoftmax
# ---------------------------------------------------------------------------


@pytest.mark.task4_4
@given(t=tensors(backend=BACKEND, shape=(2, 3, 4)), dim=st.integers(0, 2))
@settings(max_examples=20)
def test_softmax_sums_to_one_and_matches_torch(t: Tensor, dim: int) -> None:
    out = nn.softmax(t, dim=dim)
    assert out.shape == t.shape
    sums = _numpy(out).sum(axis=dim)
    np.testing.assert_allclose(sums, np.ones_like(sums), rtol=0, atol=1e-12)
    expected = torch.softmax(torch.tensor(_numpy(t)), dim=dim).numpy()
    np.testing.assert_allclose(_numpy(out), expected, rtol=1e-9, atol=1e-12)


def test_softmax_over_a_size_one_dim_is_all_ones() -> None:
    t = _t([[-50.0], [3.0], [80.0]])
    assert nn.softmax(t, dim=1).to_numpy().tolist() == [[1.0], [1.0], [1.0]]
    assert nn.logsoftmax(t, dim=1).to_numpy().tolist() == [[0.0], [0.0], [0.0]]


@pytest.mark.task4_4
@given(t=tensors(backend=BACKEND, shape=(2, 3, 4)), dim=st.integers(0, 2))
@settings(max_examples=20)
def test_logsoftmax_matches_torch_and_softmax(t: Tensor, dim: int) -> None:
    out = nn.logsoftmax(t, dim=dim)
    expected = torch.log_softmax(torch.tensor(_numpy(t)), dim=dim).numpy()
    np.testing.assert_allclose(_numpy(out), expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(
        np.exp(_numpy(out)), _numpy(nn.softmax(t, dim)), rtol=1e-9, atol=1e-12
    )


def test_softmax_and_logsoftmax_are_stable_for_large_inputs() -> None:
    x_np = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -5000.0]])
    t = _from_numpy(x_np)
    log_out = _numpy(nn.logsoftmax(t, dim=1))
    out = _numpy(nn.softmax(t, dim=1))
    assert np.all(np.isfinite(log_out)) and np.all(np.isfinite(out))
    x = torch.tensor(x_np)
    np.testing.assert_allclose(log_out, torch.log_softmax(x, 1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(out, torch.softmax(x, 1).numpy(), rtol=1e-12)


@pytest.mark.task4_4
@pytest.mark.parametrize("fn", [nn.softmax, nn.logsoftmax])
@pytest.mark.parametrize("dim", [0, 1, 2])
@given(t=tensors(backend=BACKEND, shape=(2, 3, 4)))
@settings(max_examples=5)
def test_softmax_grad_check(fn: SoftmaxFn, dim: int, t: Tensor) -> None:
    minitorch.grad_check(lambda x: fn(x, dim), t)


@pytest.mark.parametrize("fn", [nn.softmax, nn.logsoftmax])
@given(t=tensors(backend=BACKEND, shape=(1, 1, 4, 4)), dim=st.integers(0, 3))
@settings(max_examples=5)
def test_softmax_gradient_every_element(fn: SoftmaxFn, dim: int, t: Tensor) -> None:
    check_each_element(lambda x: fn(x, dim), t)


@pytest.mark.parametrize("fn", [nn.softmax, nn.logsoftmax])
def test_softmax_backward_matches_torch(fn: SoftmaxFn) -> None:
    rng = np.random.default_rng(3)
    x_np = rng.uniform(-5, 5, (4, 3, 5))
    g_np = rng.standard_normal((4, 3, 5))
    t = _from_numpy(x_np)
    t.requires_grad_(True)
    fn(t, dim=1).backward(_from_numpy(g_np))
    tx = torch.tensor(x_np, requires_grad=True)
    torch_fn = torch.softmax if fn is nn.softmax else torch.log_softmax
    (expected,) = torch.autograd.grad(torch_fn(tx, 1), tx, torch.tensor(g_np))
    assert t.grad is not None
    np.testing.assert_allclose(_numpy(t.grad), expected.numpy(), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------
# Gradient checks of the pooling ops on the course's shapes
# ---------------------------------------------------------------------------


@pytest.mark.task4_3
@given(t=tensors(backend=BACKEND, shape=(1, 1, 4, 4)))
@settings(max_examples=10)
def test_avgpool2d_grad_check(t: Tensor) -> None:
    minitorch.grad_check(lambda x: nn.avgpool2d(x, (2, 2)), t)


def test_avgpool2d_gradient_every_element() -> None:
    t = _from_numpy(np.random.default_rng(4).standard_normal((2, 1, 4, 6)))
    check_each_element(lambda x: nn.avgpool2d(x, (2, 3)), t)


def test_pooling_gradients_in_a_random_direction() -> None:
    # Distinct values (a permutation, scaled) keep maxpool away from ties.
    values = np.random.default_rng(5).permutation(2 * 3 * 8 * 8) / 10.0
    t = _from_numpy(values.reshape(2, 3, 8, 8))
    check_random_direction(lambda x: nn.avgpool2d(x, (4, 2)), t)
    check_random_direction(lambda x: nn.maxpool2d(x, (2, 4)), t)
    check_random_direction(lambda x: nn.logsoftmax(x, dim=1), t)


# ---------------------------------------------------------------------------
# dropout
# ---------------------------------------------------------------------------


@given(t=tensors(backend=BACKEND))
@settings(max_examples=10)
def test_dropout_rate_zero_keeps_everything(t: Tensor) -> None:
    np.testing.assert_array_equal(_numpy(nn.dropout(t, 0.0)), _numpy(t))


@given(t=tensors(backend=BACKEND))
@settings(max_examples=10)
def test_dropout_rate_one_drops_everything(t: Tensor) -> None:
    assert np.all(_numpy(nn.dropout(t, 1.0)) == 0.0)


def test_dropout_ignore_returns_the_input() -> None:
    t = _t([1.0, 2.0])
    assert nn.dropout(t, 0.5, ignore=True) is t
    assert nn.dropout(t, 1.0, True) is t


def test_dropout_intermediate_rate_drops_about_that_share_unscaled() -> None:
    x_np = np.random.default_rng(6).uniform(1, 2, 4000)
    t = _from_numpy(x_np)
    out = _numpy(nn.dropout(t, 0.3, rng=random.Random(0)))
    kept = out != 0.0
    # 4000 draws: the kept share is 0.7 ± 0.03 with overwhelming probability.
    assert abs(kept.mean() - 0.7) < 0.03
    np.testing.assert_array_equal(out[kept], x_np[kept])  # no 1/(1-rate) rescaling


def test_dropout_with_an_rng_is_reproducible_and_masks_the_gradient() -> None:
    t = _from_numpy(np.arange(1.0, 21.0))
    a = _numpy(nn.dropout(t, 0.5, rng=random.Random(7)))
    b = _numpy(nn.dropout(t, 0.5, rng=random.Random(7)))
    np.testing.assert_array_equal(a, b)
    t.requires_grad_(True)
    nn.dropout(t, 0.5, rng=random.Random(7)).sum().backward()
    assert t.grad is not None
    np.testing.assert_array_equal(_numpy(t.grad), (a != 0).astype(float))


# ---------------------------------------------------------------------------
# How the course's image classifier uses these, on a backend of its own
# ---------------------------------------------------------------------------


def test_backend_propagates_through_every_op() -> None:
    backend = TensorBackend(minitorch.SimpleOps)
    x = minitorch.rand((2, 3, 4, 4), backend=backend, requires_grad=True)
    outs = [
        nn.avgpool2d(x, (2, 2)),
        nn.maxpool2d(x, (2, 2)),
        nn.tile(x, (2, 2))[0],
        minitorch.max(x, 1),
        nn.argmax(x, 1),
        nn.softmax(x, dim=1),
        nn.logsoftmax(x, dim=1),
        nn.dropout(x, 0.5),
    ]
    for out in outs:
        assert out.backend is backend
    loss = outs[0].sum() + outs[1].sum() + outs[6].sum()
    loss.backward()
    assert x.grad is not None and x.grad.backend is backend


def test_public_names() -> None:
    assert minitorch.max is nn.max
    assert minitorch.softmax is nn.softmax
    assert minitorch.Max is nn.Max


def test_image_classifier_pipeline_on_the_fast_backend() -> None:
    """The course model's shapes: conv activations → pool → view → dropout → loss."""
    rng = np.random.default_rng(8)
    x = _from_numpy(rng.standard_normal((16, 8, 28, 28)), FAST)
    x.requires_grad_(True)
    pooled = nn.avgpool2d(x, (4, 4))
    assert pooled.shape == (16, 8, 7, 7)
    h = nn.dropout(pooled.view(16, 392), 0.25, False, rng=random.Random(0))
    out = nn.logsoftmax(h, dim=1)
    labels = np.zeros((16, 392))
    labels[np.arange(16), rng.integers(0, 392, 16)] = 1.0
    loss = -(out * _from_numpy(labels, FAST)).sum() / 16
    loss.view(1).backward()
    assert loss.backend is FAST
    assert x.grad is not None and x.grad.shape == x.shape
    assert x.grad.backend is FAST


OPS: list[tuple[str, Callable[[Tensor], Tensor]]] = [
    ("avgpool2d", lambda x: nn.avgpool2d(x, (2, 3))),
    ("maxpool2d", lambda x: nn.maxpool2d(x, (3, 2))),
    ("max", lambda x: minitorch.max(x, 2)),
    ("softmax", lambda x: nn.softmax(x, dim=1)),
    ("logsoftmax", lambda x: nn.logsoftmax(x, dim=3)),
]


@pytest.mark.parametrize("op", [f for _, f in OPS], ids=[n for n, _ in OPS])
def test_fast_backend_matches_simple(op: Callable[[Tensor], Tensor]) -> None:
    # Distinct values: max and maxpool have a derivative everywhere.
    values = np.random.default_rng(9).permutation(2 * 3 * 6 * 6) / 7.0 - 15.0
    values = values.reshape(2, 3, 6, 6)
    g_shape = op(_from_numpy(values)).shape
    g = np.random.default_rng(10).standard_normal(g_shape)
    results = []
    for backend in (BACKEND, FAST):
        # A permuted layout, as the course's models produce.
        x = _from_numpy(values.transpose(0, 2, 3, 1).copy(), backend).permute(
            0, 3, 1, 2
        )
        x = x.detach()
        x.requires_grad_(True)
        out = op(x)
        out.backward(_from_numpy(g, backend))
        assert out.backend is backend
        assert x.grad is not None
        results.append((_numpy(out), _numpy(x.grad)))
    (out_s, grad_s), (out_f, grad_f) = results
    np.testing.assert_allclose(out_f, out_s, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad_f, grad_s, rtol=1e-12, atol=1e-12)
