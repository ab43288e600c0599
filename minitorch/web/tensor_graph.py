"""The Tensors page's expression graph: ``relu(a @ b).sum()`` built and backpropagated.

A small bounded parser (no ``eval``) reads the expression over the tensors ``a``
and ``b``; the real Tensor ops build it with ``requires_grad`` and ``backward``
fills the leaves' gradients. The answer is nodes and edges for the page to draw.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..tensor import Tensor
from ..tensor_data import IndexingError
from ..tensor_functions import tensor
from .guard import bad_request
from .sandbox import MAX_DIMS, is_dims_list

MAX_EXPRESSION = 200
MAX_DEPTH = 20
MAX_NODES = 40
MAX_GRAPH_CELLS = 24
SHOWN_VALUES = 6

FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "sum": lambda t: t.sum(),
    "relu": Tensor.relu,
    "sigmoid": Tensor.sigmoid,
    "exp": Tensor.exp,
    "log": Tensor.log,
}
BINARY: dict[str, tuple[str, Callable[[Tensor, Tensor], Tensor]]] = {
    "+": ("add", lambda x, y: x + y),
    "-": ("sub", lambda x, y: x - y),
    "*": ("mul", lambda x, y: x * y),
    "@": ("matmul", lambda x, y: x @ y),
}
_TOKEN = re.compile(
    r"(?P<number>\d+\.?\d*|\.\d+)|(?P<name>[A-Za-z_]\w*)|(?P<op>[-+*@().])"
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    column: int


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if m is None or m.lastgroup is None:
            raise bad_request(f"unexpected character {text[pos]!r} at column {pos + 1}")
        found.append(_Token(m.lastgroup, m.group(), pos + 1))
        pos = m.end()
    found.append(_Token("end", "", len(text) + 1))
    return found


def _summary(t: Tensor) -> str:
    values = [float(v) for v in t.to_numpy().ravel()]
    if len(values) <= SHOWN_VALUES:
        return "[" + ", ".join(f"{v:.3g}" for v in values) + "]"
    lo, hi, mean = min(values), max(values), sum(values) / len(values)
    return f"min {lo:.3g}  mean {mean:.3g}  max {hi:.3g}"


class _Builder:
    """Recursive descent capped at ``MAX_DEPTH``; each rule returns a graph node id.

    Grammar: ``sum := product {(+|-) product}``, ``product := unary {(*|@) unary}``,
    ``unary := - unary | postfix``, ``postfix := atom {. FUNCTION ( )}``,
    ``atom := NUMBER | a | b | FUNCTION ( sum ) | ( sum )``.
    """

    def __init__(self, text: str, leaves: dict[str, Tensor]) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.depth = 0
        self.leaves = leaves
        self.tensors: list[Tensor] = []
        self.ops: list[str] = []
        self.edges: list[tuple[int, int]] = []
        self.leaf_ids: dict[str, int] = {}

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self, text: str | None = None) -> _Token:
        token = self.peek()
        if text is not None and token.text != text:
            what = "end of input" if token.kind == "end" else repr(token.text)
            raise bad_request(f"expected {text!r} at column {token.column}, got {what}")
        self.pos += 1
        return token

    def node(self, op: str, t: Tensor, inputs: tuple[int, ...], column: int) -> int:
        if len(self.tensors) >= MAX_NODES:
            raise bad_request(f"the expression has more than {MAX_NODES} parts")
        self.tensors.append(t)
        self.ops.append(op)
        self.edges.extend((i, len(self.tensors) - 1) for i in inputs)
        return len(self.tensors) - 1

    def apply(
        self, op: str, fn: Callable[..., Tensor], inputs: tuple[int, ...], col: int
    ) -> int:
        shapes = " and ".join(str(self.tensors[i].shape) for i in inputs)
        try:
            t = fn(*(self.tensors[i] for i in inputs))
        except (
            IndexingError,
            ValueError,
            AssertionError,
            TypeError,
            ArithmeticError,
        ) as e:
            raise bad_request(f"{op} at column {col} on shapes {shapes}: {e}") from None
        return self.node(op, t, inputs, col)

    def parse(self) -> int:
        root = self.sum()
        end = self.peek()
        if end.kind != "end":
            raise bad_request(f"unexpected {end.text!r} at column {end.column}")
        return root

    def nested(self, rule: Callable[[], int], column: int) -> int:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise bad_request(
                f"the expression nests deeper than {MAX_DEPTH} at column {column}"
            )
        try:
            return rule()
        finally:
            self.depth -= 1

    def sum(self) -> int:
        return self.chain(("+", "-"), self.product)

    def product(self) -> int:
        return self.chain(("*", "@"), self.unary)

    def chain(self, ops: tuple[str, str], operand: Callable[[], int]) -> int:
        """``operand {op operand}`` for ``op`` in ``ops``, folded from the left."""
        left = operand()
        while self.peek().text in ops:
            token = self.take()
            right = operand()
            op, fn = BINARY[token.text]
            left = self.apply(op, fn, (left, right), token.column)
        return left

    def unary(self) -> int:
        token = self.peek()
        if token.text == "-":
            self.take()
            inner = self.nested(self.unary, token.column)
            return self.apply("neg", Tensor.__neg__, (inner,), token.column)
        return self.postfix()

    def postfix(self) -> int:
        value = self.atom()
        while self.peek().text == ".":
            self.take()
            name = self.take()
            if name.text not in FUNCTIONS:
                raise bad_request(self._unknown_function(name))
            self.take("(")
            self.take(")")
            value = self.apply(name.text, FUNCTIONS[name.text], (value,), name.column)
        return value

    def atom(self) -> int:
        token = self.take()
        if token.kind == "number":
            return self.node(token.text, tensor([float(token.text)]), (), token.column)
        if token.text == "(":
            inner = self.nested(self.sum, token.column)
            self.take(")")
            return inner
        if token.kind == "name" and token.text in self.leaves:
            if token.text not in self.leaf_ids:
                t = self.leaves[token.text]
                self.leaf_ids[token.text] = self.node(token.text, t, (), token.column)
            return self.leaf_ids[token.text]
        if token.kind == "name" and token.text in FUNCTIONS:
            self.take("(")
            inner = self.nested(self.sum, token.column)
            self.take(")")
            fn = FUNCTIONS[token.text]
            return self.apply(token.text, fn, (inner,), token.column)
        if token.kind == "name":
            raise bad_request(
                f"unknown name {token.text!r} at column {token.column}; use a, b or "
                f"one of {', '.join(FUNCTIONS)}"
            )
        what = "end of input" if token.kind == "end" else repr(token.text)
        raise bad_request(f"unexpected {what} at column {token.column}")

    def _unknown_function(self, name: _Token) -> str:
        return (
            f"unknown method {name.text!r} at column {name.column}; use "
            f"{', '.join(FUNCTIONS)}"
        )


def _leaf(shape: tuple[int, ...], fill: Callable[[int], float]) -> Tensor:
    t = tensor([fill(k) for k in range(math.prod(shape))]).view(*shape)
    t = t.contiguous()
    t.requires_grad_(True)
    return t


def _graph_shape(value: object, name: str) -> tuple[int, ...]:
    if not is_dims_list(value):
        raise bad_request(
            f"shape of {name} must be 1 to {MAX_DIMS} integers, got {value!r}"
        )
    shape = tuple(value)
    if any(v < 1 for v in shape) or math.prod(shape) > MAX_GRAPH_CELLS:
        raise bad_request(
            f"shape of {name} {shape} must be positive with ≤ {MAX_GRAPH_CELLS} cells"
        )
    return shape


def graph_payload(request: object) -> dict[str, Any]:
    """Build ``request["expr"]`` over ``a`` and ``b``, run backward, return the graph.

    ``request``: ``{"expr": "relu(a @ b).sum()", "a": [2, 3], "b": [3, 2]}``; cell
    ``k`` of ``a`` holds ``0.1 (k + 1)``, of ``b`` ``0.5 (k mod 5) - 1``. A result
    with several values is backpropagated with a gradient of ones.
    """
    if not isinstance(request, Mapping) or not isinstance(request.get("expr"), str):
        raise bad_request("the request must be a JSON object with an expr string")
    text: str = request["expr"]
    if not text.strip():
        raise bad_request("type an expression, e.g. relu(a @ b).sum()")
    if len(text) > MAX_EXPRESSION:
        raise bad_request(f"the expression is longer than {MAX_EXPRESSION} characters")
    leaves = {
        "a": _leaf(
            _graph_shape(request.get("a", [2, 3]), "a"), lambda k: 0.1 * (k + 1)
        ),
        "b": _leaf(
            _graph_shape(request.get("b", [3, 2]), "b"), lambda k: 0.5 * (k % 5) - 1
        ),
    }
    builder = _Builder(text, leaves)
    root = builder.parse()
    out = builder.tensors[root]
    if not out.requires_grad():
        raise bad_request(
            "the expression uses neither a nor b: nothing to differentiate"
        )
    out.backward(out.zeros(out.shape) + 1.0)
    has_inputs = {end for _, end in builder.edges}
    nodes = []
    for i, (op, t) in enumerate(zip(builder.ops, builder.tensors, strict=True)):
        leaf = op in builder.leaf_ids
        kind = "leaf" if leaf else "op" if i in has_inputs else "constant"
        nodes.append(
            {
                "id": i,
                "op": op,
                "kind": kind,
                "shape": list(t.shape),
                "value": _summary(t),
                "grad": _summary(t.grad) if leaf and t.grad is not None else None,
            }
        )
    return {
        "expr": text,
        "nodes": nodes,
        "edges": [list(e) for e in builder.edges],
        "root": root,
    }
