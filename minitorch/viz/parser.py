"""A small, safe expression language over Scalars, for ``minitorch graph``.

Recursive descent over this grammar (lowest precedence first)::

    comparison := sum [("<" | ">" | "==") sum]
    sum        := product {("+" | "-") product}
    product    := unary {("*" | "/") unary}
    unary      := "-" unary | atom
    atom       := NUMBER | NAME | FUNCTION "(" comparison ")" | "(" comparison ")"

with FUNCTION one of ``log exp sigmoid relu``. The text is only tokenized and
matched against the grammar, never handed to ``eval``; the whole input is parsed
and every variable checked before a single Scalar is built. Identical
sub-expressions are built once, so ``log(x*y) + exp(x*y)`` shares ``x*y`` as in the
lecture's picture.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from ..scalar import Scalar

FUNCTIONS: dict[str, Callable[[Scalar], Scalar]] = {
    "log": Scalar.log,
    "exp": Scalar.exp,
    "sigmoid": Scalar.sigmoid,
    "relu": Scalar.relu,
}
BINARY: dict[str, Callable[[Scalar, Scalar], Scalar]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "==": lambda a, b: a == b,
}
# Deeper nesting than this is no lecture expression; refusing it keeps the
# recursive descent far from Python's recursion limit.
MAX_DEPTH = 64
# Intermediate results are named by their source text when it is this short.
MAX_NAME = 24

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>==|[-+*/()<>]))"
)


class ExpressionError(ValueError):
    """Input that is not an expression (or names unknown variables), with a position.

    ``column`` counts from 1; ``str()`` gives ``error: … at column N`` and a caret line.
    """

    def __init__(self, message: str, text: str, column: int) -> None:
        self.message = message
        self.text = text
        self.column = column
        super().__init__(f"error: {message}\n  {text}\n  {' ' * (column - 1)}^")


@dataclass(frozen=True)
class Token:
    """One token: its kind (``number``, ``name``, ``op``, ``end``), text and column."""

    kind: str
    text: str
    column: int


@dataclass(frozen=True)
class Expr:
    """A parsed expression node.

    ``op`` is ``num``, ``var``, ``neg``, a binary operator or a function name;
    ``args`` its operands; ``text`` the number literal or variable name; ``span``
    its source slice (start, end).
    """

    op: str
    args: tuple[Expr, ...]
    text: str
    span: tuple[int, int]

    def key(self) -> tuple[object, ...]:
        """A structural key: equal for identical sub-expressions."""
        if self.op == "num":
            return ("num", float(self.text))
        return (self.op, self.text, *(a.key() for a in self.args))


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``end`` token.

    Raises:
        ExpressionError: at the first character that starts no token.
    """
    tokens: list[Token] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            tokens.append(Token("end", "", pos + 1))
            return tokens
        m = _TOKEN.match(text, pos)
        if m is None or m.lastgroup is None:
            raise ExpressionError(
                f"unexpected character {text[pos]!r} at column {pos + 1}", text, pos + 1
            )
        kind = m.lastgroup
        tokens.append(Token(kind, m.group(kind), m.start(kind) + 1))
        pos = m.end()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def error(self, token: Token, expected: str | None = None) -> ExpressionError:
        what = "end of input" if token.kind == "end" else repr(token.text)
        hint = f" (expected {expected})" if expected else ""
        return ExpressionError(
            f"unexpected {what} at column {token.column}{hint}", self.text, token.column
        )

    def take(self, text: str) -> Token:
        token = self.peek()
        if token.kind != "op" or token.text != text:
            raise self.error(token, repr(text))
        self.i += 1
        return token

    def node(self, op: str, args: tuple[Expr, ...], text: str, start: int) -> Expr:
        end = self.tokens[self.i - 1]
        return Expr(op, args, text, (start, end.column - 1 + len(end.text)))

    def parse(self) -> Expr:
        expr = self.comparison()
        if self.peek().kind != "end":
            raise self.error(self.peek(), "an operator or the end")
        return expr

    def binary(self, ops: tuple[str, ...], operand: Callable[[], Expr]) -> Expr:
        left = operand()
        while self.peek().kind == "op" and self.peek().text in ops:
            op = self.peek().text
            self.i += 1
            right = operand()
            left = self.node(op, (left, right), "", left.span[0])
        return left

    def comparison(self) -> Expr:
        left = self.sum()
        token = self.peek()
        if token.kind == "op" and token.text in ("<", ">", "=="):
            self.i += 1
            left = self.node(token.text, (left, self.sum()), "", left.span[0])
        return left

    def sum(self) -> Expr:
        return self.binary(("+", "-"), self.product)

    def product(self) -> Expr:
        return self.binary(("*", "/"), self.unary)

    def unary(self) -> Expr:
        token = self.peek()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"expression nested too deeply at column {token.column}",
                self.text,
                token.column,
            )
        try:
            if token.kind == "op" and token.text == "-":
                self.i += 1
                operand = self.unary()
                return self.node("neg", (operand,), "", token.column)
            return self.atom()
        finally:
            self.depth -= 1

    def atom(self) -> Expr:
        token = self.peek()
        self.i += 1
        if token.kind == "number":
            return self.node("num", (), token.text, token.column)
        if token.kind == "name":
            if self.peek().kind == "op" and self.peek().text == "(":
                if token.text not in FUNCTIONS:
                    raise ExpressionError(
                        f"unknown function {token.text!r} at column {token.column} "
                        f"(known: {', '.join(sorted(FUNCTIONS))})",
                        self.text,
                        token.column,
                    )
                self.take("(")
                arg = self.comparison()
                self.take(")")
                return self.node(token.text, (arg,), token.text, token.column)
            if token.text in FUNCTIONS:
                raise self.error(self.peek(), f"'(' after {token.text}")
            return self.node("var", (), token.text, token.column)
        if token.kind == "op" and token.text == "(":
            inner = self.comparison()
            close = self.take(")")
            # The parentheses belong to the span, so names read "(x+y)*z".
            return replace(inner, span=(token.column, close.column))
        self.i -= 1
        raise self.error(token, "a number, a variable, a function or '('")


def parse(text: str) -> Expr:
    """Parse ``text`` into an expression tree; nothing is evaluated.

    Raises:
        ExpressionError: naming the column of the first problem.
    """
    return _Parser(text).parse()


def variables(expr: Expr) -> list[Expr]:
    """Every variable occurrence in ``expr``, left to right."""
    out: list[Expr] = []
    stack = [expr]
    while stack:
        e = stack.pop()
        if e.op == "var":
            out.append(e)
        stack.extend(reversed(e.args))
    return out


def build(text: str, values: Mapping[str, float]) -> Scalar:
    """Parse ``text`` and build it from leaves named and valued by ``values``.

    Leaves are fresh Scalars; numbers become constants; each intermediate result is
    named by its source text when that is short.

    Raises:
        ExpressionError: for a syntax error or a variable missing from ``values``
            (the message lists the given ones). Nothing is built in either case.
    """
    expr = parse(text)
    for v in variables(expr):
        if v.text not in values:
            given = ", ".join(sorted(values)) if values else "none"
            raise ExpressionError(
                f"undefined variable {v.text!r} at column {v.span[0]} (given: {given})",
                text,
                v.span[0],
            )
    leaves = {name: Scalar(value, name=name) for name, value in values.items()}
    built: dict[tuple[object, ...], Scalar] = {}

    def make(e: Expr) -> Scalar:
        k = e.key()
        if k in built:
            return built[k]
        if e.op == "num":
            s = Scalar(float(e.text), None, name=e.text)
        elif e.op == "var":
            s = leaves[e.text]
        else:
            args = [make(a) for a in e.args]
            if e.op == "neg":
                s = -args[0]
            elif e.op in FUNCTIONS:
                s = FUNCTIONS[e.op](args[0])
            else:
                s = BINARY[e.op](args[0], args[1])
            source = "".join(text[e.span[0] - 1 : e.span[1]].split())
            if len(source) <= MAX_NAME:
                s.name = source
        built[k] = s
        return s

    return make(expr)
