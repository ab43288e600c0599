"""A small, safe expression language over Scalars, for ``minitorch graph``.

The grammar (lowest precedence first)::

    comparison := sum [("<" | ">" | "==") sum]
    sum        := product {("+" | "-") product}
    product    := unary {("*" | "/") unary}
    unary      := "-" unary | atom
    atom       := NUMBER | NAME | FUNCTION "(" comparison ")" | "(" comparison ")"

with FUNCTION one of ``log exp sigmoid relu``. The text is only tokenized and
matched against the grammar, never handed to ``eval``. Parsing (operator
precedence over two explicit stacks) and building (a post-order walk) use no
recursion, so no input reaches Python's recursion limit; the budgets
(``MAX_LENGTH`` characters, ``MAX_DEPTH`` levels of nesting) are checked before a
single Scalar is built. Identical sub-expressions are built once, so
``log(x*y) + exp(x*y)`` shares ``x*y`` as in the lecture's picture. A maths failure
while building (``log(0)``, ``x/0``, an overflow) is a one-line ``MathError`` that
names the operation and its values.
"""

from __future__ import annotations

import math
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
# Binding strength of the binary operators; unary minus binds tighter than all.
PRECEDENCE = {"<": 1, ">": 1, "==": 1, "+": 2, "-": 2, "*": 3, "/": 3}
NEG_PRECEDENCE = 4
# Budgets: an expression this long already makes a graph far beyond what a
# picture can show, and no lecture expression nests this deep.
MAX_LENGTH = 10_000
MAX_DEPTH = 64
# Intermediate results are named by their source text when it is this short.
MAX_NAME = 24
# Errors quote at most this many characters of the expression around the column.
WINDOW = 60

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>==|[-+*/()<>]))"
)


def shorten(text: str, limit: int = WINDOW) -> str:
    """``text`` on one line, cut to ``limit`` characters with its length if longer."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return f"{flat[: limit - 1]}… ({len(text)} characters)"


def _window(text: str, column: int) -> tuple[str, int]:
    """At most ``WINDOW`` characters of ``text`` around ``column``; the caret offset.

    Line breaks and control characters are shown as spaces.
    """
    i = column - 1
    start, end = 0, len(text)
    if len(text) > WINDOW:
        start = max(0, min(i - WINDOW // 2, len(text) - WINDOW))
        end = start + WINDOW
    shown = "".join(c if c.isprintable() else " " for c in text[start:end])
    before = "…" if start > 0 else ""
    after = "…" if end < len(text) else ""
    return before + shown + after, len(before) + i - start


class ExpressionError(ValueError):
    """Input that is not an expression (or names unknown variables), with a position.

    ``column`` counts from 1; ``str()`` gives ``error: … at column N`` and, when
    ``quote`` is set, the text around the column with a caret under it.
    """

    def __init__(
        self, message: str, text: str, column: int, quote: bool = True
    ) -> None:
        self.message = message
        self.text = text
        self.column = column
        lines = [f"error: {message}"]
        if quote:
            shown, caret = _window(text, column)
            lines += [f"  {shown}", f"  {' ' * caret}^"]
        super().__init__("\n".join(lines))


class MathError(ExpressionError):
    """A well-formed expression whose value is undefined or beyond a float's range.

    One line, naming the operation and its values (``log(0.0)``, ``5.0 / 0.0``).
    """

    def __init__(self, message: str, text: str, column: int) -> None:
        super().__init__(message, text, column, quote=False)


@dataclass(frozen=True)
class Token:
    """One token: its kind (``number``, ``name``, ``op``, ``end``), text and column."""

    kind: str
    text: str
    column: int


@dataclass(frozen=True, eq=False, repr=False)
class Expr:
    """A parsed expression node.

    ``op`` is ``num``, ``var``, ``neg``, a binary operator or a function name;
    ``args`` its operands; ``text`` the number literal or variable name; ``span``
    its source slice (start, end). Nodes compare by identity: a structural
    ``==`` or ``repr`` would recurse as deep as the tree.
    """

    op: str
    args: tuple[Expr, ...]
    text: str
    span: tuple[int, int]

    def __repr__(self) -> str:
        return f"Expr({self.op!r}, {len(self.args)} args, span={self.span})"


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


def _leaf(op: str, token: Token) -> Expr:
    return Expr(op, (), token.text, (token.column, token.column + len(token.text) - 1))


class _Parser:
    """Operator precedence over explicit stacks, with no recursion.

    ``operands`` holds finished sub-expressions; ``waiting`` the operators and
    open groups still waiting for their right-hand side.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.operands: list[Expr] = []
        # ("bin" | "neg" | "(" | "call", token)
        self.waiting: list[tuple[str, Token]] = []
        # One flag per open group: it already holds a comparison (they do not chain).
        self.compared = [False]
        self.depth = 0
        self.deepest = 0
        self.too_deep_at = 0

    def error(self, token: Token, expected: str | None = None) -> ExpressionError:
        what = "end of input" if token.kind == "end" else repr(shorten(token.text, 24))
        hint = f" (expected {expected})" if expected else ""
        return ExpressionError(
            f"unexpected {what} at column {token.column}{hint}", self.text, token.column
        )

    def after_operand(self) -> str:
        return (
            "an operator or ')'" if len(self.compared) > 1 else "an operator or the end"
        )

    def parse(self) -> Expr:
        tokens = self.tokens
        i = 0
        while True:
            # An operand: any prefixes and openings, then a number or a variable.
            token = tokens[i]
            if token.kind == "op" and token.text in ("-", "("):
                self.open("neg" if token.text == "-" else "(", token)
                i += 1
                continue
            follower = tokens[i + 1] if token.kind == "name" else token
            if token.kind == "name" and follower.kind == "op" and follower.text == "(":
                if token.text not in FUNCTIONS:
                    raise ExpressionError(
                        f"unknown function {shorten(token.text, 24)!r} at column "
                        f"{token.column} (known: {', '.join(sorted(FUNCTIONS))})",
                        self.text,
                        token.column,
                    )
                self.open("call", token)
                i += 2
                continue
            if token.kind == "number":
                self.operands.append(self.number(token))
            elif token.kind == "name":
                if token.text in FUNCTIONS:
                    raise self.error(follower, f"'(' after {token.text}")
                self.operands.append(_leaf("var", token))
            else:
                raise self.error(token, "a number, a variable, a function or '('")
            i += 1
            # Closing parentheses, then a binary operator (next operand) or the end.
            while True:
                token = tokens[i]
                i += 1
                if token.kind == "op" and token.text == ")":
                    self.close(token)
                elif token.kind == "op" and token.text in PRECEDENCE:
                    self.binary(token)
                    break
                elif token.kind == "end":
                    return self.finish(token)
                else:
                    raise self.error(token, self.after_operand())

    def number(self, token: Token) -> Expr:
        if not math.isfinite(float(token.text)):
            raise MathError(
                f"number {shorten(token.text, 24)} at column {token.column} is too "
                "large for a float",
                self.text,
                token.column,
            )
        return _leaf("num", token)

    def open(self, kind: str, token: Token) -> None:
        self.waiting.append((kind, token))
        if kind != "neg":
            self.compared.append(False)
        self.depth += 1
        if self.depth > self.deepest:
            self.deepest = self.depth
            if self.depth > MAX_DEPTH and not self.too_deep_at:
                self.too_deep_at = token.column

    def reduce(self, precedence: int) -> None:
        """Apply waiting operators that bind at least as tightly as ``precedence``."""
        while self.waiting:
            kind, token = self.waiting[-1]
            if kind == "neg":
                if precedence > NEG_PRECEDENCE:
                    return
                operand = self.operands.pop()
                self.operands.append(
                    Expr("neg", (operand,), "", (token.column, operand.span[1]))
                )
                self.depth -= 1
            elif kind == "bin" and PRECEDENCE[token.text] >= precedence:
                right = self.operands.pop()
                left = self.operands.pop()
                self.operands.append(
                    Expr(token.text, (left, right), "", (left.span[0], right.span[1]))
                )
            else:
                return
            self.waiting.pop()

    def binary(self, token: Token) -> None:
        precedence = PRECEDENCE[token.text]
        self.reduce(precedence)
        if precedence == PRECEDENCE["<"]:
            if self.compared[-1]:
                raise self.error(token, self.after_operand())
            self.compared[-1] = True
        self.waiting.append(("bin", token))

    def close(self, token: Token) -> None:
        self.reduce(0)
        if not self.waiting:
            raise self.error(token, "an operator or the end")
        kind, opening = self.waiting.pop()
        self.compared.pop()
        self.depth -= 1
        inner = self.operands.pop()
        span = (opening.column, token.column)
        if kind == "call":
            self.operands.append(Expr(opening.text, (inner,), opening.text, span))
        else:
            # The parentheses belong to the span, so names read "(x+y)*z".
            self.operands.append(replace(inner, span=span))

    def finish(self, end: Token) -> Expr:
        self.reduce(0)
        if self.waiting:
            raise self.error(end, "')'")
        if self.too_deep_at:
            raise ExpressionError(
                f"expression nested too deeply at column {self.too_deep_at}: "
                f"{self.deepest} levels, the limit is {MAX_DEPTH}",
                self.text,
                self.too_deep_at,
            )
        return self.operands[0]


def parse(text: str) -> Expr:
    """Parse ``text`` into an expression tree; nothing is evaluated.

    Raises:
        ExpressionError: naming the column of the first problem, or the budget
            (``MAX_LENGTH``, ``MAX_DEPTH``) and the size asked for.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}",
            text,
            MAX_LENGTH + 1,
            quote=False,
        )
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


def _math_error(e: Expr, args: list[Scalar], text: str, cause: str) -> MathError:
    values = [repr(a.data) for a in args]
    if e.op in FUNCTIONS:
        call = f"{e.op}({values[0]})"
    elif e.op == "neg":
        call = f"-({values[0]})"
    else:
        call = f"{values[0]} {e.op} {values[1]}"
    return MathError(f"{call}: {cause} at column {e.span[0]}", text, e.span[0])


def _apply(e: Expr, args: list[Scalar], text: str) -> Scalar:
    """Apply ``e``'s operation to its built arguments, or raise a ``MathError``."""
    try:
        if e.op == "neg":
            out = -args[0]
        elif e.op in FUNCTIONS:
            out = FUNCTIONS[e.op](args[0])
        else:
            out = BINARY[e.op](args[0], args[1])
    except ZeroDivisionError:
        raise _math_error(e, args, text, "division by zero") from None
    except OverflowError:
        raise _math_error(
            e, args, text, "the result is too large for a float"
        ) from None
    except ValueError:
        raise _math_error(e, args, text, f"outside the domain of {e.op}") from None
    if not math.isfinite(out.data) and all(math.isfinite(a.data) for a in args):
        cause = (
            "the result is not a number"
            if math.isnan(out.data)
            else "the result is too large for a float"
        )
        raise _math_error(e, args, text, cause)
    return out


def build(text: str, values: Mapping[str, float]) -> Scalar:
    """Parse ``text`` and build it from leaves named and valued by ``values``.

    Leaves are fresh Scalars; numbers become constants; each intermediate result is
    named by its source text when that is short.

    Raises:
        ExpressionError: for a syntax error, a budget exceeded or a variable missing
            from ``values`` (the message lists the given ones); nothing is built.
        MathError: for an operation that is undefined at these values or overflows.
    """
    expr = parse(text)
    for v in variables(expr):
        if v.text not in values:
            given = shorten(", ".join(sorted(values))) if values else "none"
            raise ExpressionError(
                f"undefined variable {shorten(v.text, 24)!r} at column {v.span[0]} "
                f"(given: {given})",
                text,
                v.span[0],
            )
    leaves = {name: Scalar(value, name=name) for name, value in values.items()}
    # A sub-expression is identified by its operation and its arguments' Scalars,
    # so identical ones are built once.
    made: dict[tuple[object, ...], Scalar] = {}
    built: dict[int, Scalar] = {}
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if e.args and not ready:
            stack.append((e, True))
            stack.extend((a, False) for a in reversed(e.args))
            continue
        args = [built[id(a)] for a in e.args]
        key: tuple[object, ...] = (
            ("num", float(e.text))
            if e.op == "num"
            else (e.op, e.text, *(a.unique_id for a in args))
        )
        s = made.get(key)
        if s is None:
            if e.op == "num":
                s = Scalar(float(e.text), None, name=e.text)
            elif e.op == "var":
                s = leaves[e.text]
            else:
                s = _apply(e, args, text)
                start, end = e.span
                # Whitespace only shrinks a name: a long span cannot become short.
                if end - start < MAX_NAME * 4:
                    source = "".join(text[start - 1 : end].split())
                    if len(source) <= MAX_NAME:
                        s.name = source
            made[key] = s
        built[id(e)] = s
    return built[id(expr)]
