"""Tensor kernels: FastOps against numpy, PyTorch CPU and the pure-Python SimpleOps.

Each case runs one backend primitive (map, zip, reduce, matrix multiply) the way
tensor Functions call it (``backend.neg_map(a)``, ``backend.add_zip(a, b)``, ...,
output allocation included) next to the equivalent numpy and torch call on the
same values. Inputs are float64 everywhere. Contenders take turns within each
round; every one is called once before timing, so numba's compile time is not
counted. SimpleOps only runs on the small sizes (it is pure Python).

Run: ``python -m bench.tensor_ops [--rounds 7] [--quick] [--json PATH]``.

On a busy machine (more runnable processes than cores) set
``OMP_WAIT_POLICY=passive``: numba's and torch's OpenMP threads otherwise spin
while waiting, and a spinning thread that shares a core with another process
turns every parallel call into a wait of a scheduler tick (~8 ms seen here).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import minitorch
from bench._common import alternate, machine, median, save_json, table
from minitorch import Tensor, TensorBackend
from minitorch._numba_index import num_threads
from minitorch.fast_ops import FastOps

FAST = TensorBackend(FastOps)
SIMPLE = minitorch.SimpleBackend

# Largest inputs SimpleOps is asked to do (cells of an elementwise op, n of an
# n×n matmul): beyond this one call takes seconds.
SIMPLE_MAX_CELLS = 256 * 256
SIMPLE_MAX_MATMUL = 64


def _tensor(x: np.ndarray, backend: TensorBackend) -> Tensor:
    """A minitorch tensor over a contiguous copy of ``x``."""
    return Tensor.make(np.ascontiguousarray(x).ravel(), x.shape, backend=backend)


def _cases(
    sizes: Sequence[int], batched: Sequence[tuple[int, int]]
) -> list[tuple[str, dict[str, Callable[[], object]]]]:
    """(label, contenders) for every benchmark case."""
    import torch

    rng = np.random.default_rng(0)
    cases: list[tuple[str, dict[str, Callable[[], object]]]] = []

    def add(
        label: str,
        inputs: Sequence[np.ndarray],
        ours: Callable[..., object],
        simple_ok: bool,
        np_fn: Callable[..., object],
        torch_fn: Callable[..., object],
        permute: bool = False,
    ) -> None:
        fast_in = [_tensor(x, FAST) for x in inputs]
        simple_in = [_tensor(x, SIMPLE) for x in inputs]
        if permute:  # read through transposed (non-contiguous) views
            fast_in = [t.permute(1, 0) for t in fast_in]
            simple_in = [t.permute(1, 0) for t in simple_in]
            np_in = [x.T for x in inputs]
        else:
            np_in = list(inputs)
        torch_in = [torch.from_numpy(x) for x in np_in]
        contenders: dict[str, Callable[[], object]] = {
            "fast": lambda: ours(FAST, *fast_in),
            "numpy": lambda: np_fn(*np_in),
            "torch": lambda: torch_fn(*torch_in),
        }
        if simple_ok:
            contenders["simple"] = lambda: ours(SIMPLE, *simple_in)
        cases.append((label, contenders))

    for n in sizes:
        x, y = rng.standard_normal((n, n)), rng.standard_normal((n, n))
        row = rng.standard_normal((1, n))
        small = n * n <= SIMPLE_MAX_CELLS
        add(
            f"map exp {n}²",
            [x],
            lambda b, a: b.exp_map(a),
            small,
            np.exp,
            lambda a: a.exp(),
        )
        add(
            f"map exp {n}² transposed",
            [x],
            lambda b, a: b.exp_map(a),
            small,
            np.exp,
            lambda a: a.exp(),
            permute=True,
        )
        add(
            f"zip mul {n}²",
            [x, y],
            lambda b, p, q: b.mul_zip(p, q),
            small,
            np.multiply,
            lambda p, q: p * q,
        )
        add(
            f"zip add {n}² + (1,{n})",
            [x, row],
            lambda b, p, q: b.add_zip(p, q),
            small,
            np.add,
            lambda p, q: p + q,
        )
        add(
            f"sum dim 1 {n}²",
            [x],
            lambda b, a: b.add_reduce(a, 1),
            small,
            lambda a: a.sum(1, keepdims=True),
            lambda a: a.sum(1, keepdim=True),
        )
        add(
            f"sum dim 0 {n}²",
            [x],
            lambda b, a: b.add_reduce(a, 0),
            small,
            lambda a: a.sum(0, keepdims=True),
            lambda a: a.sum(0, keepdim=True),
        )
        add(
            f"matmul {n}³",
            [x, y],
            lambda b, p, q: b.matrix_multiply(p, q),
            n <= SIMPLE_MAX_MATMUL,
            np.matmul,
            torch.matmul,
        )
    for batch, n in batched:
        x = rng.standard_normal((batch, n, n))
        y = rng.standard_normal((batch, n, n))
        add(
            f"matmul {batch}×{n}³",
            [x, y],
            lambda b, p, q: b.matrix_multiply(p, q),
            n <= SIMPLE_MAX_MATMUL // 2,
            np.matmul,
            torch.matmul,
        )
    return cases


def _check(contenders: dict[str, Callable[[], object]]) -> None:
    """Every contender must compute the same values before its time counts."""
    results = {}
    for name, fn in contenders.items():
        out = fn()
        results[name] = out.to_numpy() if isinstance(out, Tensor) else np.asarray(out)
    for name, value in results.items():
        np.testing.assert_allclose(
            value, results["numpy"], rtol=1e-9, atol=1e-9, err_msg=name
        )


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g}"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run every case, print a table of medians and ratios, return the numbers."""
    parser = argparse.ArgumentParser(prog="python -m bench.tensor_ops")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--json", metavar="PATH", help="save results here")
    args = parser.parse_args(argv)

    sizes = [64, 256] if args.quick else [64, 256, 1024]
    batched = [(8, 32)] if args.quick else [(8, 32), (16, 128)]
    import torch

    print(
        f"numba threads: {num_threads()}, "
        f"torch threads: {torch.get_num_threads()}, rounds: {args.rounds}\n"
    )
    rows = []
    results: dict[str, Any] = {"machine": machine(), "cases": {}}
    for label, contenders in _cases(sizes, batched):
        _check(contenders)
        times = alternate(contenders, args.rounds, warmup=1)
        med = {name: median(ts) for name, ts in times.items()}
        results["cases"][label] = med
        simple = med.get("simple")
        rows.append(
            [
                label,
                _ms(med["fast"]),
                _ms(med["numpy"]),
                _ms(med["torch"]),
                _ms(simple) if simple is not None else "-",
                f"{med['fast'] / med['numpy']:.2f}",
                f"{med['fast'] / med['torch']:.2f}",
                f"{simple / med['fast']:.0f}" if simple is not None else "-",
            ]
        )
        print(f"  {label}: done", file=sys.stderr)
    headers = [
        "case",
        "fast ms",
        "numpy ms",
        "torch ms",
        "simple ms",
        "fast/numpy",
        "fast/torch",
        "simple/fast",
    ]
    print(table(headers, rows))
    save_json(args.json, results)
    return results


if __name__ == "__main__":
    main()
