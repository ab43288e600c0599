"""The scalar engine against micrograd: one training epoch of the lecture's network.

Both engines train the same 2 → 10 → 10 → 1 network (ReLU, ReLU, sigmoid) from the
same initial weights on the same 50 points, with the same loss (−log of the
probability of the true class, averaged by backpropagating ``loss / N`` per point)
and the same plain SGD step. The first epoch's losses must agree to 1e-9 before any
timing counts.

micrograd 0.1.0 has no ``exp``, ``log`` or ``sigmoid``; ``log`` and ``sigmoid`` are
added below as single micrograd-style nodes (a closure per node, as its own ops do),
so both engines build graphs of the same shape, node for node.

A second, smaller benchmark times the engine primitives on a long chain
``y = y * a + b``: graph building (operations per second) and backward (nodes per
second).

Run: ``python -m bench.scalar_vs_micrograd [--rounds 7] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from micrograd.engine import Value

from bench._common import alternate, machine, median, save_json, table
from minitorch.autodiff import Context
from minitorch.datasets import Graph, load
from minitorch.optim import SGD
from minitorch.scalar import Scalar, ScalarHistory, _creation_order
from minitorch.scalar_functions import ScalarFunction
from minitorch.scalar_layers import Linear, Network

HIDDEN = 10
POINTS = 50
LR = 0.5
DATASET = "Xor"
SEED = 0


# --- micrograd side -------------------------------------------------------------


def mg_log(v: Any) -> Any:
    """log(v) as one micrograd node; derivative 1 / v."""
    out = Value(math.log(v.data), (v,), "log")

    def _backward() -> None:
        v.grad += out.grad / v.data

    out._backward = _backward
    return out


def mg_sigmoid(v: Any) -> Any:
    """σ(v) as one micrograd node (the same stable formula as minitorch)."""
    x = v.data
    if x >= 0.0:
        s = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)
        s = e / (1.0 + e)
    out = Value(s, (v,), "sigmoid")

    def _backward() -> None:
        v.grad += out.grad * s * (1.0 - s)

    out._backward = _backward
    return out


class MicrogradNetwork:
    """The lecture network in micrograd ``Value``s, weights copied from minitorch."""

    def __init__(self, net: Network) -> None:
        self.layers = [
            self._copy(layer) for layer in (net.layer1, net.layer2, net.layer3)
        ]

    @staticmethod
    def _copy(layer: Linear) -> tuple[list[list[Any]], list[Any]]:
        weights = [[Value(w.value.data) for w in row] for row in layer.weights]
        bias = [Value(b.value.data) for b in layer.bias]
        return weights, bias

    def parameters(self) -> list[Any]:
        """Every weight and bias."""
        params: list[Any] = []
        for weights, bias in self.layers:
            params += [w for row in weights for w in row] + bias
        return params

    @staticmethod
    def _linear(
        inputs: Sequence[Any], weights: list[list[Any]], bias: list[Any]
    ) -> list[Any]:
        # The same summation order as minitorch.scalar_layers.Linear.
        outputs = []
        for j in range(len(bias)):
            y = bias[j]
            for i, x in enumerate(inputs):
                y = y + x * weights[i][j]
            outputs.append(y)
        return outputs

    def forward(self, x: Sequence[Any]) -> Any:
        """The probability of class 1 for the point ``x``."""
        (w1, b1), (w2, b2), (w3, b3) = self.layers
        h = [v.relu() for v in self._linear(x, w1, b1)]
        h = [v.relu() for v in self._linear(h, w2, b2)]
        return mg_sigmoid(self._linear(h, w3, b3)[0])


def micrograd_epoch(net: MicrogradNetwork, data: Graph) -> float:
    """One epoch in micrograd; returns the summed loss."""
    params = net.parameters()
    for p in params:
        p.grad = 0.0
    total = 0.0
    n = data.N
    for (x1, x2), y in zip(data.X, data.y, strict=True):
        out = net.forward([Value(x1), Value(x2)])
        prob = out if y == 1 else -out + 1.0
        loss = -mg_log(prob)
        (loss / n).backward()
        total += loss.data
    for p in params:
        p.data -= LR * p.grad
    return total


# --- minitorch side -------------------------------------------------------------


def minitorch_epoch(net: Network, opt: SGD, data: Graph) -> float:
    """One epoch in minitorch, exactly as the lecture writes it; the summed loss."""
    opt.zero_grad()
    total = 0.0
    n = data.N
    for (x1, x2), y in zip(data.X, data.y, strict=True):
        out = net.forward((Scalar(x1), Scalar(x2)))
        prob = out if y == 1 else -out + 1.0
        loss = -prob.log()
        (loss / n).backward()
        total += loss.data
    opt.step()
    return total


def build_pair() -> tuple[Callable[[], float], Callable[[], float], Network, Any]:
    """Fresh, identical models; returns one epoch of each as a closure."""
    data = load(DATASET, POINTS, seed=SEED)
    net = Network(HIDDEN, random.Random(SEED))
    opt = SGD(net.parameters(), lr=LR)
    mg = MicrogradNetwork(net)
    return (
        lambda: minitorch_epoch(net, opt, data),
        lambda: micrograd_epoch(mg, data),
        net,
        mg,
    )


def check_same(tolerance: float = 1e-9) -> float:
    """Run one epoch of each from the same start; the losses and weights must agree.

    Returns:
        The first epoch's summed loss.
    """
    mt_epoch, mg_epoch, net, mg = build_pair()
    mt_loss, mg_loss = mt_epoch(), mg_epoch()
    if abs(mt_loss - mg_loss) > tolerance * max(1.0, abs(mt_loss)):
        raise AssertionError(
            f"losses differ: minitorch {mt_loss!r}, micrograd {mg_loss!r}"
        )
    mt_params = [p.value.data for p in net.parameters()]
    mg_params = [p.data for p in mg.parameters()]
    if len(mt_params) != len(mg_params):
        raise AssertionError(f"{len(mt_params)} vs {len(mg_params)} parameters")
    worst = max(abs(a - b) for a, b in zip(mt_params, mg_params, strict=True))
    if worst > tolerance:
        raise AssertionError(f"weights after one step differ by {worst}")
    return mt_loss


# --- the least an epoch can cost under the API ----------------------------------


NodeRecipe = tuple[type[ScalarFunction], tuple[Scalar, ...], tuple[float, ...]]


def epoch_nodes() -> list[NodeRecipe]:
    """Function, inputs and input values of every node one epoch's graphs create."""
    data = load(DATASET, POINTS, seed=SEED)
    net = Network(HIDDEN, random.Random(SEED))
    recipes: list[NodeRecipe] = []
    for (x1, x2), y in zip(data.X, data.y, strict=True):
        out = net.forward((Scalar(x1), Scalar(x2)))
        prob = out if y == 1 else -out + 1.0
        loss = -prob.log() / POINTS
        order = _creation_order(loss)
        assert order is not None
        for var in reversed(order):  # oldest first, as the forward pass made them
            h = var.history
            if h is not None and h.last_fn is not None:
                inputs = tuple(h.inputs)
                recipes.append((h.last_fn, inputs, tuple(v.data for v in inputs)))
    return recipes


def _replay_floor(recipes: list[NodeRecipe]) -> None:
    # Per node, only what the API obliges: a Context, a forward call, a
    # ScalarHistory and a Scalar, then one backward call. No operator dispatch,
    # no graph search, no derivative bookkeeping.
    for fn, inputs, values in recipes:
        ctx = Context(False)
        value = fn.forward(ctx, *values)
        Scalar(value, ScalarHistory(fn, ctx, inputs))
        fn.backward(ctx, 1.0)


def api_floor(rounds: int) -> dict[str, float]:
    """Median time of the API's obligatory per-node work for one epoch's nodes."""
    recipes = epoch_nodes()
    times = alternate({"floor": lambda: _replay_floor(recipes)}, rounds)
    return {"nodes": len(recipes), "ms": 1e3 * median(times["floor"])}


# --- engine primitives on a long chain -------------------------------------------


def _chain_minitorch(n: int) -> tuple[float, float]:
    a, b, y = Scalar(0.999), Scalar(0.001), Scalar(1.0)
    start = time.perf_counter()
    for _ in range(n):
        y = y * a + b
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    return built - start, done - built


def _chain_micrograd(n: int) -> tuple[float, float]:
    a, b, y = Value(0.999), Value(0.001), Value(1.0)
    start = time.perf_counter()
    for _ in range(n):
        y = y * a + b
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    return built - start, done - built


def chain_bench(steps: int, rounds: int) -> dict[str, dict[str, float]]:
    """Median build and backward times of a ``steps``-step chain (2 nodes a step)."""
    # micrograd's topological sort recurses once per node.
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 4 * steps + 1000))
    try:
        times: dict[str, list[tuple[float, float]]] = {"minitorch": [], "micrograd": []}
        runners = {"minitorch": _chain_minitorch, "micrograd": _chain_micrograd}
        for run in runners.values():
            run(steps)  # warm-up
        for _ in range(rounds):
            for name, run in runners.items():
                times[name].append(run(steps))
    finally:
        sys.setrecursionlimit(old_limit)
    ops = 2 * steps
    return {
        name: {
            "build_ops_per_s": ops / median([t[0] for t in ts]),
            "backward_nodes_per_s": ops / median([t[1] for t in ts]),
        }
        for name, ts in times.items()
    }


# --- driver ----------------------------------------------------------------------


def run(rounds: int = 7, chain_steps: int = 2000) -> dict[str, Any]:
    """Check equivalence, then time both engines; returns the results."""
    first_loss = check_same()
    mt_epoch, mg_epoch, _, _ = build_pair()
    times = alternate({"minitorch": mt_epoch, "micrograd": mg_epoch}, rounds)
    mt_ms = 1e3 * median(times["minitorch"])
    mg_ms = 1e3 * median(times["micrograd"])
    return {
        "config": {
            "dataset": DATASET,
            "points": POINTS,
            "hidden": HIDDEN,
            "lr": LR,
            "seed": SEED,
            "rounds": rounds,
            "chain_steps": chain_steps,
        },
        "first_epoch_loss": first_loss,
        "epoch_ms": {"minitorch": mt_ms, "micrograd": mg_ms},
        "epoch_ms_all": {k: [1e3 * t for t in v] for k, v in times.items()},
        "throughput_ratio": mg_ms / mt_ms,
        "api_floor": api_floor(rounds),
        "chain": chain_bench(chain_steps, rounds),
    }


def report(results: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    e = results["epoch_ms"]
    c = results["chain"]
    mt, mg = c["minitorch"], c["micrograd"]
    cfg = results["config"]
    rows = [
        [
            f"epoch, {cfg['dataset']} {cfg['points']} pts, hidden {cfg['hidden']} (ms)",
            f"{e['minitorch']:.2f}",
            f"{e['micrograd']:.2f}",
            f"{results['throughput_ratio']:.2f}×",
        ],
        [
            f"chain build, {2 * cfg['chain_steps']} ops (k ops/s)",
            f"{mt['build_ops_per_s'] / 1e3:.0f}",
            f"{mg['build_ops_per_s'] / 1e3:.0f}",
            f"{mt['build_ops_per_s'] / mg['build_ops_per_s']:.2f}×",
        ],
        [
            f"chain backward, {2 * cfg['chain_steps']} nodes (k nodes/s)",
            f"{mt['backward_nodes_per_s'] / 1e3:.0f}",
            f"{mg['backward_nodes_per_s'] / 1e3:.0f}",
            f"{mt['backward_nodes_per_s'] / mg['backward_nodes_per_s']:.2f}×",
        ],
    ]
    head = [f"scalar engine (median of {cfg['rounds']})", "minitorch", "micrograd"]
    floor = results["api_floor"]
    budget = e["micrograd"] / 2
    note = (
        f"API floor: the {floor['nodes']} nodes of one epoch cost {floor['ms']:.2f} ms "
        "for their Context, ScalarHistory, Scalar, forward and backward alone; "
        f"2x micrograd's throughput allows {budget:.2f} ms per epoch in all "
        f"({100 * floor['ms'] / budget:.0f}% of it spent before any dispatch, graph "
        "search or derivative bookkeeping)."
    )
    return table([*head, "minitorch speed-up"], rows) + "\n" + note


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Command-line entry: run, print the table, optionally save JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.scalar_vs_micrograd")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--chain-steps", type=int, default=2000)
    parser.add_argument("--json", metavar="PATH", help="also save the results here")
    args = parser.parse_args(argv)
    results = run(args.rounds, args.chain_steps)
    print(report(results))
    print(f"first-epoch loss (both engines): {results['first_epoch_loss']:.12f}")
    m = machine()
    print(f"{m['cpu']}, {m['cores']} cores, Python {m['python']}")
    save_json(args.json, {"scalar_vs_micrograd": results})
    return results


if __name__ == "__main__":
    main()
