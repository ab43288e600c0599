"""Check CudaOps on a real GPU, then time it against FastOps and torch.

Needs numpy and numba; torch (optional) adds its CPU and CUDA figures. Timed:
matmuls up to 4096² and one epoch of the digits CNN (float64, same weights and
batches as a PyTorch CUDA twin when torch has a GPU). From the repo root:

    python -m bench.cuda_check            # on a machine with an NVIDIA GPU
    NUMBA_ENABLE_CUDASIM=1 python -m bench.cuda_check --quick   # logic only, on CPU

Prints one PASS/FAIL line per check (values against numpy, on permuted and
broadcast inputs, plus the practice kernels), then a timing table, and exits
with status 1 if any check failed. Timings use inputs already in GPU memory and
wait for the GPU to finish (``cuda.synchronize``); compile time is excluded.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import minitorch
from minitorch import Tensor, TensorBackend, TensorData
from minitorch._numba_index import cuda_is_available, cuda_module
from minitorch.cuda_ops import CudaOps
from minitorch.fast_ops import FastOps

CUDA = TensorBackend(CudaOps)
FAST = TensorBackend(FastOps)
RNG = np.random.default_rng(0)
RNG_CONV = np.random.default_rng(1)
CONV_SEED_STATE = RNG_CONV.bit_generator.state

failures: list[str] = []


def check(name: str, fn: Callable[[], None]) -> None:
    """Run one check, print PASS or FAIL (with the reason), never raise."""
    try:
        fn()
    except Exception:  # a failed check must not hide the ones after it
        failures.append(name)
        print(f"FAIL {name}")
        print("    " + traceback.format_exc().strip().replace("\n", "\n    "))
    else:
        print(f"PASS {name}")
    sys.stdout.flush()


def laid_out(shape: tuple[int, ...], order: Sequence[int]) -> Tensor:
    """A CUDA tensor of ``shape`` whose storage is row-major for ``shape`` permuted.

    With a non-identity ``order`` the tensor is a non-contiguous view.
    """
    stored_shape = tuple(shape[o] for o in order)
    values = RNG.uniform(-2, 2, int(np.prod(shape)))
    data = TensorData(values, stored_shape)
    inverse = [0] * len(order)
    for i, o in enumerate(order):
        inverse[o] = i
    return Tensor(data.permute(*inverse), backend=CUDA)


def close(got: Tensor, expected: np.ndarray, rtol: float = 1e-9) -> None:
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=rtol, atol=1e-9)


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def check_maps(shape: tuple[int, ...], order: Sequence[int]) -> None:
    a = laid_out(shape, order)
    x = a.to_numpy()
    close(-a, -x)
    close(a.sigmoid(), 1 / (1 + np.exp(-x)))
    close(a.relu(), np.maximum(x, 0))
    close(a.exp(), np.exp(x))
    close((a * a + 1.0).log(), np.log(x * x + 1))
    close(a.contiguous(), x)


def check_zips(shape: tuple[int, ...], order: Sequence[int]) -> None:
    a, b = laid_out(shape, order), laid_out(shape, order)
    x, y = a.to_numpy(), b.to_numpy()
    close(a + b, x + y)
    close(a * b, x * y)
    close(a < b, (x < y).astype(float))
    close(a == a, np.ones_like(x))


def check_broadcast(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    a = laid_out(shape_a, range(len(shape_a))[::-1])
    b = laid_out(shape_b, range(len(shape_b)))
    x, y = a.to_numpy(), b.to_numpy()
    close(a + b, x + y)
    close(b * a, y * x)


def check_reduce(shape: tuple[int, ...], order: Sequence[int]) -> None:
    a = laid_out(shape, order)
    x = a.to_numpy()
    for dim in range(len(shape)):
        close(a.sum(dim), x.sum(dim, keepdims=True), rtol=1e-10)
    small = laid_out(shape, order) * 0.01 + 1.0
    close(
        CUDA.mul_reduce(small, len(shape) - 1),
        small.to_numpy().prod(-1, keepdims=True),
        rtol=1e-10,
    )


def check_matmul(
    shape_a: tuple[int, ...], shape_b: tuple[int, ...], transposed: bool
) -> None:
    def operand(shape: tuple[int, ...]) -> Tensor:
        order = list(range(len(shape)))
        if transposed:
            order[-1], order[-2] = order[-2], order[-1]
        return laid_out(shape, order)

    a, b = operand(shape_a), operand(shape_b)
    close(a @ b, a.to_numpy() @ b.to_numpy(), rtol=1e-9)


def check_sum_practice(size: int) -> None:
    values = RNG.uniform(0, 1, size)
    out = minitorch.sum_practice(minitorch.tensor(values.tolist(), backend=CUDA))
    total = out._storage[0] + out._storage[1]
    assert abs(total - values.sum()) < 1e-9, f"{total} != {values.sum()}"


def check_mm_practice(size: int) -> None:
    x, y = RNG.uniform(-1, 1, (size, size)), RNG.uniform(-1, 1, (size, size))
    out = minitorch.mm_practice(
        minitorch.tensor(x.tolist(), backend=CUDA),
        minitorch.tensor(y.tolist(), backend=CUDA),
    )
    got = np.array([out._storage[i] for i in range(size * size)])
    np.testing.assert_allclose(got.reshape(size, size), x @ y, rtol=1e-9)


def check_training_step() -> None:
    x = laid_out((16, 8), (1, 0))
    w = laid_out((8, 4), (0, 1))
    w.requires_grad_(True)
    loss = ((x @ w).relu() + 1.0).log().sum()
    loss.backward()
    assert w.grad is not None
    xs, ws = x.to_numpy(), w.to_numpy()
    pre = xs @ ws
    upstream = (pre > 0) / (np.maximum(pre, 0) + 1)
    np.testing.assert_allclose(loss.item(), np.log(np.maximum(pre, 0) + 1).sum())
    np.testing.assert_allclose(w.grad.to_numpy(), xs.T @ upstream, rtol=1e-9)


def check_conv(dims: int) -> None:
    """Conv forward and both gradients on the device equal FastOps' (1e-9)."""
    shapes = {1: ((2, 3, 9), (4, 3, 3)), 2: ((2, 3, 6, 7), (4, 3, 2, 3))}
    conv = minitorch.conv1d if dims == 1 else minitorch.conv2d
    results = []
    for backend in (CUDA, FAST):
        x, w = (
            minitorch.tensor(RNG_CONV.uniform(-1, 1, s).tolist(), backend=backend)
            for s in shapes[dims]
        )
        x.requires_grad_(True)
        w.requires_grad_(True)
        out = conv(x, w)
        (out * out).sum().backward()
        assert x.grad is not None and w.grad is not None
        results.append([out.to_numpy(), x.grad.to_numpy(), w.grad.to_numpy()])
        RNG_CONV.bit_generator.state = CONV_SEED_STATE
    for got, expected in zip(*results, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def check_digits_step() -> None:
    """One training step of the digits CNN on the GPU gives FastOps' loss."""
    from minitorch.images.config import DigitsConfig
    from minitorch.images.data import load_split, one_hot
    from minitorch.images.data import to_tensor as images
    from minitorch.images.train import build_model, nll_loss

    split = load_split(0, 0.2)
    losses, grads = [], []
    for backend in ("cuda", "fast"):
        model = build_model(DigitsConfig(seed=0, dropout=0.0, backend=backend))
        on = model.out.weights.value.backend
        loss = nll_loss(
            model(images(split.train_images[:2], on)),
            one_hot(split.train_labels[:2], on),
        )
        loss.view(1).backward()
        losses.append(loss.item())
        grads.append(model.conv2.weights.value.grad.to_numpy())
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-9)
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9, atol=1e-12)


def run_checks(quick: bool) -> None:
    layouts: list[tuple[tuple[int, ...], Sequence[int]]] = [
        ((7,), (0,)),
        ((3, 5), (1, 0)),
        ((4, 3, 5, 2), (2, 0, 3, 1)),
    ]
    if not quick:
        layouts += [((1000, 999), (1, 0)), ((64, 33, 70), (2, 1, 0))]
    for shape, order in layouts:
        check(
            f"map {shape} order {tuple(order)}",
            functools.partial(check_maps, shape, order),
        )
        check(
            f"zip {shape} order {tuple(order)}",
            functools.partial(check_zips, shape, order),
        )
        check(
            f"reduce {shape} order {tuple(order)}",
            functools.partial(check_reduce, shape, order),
        )
    pairs = [((4, 1, 3), (5, 1)), ((1, 3), (2, 1, 1)), ((2, 3, 4), (4,))]
    for pa, pb in pairs:
        check(f"broadcast {pa} with {pb}", functools.partial(check_broadcast, pa, pb))
    long_folds = [(3, 500), (2, 1300)] if quick else [(3, 500), (7, 5000), (1, 100_000)]
    for shape in long_folds:
        check(
            f"reduce over length {shape[1]}",
            functools.partial(check_reduce, shape, (1, 0)),
        )
    matmuls = [
        ((2, 3), (3, 4)),
        ((33, 33), (33, 33)),
        ((2, 40, 45), (2, 45, 33)),
        ((3, 33, 40), (1, 40, 45)),
        ((2, 1, 5, 3), (4, 3, 6)),
    ]
    if not quick:
        matmuls += [((300, 257), (257, 129)), ((4, 128, 96), (96, 200))]
    for sa, sb in matmuls:
        for transposed in (False, True):
            check(
                f"matmul {sa} @ {sb}{' transposed' if transposed else ''}",
                functools.partial(check_matmul, sa, sb, transposed),
            )
    for size in (16, 48, 64):
        check(f"sum_practice {size}", functools.partial(check_sum_practice, size))
    for size in (2, 32):
        check(f"mm_practice {size}", functools.partial(check_mm_practice, size))
    check("training step with gradients", check_training_step)
    for dims in (1, 2):
        check(f"conv{dims}d forward and gradients", functools.partial(check_conv, dims))
    check("digits CNN step (2 images) equals FastOps", check_digits_step)


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def timed(fn: Callable[[], object], rounds: int) -> float:
    """Median seconds of ``fn`` after one warm-up call, the GPU drained each time."""
    fn()
    cuda_module().synchronize()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        cuda_module().synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _optional_torch() -> Any:
    """The torch module, or None where it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def _torch_gpu_matmul(torch: Any, a: Any, b: Any) -> object:
    out = torch.matmul(a, b)
    torch.cuda.synchronize()
    return out


def run_timings(quick: bool, rounds: int) -> None:
    torch = _optional_torch()
    has_torch_gpu = torch is not None and torch.cuda.is_available()
    cases = [(1, 32)] if quick else [(1, 256), (1, 1024), (1, 4096), (16, 128)]
    headers = ["matmul (float64)", "CudaOps ms", "FastOps ms", "torch cpu ms"]
    if has_torch_gpu:
        headers.append("torch cuda ms")
    rows: list[list[str]] = []
    for batch, n in cases:
        x = RNG.standard_normal((batch, n, n))
        y = RNG.standard_normal((batch, n, n))

        def make(v: np.ndarray, backend: TensorBackend) -> Tensor:
            return Tensor.make(v.ravel().copy(), v.shape, backend=backend)

        gx, gy = make(x, CUDA), make(y, CUDA)
        gx._tensor.to_cuda_()
        gy._tensor.to_cuda_()
        fx, fy = make(x, FAST), make(y, FAST)
        times: dict[str, float] = {
            "cuda": timed(functools.partial(CUDA.matrix_multiply, gx, gy), rounds),
            # FastOps on the host CPU: seconds per call at 4096², so one round.
            "fast": timed(
                functools.partial(FAST.matrix_multiply, fx, fy),
                rounds if n <= 1024 else 1,
            ),
        }
        np.testing.assert_allclose(
            CUDA.matrix_multiply(gx, gy).to_numpy(), x @ y, rtol=1e-9
        )
        label = f"{batch}×{n}³" if batch > 1 else f"{n}³"
        row = [label, f"{times['cuda'] * 1e3:.3g}", f"{times['fast'] * 1e3:.3g}"]
        if torch is not None:
            tx, ty = torch.from_numpy(x), torch.from_numpy(y)
            cpu = timed(functools.partial(torch.matmul, tx, ty), rounds)
            row.append(f"{cpu * 1e3:.3g}")
        else:
            row.append("-")
        if has_torch_gpu:
            dx, dy = torch.from_numpy(x).cuda(), torch.from_numpy(y).cuda()

            gpu = timed(functools.partial(_torch_gpu_matmul, torch, dx, dy), rounds)
            row.append(f"{gpu * 1e3:.3g}")
        rows.append(row)
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    for r in [headers, *rows]:
        print(
            "| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " |"
        )


def time_digits_epoch(rounds: int) -> None:
    """One epoch of the digits CNN: CudaOps against PyTorch CUDA float64 (same
    weights, batch order and bookkeeping; dropout 0), losses checked first."""
    import random

    from minitorch.images.config import DigitsConfig
    from minitorch.images.data import batch_indices, load_split
    from minitorch.images.train import build_model, make_optimizer, train_epoch

    config = DigitsConfig(seed=0, batch_size=32, dropout=0.0, backend="cuda")
    split = load_split(config.seed, config.val_fraction)
    model = build_model(config)
    optimizer = make_optimizer(config, model)
    torch = _optional_torch()
    twin_epoch: Callable[[], float] | None = None
    if torch is not None and torch.cuda.is_available():
        from bench.digits_vs_torch import torch_twin

        twin = torch_twin(model).cuda()
        twin_opt = torch.optim.Adam(twin.parameters(), lr=config.lr, eps=1e-8)
        images = torch.from_numpy(split.train_images).unsqueeze(1).cuda()
        labels = torch.from_numpy(split.train_labels).cuda()

        def twin_epoch() -> float:
            total = 0.0
            order = batch_indices(len(labels), config.batch_size, random.Random(0))
            for idx in order:
                twin_opt.zero_grad()
                loss = torch.nn.functional.nll_loss(twin(images[idx]), labels[idx])
                loss.backward()
                twin_opt.step()
                total += float(loss.item()) * len(idx)
            torch.cuda.synchronize()
            return total / len(labels)

    def ours_epoch() -> float:
        loss, _ = train_epoch(model, optimizer, split, config, random.Random(0))
        return loss

    first = ours_epoch()
    if twin_epoch is not None:
        theirs = twin_epoch()
        if abs(first - theirs) > 1e-7 * abs(theirs):
            raise AssertionError(f"first-epoch loss {first} vs torch CUDA {theirs}")
    ours_s = timed(ours_epoch, rounds)
    line = f"digits CNN epoch (1438 images, batch 32): CudaOps {ours_s * 1e3:.1f} ms"
    if twin_epoch is not None:
        theirs_s = timed(twin_epoch, rounds)
        line += f", torch CUDA {theirs_s * 1e3:.1f} ms ({ours_s / theirs_s:.1f}×)"
    print(line)


def describe_device() -> str:
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return "numba CUDA simulator (NUMBA_ENABLE_CUDASIM=1): checks logic, not a GPU"
    device: Any = cuda_module().get_current_device()
    name = device.name.decode() if isinstance(device.name, bytes) else device.name
    return f"{name} (compute capability {device.compute_capability})"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the checks and the timings; return 1 if any check failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.cuda_check")
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    if not cuda_is_available():
        print("FAIL numba.cuda.is_available() is False: no usable GPU or CUDA driver")
        return 1
    print(f"device: {describe_device()}\n")
    started = time.perf_counter()
    run_checks(args.quick)
    print(f"\nchecks: {len(failures)} failed, {time.perf_counter() - started:.0f} s\n")
    try:
        run_timings(args.quick, args.rounds)
        if not args.quick:
            time_digits_epoch(args.rounds)
    except Exception:
        failures.append("timings")
        print("FAIL timings\n" + traceback.format_exc())
    if failures:
        print(f"\nFAILED: {', '.join(failures)}")
        return 1
    print("\nALL PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
