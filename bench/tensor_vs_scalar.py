"""One epoch of the lecture's network: Scalar engine vs Tensor engine (issue #4).

The same 2 → 10 → 10 → 1 network (ReLU, ReLU, sigmoid) from the same initial
weights on the same 50 points, the same loss (mean of −log p(true class)) and one
plain SGD step. The scalar network builds a graph per point; the tensor network
pushes the whole batch through three matrix products. The tensor network runs on
the pure-Python ``SimpleBackend`` and on the numba ``FastOps`` backend (compiled
before timing). The first epoch's losses must agree before any timing counts.

Run: ``python -m bench.tensor_vs_scalar [--rounds 7] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bench._common import alternate, machine, median, save_json, table
from minitorch import scalar_layers, tensor_layers
from minitorch.datasets import Graph, load
from minitorch.fast_ops import FastOps
from minitorch.optim import SGD
from minitorch.scalar import Scalar
from minitorch.tensor import Tensor
from minitorch.tensor_functions import tensor
from minitorch.tensor_ops import SimpleBackend, TensorBackend

HIDDEN = 10
POINTS = 50
LR = 0.5
DATASET = "Xor"
SEED = 0


def tensor_twin(
    model: scalar_layers.Network, backend: TensorBackend
) -> tensor_layers.Network:
    """A tensor Network holding exactly the scalar network's weights."""
    twin = tensor_layers.Network(model.hidden, random.Random(0), backend)
    state: dict[str, np.ndarray] = {}
    for name in ("layer1", "layer2", "layer3"):
        layer: scalar_layers.Linear = getattr(model, name)
        state[f"{name}.weights"] = np.array(
            [[p.value.data for p in row] for row in layer.weights]
        )
        state[f"{name}.bias"] = np.array([p.value.data for p in layer.bias])
    twin.load_state_dict(state)
    return twin


def scalar_epoch(model: scalar_layers.Network, data: Graph) -> Callable[[], float]:
    """One lecture epoch on Scalars; returns the summed loss."""
    opt = SGD(model.parameters(), LR)

    def epoch() -> float:
        opt.zero_grad()
        total = 0.0
        for (x1, x2), y in zip(data.X, data.y, strict=True):
            out = model.forward((Scalar(x1), Scalar(x2)))
            loss = -(out if y == 1 else -out + 1.0).log()
            (loss / data.N).backward()
            total += loss.data
        opt.step()
        return total

    return epoch


def tensor_epoch(
    model: tensor_layers.Network, data: Graph, backend: TensorBackend
) -> Callable[[], float]:
    """One full-batch epoch on Tensors; returns the summed loss."""
    opt = SGD(model.parameters(), LR)
    x = tensor([list(p) for p in data.X], backend=backend)
    y = tensor([float(v) for v in data.y], backend=backend)

    def epoch() -> float:
        opt.zero_grad()
        out = model.forward(x).view(data.N)
        prob = out * y + (out - 1.0) * (y - 1.0)
        loss: Tensor = -prob.log()
        (loss.sum() / data.N).view(1).backward()
        opt.step()
        return float(loss.sum().item())

    return epoch


def run(rounds: int) -> dict[str, Any]:
    """Check the engines agree, then time them taking turns."""
    data = load(DATASET, POINTS, seed=SEED)
    fast = TensorBackend(FastOps)
    contenders: dict[str, Callable[[], float]] = {}
    first_losses: dict[str, float] = {}
    for name, backend in (
        ("scalar", None),
        ("tensor simple", SimpleBackend),
        ("tensor fast", fast),
    ):
        model = scalar_layers.Network(HIDDEN, random.Random(SEED))
        if backend is None:
            contenders[name] = scalar_epoch(model, data)
        else:
            contenders[name] = tensor_epoch(tensor_twin(model, backend), data, backend)
        first_losses[name] = contenders[name]()  # also compiles numba kernels
    reference = first_losses["scalar"]
    for name, loss in first_losses.items():
        if abs(loss - reference) > 1e-9 * max(1.0, abs(reference)):
            raise AssertionError(
                f"{name} first-epoch loss {loss} != scalar {reference}"
            )
    times = alternate(contenders, rounds, warmup=1)
    ms = {name: 1000 * median(t) for name, t in times.items()}
    return {
        "ms_per_epoch": ms,
        "speedup_vs_scalar": {n: ms["scalar"] / v for n, v in ms.items()},
        "first_epoch_loss": reference,
        "rounds": rounds,
        "machine": machine(),
    }


def report(results: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    rows = [
        (name, f"{ms:.2f}", f"{results['speedup_vs_scalar'][name]:.2f}×")
        for name, ms in results["ms_per_epoch"].items()
    ]
    return table(
        [f"epoch, {DATASET} {POINTS} pts, hidden {HIDDEN}", "ms (median)", "vs scalar"],
        rows,
    )


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Command-line entry: run, print the table, optionally save JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.tensor_vs_scalar")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", metavar="PATH", help="also save the results here")
    args = parser.parse_args(argv)
    results = run(args.rounds)
    print(report(results))
    print(f"first-epoch loss (all engines): {results['first_epoch_loss']:.12f}")
    save_json(args.json, {"tensor_vs_scalar": results})
    return results


if __name__ == "__main__":
    main()
