"""Hostile input to ``minitorch graph``: every expression ends in pictures or one
clean error, in bounded time and memory, and the output folder stays tidy."""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minitorch.cli import main
from minitorch.viz.backward import checked_backward
from minitorch.viz.budgets import MAX_FRAME_NODES, MAX_GRAPH_NODES
from minitorch.viz.graph import build_graph
from minitorch.viz.parser import (
    MAX_DEPTH,
    MAX_LENGTH,
    WINDOW,
    ExpressionError,
    MathError,
    build,
    parse,
)

from ._hostile import bounded, one_error_line

VALUES = {"x": 0.5, "y": -2.0, "z": 3.0}
PIECES = [
    "x", "y", "z", "0", "1", "2.5", "1e308", ".5", "(", ")", "-", "+", "*", "/",
    "<", ">", "==", "log(", "exp(", "relu(", "sigmoid(", " ",
]  # fmt: skip


def _check_outcome(text: str) -> None:
    """A built expression is finite with finite derivatives, or a clean error."""
    try:
        result = build(text, VALUES)
        checked_backward(result, build_graph(result))
    except ExpressionError as e:
        message = str(e)
        assert message.startswith("error: ")
        lines = message.splitlines()
        assert len(lines) == (1 if isinstance(e, MathError) else 3) or (
            len(lines) == 1 and "characters long" in message
        )
        # The quote is a short window, never the whole of a long expression.
        assert all(len(line) <= WINDOW + 4 for line in lines[1:])
    else:
        assert math.isfinite(result.data)


@given(st.text(max_size=300))
def test_any_text_builds_or_fails_cleanly(text: str) -> None:
    _check_outcome(text)


@given(st.lists(st.sampled_from(PIECES), max_size=80).map("".join))
def test_token_soup_builds_or_fails_cleanly(text: str) -> None:
    _check_outcome(text)


@settings(max_examples=20)
@given(st.integers(1, 400), st.sampled_from(["x*y", "x", "log(z)", "(x-y)"]))
def test_long_sums_parse_without_recursion(terms: int, term: str) -> None:
    text = "+".join([term] * terms)
    result = build(text, VALUES)
    assert result.data == pytest.approx(build(term, VALUES).data * terms)


def test_thousands_of_terms_build_and_backpropagate() -> None:
    text = "+".join(["x*y"] * 2500)
    with bounded(seconds=30, megabytes=200):
        result = build(text, VALUES)
        steps = checked_backward(result, build_graph(result))
    assert result.data == pytest.approx(-2500.0)
    assert len(steps) > 2500


@pytest.mark.parametrize(
    "text",
    [
        "(" * 4000 + "x" + ")" * 4000,
        "-" * 5000 + "x",
        "log(" * 1500 + "z" + ")" * 1500,
        "(" * 5000,
        ")" * 5000,
    ],
)
def test_deep_nesting_is_one_clean_error(text: str) -> None:
    with bounded(seconds=10, megabytes=100), pytest.raises(ExpressionError) as info:
        parse(text)
    assert len(str(info.value).splitlines()) == 3
    assert "RecursionError" not in str(info.value)


def test_nesting_within_the_budget_builds() -> None:
    depth = MAX_DEPTH - 1
    assert 0.5 < build("sigmoid(" * depth + "z" + ")" * depth, VALUES).data < 1
    assert build("-" * depth + "z", VALUES).data == -3.0


def test_length_budget_names_the_limit_and_the_size() -> None:
    text = "x+" * (MAX_LENGTH // 2) + "x"
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert str(info.value) == (
        f"error: expression is {len(text)} characters long; the limit is {MAX_LENGTH}"
    )


def test_error_quotes_a_window_not_the_expression() -> None:
    text = "x+" * 2000 + "$" + "+y" * 2000
    with pytest.raises(ExpressionError) as info:
        parse(text)
    first, shown, caret = str(info.value).splitlines()
    assert "column 4001" in first
    assert len(shown) <= WINDOW + 4 and shown.count("…") == 2
    assert shown[caret.index("^")] == "$"


@pytest.mark.parametrize(
    "text",
    ["a" * 3000 + " b", "f" * 3000 + "(x)", "q" * 3000, "x" + " +x" * 3000 + ")"],
)
def test_long_names_are_shortened_in_errors(text: str) -> None:
    with pytest.raises(ExpressionError) as info:
        build(text, {f"v{i}": 1.0 for i in range(500)} | {"x": 1.0})
    assert all(len(line) <= 3 * WINDOW for line in str(info.value).splitlines())


def test_control_characters_are_not_echoed() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("x + \x1b[2J\n y")
    assert "\x1b" not in str(info.value).splitlines()[1]


def _graph(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(["graph", *argv])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


@pytest.mark.parametrize(
    ("expression", "values", "message"),
    [
        ("log(x)", ["--x", "0"], "error: log(0.0): outside the domain of log"),
        ("log(-x)", ["--x", "1"], "error: log(-1.0): outside the domain of log"),
        ("x/0", ["--x", "5"], "error: 5.0 / 0.0: division by zero at column 1"),
        ("exp(exp(exp(1000)))", [], "error: exp(1000.0): the result is too large"),
        ("x*x", ["--x", "1e200"], "error: 1e+200 * 1e+200: the result is too large"),
        ("1e400 + x", ["--x", "1"], "error: number 1e400 at column 1 is too large"),
        ("1/x", ["--x", "1e-200"], "error: the backward pass fails in Inv"),
        ("1/x", ["--x", "1e-160"], "error: the backward pass overflows: the deriv"),
        ("x", ["--x", "nan"], "error: the value of x must be a finite number"),
        ("x", ["--var", "x=inf"], "error: the value of x must be a finite number"),
    ],
)
def test_maths_errors_are_one_line_and_write_nothing(
    expression: str,
    values: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    rc, _, err = _graph([expression, *values, "--out", str(out)], capsys)
    assert rc == 2
    assert one_error_line(err).startswith(message.splitlines()[0])
    assert not out.exists()


def test_a_300_term_sum_is_refused_before_drawing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    text = "+".join(["x*y"] * 300)
    with bounded(seconds=20, megabytes=100):
        rc, _, err = _graph([text, "--x", "1", "--y", "2", "--out", str(out)], capsys)
    assert rc == 2
    line = one_error_line(err)
    assert f"602 nodes; pictures are drawn for at most {MAX_GRAPH_NODES}" in line
    assert text not in line
    assert not out.exists()


def test_100_products_draw_the_graph_but_no_frames(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    text = "+".join(["x*y"] * 100)
    with bounded(seconds=60, megabytes=400):
        rc, stdout, _ = _graph(
            [text, "--x", "1", "--y", "2", "--out", str(out)], capsys
        )
    assert rc == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "graph.dot",
        "graph.png",
        "graph.svg",
    ]
    assert f"graphs of up to {MAX_FRAME_NODES} nodes, this one has 202" in stdout
    assert text not in stdout  # a long expression is echoed shortened
    assert sum(p.stat().st_size for p in out.iterdir()) < 5_000_000


def _write_frames(
    out: Path, expression: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, _, _ = _graph([expression, "--x", "1", "--y", "2", "--out", str(out)], capsys)
    assert rc == 0


def test_old_frames_are_cleared_and_user_files_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    (out / "frames").mkdir(parents=True)
    mine = [out / "notes.txt", out / "frames" / "step_mine.svg", out / "frames" / "a"]
    for path in mine:
        path.write_text("mine")
    _write_frames(out, "x*y + x + y + log(x + 2) + exp(y)", capsys)
    long_run = {p.name for p in (out / "frames").iterdir()}
    _write_frames(out, "x*y", capsys)
    frames = sorted(p.name for p in (out / "frames").iterdir() if p not in mine)
    # x*y: x, y and the product are the 3 steps, plus the frame before backward.
    assert frames == [f"step_{k:03d}.{ext}" for k in range(4) for ext in ("png", "svg")]
    assert len(long_run) > len(frames) + len(mine)
    assert all(path.read_text() == "mine" for path in mine)
    # A graph too large for frames removes the old frames and slideshow too.
    _write_frames(out, "+".join(["x*y"] * 40), capsys)
    assert not (out / "backprop.html").exists()
    assert sorted(p.name for p in (out / "frames").iterdir()) == ["a", "step_mine.svg"]


def test_out_that_is_a_file_or_unwritable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "passwd"
    target.write_text("root:x:0:0")
    rc, _, err = _graph(["x", "--x", "1", "--out", str(target)], capsys)
    assert rc == 2
    expected = f"error: --out {str(target)!r} is a file; give a directory"
    assert one_error_line(err) == expected
    rc, _, err = _graph(["x", "--x", "1", "--out", str(target / "sub")], capsys)
    assert rc == 2
    assert one_error_line(err).startswith(
        f"error: cannot write to --out {str(target / 'sub')!r}: Not a directory"
    )
    assert target.read_text() == "root:x:0:0"


def test_expression_from_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "expr.txt"
    path.write_text("x * y\n  + log(x)\n  + exp(y)\n")
    rc, stdout, _ = _graph(
        [
            "--expr-file",
            str(path),
            "--x",
            "2",
            "--y",
            "1",
            "--out",
            str(tmp_path / "o"),
        ],
        capsys,
    )
    assert rc == 0
    assert stdout.startswith(f"x * y + log(x) + exp(y) = {2 + math.log(2) + math.e!r}")


def test_expression_from_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x*y\n")))
    rc, stdout, _ = _graph(
        ["--expr-file", "-", "--x", "2", "--y", "3", "--out", str(tmp_path / "o")],
        capsys,
    )
    assert rc == 0
    assert stdout.startswith("x*y = 6.0")


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (b"x+" * 30_000 + b"x", [], "is over 40000 bytes; expressions are limited"),
        (b"x + \xff\xfe", [], "is not UTF-8 text (byte 4)"),
        (b"x", ["x"], "give either an EXPRESSION or --expr-file PATH"),
        (None, [], "cannot read --expr-file"),
    ],
)
def test_expression_file_errors(
    content: bytes | None,
    extra: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "expr.txt"
    if content is not None:
        path.write_bytes(content)
    rc, _, err = _graph([*extra, "--expr-file", str(path), "--x", "1"], capsys)
    assert rc == 2
    assert message in one_error_line(err)


def test_neither_expression_nor_file(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _graph(["--x", "1"], capsys)
    assert rc == 2
    assert "give either an EXPRESSION or --expr-file PATH" in one_error_line(err)
