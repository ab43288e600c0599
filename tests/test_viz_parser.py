"""The expression language of ``minitorch graph``: values, structure, errors, safety."""

from __future__ import annotations

import ast
import inspect
import math
from pathlib import Path

import pytest

from minitorch.viz import parser
from minitorch.viz.graph import build_graph
from minitorch.viz.parser import ExpressionError, build, parse

XY = {"x": 5.0, "y": 3.0}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("2 * 3 - 4 / 2", 4.0),
        ("x - y - 1", 1.0),  # left associative
        ("8 / 4 / 2", 1.0),
        ("-2 * 3", -6.0),
        ("2 - -3", 5.0),
        ("--x", 5.0),
        ("-(x + y)", -8.0),
        ("x * y + x / y", 15.0 + 5.0 / 3.0),
        ("log(x*y) + exp(x*y)", math.log(15.0) + math.exp(15.0)),
        ("sigmoid(0)", 0.5),
        ("relu(-x) + relu(x)", 5.0),
        ("x < y", 0.0),
        ("y < x", 1.0),
        ("x > y + 1", 1.0),
        ("x == 5", 1.0),
        ("1.5e1 + .5", 15.5),
    ],
)
def test_values(text: str, value: float) -> None:
    assert build(text, XY).data == pytest.approx(value, rel=1e-12)


def test_precedence_builds_the_right_tree() -> None:
    g = build_graph(build("x + y * 2", XY))
    ops = [n.label for n in g.nodes if n.kind == "op"]
    assert ops == ["Mul", "Add"]  # the product happens first
    g = build_graph(build("-x * y", XY))
    assert [n.label for n in g.nodes if n.kind == "op"] == ["Neg", "Mul"]


def test_identical_subexpressions_are_built_once() -> None:
    g = build_graph(build("log(x*y) + exp(x*y)", XY))
    assert [n.label for n in g.nodes if n.kind == "op"].count("Mul") == 1
    mul = next(n for n in g.nodes if n.label == "x*y")
    assert sum(e.src == mul.id for e in g.edges) == 2


def test_names_and_constants() -> None:
    out = build("2 * x + (x - y)", XY)
    g = build_graph(out)
    labels = {n.label for n in g.nodes if n.kind in ("leaf", "inner")}
    assert {"x", "y", "2*x", "(x-y)", "2*x+(x-y)"} <= labels
    assert [n.value for n in g.nodes if n.kind == "constant"] == [2.0]


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("log(x*)", 7, "unexpected ')' at column 7"),
        ("x +", 4, "unexpected end of input at column 4"),
        ("((x)", 5, "expected ')'"),
        ("x y", 3, "unexpected 'y' at column 3"),
        ("2 $ 3", 3, "unexpected character '$' at column 3"),
        ("foo(x)", 1, "unknown function 'foo'"),
        ("log x", 5, "expected '(' after log"),
        ("", 1, "unexpected end of input"),
        ("x < y < 1", 7, "unexpected '<' at column 7"),
        ("log(x, y)", 6, "unexpected character ',' at column 6"),
    ],
)
def test_errors_name_the_position(text: str, column: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert info.value.column == column
    message = str(info.value)
    assert fragment in message
    first, shown, caret = message.splitlines()
    assert first.startswith("error: ")
    assert shown == f"  {text}"
    assert caret == "  " + " " * (column - 1) + "^"


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        '__import__("os").system("touch pwned")',
        "open('f')",
        "x.__class__",
        "[x for x in y]",
        "lambda: 1",
        "x ** 2",
    ],
)
def test_python_is_not_executed(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExpressionError):
        build(text, XY)
    assert list(tmp_path.iterdir()) == []


def test_parser_never_calls_eval_or_exec() -> None:
    tree = ast.parse(inspect.getsource(parser))
    called = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    attrs = {
        n.func.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    }
    assert not ({"eval", "exec", "compile", "__import__"} & called)
    assert "literal_eval" not in attrs


def test_undefined_variable_lists_the_given_ones() -> None:
    with pytest.raises(ExpressionError) as info:
        build("x + z", XY)
    assert "undefined variable 'z' at column 5 (given: x, y)" in str(info.value)
    with pytest.raises(ExpressionError, match=r"given: none"):
        build("a", {})


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("(" * 1000 + "x" + ")" * 1000)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("-" * 1000 + "x")
    assert build("(" * 50 + "x" + ")" * 50, XY).data == 5.0
