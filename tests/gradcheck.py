"""Shared gradient checks for tensor Functions (any backend, any layer).

* ``check_each_element``: backprop vs a central difference for EVERY input
  cell (the course's ``grad_check`` samples one cell). Cost grows with the
  number of cells, so use it on small inputs.
* ``check_random_direction``: one backward pass with a random output
  cotangent ``v`` gives ``Jᵀv``; one central difference along a random input
  direction ``u`` gives ``Ju``. The two must agree on ``⟨u, Jᵀv⟩ = ⟨Ju, v⟩``.
  Two forward passes regardless of size, so large conv/pool inputs stay cheap.

Both evaluate ``f`` on the given tensors and need ``f`` smooth there (keep draws
off kinks first).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import minitorch
from minitorch import Tensor

Fn = Callable[..., Tensor]


def _fresh_leaves(vals: tuple[Tensor, ...]) -> None:
    for x in vals:
        x.requires_grad_(True)
        x.zero_grad_()


def _grad_array(x: Tensor) -> np.ndarray:
    """The gradient that landed on ``x`` (zeros if none did)."""
    if x.grad is None:
        return np.zeros(x.shape)
    assert x.grad.shape == x.shape, f"grad shape {x.grad.shape} != {x.shape}"
    return x.grad.to_numpy()


def check_each_element(
    f: Fn, *vals: Tensor, rtol: float = 1e-2, atol: float = 1e-2
) -> None:
    """Compare ``∂ sum(f) / ∂ x[i]`` from backprop with central differences, all i."""
    _fresh_leaves(vals)
    f(*vals).sum().backward()
    for arg, x in enumerate(vals):
        got = _grad_array(x)
        for ind in x._tensor.indices():
            expected = minitorch.grad_central_difference(f, *vals, arg=arg, ind=ind)
            np.testing.assert_allclose(
                got[ind],
                expected,
                rtol=rtol,
                atol=atol,
                err_msg=f"input {arg}, index {ind}",
            )


def _like(x: Tensor, values: np.ndarray) -> Tensor:
    return Tensor.make(values.ravel(), x.shape, backend=x.backend)


def check_random_direction(
    f: Fn,
    *vals: Tensor,
    seed: int = 0,
    epsilon: float = 1e-5,
    rtol: float = 1e-4,
) -> None:
    """Check ``⟨u, Jᵀv⟩ == ⟨Ju, v⟩`` for random directions ``u`` and ``v``.

    ``Jᵀv`` comes from backward seeded with ``v``; ``Ju`` from
    ``(f(x + εu) - f(x - εu)) / 2ε``, all inputs moved at once. The tolerance is
    ``rtol`` times the summed magnitude of the terms, so cancellation in the
    inner product cannot make it vanish.
    """
    rng = np.random.default_rng(seed)
    _fresh_leaves(vals)
    out = f(*vals)
    v = rng.standard_normal(out.shape)
    out.backward(_like(out, v))
    us = [rng.standard_normal(x.shape) for x in vals]
    backprop = sum(
        float(np.sum(u * _grad_array(x))) for u, x in zip(us, vals, strict=False)
    )
    with minitorch.no_grad():
        up = f(
            *(x + _like(x, epsilon * u) for x, u in zip(vals, us, strict=False))
        ).to_numpy()
        down = f(
            *(x - _like(x, epsilon * u) for x, u in zip(vals, us, strict=False))
        ).to_numpy()
    terms = (up - down) / (2 * epsilon) * v
    numeric = float(np.sum(terms))
    tolerance = rtol * max(1.0, float(np.sum(np.abs(terms))))
    assert abs(backprop - numeric) <= tolerance, (
        f"<u, J^T v> = {backprop} (backprop) but <J u, v> = {numeric} "
        f"(central difference), tolerance {tolerance}"
    )
