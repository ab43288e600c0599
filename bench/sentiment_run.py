"""How long a default ``minitorch train sentiment`` run takes, and what it reaches.

One default run = the CNN and the bag-of-words baseline, 4 epochs each on the
4000 generated training sentences, with validation after every epoch. Kernels
are compiled by a tiny warm-up run first. Rounds alternate numba thread counts
(1 and all cores), since on a shared machine fewer threads can be faster.
Wall-clock and process CPU seconds are both reported with the load average.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from typing import Any

import numba

from bench._common import machine, median, save_json, table
from minitorch import FastOps, TensorBackend
from minitorch.text.config import SentimentConfig
from minitorch.text.data import HARD_SLICE
from minitorch.text.train import evaluate, fit_sentiment, prepare

FAST = TensorBackend(FastOps)


def _one_run(threads: int) -> dict[str, float]:
    """Train once with ``threads``; wall and CPU seconds and the accuracies."""
    config = SentimentConfig()
    data = prepare(config)
    numba.set_num_threads(threads)
    wall, cpu = time.perf_counter(), time.process_time()
    result = fit_sentiment(config, FAST, data)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert result.baseline is not None
    test, hard = data.corpus.test, data.corpus.slices[HARD_SLICE]
    cnn, base = result.cnn.model, result.baseline.model
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "cnn_test": evaluate(cnn, data.vocabulary, test).accuracy,
        "cnn_hard": evaluate(cnn, data.vocabulary, hard).accuracy,
        "baseline_test": evaluate(base, data.vocabulary, test).accuracy,
        "baseline_hard": evaluate(base, data.vocabulary, hard).accuracy,
    }


def run(rounds: int) -> dict[str, Any]:
    """Warm up, then ``rounds`` default runs per thread count, taking turns."""
    began = time.perf_counter()
    fit_sentiment(SentimentConfig(epochs=1, limit=64), FAST)
    compile_s = time.perf_counter() - began
    counts = sorted({1, int(numba.config.NUMBA_NUM_THREADS)})  # type: ignore[attr-defined]
    load_before = os.getloadavg()
    runs: dict[int, list[dict[str, float]]] = {n: [] for n in counts}
    for _ in range(rounds):
        for n in counts:
            runs[n].append(_one_run(n))
    return {
        "machine": machine(),
        "rounds": rounds,
        "warmup_s": compile_s,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "runs": {str(n): r for n, r in runs.items()},
    }


def report(results: dict[str, Any]) -> str:
    """Wall/CPU min, median, max per thread count, and the accuracies reached."""
    rows = []
    for n, runs in results["runs"].items():
        walls = [r["wall_s"] for r in runs]
        cpus = [r["cpu_s"] for r in runs]
        last = runs[-1]
        rows.append(
            [
                n,
                f"{min(walls):.1f} / {median(walls):.1f} / {max(walls):.1f}",
                f"{min(cpus):.1f} / {median(cpus):.1f} / {max(cpus):.1f}",
                f"{last['cnn_test']:.3f}",
                f"{last['cnn_hard']:.3f}",
                f"{last['baseline_test']:.3f}",
                f"{last['baseline_hard']:.3f}",
            ]
        )
    headers = [
        "numba threads",
        "wall s (min/median/max)",
        "CPU s (min/median/max)",
        "CNN test",
        f"CNN {HARD_SLICE}",
        "baseline test",
        f"baseline {HARD_SLICE}",
    ]
    return table(headers, rows)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Command-line entry: time, print the table, optionally save JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.sentiment_run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", metavar="PATH", help="also save the results here")
    args = parser.parse_args(argv)
    results = run(args.rounds)
    before = ", ".join(f"{v:.1f}" for v in results["load_average_before"])
    after = ", ".join(f"{v:.1f}" for v in results["load_average_after"])
    print(
        f"warm-up (numba compiles): {results['warmup_s']:.1f} s; load average "
        f"before {before}, after {after}\n"
    )
    print(report(results))
    save_json(args.json, {"sentiment_run": results})
    return results


if __name__ == "__main__":
    main()
