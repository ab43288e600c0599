"""Everything lecture 1.4 shows, computed: the backward walk, the fits, the network.

``build_lecture(options)`` runs the lecture's example through the library and keeps
the numbers its figures and text need. Nothing is drawn here.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from ..autodiff import BackpropStep, no_grad
from ..datasets import Graph, dataset_name, load
from ..lecture_network import PARAMETER_NAMES, Linear, Network
from ..module import Module
from ..optim import SGD, Optimizer
from ..scalar import Scalar, ScalarLike
from ..train.config import TrainConfig
from ..train.scalar_model import LECTURE_HIDDEN, train_epoch
from ..viz.graph import ExprGraph, Frame, build_graph
from ..viz.stepper import backprop_frames, record_backward

# The lecture's example: h(x, y) = log(x·y) + exp(x·y) at x = 5, y = 3.
EXAMPLE_X = 5.0
EXAMPLE_Y = 3.0
# The lecture's default run: both units alive, every point on its side in the end.
DEFAULT_DATASET = "Split"
DEFAULT_PTS = 50
DEFAULT_SEED = 4
DEFAULT_EPOCHS = 1500
DEFAULT_LR = 2.0
# The dataset a single line does fit, shown before the one where it fails.
LINEAR_DATASET = "Simple"
LINEAR_EPOCHS = 300
# Size budgets: every point builds its own graph, every epoch.
MAX_PTS = 500
MAX_EPOCHS = 20_000
UnitName = Literal["unit1", "unit2"]


class LectureError(ValueError):
    """A lecture option a user got wrong; the message is one line."""


@dataclass(frozen=True)
class LectureOptions:
    """What a learner can change: the data, the seed, the training, the weights.

    ``weights`` (parameter name → value) replaces the seeded starting weights;
    ``epochs`` defaults to 0 then (the page shows those weights as they are) and to
    ``DEFAULT_EPOCHS`` otherwise.
    """

    dataset: str = DEFAULT_DATASET
    pts: int = DEFAULT_PTS
    seed: int = DEFAULT_SEED
    epochs: int | None = None
    lr: float = DEFAULT_LR
    weights: dict[str, float] | None = None

    def validated(self) -> LectureOptions:
        """These options with the dataset name canonicalised and epochs filled in.

        Raises:
            LectureError: naming the first bad option, what was expected and what came.
        """
        dataset = dataset_name(self.dataset, LectureError)
        if not 2 <= self.pts <= MAX_PTS:
            raise LectureError(f"--pts must be from 2 to {MAX_PTS}, got {self.pts}")
        epochs = self.epochs
        if epochs is None:
            epochs = 0 if self.weights is not None else DEFAULT_EPOCHS
        if not 0 <= epochs <= MAX_EPOCHS:
            raise LectureError(f"--epochs must be from 0 to {MAX_EPOCHS}, got {epochs}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise LectureError(f"--lr must be positive and finite, got {self.lr}")
        if self.weights is not None and sorted(self.weights) != sorted(PARAMETER_NAMES):
            raise LectureError(
                f"weights must name exactly {', '.join(PARAMETER_NAMES)}, "
                f"got {', '.join(sorted(self.weights))}"
            )
        return replace(self, dataset=dataset, epochs=epochs, lr=float(self.lr))

    def train_config(self) -> TrainConfig:
        """The ``train scalar --model lecture`` run these options correspond to."""
        return TrainConfig(
            network="lecture",
            hidden=LECTURE_HIDDEN,
            dataset=self.dataset,
            pts=self.pts,
            seed=self.seed,
            lr=self.lr,
            epochs=max(self.epochs or 0, 1),
        )


@dataclass(frozen=True)
class Backward:
    """The backward walk of the lecture's example, and its frames."""

    x: Scalar
    y: Scalar
    h: Scalar
    graph: ExprGraph
    steps: list[BackpropStep]
    frames: list[Frame]

    def leaf_derivatives(self) -> tuple[float, float]:
        """``(dh/dx, dh/dy)`` as the walk left them on the leaves."""
        dx, dy = self.x.derivative, self.y.derivative
        if dx is None or dy is None:
            raise RuntimeError("the backward walk did not reach both leaves")
        return float(dx), float(dy)


@dataclass(frozen=True)
class LinearFit:
    """A single linear unit trained on one dataset, and how it did."""

    data: Graph
    unit: Linear
    correct: int


@dataclass(frozen=True)
class ParameterRow:
    """One line of ``named_parameters()`` in a training step."""

    name: str
    value: float
    derivative: float
    updated: float


@dataclass(frozen=True)
class TrainingStep:
    """One SGD step: each parameter's value, derivative and new value; the loss."""

    rows: list[ParameterRow]
    lr: float
    loss_before: float
    loss_after: float


@dataclass
class Lecture:
    """Every number the lecture page shows."""

    options: LectureOptions
    backward: Backward
    good_fit: LinearFit
    bad_fit: LinearFit
    data: Graph
    start: dict[str, float]
    network: Network
    step: TrainingStep
    losses: list[float] = field(default_factory=list)

    @property
    def correct(self) -> int:
        """Points the trained network puts on their side."""
        return _correct(self.network, self.data)

    def dead_units(self) -> list[UnitName]:
        """Hidden units that are ≤ 0 before ReLU on every point (ReLU gives 0)."""
        return dead_units(self.network, self.data)


def lecture_expression() -> tuple[Scalar, Scalar, Scalar]:
    """``(x, y, h)``: h = log(x·y) + exp(x·y) at (5, 3), inner values named z, a, b."""
    x = Scalar(EXAMPLE_X, name="x")
    y = Scalar(EXAMPLE_Y, name="y")
    z = x * y
    z.name = "z"
    a = z.log()
    a.name = "a"
    b = z.exp()
    b.name = "b"
    h = a + b
    h.name = "h"
    return x, y, h


def lecture_example() -> Backward:
    """Build the lecture's expression and record its real backward."""
    x, y, h = lecture_expression()
    graph = build_graph(h)
    steps = record_backward(h)
    return Backward(x, y, h, graph, steps, backprop_frames(graph, steps))


class _Probability(Module):
    """A linear unit read as a classifier: P(label 1) = σ(lin(x; w, b))."""

    unit: Linear

    def __init__(self, unit: Linear) -> None:
        super().__init__()
        self.unit = unit

    def forward(self, x: tuple[ScalarLike, ScalarLike]) -> Scalar:
        return self.unit.forward(*x).sigmoid()


def _train(
    model: Module, data: Graph, optimizer: Optimizer, epochs: int
) -> list[float]:
    """``epochs`` epochs of the training loop ``train scalar`` runs; the losses."""
    losses = []
    for _ in range(epochs):
        result = train_epoch(model, data, optimizer)
        if not math.isfinite(result.loss):
            break  # the loop keeps the last finite weights
        losses.append(result.loss)
    return losses


def _correct(model: Module, data: Graph) -> int:
    with no_grad():
        return sum(
            (model.forward((a, b)).data > 0.5) == (label == 1)
            for (a, b), label in zip(data.X, data.y, strict=True)
        )


def linear_fit(
    data: Graph, seed: int, lr: float, epochs: int = LINEAR_EPOCHS
) -> LinearFit:
    """Train one linear unit (weights from ``seed``) on ``data``."""
    rng = random.Random(f"minitorch.lecture linear {seed}")
    unit = Linear(*(2.0 * rng.random() - 1.0 for _ in range(3)))
    model = _Probability(unit)
    _train(model, data, SGD(model.parameters(), lr), epochs)
    return LinearFit(data, unit, _correct(model, data))


def dead_units(network: Network, data: Graph) -> list[UnitName]:
    """The hidden units whose value before ReLU is ≤ 0 at every point."""
    with no_grad():
        values = [network.hidden((a, b)) for a, b in data.X]
    units: tuple[UnitName, UnitName] = ("unit1", "unit2")
    return [u for k, u in enumerate(units) if all(v[k].data <= 0.0 for v in values)]


def network_from(values: dict[str, float]) -> Network:
    """A lecture network holding ``values`` (parameter name → value)."""
    network = Network()
    network.load_state_dict({name: np.array(v) for name, v in values.items()})
    return network


def parameter_values(network: Network) -> dict[str, float]:
    """``named_parameters()`` as name → float."""
    return {name: p.value.data for name, p in network.named_parameters()}


class _Recording(SGD):
    """SGD that notes every parameter's value and derivative before its first step."""

    def __init__(self, network: Network, lr: float) -> None:
        super().__init__(network.parameters(), lr)
        self.network = network
        self.before: list[tuple[str, float, float]] | None = None

    def step(self) -> None:
        if self.before is None:
            self.before = [
                (name, p.value.data, float(p.value.derivative or 0.0))
                for name, p in self.network.named_parameters()
            ]
        super().step()


def training_step(start: dict[str, float], data: Graph, lr: float) -> TrainingStep:
    """The first step of training from ``start``, through ``named_parameters()``."""
    network = network_from(start)
    optimizer = _Recording(network, lr)
    result = train_epoch(network, data, optimizer)
    after = parameter_values(network)
    if optimizer.before is None:  # a non-finite loss: the loop takes no step
        rows = [ParameterRow(n, v, math.nan, v) for n, v in start.items()]
        return TrainingStep(rows, lr, result.loss, result.loss)
    rows = [ParameterRow(n, v, d, after[n]) for n, v, d in optimizer.before]
    return TrainingStep(rows, lr, result.loss, _loss(network, data))


def _loss(model: Module, data: Graph) -> float:
    """The summed −log p of every point's own label (the loss ``train`` reports)."""
    total = 0.0
    with no_grad():
        for (a, b), label in zip(data.X, data.y, strict=True):
            p = model.forward((a, b)).data
            p = p if label == 1 else 1.0 - p
            total += -math.log(p) if p > 0 else math.inf
    return total


def build_lecture(options: LectureOptions = LectureOptions()) -> Lecture:
    """Run the lecture on ``options``: the same numbers give the same page.

    Raises:
        LectureError: for invalid options.
    """
    options = options.validated()
    epochs = options.epochs or 0
    config = options.train_config()
    data = load(options.dataset, options.pts, options.seed)
    if options.weights is not None:
        start = dict(options.weights)
    else:
        start = parameter_values(Network.random(config.weight_rng()))
    network = network_from(start)
    losses = _train(network, data, SGD(network.parameters(), options.lr), epochs)
    return Lecture(
        options=options,
        backward=lecture_example(),
        good_fit=linear_fit(
            load(LINEAR_DATASET, options.pts, options.seed), options.seed, options.lr
        ),
        bad_fit=linear_fit(data, options.seed, options.lr),
        data=data,
        start=start,
        network=network,
        step=training_step(start, data, options.lr),
        losses=losses,
    )
