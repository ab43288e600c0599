"""Depth test of the scalar engine: a chain of 10⁴, 10⁵ and 10⁶ operations.

Each chain is ``y = y * a + b`` repeated (two operations a step). It is built, then
backpropagated (iteratively: no recursion limit is touched), then freed; each phase
is timed (backward also in process CPU time, steadier on a shared machine), and the
peak memory of building and backpropagating is measured with
``tracemalloc`` in a separate, untimed run (tracing slows Python down). Linear time
shows as a constant time per operation across the three lengths.

Run: ``python -m bench.scalar_chain [--sizes 10000 100000 1000000] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Sequence
from typing import Any

from bench._common import machine, save_json, table
from minitorch.scalar import Scalar


def build(ops: int) -> tuple[Scalar, Scalar, Scalar]:
    """A chain of ``ops`` operations; returns (output, a, b)."""
    a, b, y = Scalar(0.999999), Scalar(1e-6), Scalar(1.0)
    for _ in range(ops // 2):
        y = y * a + b
    return y, a, b


def expected_da(ops: int) -> float:
    """d y / d a for the chain, in closed form, to check the backward pass."""
    # y_k = a·y_{k-1} + b, so dy_n/da = Σ_k a^{n-k} y_{k-1}; accumulate forwards.
    a, b, y, dy = 0.999999, 1e-6, 1.0, 0.0
    for _ in range(ops // 2):
        dy = a * dy + y
        y = a * y + b
    return dy


def measure(ops: int) -> dict[str, float]:
    """Build, backward and free times (s) and peak memory (MiB) for one length."""
    gc.collect()
    t0 = time.perf_counter()
    y, a, _ = build(ops)
    t1 = time.perf_counter()
    c1 = time.process_time()
    y.backward()
    t2 = time.perf_counter()
    c2 = time.process_time()
    da = a.derivative
    del y, a
    t3 = time.perf_counter()  # freeing a 10⁶-deep graph must not crash either
    want = expected_da(ops)
    if da is None or abs(da - want) > 1e-9 * abs(want):
        raise AssertionError(f"chain of {ops}: da = {da}, expected {want}")

    gc.collect()
    tracemalloc.start()
    y, a, _ = build(ops)
    _, peak_build = tracemalloc.get_traced_memory()
    y.backward()
    _, peak = tracemalloc.get_traced_memory()
    del y, a
    tracemalloc.stop()
    return {
        "ops": ops,
        "build_s": t1 - t0,
        "backward_s": t2 - t1,
        "backward_cpu_s": c2 - c1,
        "free_s": t3 - t2,
        "peak_build_mib": peak_build / 2**20,
        "peak_total_mib": peak / 2**20,
    }


def run(sizes: Sequence[int]) -> dict[str, Any]:
    """Measure every chain length."""
    return {"chains": [measure(n) for n in sizes]}


def report(results: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    rows = [
        [
            f"{r['ops']:,}",
            f"{r['build_s']:.3f}",
            f"{r['backward_s']:.3f}",
            f"{r['backward_cpu_s']:.3f}",
            f"{r['free_s']:.3f}",
            f"{1e9 * r['build_s'] / r['ops']:.0f}",
            f"{1e9 * r['backward_s'] / r['ops']:.0f}",
            f"{r['peak_build_mib']:.0f}",
            f"{r['peak_total_mib']:.0f}",
        ]
        for r in results["chains"]
    ]
    headers = [
        "chain ops",
        "build s",
        "backward s",
        "backward CPU s",
        "free s",
        "build ns/op",
        "backward ns/op",
        "peak MiB (graph)",
        "peak MiB (+backward)",
    ]
    return table(headers, rows)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Command-line entry: run, print the table, optionally save JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.scalar_chain")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000]
    )
    parser.add_argument("--json", metavar="PATH", help="also save the results here")
    args = parser.parse_args(argv)
    results = run(args.sizes)
    print(report(results))
    m = machine()
    print(f"{m['cpu']}, {m['cores']} cores, Python {m['python']}")
    save_json(args.json, {"scalar_chain": results})
    return results


if __name__ == "__main__":
    main()
