"""Lecture 1.4 regenerated: the slide's network, the page's numbers, its files."""

from __future__ import annotations

import json
import math
import random
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from minitorch import Scalar
from minitorch.cli import main
from minitorch.datasets import Graph, load
from minitorch.lecture import (
    LectureError,
    LectureOptions,
    WeightsError,
    build_lecture,
    dead_units,
    parse_weights,
    write_lecture,
)
from minitorch.lecture import page as page_module
from minitorch.lecture.story import DEFAULT_PTS, Lecture, network_from
from minitorch.lecture_network import PARAMETER_NAMES, Linear, Network
from minitorch.train import TrainConfig, load_run
from minitorch.train.config import ConfigError
from minitorch.train.tensor_model import TensorFamily
from minitorch.viz.png import render_png

SLIDE_NAMES = [
    "unit1.w_1",
    "unit1.w_2",
    "unit1.b",
    "unit2.w_1",
    "unit2.w_2",
    "unit2.b",
    "unit3.w_1",
    "unit3.w_2",
    "unit3.b",
]
# unit1 positive left of x1 = 0.3, unit2 never positive on the unit square.
DEAD_UNIT2 = dict(
    zip(SLIDE_NAMES, [-5.0, 0.0, 1.5, 0.5, 0.5, -3.0, 2.0, 1.0, -0.5], strict=True)
)
ALIVE = dict(
    zip(SLIDE_NAMES, [-5.0, 0.0, 1.0, 5.0, 0.0, -4.0, 4.0, 4.0, -1.0], strict=True)
)


class _Rows(HTMLParser):
    """Collects the attributes of every element with a given class."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, list[dict[str, str]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for cls in values.get("class", "").split():
            self.found.setdefault(cls, []).append(values)


def rows(html: str, cls: str) -> list[dict[str, str]]:
    parser = _Rows()
    parser.feed(html)
    return parser.found.get(cls, [])


# -- the slide's network ---------------------------------------------------------


def test_parameter_names_are_the_slides() -> None:
    net = Network()
    assert [name for name, _ in net.named_parameters()] == SLIDE_NAMES
    assert list(PARAMETER_NAMES) == SLIDE_NAMES
    for unit in ("unit1", "unit2", "unit3"):
        linear = getattr(net, unit)
        assert isinstance(linear, Linear)
        assert [n for n, _ in linear.named_parameters()] == ["w_1", "w_2", "b"]
    assert all(isinstance(p.value, Scalar) for p in net.parameters())
    assert all(p.value.is_leaf() for p in net.parameters())


def test_network_computes_the_math_view() -> None:
    net = network_from(ALIVE)
    w = [ALIVE[n] for n in SLIDE_NAMES]
    for x_1, x_2 in [(0.1, 0.7), (0.5, 0.5), (0.95, 0.2)]:
        h1 = max(0.0, w[0] * x_1 + w[1] * x_2 + w[2])
        h2 = max(0.0, w[3] * x_1 + w[4] * x_2 + w[5])
        m = w[6] * h1 + w[7] * h2 + w[8]
        assert net.score((x_1, x_2)).data == pytest.approx(m, rel=1e-12)
        assert net.forward((x_1, x_2)).data == pytest.approx(
            1 / (1 + math.exp(-m)), rel=1e-12
        )


def test_backward_fills_every_parameter_derivative() -> None:
    """``backward`` on the loss equals central differences on every parameter."""
    net = network_from(ALIVE)
    x = (0.15, 0.4)
    loss = -(net.forward(x).log())
    loss.backward()
    got = {name: p.value.derivative for name, p in net.named_parameters()}
    eps = 1e-6
    for name in SLIDE_NAMES:
        up, down = dict(ALIVE), dict(ALIVE)
        up[name] += eps
        down[name] -= eps
        numeric = (
            -math.log(network_from(up).forward(x).data)
            + math.log(network_from(down).forward(x).data)
        ) / (2 * eps)
        assert got[name] == pytest.approx(numeric, rel=1e-5, abs=1e-8), name


@pytest.mark.parametrize("seed", range(40))
def test_random_start_has_both_units_alive(seed: int) -> None:
    """Each hidden split crosses the unit square: positive on part of it."""
    net = Network.random(random.Random(seed))
    g = np.linspace(0.0, 1.0, 21)
    for unit in (net.unit1, net.unit2):
        values = [unit.forward(a, b).data for a in g for b in g]
        assert min(values) < 0.0 < max(values)


# -- train scalar --model lecture ------------------------------------------------


def test_train_scalar_model_lecture(tmp_path: Path) -> None:
    out = tmp_path / "run"
    argv = ["train", "scalar", "--model", "lecture", "--dataset", "Split"]
    rc = main([*argv, "--pts", "12", "--epochs", "3", "--quiet", "--out", str(out)])
    assert rc == 0
    model, _, config = load_run(out)
    assert isinstance(model, Network)
    assert config.network == "lecture" and config.hidden == 2
    assert [n for n, _ in model.named_parameters()] == SLIDE_NAMES


def test_lecture_page_of_a_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    argv = ["train", "scalar", "--model", "lecture", "--dataset", "Split"]
    assert (
        main([*argv, "--pts", "10", "--epochs", "2", "--quiet", "--out", str(run)]) == 0
    )
    model, _, _ = load_run(run)
    out = tmp_path / "page"
    assert main(["lecture", "1.4", "--run", str(run), "--out", str(out)]) == 0
    table = rows((out / "index.html").read_text(), "parameter")
    trained = {name: p.value.data for name, p in model.named_parameters()}
    assert {r["data-name"]: float(r["data-value"]) for r in table} == trained
    capsys.readouterr()
    # explain-network points a lecture run to this page.
    assert main(["explain-network", "--run", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "minitorch lecture 1.4 --run" in err
    course = tmp_path / "course"
    argv = ["train", "scalar", "--pts", "6", "--epochs", "1", "--hidden", "2"]
    assert main([*argv, "--quiet", "--out", str(course)]) == 0
    assert main(["lecture", "1.4", "--run", str(course), "--out", str(out)]) == 2
    assert "trained the course network" in capsys.readouterr().err


def test_train_lecture_rejects_another_width(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["train", "scalar", "--model", "lecture", "--hidden", "5"]
    assert main([*argv, "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "2 hidden units" in err


def test_tensor_family_has_no_lecture_network() -> None:
    with pytest.raises(ConfigError, match="lecture"):
        TensorFamily().build(TrainConfig(model="tensor", network="lecture"))


# -- the default lecture ---------------------------------------------------------


@pytest.fixture(scope="module")
def default_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Lecture, Path]:
    lecture = build_lecture()
    out = tmp_path_factory.mktemp("lecture") / "page"
    write_lecture(lecture, out)
    return lecture, out


def test_default_story_holds(default_page: tuple[Lecture, Path]) -> None:
    """Both units alive and every point on its side; a line cannot do it."""
    lecture, _ = default_page
    assert lecture.dead_units() == []
    assert lecture.correct == DEFAULT_PTS
    assert lecture.bad_fit.correct < DEFAULT_PTS


def test_page_derivatives_equal_the_formulas(
    default_page: tuple[Lecture, Path],
) -> None:
    _, out = default_page
    html = (out / "index.html").read_text()
    shown = {
        r["data-name"]: float(r["data-derivative"])
        for r in rows(html, "leaf-derivative")
    }
    x, y = 5.0, 3.0
    z = x * y
    assert shown["x"] == pytest.approx(y * (1 / z + math.exp(z)), rel=1e-12)
    assert shown["y"] == pytest.approx(x * (1 / z + math.exp(z)), rel=1e-12)


def test_page_shows_the_seven_frames_and_every_picture(
    default_page: tuple[Lecture, Path],
) -> None:
    lecture, out = default_page
    html = (out / "index.html").read_text()
    assert len(rows(html, "frame")) == 7
    assert sorted(p.name for p in (out / "frames").iterdir()) == sorted(
        f"step_{k:03d}.{ext}" for k in range(7) for ext in ("svg", "png")
    )
    pictures = sorted(p.name for p in (out / "img").iterdir())
    assert pictures == sorted(page_module.picture_names(lecture))
    assert len(pictures) == 10
    # Self-contained: every picture is inline, nothing is fetched.
    assert html.count("data:image/png;base64,") == 10
    assert not re.search(r'(?<![-\w])(src|href)="(?!data:)', html)


def test_training_table_is_named_parameters_after_backward(
    default_page: tuple[Lecture, Path],
) -> None:
    lecture, out = default_page
    table = rows((out / "index.html").read_text(), "parameter")
    assert [r["data-name"] for r in table] == SLIDE_NAMES
    # The same step by hand: mean loss over the data, backward, value - lr * d.
    net = network_from(lecture.start)
    n = len(lecture.data.X)
    for (a, b), label in zip(lecture.data.X, lecture.data.y, strict=True):
        p = net.forward((a, b))
        (-(p if label == 1 else -p + 1.0).log() / n).backward()
    lr = lecture.options.lr
    for r, (name, param) in zip(table, net.named_parameters(), strict=True):
        assert float(r["data-value"]) == lecture.start[name]
        assert float(r["data-derivative"]) == pytest.approx(
            param.value.derivative, rel=1e-12, abs=1e-15
        )
        assert float(r["data-updated"]) == pytest.approx(
            lecture.start[name] - lr * float(r["data-derivative"]), rel=1e-12
        )


# -- hand-set weights and dead units ---------------------------------------------


def _weights_file(tmp_path: Path, values: dict[str, float]) -> Path:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(values))
    return path


def test_dead_unit_is_explained(tmp_path: Path) -> None:
    data = load("Split", 16, 1)
    net = network_from(DEAD_UNIT2)
    assert dead_units(net, data) == ["unit2"]
    out = tmp_path / "page"
    rc = main(
        [
            "lecture",
            "1.4",
            "--weights",
            str(_weights_file(tmp_path, DEAD_UNIT2)),
            "--pts",
            "16",
            "--seed",
            "1",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    html = (out / "index.html").read_text()
    assert [d["data-unit"] for d in rows(html, "dead")] == ["unit2"]
    assert "unit2 is dead" in html and "≤ 0 at all 16 points" in html
    assert (out / "img" / "dead_unit2.png").read_bytes()[:4] == b"\x89PNG"
    # Shown as given: no epochs with --weights unless asked.
    table = rows(html, "parameter")
    assert {r["data-name"]: float(r["data-value"]) for r in table} == DEAD_UNIT2


@pytest.fixture(scope="module")
def alive() -> tuple[Lecture, dict[str, bytes]]:
    """A small lecture with hand-set live weights and its pictures, drawn once."""
    lecture = build_lecture(LectureOptions(pts=8, weights=ALIVE))
    return lecture, page_module.render_pictures(lecture)


def test_alive_weights_get_no_dead_note(
    alive: tuple[Lecture, dict[str, bytes]],
) -> None:
    lecture, pictures = alive
    assert lecture.dead_units() == []
    html = page_module.render_page(
        lecture, pictures, page_module.render_frames(lecture)
    )
    assert rows(html, "dead") == [] and 'class="ok"' in html


# -- atomic writing --------------------------------------------------------------


def test_page_is_written_atomically(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    alive: tuple[Lecture, dict[str, bytes]],
) -> None:
    lecture, pictures = alive
    # The pictures are drawn once (fixture); every write below still writes them.
    real_pictures = page_module.render_pictures
    monkeypatch.setattr(
        page_module,
        "render_pictures",
        lambda shown: pictures if shown is lecture else real_pictures(shown),
    )
    out = tmp_path / "page"
    calls = 0

    def failing(*args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError("disk full")
        real(*args, **kwargs)  # type: ignore[arg-type]

    real = render_png
    monkeypatch.setattr(page_module, "render_png", failing)
    with pytest.raises(OSError, match="disk full"):
        write_lecture(lecture, out)
    assert list(tmp_path.iterdir()) == []  # no page, no half-written folder

    monkeypatch.setattr(page_module, "render_png", real)
    write_lecture(lecture, out)
    first = (out / "index.html").read_text()
    assert sorted(p.name for p in (out / "img").iterdir()) == sorted(pictures)
    calls = 0
    monkeypatch.setattr(page_module, "render_png", failing)
    with pytest.raises(OSError):
        write_lecture(lecture, out)
    # The earlier page is untouched and nothing else is left beside it.
    assert (out / "index.html").read_text() == first
    assert [p.name for p in tmp_path.iterdir()] == ["page"]

    monkeypatch.setattr(page_module, "render_png", real)
    write_lecture(build_lecture(LectureOptions(pts=8, weights=DEAD_UNIT2)), out)
    assert (out / "img" / "dead_unit2.png").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["page"]


def test_out_with_other_files_is_refused(
    tmp_path: Path, alive: tuple[Lecture, dict[str, bytes]]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="other files"):
        write_lecture(alive[0], tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


# -- bad options -----------------------------------------------------------------


def _bad_json(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.json"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["1.5"], "invalid choice"),
        (["1.4", "--dataset", "Moons"], "unknown dataset 'Moons'"),
        (["1.4", "--pts", "1"], "--pts must be from 2"),
        (["1.4", "--pts", "100000"], "--pts must be from 2 to 500"),
        (["1.4", "--epochs", "-1"], "--epochs must be from 0"),
        (["1.4", "--lr", "0"], "--lr must be positive"),
        (["1.4", "--lr", "nan"], "--lr must be positive"),
        (["1.4", "--seed", "x"], "invalid int value"),
        (["1.4", "--weights", "MISSING"], "cannot read --weights"),
        (["1.4", "--weights", "JSON:{oops"], "is not JSON"),
        (["1.4", "--weights", "JSON:[1, 2]"], "must be a JSON object"),
        (
            ["1.4", "--weights", 'JSON:{"unit4.w_1": 1}'],
            "unknown parameter 'unit4.w_1'",
        ),
        (["1.4", "--weights", 'JSON:{"unit1.w_1": 1}'], "missing unit1.w_2"),
        (["1.4", "--weights", "BADVALUE"], "unit2.b must be a finite number"),
        (["1.4", "--out", "FILE"], "is a file"),
        (["1.4", "--run", "MISSING"], "is not a run directory"),
        (["1.4", "--run", "MISSING", "--weights", "MISSING"], "not both"),
    ],
)
def test_bad_options_give_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    expected: str,
) -> None:
    resolved = []
    for arg in argv:
        if arg == "MISSING":
            arg = str(tmp_path / "missing.json")
        elif arg.startswith("JSON:"):
            arg = _bad_json(tmp_path, arg[5:])
        elif arg == "BADVALUE":
            values: dict[str, object] = dict(ALIVE)
            values["unit2.b"] = "1.0"
            arg = _bad_json(tmp_path, json.dumps(values))
        elif arg == "FILE":
            arg = str(tmp_path / "file")
            Path(arg).write_text("x")
        resolved.append(arg)
    if "--out" not in resolved:
        resolved += ["--out", str(tmp_path / "page")]
    assert main(["lecture", *resolved]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert expected in err
    assert not (tmp_path / "page").exists()


def test_weights_parser_refuses_oddities() -> None:
    good = json.dumps(ALIVE)
    assert parse_weights(good) == ALIVE
    for bad in (
        good.replace("-5.0", "true", 1),
        good.replace("-5.0", "NaN", 1),
        good.replace("-5.0", "1e999", 1),
        good.replace("-5.0", "1" + "0" * 400, 1),
        good.replace("-5.0", "null", 1),
        good.replace("-5.0", "-1e7", 1),
    ):
        with pytest.raises(WeightsError, match="finite number"):
            parse_weights(bad)


def test_long_unknown_names_are_cut_short() -> None:
    with pytest.raises(WeightsError) as info:
        parse_weights(json.dumps({"x" * 5000: 1.0}))
    assert len(str(info.value)) < 300


def test_options_validate() -> None:
    with pytest.raises(LectureError, match="exactly"):
        LectureOptions(weights={"unit1.w_1": 1.0}).validated()
    options = LectureOptions(dataset="split", weights=ALIVE).validated()
    assert options.dataset == "Split" and options.epochs == 0
    assert LectureOptions().validated().epochs == 1500


def test_figures_take_any_network() -> None:
    """The drawings are reusable: any Network and Graph, returning Figures."""
    from minitorch.lecture import figures

    data = Graph(3, [(0.1, 0.2), (0.8, 0.9), (0.5, 0.4)], [1, 0, 1])
    net = network_from(ALIVE)
    for fig in (
        figures.split_figure(net, data, "unit1"),
        figures.hidden_figure(net, data, after_relu=True),
        figures.final_split_figure(net, data, resolution=8),
        figures.boundary_figure(net, data, resolution=8),
    ):
        assert figures.png_bytes(fig)[:4] == b"\x89PNG"
    after = figures.hidden_figure(net, data, after_relu=True)
    offsets = np.concatenate(
        [np.asarray(c.get_offsets()) for c in after.axes[0].collections]
    )
    assert (offsets >= 0).all()
