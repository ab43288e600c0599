"""``minitorch graph`` and ``minitorch explain-network`` through the real CLI."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from minitorch import Scalar
from minitorch.cli import main
from minitorch.train import TrainConfig, fit, save_run

NS = "{http://www.w3.org/2000/svg}"


def test_graph_writes_every_picture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "h"
    rc = main(
        ["graph", "log(x*y) + exp(x*y)", "--x", "5", "--y", "3", "--out", str(out)]
    )
    assert rc == 0
    for name in ("graph.svg", "graph.png", "graph.dot", "backprop.html"):
        assert (out / name).stat().st_size > 0
    svgs = sorted((out / "frames").glob("step_*.svg"))
    pngs = sorted((out / "frames").glob("step_*.png"))
    # x*y is shared: h, log, exp, x*y, x, y are the 6 steps; plus the frame before.
    assert len(svgs) == len(pngs) == 7
    # The same graph by hand (x*y shared, as the parser builds it), plain backward.
    x, y = Scalar(5.0), Scalar(3.0)
    z = x * y
    h = z.log() + z.exp()
    h.backward()
    root = ET.fromstring((out / "graph.svg").read_text())
    shown = {
        g.get("data-label"): float(g.get("data-derivative", "nan"))
        for g in root.iter(f"{NS}g")
        if g.get("data-kind") == "leaf"
    }
    assert shown == {"x": x.derivative, "y": y.derivative}
    page = (out / "backprop.html").read_text()
    assert len(re.findall(r'<figure class="frame"', page)) == 7
    assert "d/dx = " + repr(x.derivative) in capsys.readouterr().out


def test_graph_generic_variables(tmp_path: Path) -> None:
    rc = main(
        [
            "graph",
            "a*b - c",
            "--var",
            "a=2",
            "--var",
            "b=-1.5",
            "--var",
            "c=1",
            "--out",
            str(tmp_path),
        ]
    )
    assert rc == 0
    root = ET.fromstring((tmp_path / "graph.svg").read_text())
    leaves = {
        g.get("data-label"): float(g.get("data-derivative", "nan"))
        for g in root.iter(f"{NS}g")
        if g.get("data-kind") == "leaf"
    }
    assert leaves == {"a": -1.5, "b": 2.0, "c": -1.0}


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["graph", "log(x*)", "--x", "5"], "error: unexpected ')' at column 7"),
        (
            ["graph", "x + z", "--x", "5", "--y", "3"],
            "undefined variable 'z' at column 5 (given: x, y)",
        ),
        (["graph", "__import__('os')"], "unexpected character"),
        (["graph", "x", "--var", "x"], "--var expects NAME=VALUE"),
        (["graph", "x", "--var", "x=abc"], "is not a number"),
        (["graph", "x", "--var", "1x=2"], "--var expects NAME=VALUE"),
    ],
)
def test_graph_errors_exit_2_and_write_nothing(
    argv: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert not out.exists()


def test_syntax_error_shows_a_caret(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert (
        main(["graph", "x * (y", "--x", "1", "--y", "2", "--out", str(tmp_path / "o")])
        == 2
    )
    lines = capsys.readouterr().err.splitlines()
    assert lines[-2:] == ["  x * (y", "        ^"]  # column 7: the end


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("xor")
    result = fit(TrainConfig(dataset="Xor", pts=16, hidden=3, epochs=4, lr=0.5, seed=1))
    save_run(result, out)
    return out


def test_explain_network_writes_four_pictures(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "explain"
    assert (
        main(
            [
                "explain-network",
                "--run",
                str(run_dir),
                "--out",
                str(out),
                "--units",
                "0",
                "2",
            ]
        )
        == 0
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "decision_boundary.png",
        "epochs.png",
        "first_layer.png",
        "hidden_space.png",
    ]
    assert all((out / n).read_bytes()[:4] == b"\x89PNG" for n in names)
    assert "first_layer.png" in capsys.readouterr().out


def test_explain_network_errors(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain-network", "--run", str(tmp_path / "missing")]) == 2
    assert "is not a run directory" in capsys.readouterr().err
    assert (
        main(
            [
                "explain-network",
                "--run",
                str(run_dir),
                "--units",
                "0",
                "7",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    assert "--units must be between 0 and 2" in capsys.readouterr().err
