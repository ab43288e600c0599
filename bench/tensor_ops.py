"""Tensor kernels: FastOps against numpy, PyTorch CPU and the pure-Python SimpleOps.

Each case runs one backend primitive (map, zip, reduce, matrix multiply) the way
tensor Functions call it (``backend.exp_map(a)``, ``backend.add_zip(a, b)``, ...,
output allocation included) next to the equivalent numpy and torch call on the
same values; the small case goes through ``Tensor`` itself (``a + b``, autodiff
bookkeeping included). For transposed inputs numpy's result keeps the input's
(column-major) layout, while minitorch's results are always row-major: the column
"fast/numpy, row-major out" compares with numpy writing into a row-major array
(``out=``), the same work, and the column "PROTOTYPE ..., input's layout kept"
times FastOps' own kernel writing into an output laid out like the input, as
numpy does (not what the library does: see ``_layout_kept``). Inputs are
float64 everywhere. Every contender's result
must equal numpy's (1e-9 relative) before any timing; contenders take turns
within each round, and each is called once before timing, so numba's compile
(or cache load) is not counted. SimpleOps only runs on the small sizes.

The whole table is run once per thread count (``--threads 1 2``): numba, torch
and numpy's BLAS (through threadpoolctl) all get that many threads. Each timed
call records two clocks: wall time, and the process's CPU time. With one
thread the CPU time is the fairer figure on a shared machine: a call that is
descheduled for a while is not charged for it (long calls are descheduled more
often than short ones, which skews wall-time ratios under load).

Run: ``python -m bench.tensor_ops [--rounds 7] [--threads 1 2] [--quick] [--json P]``.

``OMP_WAIT_POLICY`` defaults to ``passive`` for both numba and torch (set before
torch loads): spinning OpenMP threads would otherwise take cores between calls.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

# Both libraries' OpenMP threads wait passively, as minitorch sets for numba's
# (torch, imported first, would otherwise spin between calls and take cores).
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import minitorch
from bench._common import machine, save_json, table
from minitorch import Tensor, TensorBackend, fast_ops, ieee754, operators
from minitorch._numba_index import set_num_threads
from minitorch.fast_ops import FastOps
from minitorch.tensor_data import TensorData

FAST = TensorBackend(FastOps)
SIMPLE = minitorch.SimpleBackend

# Largest inputs SimpleOps is asked to do (cells of an elementwise op, n of an
# n×n matmul): beyond this one call takes seconds.
SIMPLE_MAX_CELLS = 256 * 256
SIMPLE_MAX_MATMUL = 64

Contenders = dict[str, Callable[[], object]]

# Length of one timed batch. ``gc.collect()`` before each batch leaves the caches
# cold, and the first 10⁶-cell call after it took twice a warm call's time (0.7
# against 0.35 ms, numpy and FastOps alike); in 2 ms batches of four calls that
# first call was a quarter of the figure and swung the ratios by up to 0.3.
BATCH_SECONDS = 0.02


def _tensor(x: np.ndarray, backend: TensorBackend) -> Tensor:
    """A minitorch tensor over a contiguous copy of ``x``."""
    return Tensor.make(np.ascontiguousarray(x).ravel(), x.shape, backend=backend)


def _layout_kept(kernel: Callable[..., None], *inputs: Tensor) -> Tensor:
    """PROTOTYPE, not library behaviour: FastOps' kernel writing into an output
    laid out like the first input (as numpy and PyTorch lay out results).

    minitorch's maps and zips allocate row-major outputs (API spec §12: a map
    allocates ``a.zeros(a.shape)``), and ``view`` needs a contiguous tensor
    (§10), so after an op on a transposed input ``view`` works; with this layout
    it would raise. The row measures what that rule costs.
    """
    like = inputs[0]._tensor
    out = Tensor(
        TensorData(np.empty(like.size), like.shape, like.strides), backend=FAST
    )
    kernel(*out.tuple(), *(part for t in inputs for part in t.tuple()))
    return out


def _cases(n: int, m: int, batched: tuple[int, int]) -> list[tuple[str, Contenders]]:
    """(label, contenders) for every case: n×n elementwise, m×m matmul."""
    rng = np.random.default_rng(0)
    cases: list[tuple[str, Contenders]] = []

    def add(
        label: str,
        inputs: Sequence[np.ndarray],
        ours: Callable[..., object],
        np_fn: Callable[..., object],
        torch_fn: Callable[..., object],
        permute: bool = False,
        row_major: Callable[..., object] | None = None,
        kernel: Callable[..., None] | None = None,
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
        contenders: Contenders = {
            "fast": lambda: ours(FAST, *fast_in),
            "numpy": lambda: np_fn(*np_in),
            "torch": lambda: torch_fn(*torch_in),
        }
        if permute and row_major is not None:
            # numpy keeps a transposed input's layout in its result; minitorch's
            # results are row-major, so this is numpy doing the same work.
            contenders["numpy_c"] = lambda: row_major(*np_in)
        if permute and kernel is not None:
            contenders["fast_keep"] = lambda: _layout_kept(kernel, *fast_in)
        if max(x.size for x in inputs) <= SIMPLE_MAX_CELLS:
            contenders["simple"] = lambda: ours(SIMPLE, *simple_in)
        cases.append((label, contenders))

    x, y = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    row, col = rng.standard_normal((1, n)), rng.standard_normal((n, 1))
    positive = np.abs(x) + 0.5
    cells = f"{n}²"

    def exp_map(b: TensorBackend, a: Tensor) -> Tensor:
        return b.exp_map(a)

    def relu_map(b: TensorBackend, a: Tensor) -> Tensor:
        return b.relu_map(a)

    def add_zip(b: TensorBackend, p: Tensor, q: Tensor) -> Tensor:
        return b.add_zip(p, q)

    def sum_dim(dim: int) -> Callable[[TensorBackend, Tensor], Tensor]:
        return lambda b, a: b.add_reduce(a, dim)

    def np_relu(a: np.ndarray) -> object:
        return np.maximum(a, 0.0)

    def np_sigmoid(a: np.ndarray) -> object:
        return 1.0 / (1.0 + np.exp(-a))

    add(f"map neg {cells}", [x], lambda b, a: b.neg_map(a), np.negative, torch.neg)
    add(f"map relu {cells}", [x], relu_map, np_relu, torch.relu)
    add(f"map exp {cells}", [x], exp_map, np.exp, torch.exp)
    add(f"map log {cells}", [positive], lambda b, a: b.log_map(a), np.log, torch.log)
    add(
        f"map sigmoid {cells}",
        [x],
        lambda b, a: b.sigmoid_map(a),
        np_sigmoid,
        torch.sigmoid,
    )

    def c_out(ufunc: Callable[..., object]) -> Callable[..., object]:
        return lambda *a: ufunc(*a, out=np.empty(a[0].shape))

    def relu_c(a: np.ndarray) -> object:
        return np.maximum(a, 0.0, out=np.empty(a.shape))

    add(
        f"map relu {cells} transposed",
        [x],
        relu_map,
        np_relu,
        torch.relu,
        True,
        relu_c,
        fast_ops._map_kernel(operators.relu),
    )
    add(
        f"map exp {cells} transposed",
        [x],
        exp_map,
        np.exp,
        torch.exp,
        True,
        c_out(np.exp),
        fast_ops._map_kernel(ieee754.exp),
    )
    add(
        f"zip mul {cells}",
        [x, y],
        lambda b, p, q: b.mul_zip(p, q),
        np.multiply,
        torch.mul,
    )
    add(
        f"zip add {cells} transposed",
        [x, y],
        add_zip,
        np.add,
        torch.add,
        True,
        c_out(np.add),
        fast_ops._zip_kernel(operators.add),
    )
    add(f"zip add {cells} + (1,{n})", [x, row], add_zip, np.add, torch.add)
    add(f"zip add {cells} + ({n},1)", [x, col], add_zip, np.add, torch.add)
    for dim in (0, 1):
        add(
            f"sum dim {dim} {cells}",
            [x],
            sum_dim(dim),
            lambda a, d=dim: a.sum(d, keepdims=True),
            lambda a, d=dim: a.sum(d, keepdim=True),
        )
    for dim in (0, 1):
        add(
            f"sum dim {dim} {cells} transposed",
            [x],
            sum_dim(dim),
            lambda a, d=dim: a.sum(d, keepdims=True),
            lambda a, d=dim: a.sum(d, keepdim=True),
            True,
        )
    side = round(n ** (2 / 3))
    cube = rng.standard_normal((side, side, side))
    add(
        f"sum dim 1 {side}³",
        [cube],
        sum_dim(1),
        lambda a: a.sum(1, keepdims=True),
        lambda a: a.sum(1, keepdim=True),
    )
    a, b = rng.standard_normal((m, m)), rng.standard_normal((m, m))
    add(
        f"matmul {m}²",
        [a, b],
        lambda f, p, q: f.matrix_multiply(p, q),
        np.matmul,
        torch.matmul,
    )
    count, side = batched
    a = rng.standard_normal((count, side, side))
    b = rng.standard_normal((count, side, side))
    add(
        f"matmul {count}×{side}³",
        [a, b],
        lambda f, p, q: f.matrix_multiply(p, q),
        np.matmul,
        torch.matmul,
    )
    small = rng.standard_normal(10), rng.standard_normal(10)
    ours = [minitorch.tensor(v.tolist(), backend=FAST) for v in small]
    theirs = [torch.from_numpy(v) for v in small]
    cases.append(
        (
            "10-element a + b through Tensor",
            {
                "fast": lambda: ours[0] + ours[1],
                "numpy": lambda: small[0] + small[1],
                "torch": lambda: theirs[0] + theirs[1],
            },
        )
    )
    # The same with ``a`` requiring a gradient: the graph is recorded too.
    ours_grad = minitorch.tensor(small[0].tolist(), backend=FAST, requires_grad=True)
    theirs_grad = torch.from_numpy(small[0].copy()).requires_grad_()
    cases.append(
        (
            "10-element a + b, a requires grad",
            {
                "fast": lambda: ours_grad + ours[1],
                "numpy": lambda: small[0] + small[1],
                "torch": lambda: theirs_grad + theirs[1],
            },
        )
    )
    return cases


def _check(contenders: Contenders) -> None:
    """Every contender must compute the same values before its time counts."""
    results = {}
    for name, fn in contenders.items():
        out = fn()
        if isinstance(out, Tensor):
            results[name] = out.to_numpy()
        elif isinstance(out, torch.Tensor):
            results[name] = out.detach().numpy()
        else:
            results[name] = np.asarray(out)
    for name, value in results.items():
        np.testing.assert_allclose(
            value, results["numpy"], rtol=1e-9, atol=1e-12, err_msg=name
        )


def _time(contenders: Contenders, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Wall and CPU seconds per call, contenders taking turns, after one warm-up.

    Calls shorter than ``BATCH_SECONDS`` are timed in batches of about that
    length (the per-call figure is the batch's time over its size), so neither
    clock resolution nor the cold caches after ``gc.collect()`` count.
    """
    repeats: dict[str, int] = {}
    for name, fn in contenders.items():
        fn()
        # Calibrate on 1 ms of calls, not one: a single microsecond call's time
        # is mostly the clock's, and a batch sized from it came out so short
        # that the first calls after ``gc.collect()`` (tens of µs of cold
        # caches) doubled a 10-cell op's figure (5.5 instead of 2.9 µs).
        calls = 0
        began = time.perf_counter()
        while calls < 3 or time.perf_counter() - began < 1e-3:
            fn()
            calls += 1
        per_call = (time.perf_counter() - began) / calls
        repeats[name] = max(1, min(100_000, int(BATCH_SECONDS / per_call)))
    times: dict[str, dict[str, list[float]]] = {
        name: {"wall": [], "cpu": []} for name in contenders
    }
    for _ in range(rounds):
        for name, fn in contenders.items():
            count = repeats[name]
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(count):
                fn()
            times[name]["cpu"].append((time.process_time() - cpu) / count)
            times[name]["wall"].append((time.perf_counter() - wall) / count)
    return times


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e6:.3g} µs" if seconds < 1e-4 else f"{seconds * 1e3:.3g} ms"


def run(threads: int, rounds: int, quick: bool) -> dict[str, Any]:
    """Every case at ``threads`` threads: medians, min and max of each clock."""
    set_num_threads(threads)
    torch.set_num_threads(threads)
    n, m, batched = (256, 128, (8, 32)) if quick else (1000, 1024, (8, 256))
    results: dict[str, Any] = {}
    with threadpool_limits(limits=threads):
        for label, contenders in _cases(n, m, batched):
            _check(contenders)
            times = _time(contenders, rounds)
            results[label] = {
                name: {
                    clock: {
                        "min": min(values),
                        "median": statistics.median(values),
                        "max": max(values),
                    }
                    for clock, values in clocks.items()
                }
                for name, clocks in times.items()
            }
            print(f"  {threads} thread(s): {label} done", file=sys.stderr)
    return results


def report(threads: int, results: dict[str, Any], clock: str) -> str:
    """A Markdown table of one thread count's medians and ratios on ``clock``."""
    rows = []
    for label, by_name in results.items():
        med = {name: v[clock]["median"] for name, v in by_name.items()}
        fast = by_name["fast"][clock]
        simple = med.get("simple")
        numpy_c = med.get("numpy_c")
        keep = med.get("fast_keep")
        rows.append(
            [
                label,
                f"{_fmt(fast['min'])} / {_fmt(fast['median'])} / {_fmt(fast['max'])}",
                _fmt(med["numpy"]),
                f"{med['fast'] / numpy_c:.2f}" if numpy_c is not None else "-",
                f"{keep / med['numpy']:.2f}" if keep is not None else "-",
                _fmt(med["torch"]),
                _fmt(simple) if simple is not None else "-",
                f"{med['fast'] / med['numpy']:.2f}",
                f"{med['fast'] / med['torch']:.2f}",
                f"{simple / med['fast']:.0f}" if simple is not None else "-",
            ]
        )
    headers = [
        f"{threads} thread(s), {clock} time",
        "fast min / median / max",
        "numpy",
        "fast/numpy, row-major out",
        "PROTOTYPE fast/numpy, input's layout kept",
        "torch",
        "simple",
        "fast/numpy",
        "fast/torch",
        "simple/fast",
    ]
    return table(headers, rows)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run every case per thread count, print tables of medians and ratios."""
    parser = argparse.ArgumentParser(prog="python -m bench.tensor_ops")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--json", metavar="PATH", help="save results here")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    results: dict[str, Any] = {"machine": machine(), "rounds": args.rounds}
    for threads in args.threads:
        results[f"{threads} threads"] = run(threads, args.rounds, args.quick)
    results["load_average"] = {"before": load_before, "after": os.getloadavg()}
    print(
        f"rounds: {args.rounds}; load average before {load_before[0]:.1f}, "
        f"after {results['load_average']['after'][0]:.1f} "
        f"({os.cpu_count()} cores)\n"
    )
    for threads in args.threads:
        for clock in ("cpu", "wall") if threads == 1 else ("wall",):
            print(report(threads, results[f"{threads} threads"], clock) + "\n")
    save_json(args.json, results)
    return results


if __name__ == "__main__":
    main()
