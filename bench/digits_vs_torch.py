"""The digits CNN: minitorch (numba ``FastOps``) against PyTorch CPU, float64.

minitorch's ``DigitsCNN`` (seed 0, fast backend) and a PyTorch twin of the same
architecture start from the same weights (copied from minitorch). Dropout is set to
0 in both: random masks would make the two runs incomparable, so this measures the
network without it. Before any timing, one batch must give the same
log-probabilities, loss and parameter gradients in both (relative 1e-9), the same
weights after one Adam step, the same validation numbers, and the same first-epoch
loss. Then, alternating rounds: one training step (forward, backward, Adam) on a
batch of 32, one epoch over the 1438 training images in the same batch order, and
the forward pass over the 359 validation images. Both libraries get the same
thread count (``--threads``, default numba's). The first step's time (numba
compiles or loads its kernels then) is reported apart and not timed.

``--busy`` keeps one core busy with another process (a Python busy loop,
pinned to core 0 with ``--pin``) while everything runs: how training copes
with a machine it does not have to itself.

Run: ``python -m bench.digits_vs_torch [--rounds 5] [--threads N] [--busy [--pin]]
[--json PATH]``.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

# Both libraries' OpenMP threads wait passively, as minitorch sets for numba's
# (torch, imported first, would otherwise spin between calls and take cores).
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F  # noqa: N812 (the usual name)

from bench._common import alternate, machine, median, save_json, table
from minitorch._numba_index import num_threads, set_num_threads
from minitorch.images.data import DigitsSplit, batch_indices, load_split, one_hot
from minitorch.images.data import to_tensor as mt_images
from minitorch.images.model import KERNEL, POOL, DigitsCNN, nll_loss
from minitorch.optim import Optimizer
from minitorch.train.config import make_optimizer
from minitorch.train.device import backend_of
from minitorch.train.digits import build_model, evaluate, train_epoch
from minitorch.train.digits_config import DigitsConfig

Array = npt.NDArray[np.float64]
CONFIG = DigitsConfig(seed=0, batch_size=32, dropout=0.0, backend="fast")
EVAL_BATCH = 256  # the chunk size minitorch's ``evaluate`` uses
RTOL = 1e-9  # step checks: error relative to the largest reference magnitude
EPOCH_RTOL = 1e-7  # after a whole epoch of Adam steps rounding has had 45 steps


class TorchDigits(torch.nn.Module):
    """PyTorch's version of ``DigitsCNN`` without dropout, in float64.

    minitorch's conv keeps the input size by reading zeros past the bottom and
    right edges only (``out[y, x] = Σ w[p, q] · in[y + p, x + q]``), so the twin
    pads those two sides instead of both.
    """

    def __init__(self, channels: tuple[int, int], features: int) -> None:
        super().__init__()
        first, second = channels
        self.conv1 = torch.nn.Conv2d(1, first, KERNEL, dtype=torch.float64)
        self.conv2 = torch.nn.Conv2d(first, second, KERNEL, dtype=torch.float64)
        self.out = torch.nn.Linear(features, 10, dtype=torch.float64)
        self.pad = (0, KERNEL[1] - 1, 0, KERNEL[0] - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Log-probabilities ``(batch, 10)`` of images ``(batch, 1, 8, 8)``."""
        h = F.relu(self.conv1(F.pad(x, self.pad)))
        h = F.relu(self.conv2(F.pad(h, self.pad)))
        h = F.avg_pool2d(h, POOL).flatten(1)
        return F.log_softmax(self.out(h), dim=1)


# minitorch parameter name -> (torch parameter name, to torch layout, back).
# Conv weights are (out, in, kh, kw) in both; conv biases are (out, 1, 1) in
# minitorch; Linear weights are (in, out) in minitorch and (out, in) in torch.
Layout = Callable[[Array], Array]
LAYOUTS: dict[str, tuple[str, Layout]] = {
    "conv1.weights": ("conv1.weight", lambda a: a),
    "conv1.bias": ("conv1.bias", lambda a: a.reshape(-1)),
    "conv2.weights": ("conv2.weight", lambda a: a),
    "conv2.bias": ("conv2.bias", lambda a: a.reshape(-1)),
    "out.weights": ("out.weight", lambda a: a.T),
    "out.bias": ("out.bias", lambda a: a),
}


def torch_twin(model: DigitsCNN) -> TorchDigits:
    """A PyTorch network holding exactly ``model``'s current weights."""
    twin = TorchDigits(CONFIG.channels, model.features)
    state = model.state_dict()
    if set(state) != set(LAYOUTS):
        raise AssertionError(f"unexpected minitorch parameters {sorted(state)}")
    with torch.no_grad():
        params = dict(twin.named_parameters())
        for name, (torch_name, layout) in LAYOUTS.items():
            params[torch_name].copy_(torch.from_numpy(layout(state[name]).copy()))
    return twin


def worst_error(ours: Array, reference: Array) -> float:
    """Largest difference relative to the largest reference magnitude."""
    scale = float(np.max(np.abs(reference))) if reference.size else 0.0
    return float(np.max(np.abs(ours - reference))) / max(scale, 1e-300)


def check(errors: dict[str, float], what: str, ours: Array, theirs: Array) -> None:
    """Record ``what``'s relative error; raise if shapes differ or it exceeds RTOL."""
    if ours.shape != theirs.shape:
        raise AssertionError(f"{what}: shape {ours.shape} vs torch {theirs.shape}")
    errors[what] = worst_error(ours, theirs)
    if errors[what] > RTOL:
        raise AssertionError(
            f"{what} differs from torch: relative error {errors[what]:.3g} > "
            f"{RTOL:g}\nminitorch {ours.ravel()[:6]}\ntorch     {theirs.ravel()[:6]}"
        )


@dataclass
class Pair:
    """Both models, their optimizers and the data they see."""

    ours: DigitsCNN
    ours_opt: Optimizer
    theirs: TorchDigits
    theirs_opt: torch.optim.Optimizer
    split: DigitsSplit

    def ours_grads(self) -> dict[str, Array]:
        """minitorch's gradients, each in torch's layout."""
        out = {}
        for name, p in self.ours.named_parameters():
            torch_name, layout = LAYOUTS[name]
            out[torch_name] = layout(p.value.grad.to_numpy())
        return out

    def theirs_weights(self) -> dict[str, Array]:
        """torch's current parameter values as arrays, by torch name."""
        return {n: p.detach().numpy() for n, p in self.theirs.named_parameters()}


# --- the three timed tasks, one version per library ------------------------


def ours_step(pair: Pair, images: Array, labels: npt.NDArray[np.int64]) -> float:
    """One minitorch training step, as ``train_epoch`` does it; returns the loss."""
    backend = backend_of(pair.ours)
    pair.ours.train()
    pair.ours_opt.zero_grad()
    loss = nll_loss(pair.ours(mt_images(images, backend)), one_hot(labels, backend))
    value = loss.item()
    loss.view(1).backward()
    pair.ours_opt.step()
    return value


def theirs_step(pair: Pair, images: Array, labels: npt.NDArray[np.int64]) -> float:
    """The same step in PyTorch; returns the loss."""
    pair.theirs.train()
    pair.theirs_opt.zero_grad()
    x = torch.from_numpy(images).unsqueeze(1)
    loss = F.nll_loss(pair.theirs(x), torch.from_numpy(labels))
    value = float(loss.item())
    torch.autograd.backward(loss)
    pair.theirs_opt.step()
    return value


def ours_epoch(pair: Pair) -> tuple[float, float]:
    """minitorch's own ``train_epoch``: ``(mean loss, accuracy)``."""
    rng = random.Random(CONFIG.seed)
    return train_epoch(pair.ours, pair.ours_opt, pair.split, CONFIG, rng)


def theirs_epoch(pair: Pair) -> tuple[float, float]:
    """``train_epoch`` in PyTorch, same batch order, same bookkeeping."""
    split = pair.split
    model = pair.theirs
    model.train()
    rng = random.Random(CONFIG.seed)
    batches = batch_indices(len(split.train_labels), CONFIG.batch_size, rng)
    loss_sum = 0.0
    correct = 0
    for indices in batches:
        labels = split.train_labels[indices]
        pair.theirs_opt.zero_grad()
        x = torch.from_numpy(split.train_images[indices]).unsqueeze(1)
        log_probs = model(x)
        loss = F.nll_loss(log_probs, torch.from_numpy(labels))
        value = float(loss.item())
        if not math.isfinite(value):
            raise AssertionError("torch loss is not finite")
        torch.autograd.backward(loss)
        pair.theirs_opt.step()
        loss_sum += value * len(indices)
        predicted = log_probs.detach().numpy().argmax(axis=1)
        correct += int(np.sum(predicted == labels))
    count = len(split.train_labels)
    return loss_sum / count, correct / count


def ours_eval(pair: Pair) -> tuple[float, float]:
    """minitorch's own ``evaluate`` on the validation images: (loss, accuracy)."""
    result = evaluate(pair.ours, pair.split.val_images, pair.split.val_labels)
    return result.loss, result.accuracy


def theirs_eval(pair: Pair) -> tuple[float, float]:
    """``evaluate`` in PyTorch: eval mode, no graph, chunks of 256."""
    images, labels = pair.split.val_images, pair.split.val_labels
    model = pair.theirs
    model.eval()
    total = 0.0
    predictions = []
    with torch.no_grad():
        for start in range(0, len(labels), EVAL_BATCH):
            chunk = slice(start, start + EVAL_BATCH)
            log_probs = model(torch.from_numpy(images[chunk]).unsqueeze(1))
            target = torch.from_numpy(labels[chunk])
            total += float(F.nll_loss(log_probs, target).item()) * len(labels[chunk])
            predictions.append(log_probs.numpy().argmax(axis=1))
    model.train()
    predicted = np.concatenate(predictions)
    return total / len(labels), float(np.mean(predicted == labels))


# --- equivalence, then timing ------------------------------------------------


def first_step(
    pair: Pair, images: Array, labels: npt.NDArray[np.int64]
) -> dict[str, Any]:
    """The first step in both, checked piece by piece; timed (numba compiles here)."""
    errors: dict[str, float] = {}
    backend = backend_of(pair.ours)
    began = time.perf_counter()
    pair.ours.train()
    pair.ours_opt.zero_grad()
    ours_logp = pair.ours(mt_images(images, backend))
    ours_loss = nll_loss(ours_logp, one_hot(labels, backend))
    ours_loss.view(1).backward()
    ours_fwd_bwd = time.perf_counter() - began

    began = time.perf_counter()
    pair.theirs.train()
    pair.theirs_opt.zero_grad()
    theirs_logp = pair.theirs(torch.from_numpy(images).unsqueeze(1))
    theirs_loss = F.nll_loss(theirs_logp, torch.from_numpy(labels))
    torch.autograd.backward(theirs_loss)
    theirs_fwd_bwd = time.perf_counter() - began

    check(
        errors,
        "log-probabilities",
        ours_logp.to_numpy(),
        theirs_logp.detach().numpy(),
    )
    check(
        errors,
        "loss",
        np.array([ours_loss.item()]),
        np.array([float(theirs_loss.item())]),
    )
    ours_grads = pair.ours_grads()
    for name, p in pair.theirs.named_parameters():
        assert p.grad is not None, f"torch left no gradient on {name}"
        check(errors, f"grad {name}", ours_grads[name], p.grad.numpy())

    began = time.perf_counter()
    pair.ours_opt.step()
    ours_total = ours_fwd_bwd + time.perf_counter() - began
    began = time.perf_counter()
    pair.theirs_opt.step()
    theirs_total = theirs_fwd_bwd + time.perf_counter() - began

    theirs_after = pair.theirs_weights()
    for name, value in pair.ours.state_dict().items():
        torch_name, layout = LAYOUTS[name]
        check(
            errors, f"{torch_name} after Adam", layout(value), theirs_after[torch_name]
        )
    return {
        "errors": errors,
        "first_step_s": {"minitorch": ours_total, "torch": theirs_total},
    }


def check_close(
    what: str, ours: tuple[float, float], theirs: tuple[float, float]
) -> float:
    """Raise unless the two (loss, accuracy) pairs agree; return the loss error."""
    loss_error = abs(ours[0] - theirs[0]) / abs(theirs[0])
    if loss_error > EPOCH_RTOL or ours[1] != theirs[1]:
        raise AssertionError(
            f"{what}: minitorch (loss, accuracy) {ours} vs torch {theirs}"
        )
    return loss_error


@contextlib.contextmanager
def busy_core(pin: bool) -> Iterator[None]:
    """Run a Python busy loop in another process (on core 0 if ``pin``) meanwhile."""
    code = "while True: pass"
    if pin:
        code = "import os\nos.sched_setaffinity(0, {0})\n" + code
    loop = subprocess.Popen([sys.executable, "-c", code])
    try:
        yield
    finally:
        loop.kill()
        loop.wait()


def run(rounds: int, threads: int) -> dict[str, Any]:
    """Check that both libraries compute the same thing, then time them in turns."""
    set_num_threads(threads)
    torch.set_num_threads(threads)
    split = load_split(CONFIG.seed, CONFIG.val_fraction)
    ours = build_model(CONFIG)
    theirs = torch_twin(ours)
    pair = Pair(
        ours,
        make_optimizer(CONFIG, ours.parameters()),
        theirs,
        torch.optim.Adam(
            theirs.parameters(), lr=CONFIG.lr, betas=(0.9, 0.999), eps=1e-8
        ),
        split,
    )
    first = batch_indices(
        len(split.train_labels), CONFIG.batch_size, random.Random(CONFIG.seed)
    )
    images = split.train_images[first[0]]
    labels = split.train_labels[first[0]]
    checked = first_step(pair, images, labels)

    began = time.perf_counter()
    ours_val = ours_eval(pair)
    first_eval = {"minitorch": time.perf_counter() - began}
    began = time.perf_counter()
    theirs_val = theirs_eval(pair)
    first_eval["torch"] = time.perf_counter() - began
    checked["errors"]["validation loss"] = check_close(
        "validation after one step", ours_val, theirs_val
    )
    # One epoch from the same weights: checked, and it is the epoch's warm-up.
    checked["errors"]["first-epoch loss"] = check_close(
        "first epoch", ours_epoch(pair), theirs_epoch(pair)
    )

    tasks: list[tuple[str, dict[str, Callable[[], object]], int]] = [
        (
            "train step, batch 32",
            {
                "minitorch": lambda: ours_step(pair, images, labels),
                "torch": lambda: theirs_step(pair, images, labels),
            },
            1,
        ),
        (
            f"train epoch, {len(split.train_labels)} images",
            {
                "minitorch": lambda: ours_epoch(pair),
                "torch": lambda: theirs_epoch(pair),
            },
            0,
        ),
        (
            f"eval forward, {len(split.val_labels)} images",
            {"minitorch": lambda: ours_eval(pair), "torch": lambda: theirs_eval(pair)},
            1,
        ),
    ]
    ms: dict[str, dict[str, float]] = {}
    spread: dict[str, dict[str, tuple[float, float]]] = {}
    for label, contenders, warmup in tasks:
        times = alternate(contenders, rounds, warmup=warmup)
        ms[label] = {name: 1000 * median(t) for name, t in times.items()}
        spread[label] = {
            name: (1000 * min(t), 1000 * max(t)) for name, t in times.items()
        }
    return {
        "ms": ms,
        "min_max_ms": spread,
        "ratio": {label: v["minitorch"] / v["torch"] for label, v in ms.items()},
        "equivalence_rtol": RTOL,
        "epoch_rtol": EPOCH_RTOL,
        "relative_errors": checked["errors"],
        "first_step_s": checked["first_step_s"],
        "first_eval_s": first_eval,
        "numba_threads": threads,
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "rounds": rounds,
        "machine": machine(),
    }


def report(results: dict[str, Any]) -> str:
    """The timings as a Markdown table."""
    rows = []
    for label, v in results["ms"].items():
        (ours_lo, ours_hi), (theirs_lo, theirs_hi) = (
            results["min_max_ms"][label][name] for name in ("minitorch", "torch")
        )
        rows.append(
            (
                label,
                f"{ours_lo:.2f} / {v['minitorch']:.2f} / {ours_hi:.2f}",
                f"{theirs_lo:.2f} / {v['torch']:.2f} / {theirs_hi:.2f}",
                f"{results['ratio'][label]:.2f}×",
            )
        )
    head = "digits CNN, float64, dropout 0"
    headers = [head, "minitorch ms (min / median / max)", "torch ms", "ratio"]
    return table(headers, rows)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Command-line entry: check, time, print the table, optionally save JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.digits_vs_torch")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=num_threads())
    parser.add_argument("--busy", action="store_true", help="keep one core busy")
    parser.add_argument("--pin", action="store_true", help="busy loop on core 0")
    parser.add_argument("--json", metavar="PATH", help="also save the results here")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    with busy_core(args.pin) if args.busy else contextlib.nullcontext():
        results = run(args.rounds, args.threads)
    results["busy"] = "pinned to core 0" if args.busy and args.pin else args.busy
    results["load_average"] = [load_before, os.getloadavg()[0]]
    print(
        f"numba threads: {results['numba_threads']}, "
        f"torch threads: {results['torch_threads']}, rounds: {args.rounds}, "
        f"busy core: {results['busy']}, load average {load_before:.1f} → "
        f"{results['load_average'][1]:.1f}\n"
    )
    print(report(results))
    worst = max(results["relative_errors"].values())
    print(
        f"\nequivalence: log-probabilities, loss, gradients and weights after one "
        f"Adam step within {RTOL:g} relative (worst {worst:.2g}); validation and "
        f"first-epoch loss within {EPOCH_RTOL:g}, same accuracies"
    )
    first, first_eval = results["first_step_s"], results["first_eval_s"]
    print(
        f"first step, not timed above (numba compiles): minitorch "
        f"{first['minitorch']:.1f} s, torch {first['torch']:.3f} s; first eval: "
        f"minitorch {first_eval['minitorch']:.2f} s, torch {first_eval['torch']:.3f} s"
    )
    save_json(args.json, {"digits_vs_torch": results})
    return results


if __name__ == "__main__":
    main()
