"""The graph model of an expression: Variable and Function nodes in data-flow order.

Built by walking ``history.inputs`` back from a result. Values override ``==`` and
cannot be hashed, so every node is identified by its ``unique_id``: variable ``v17``
and the function application that produced it ``f17``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

NodeKind = Literal["leaf", "inner", "constant", "op"]


class Traceable(Protocol):
    """What the graph walker reads from a value: a Scalar, or anything shaped alike."""

    @property
    def unique_id(self) -> int:
        """The identity of the value inside a graph."""

    @property
    def name(self) -> str:
        """The label to show."""

    @property
    def data(self) -> Any:
        """The value computed by the forward pass."""

    @property
    def derivative(self) -> Any:
        """The derivative a leaf holds after ``backward`` (``None`` before)."""

    @property
    def history(self) -> Any:
        """``last_fn`` and ``inputs`` of the producing function, or ``None``."""

    def is_leaf(self) -> bool:
        """True for a value created by the user."""

    def is_constant(self) -> bool:
        """True for a value that takes no derivative."""


@dataclass(frozen=True)
class Node:
    """One picture element: a variable (leaf, inner, constant) or a function (op).

    ``uid`` is the variable's ``unique_id``; for an op, that of the variable it
    produced. ``derivative`` is what a leaf held when the graph was built.
    """

    id: str
    kind: NodeKind
    label: str
    uid: int
    value: float | None = None
    derivative: float | None = None


@dataclass(frozen=True)
class Edge:
    """Data flowing from ``src`` to ``dst``; ``slot`` is the argument position."""

    src: str
    dst: str
    slot: int = 0


@dataclass
class ExprGraph:
    """Nodes in data-flow order (each after its inputs), edges, and the output node."""

    nodes: list[Node]
    edges: list[Edge]
    root: str
    _by_id: dict[str, Node] = field(init=False, repr=False)
    _input_edge: dict[tuple[str, int], int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {n.id: n for n in self.nodes}
        self._input_edge = {(e.dst, e.slot): i for i, e in enumerate(self.edges)}

    def node(self, node_id: str) -> Node:
        """The node called ``node_id``."""
        return self._by_id[node_id]

    def input_edge(self, op_id: str, slot: int) -> int:
        """Index of the edge feeding argument ``slot`` of op node ``op_id``."""
        return self._input_edge[(op_id, slot)]

    def variables(self) -> list[Node]:
        """The variable nodes (everything but ops), in data-flow order."""
        return [n for n in self.nodes if n.kind != "op"]


def var_id(uid: int) -> str:
    """Node id of the variable with ``unique_id`` ``uid``."""
    return f"v{uid}"


def op_id(uid: int) -> str:
    """Node id of the function application that produced variable ``uid``."""
    return f"f{uid}"


def fmt_number(x: float) -> str:
    """Three decimals for everyday magnitudes, scientific notation for the rest."""
    if x == 0 or (1e-3 <= abs(x) < 1e5):
        return f"{x:.3f}"
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.3e}"


def _kind(v: Traceable) -> NodeKind:
    if v.is_constant():
        return "constant"
    return "leaf" if v.is_leaf() else "inner"


def _inputs(v: Traceable) -> Sequence[Traceable]:
    h = v.history
    if h is None or h.last_fn is None:
        return ()
    inputs: Sequence[Traceable] = h.inputs
    return inputs


def build_graph(result: Traceable) -> ExprGraph:
    """The graph of every value ``result`` was computed from.

    A value used twice (``x*y`` in ``log(x*y) + exp(x*y)``, or ``a`` in ``a + a``)
    is one node with two outgoing edges. The walk is iterative, so deep chains
    need no recursion.
    """
    order: list[Traceable] = []
    seen: set[int] = set()
    # (value, expanded): a value is emitted once all of its inputs are emitted.
    stack: list[tuple[Traceable, bool]] = [(result, False)]
    while stack:
        v, expanded = stack.pop()
        if expanded:
            order.append(v)
            continue
        if v.unique_id in seen:
            continue
        seen.add(v.unique_id)
        stack.append((v, True))
        # Reversed so that the first argument is emitted first.
        stack.extend(
            (p, False) for p in reversed(_inputs(v)) if p.unique_id not in seen
        )

    nodes: list[Node] = []
    edges: list[Edge] = []
    for v in order:
        uid = v.unique_id
        kind = _kind(v)
        if kind == "inner":
            fn = op_id(uid)
            nodes.append(Node(fn, "op", v.history.last_fn.__name__, uid))
            edges.extend(
                Edge(var_id(p.unique_id), fn, slot) for slot, p in enumerate(_inputs(v))
            )
            edges.append(Edge(fn, var_id(uid)))
        derivative = v.derivative if kind == "leaf" else None
        nodes.append(
            Node(
                var_id(uid),
                kind,
                v.name,
                uid,
                float(v.data),
                None if derivative is None else float(derivative),
            )
        )
    return ExprGraph(nodes, edges, var_id(result.unique_id))


@dataclass(frozen=True)
class Frame:
    """What one picture of a graph shows on top of its structure.

    ``derivatives`` (node id → total derivative) are drawn on the nodes, ``pending``
    (node id → derivative still waiting) as red badges, ``sent`` (edge index →
    contribution sent in this step) as red edges; ``active`` is the variable being
    processed.
    """

    derivatives: Mapping[str, float] = field(default_factory=dict)
    pending: Mapping[str, float] = field(default_factory=dict)
    sent: Mapping[int, float] = field(default_factory=dict)
    active: str | None = None
    caption: str = ""
    title: str = ""


def static_frame(
    graph: ExprGraph,
    totals: Mapping[str, float] | None = None,
    caption: str = "",
) -> Frame:
    """The plain picture: leaves show the derivative they hold.

    ``totals`` (node id → derivative, e.g. from a recorded backward pass) adds the
    derivative of every other variable too.
    """
    derivatives = {n.id: n.derivative for n in graph.nodes if n.derivative is not None}
    if totals:
        derivatives.update(totals)
    return Frame(derivatives=derivatives, caption=caption)
