"""The scalar engine against micrograd: training epochs of small networks.

Both engines train the same network from the same initial weights on the same 50
Xor points, with the same loss (−log of the probability of the true class, divided
by N) and the same plain SGD step. Three workloads:

* ``lecture``: the lecture's 2 → 10 → 10 → 1 network (ReLU, ReLU, sigmoid), one
  backward per point, as the lecture trains it;
* ``one hidden``: 2 → 10 → 1 (ReLU, sigmoid), one backward per point;
* ``lecture, one backward``: the lecture network, the epoch's losses summed into
  one Scalar and backpropagated once (a single walk over some 14,000 nodes).

The first epoch's losses and the weights after its step must agree to 1e-9 before
any timing counts. Rounds alternate the engines in one process, each epoch after a
full ``gc.collect()`` with the collector otherwise left as it is. Every round gives
one ratio (micrograd's time over minitorch's), by wall clock and by process CPU
time (steadier on a shared machine); the report gives their min, median and max.

micrograd 0.1.0 has no ``exp``, ``log`` or ``sigmoid``; ``log`` and ``sigmoid`` are
added below as single micrograd-style nodes (a closure per node, as its own ops do),
so both engines build graphs of the same shape, node for node.

A second, smaller benchmark times the engine primitives on a long chain
``y = y * a + b``: graph building (operations per second) and backward (nodes per
second).

Run: ``python -m bench.scalar_vs_micrograd [--rounds 21] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from micrograd.engine import Value

from bench._common import machine, median, save_json, table
from minitorch.datasets import Graph, load
from minitorch.module import Module
from minitorch.optim import SGD
from minitorch.scalar import Scalar, ScalarLike
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
    """A minitorch network in micrograd ``Value``s, weights copied from it."""

    def __init__(self, layers: Sequence[Linear]) -> None:
        self.layers = [self._copy(layer) for layer in layers]

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
        for j, b in enumerate(bias):
            y = b
            for x, row in zip(inputs, weights, strict=True):
                y = y + x * row[j]
            outputs.append(y)
        return outputs

    def forward(self, x: Sequence[Any]) -> Any:
        """The probability of class 1 for the point ``x``."""
        *hidden, (w, b) = self.layers
        h = list(x)
        for weights, bias in hidden:
            h = [v.relu() for v in self._linear(h, weights, bias)]
        return mg_sigmoid(self._linear(h, w, b)[0])


def _mg_point_loss(net: MicrogradNetwork, x1: float, x2: float, y: int) -> Any:
    out = net.forward([Value(x1), Value(x2)])
    prob = out if y == 1 else -out + 1.0
    return -mg_log(prob)


def micrograd_epoch(net: MicrogradNetwork, data: Graph, per_point: bool) -> float:
    """One epoch in micrograd; returns the summed loss."""
    params = net.parameters()
    for p in params:
        p.grad = 0.0
    total = 0.0
    n = data.N
    summed: Any = 0.0
    for (x1, x2), y in zip(data.X, data.y, strict=True):
        loss = _mg_point_loss(net, x1, x2, y)
        if per_point:
            (loss / n).backward()
        else:
            summed = summed + loss / n
        total += loss.data
    if not per_point:
        summed.backward()
    for p in params:
        p.data -= LR * p.grad
    return total


# --- minitorch side -------------------------------------------------------------


def minitorch_epoch(
    net: Network | OneHidden, opt: SGD, data: Graph, per_point: bool
) -> float:
    """One epoch in minitorch, as the lecture writes it; the summed loss."""
    opt.zero_grad()
    total = 0.0
    n = data.N
    summed: Scalar | float = 0.0
    for (x1, x2), y in zip(data.X, data.y, strict=True):
        out = net.forward((Scalar(x1), Scalar(x2)))
        prob = out if y == 1 else -out + 1.0
        loss = -prob.log()
        if per_point:
            (loss / n).backward()
        else:
            summed = summed + loss / n
        total += loss.data
    if isinstance(summed, Scalar):
        summed.backward()
    opt.step()
    return total


class OneHidden(Module):
    """2 → hidden → 1 (ReLU, sigmoid): the lecture network less its second layer."""

    def __init__(self, hidden: int, rng: random.Random) -> None:
        super().__init__()
        self.layer1 = Linear(2, hidden, rng)
        self.layer2 = Linear(hidden, 1, rng)

    def forward(self, x: Sequence[ScalarLike]) -> Scalar:
        """The probability of class 1 for the point ``x``."""
        h = [v.relu() for v in self.layer1.forward(x)]
        return self.layer2.forward(h)[0].sigmoid()


def _layers(net: Network | OneHidden) -> list[Linear]:
    if isinstance(net, Network):
        return [net.layer1, net.layer2, net.layer3]
    return [net.layer1, net.layer2]


WORKLOADS: dict[str, tuple[Callable[[int, random.Random], Network | OneHidden], bool]]
WORKLOADS = {
    "lecture": (Network, True),
    "one hidden": (OneHidden, True),
    "lecture, one backward": (Network, False),
}


def build_pair(
    workload: str = "lecture",
) -> tuple[Callable[[], float], Callable[[], float], Network | OneHidden, Any]:
    """Fresh, identical models; returns one epoch of each as a closure."""
    make, per_point = WORKLOADS[workload]
    data = load(DATASET, POINTS, seed=SEED)
    net = make(HIDDEN, random.Random(SEED))
    opt = SGD(net.parameters(), lr=LR)
    mg = MicrogradNetwork(_layers(net))
    return (
        lambda: minitorch_epoch(net, opt, data, per_point),
        lambda: micrograd_epoch(mg, data, per_point),
        net,
        mg,
    )


def check_same(workload: str = "lecture", tolerance: float = 1e-9) -> float:
    """Run one epoch of each from the same start; the losses and weights must agree.

    Returns:
        The first epoch's summed loss.
    """
    mt_epoch, mg_epoch, net, mg = build_pair(workload)
    mt_loss, mg_loss = mt_epoch(), mg_epoch()
    if abs(mt_loss - mg_loss) > tolerance * max(1.0, abs(mt_loss)):
        raise AssertionError(
            f"{workload}: losses differ: minitorch {mt_loss!r}, micrograd {mg_loss!r}"
        )
    mt_params = [p.value.data for p in net.parameters()]
    mg_params = [p.data for p in mg.parameters()]
    if len(mt_params) != len(mg_params):
        raise AssertionError(f"{len(mt_params)} vs {len(mg_params)} parameters")
    worst = max(abs(a - b) for a, b in zip(mt_params, mg_params, strict=True))
    if worst > tolerance:
        raise AssertionError(f"{workload}: weights after one step differ by {worst}")
    return mt_loss


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds of one call, after a full collection."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def epoch_bench(workload: str, rounds: int) -> dict[str, Any]:
    """Interleaved rounds of one workload: times and per-round ratios."""
    first_loss = check_same(workload)
    mt_epoch, mg_epoch, _, _ = build_pair(workload)
    mt_epoch(), mg_epoch()  # warm-up
    mt: list[tuple[float, float]] = []
    mg: list[tuple[float, float]] = []
    for _ in range(rounds):
        mt.append(_timed(mt_epoch))
        mg.append(_timed(mg_epoch))
    out: dict[str, Any] = {"first_epoch_loss": first_loss}
    for k, clock in enumerate(("wall", "cpu")):
        ratios = sorted(b[k] / a[k] for a, b in zip(mt, mg, strict=True))
        out[clock] = {
            "minitorch_ms": 1e3 * median([t[k] for t in mt]),
            "micrograd_ms": 1e3 * median([t[k] for t in mg]),
            "ratio_min": ratios[0],
            "ratio_median": median(ratios),
            "ratio_max": ratios[-1],
        }
    return out


# --- engine primitives on a long chain -------------------------------------------


def _chain_minitorch(n: int) -> tuple[float, float]:
    a, b, y = Scalar(0.999), Scalar(0.001), Scalar(1.0)
    start = time.process_time()
    for _ in range(n):
        y = y * a + b
    built = time.process_time()
    y.backward()
    done = time.process_time()
    return built - start, done - built


def _chain_micrograd(n: int) -> tuple[float, float]:
    a, b, y = Value(0.999), Value(0.001), Value(1.0)
    start = time.process_time()
    for _ in range(n):
        y = y * a + b
    built = time.process_time()
    y.backward()
    done = time.process_time()
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


def run(rounds: int = 21, chain_steps: int = 2000) -> dict[str, Any]:
    """Check equivalence, then time both engines; returns the results."""
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
        "epochs": {w: epoch_bench(w, rounds) for w in WORKLOADS},
        "chain": chain_bench(chain_steps, rounds),
    }


def report(results: dict[str, Any]) -> str:
    """The results as Markdown tables."""
    cfg = results["config"]
    rows = []
    for workload, r in results["epochs"].items():
        for clock in ("wall", "cpu"):
            e = r[clock]
            rows.append(
                [
                    f"{workload}, {clock} (ms)",
                    f"{e['minitorch_ms']:.2f}",
                    f"{e['micrograd_ms']:.2f}",
                    f"{e['ratio_min']:.2f}× / {e['ratio_median']:.2f}× / "
                    f"{e['ratio_max']:.2f}×",
                ]
            )
    head = [
        f"epoch, Xor {cfg['points']} pts, hidden {cfg['hidden']} "
        f"(median of {cfg['rounds']})",
        "minitorch",
        "micrograd",
        "speed-up min / median / max",
    ]
    c = results["chain"]
    mt, mg = c["minitorch"], c["micrograd"]
    chain_rows = [
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
    chain_head = [
        f"primitives, CPU time (median of {cfg['rounds']})",
        "minitorch",
        "micrograd",
    ]
    return (
        table(head, rows)
        + "\n\n"
        + table([*chain_head, "minitorch speed-up"], chain_rows)
    )


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Command-line entry: run, print the tables, optionally save JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.scalar_vs_micrograd")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--chain-steps", type=int, default=2000)
    parser.add_argument("--json", metavar="PATH", help="also save the results here")
    args = parser.parse_args(argv)
    results = run(args.rounds, args.chain_steps)
    print(report(results))
    for workload, r in results["epochs"].items():
        print(
            f"{workload}: first-epoch loss (both engines) {r['first_epoch_loss']:.12f}"
        )
    m = machine()
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, load {load_avg:.1f}")
    save_json(args.json, {"scalar_vs_micrograd": results})
    return results


if __name__ == "__main__":
    main()
