"""The lecture as one self-contained HTML page, plus its pictures as files.

``write_lecture`` renders every picture, builds ``index.html`` (pictures inlined:
PNGs as data URIs, backward frames as SVG) and writes the whole folder into a
temporary directory beside ``out`` that is renamed into place at the end, so a
reader never sees half a page and a failed run leaves the old page as it was.
"""

from __future__ import annotations

import base64
import math
import os
import shutil
import tempfile
from collections.abc import Sequence
from html import escape
from pathlib import Path

from ..viz.graph import fmt_number
from ..viz.png import render_png
from ..viz.style import caption_rows, graph_layout
from ..viz.svg import render_svg
from . import figures
from .story import (
    EXAMPLE_X,
    EXAMPLE_Y,
    LINEAR_DATASET,
    Lecture,
    UnitName,
)

PAGE = "index.html"
IMG = "img"
FRAMES = "frames"

_CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 62rem;
       color: #111827; line-height: 1.45; padding: 0 1rem; }
h1 { margin-bottom: .2rem; }
section { margin: 2rem 0; }
figure { margin: .8rem 0; }
figure img, figure svg { max-width: 100%; height: auto; }
figcaption { color: #4b5563; font-size: .9rem; }
.pair { display: flex; flex-wrap: wrap; gap: 1rem; }
.pair figure { flex: 1 1 20rem; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
td, th { padding: .2rem .7rem; border-bottom: 1px solid #e5e7eb; text-align: right; }
td:first-child, th:first-child { text-align: left; font-family: monospace; }
.dead { border-left: 4px solid #dc2626; background: #fef2f2; padding: .5rem 1rem; }
.ok { border-left: 4px solid #047857; background: #ecfdf5; padding: .5rem 1rem; }
code { background: #f3f4f6; padding: 0 .2rem; }
.meta { color: #4b5563; }
"""


def _num(x: float) -> str:
    return escape(fmt_number(x))


def _img(pictures: dict[str, bytes], name: str, alt: str, caption: str) -> str:
    data = base64.b64encode(pictures[name]).decode("ascii")
    return (
        f'<figure data-file="{IMG}/{name}"><img src="data:image/png;base64,{data}" '
        f'alt="{escape(alt, quote=True)}"><figcaption>{escape(caption)} '
        f"(<code>{IMG}/{name}</code>)</figcaption></figure>"
    )


def picture_names(lecture: Lecture) -> list[str]:
    """The PNG files of the page, in the lecture's order."""
    names = [
        "01_loss.png",
        "02_linear_fit.png",
        "03_linear_fail.png",
        "04_split_unit1.png",
        "05_split_unit2.png",
        "06_relu.png",
        "07_hidden_before.png",
        "08_hidden_after.png",
        "09_final_split.png",
        "10_boundary.png",
    ]
    return names + [f"dead_{unit}.png" for unit in lecture.dead_units()]


def render_pictures(lecture: Lecture) -> dict[str, bytes]:
    """Every picture of the page as PNG bytes, by file name."""
    net, data = lecture.network, lecture.data
    good, bad = lecture.good_fit, lecture.bad_fit
    figs = {
        "01_loss.png": figures.loss_figure(),
        "02_linear_fit.png": figures.linear_fit_figure(
            good.unit, good.data, f"A line fits {LINEAR_DATASET}"
        ),
        "03_linear_fail.png": figures.linear_fit_figure(
            bad.unit, bad.data, f"A line on {lecture.options.dataset}"
        ),
        "04_split_unit1.png": figures.split_figure(net, data, "unit1"),
        "05_split_unit2.png": figures.split_figure(net, data, "unit2"),
        "06_relu.png": figures.relu_figure(),
        "07_hidden_before.png": figures.hidden_figure(net, data, after_relu=False),
        "08_hidden_after.png": figures.hidden_figure(net, data, after_relu=True),
        "09_final_split.png": figures.final_split_figure(net, data),
        "10_boundary.png": figures.boundary_figure(net, data),
    }
    for unit in lecture.dead_units():
        figs[f"dead_{unit}.png"] = figures.dead_unit_figure(net, data, unit)
    return {name: figures.png_bytes(fig) for name, fig in figs.items()}


def render_frames(lecture: Lecture) -> list[str]:
    """The SVG of every backward frame (frame 0 before backward)."""
    bw = lecture.backward
    layout = graph_layout(bw.graph)
    rows = caption_rows(layout, bw.frames)
    return [render_svg(bw.graph, layout, f, rows) for f in bw.frames]


def _backward_section(lecture: Lecture, svgs: Sequence[str]) -> str:
    bw = lecture.backward
    z = EXAMPLE_X * EXAMPLE_Y
    dx, dy = bw.leaf_derivatives()
    frames = "\n".join(
        f'<figure class="frame" data-step="{k}" data-file="{FRAMES}/step_{k:03d}.svg">'
        f"{svg}<figcaption>{escape(frame.title)}</figcaption></figure>"
        for k, (svg, frame) in enumerate(zip(svgs, bw.frames, strict=True))
    )
    rows = "".join(
        f'<tr class="leaf-derivative" data-name="{n}" data-derivative="{d!r}">'
        f"<td>dh/d{n}</td><td>{escape(formula)}</td><td>{_num(d)}</td></tr>"
        for n, formula, d in (("x", "y·(1/z + eᶻ)", dx), ("y", "x·(1/z + eᶻ)", dy))
    )
    return f"""<section id="backward">
<h2>1. The backward pass, step by step</h2>
<p><code>h(x, y) = log(x·y) + exp(x·y)</code> at x = {EXAMPLE_X:g}, y = {EXAMPLE_Y:g},
so z = x·y = {z:g}. Frame 0 is the state before <code>backward</code>; each later
frame is one step of the real backward walk: the node being processed is outlined,
derivatives still waiting are red badges, the contributions just sent are red labels,
and leaves keep what reached them.</p>
{frames}
<p>What the walk left on the leaves (chain rule: dh/dz = 1/z + eᶻ):</p>
<table class="derivatives"><tr><th>derivative</th><th>formula</th><th>value</th></tr>
{rows}</table>
</section>"""


def _linear_section(lecture: Lecture, pictures: dict[str, bytes]) -> str:
    good, bad = lecture.good_fit, lecture.bad_fit
    n = len(bad.data.X)
    verdict = (
        "No single line puts every point on its side"
        if bad.correct < n
        else "Here a single line does put every point on its side"
    )
    return f"""<section id="linear">
<h2>2. A linear model and its loss</h2>
<p>The model scores a point with <code>m = lin(x; w, b) = w_1·x_1 + w_2·x_2 + b</code>
and reads σ(m) as the probability of label 1. A point's loss is −log σ(m) for
label 1 and −log(1 − σ(m)) for label 0; training lowers their sum over the data.</p>
{_img(pictures, "01_loss.png", "loss against the score", "Loss of one point")}
<h3>A dataset a line fits, and one it does not</h3>
<p>Trained by the same loop as <code>minitorch train scalar</code>: on
{LINEAR_DATASET} the line puts {good.correct}/{len(good.data.X)} points on their side;
on {escape(lecture.options.dataset)} it manages {bad.correct}/{n}. {verdict}.</p>
<div class="pair">
{_img(pictures, "02_linear_fit.png", "linear fit", f"A line on {LINEAR_DATASET}")}
{_img(pictures, "03_linear_fail.png", "linear fit", "The same model, harder data")}
</div>
</section>"""


def _dead_note(lecture: Lecture, unit: UnitName, pictures: dict[str, bytes]) -> str:
    column = 0 if unit == "unit1" else 1
    highest = max(v[column] for v in _hidden(lecture))
    return f"""<div class="dead" data-unit="{unit}">
<p><strong>{unit} is dead.</strong> Before ReLU its value
<code>lin(x; {unit})</code> is ≤ 0 at all {len(lecture.data.X)} points (the highest
is {_num(highest)}), so ReLU outputs 0 for every point, the derivative through
ReLU is 0, and <code>backward</code> never moves its weights again: the network
is left with one working split.</p>
{_img(pictures, f"dead_{unit}.png", f"{unit} before ReLU", f"Why {unit} is dead")}
</div>"""


def _hidden(lecture: Lecture) -> list[tuple[float, float]]:
    values = figures.hidden_values(lecture.network, lecture.data)
    return [(float(a), float(b)) for a, b in values]


def _network_section(lecture: Lecture, pictures: dict[str, bytes]) -> str:
    o = lecture.options
    dead = lecture.dead_units()
    n = len(lecture.data.X)
    if dead:
        status = "\n".join(_dead_note(lecture, u, pictures) for u in dead)
    else:
        status = (
            '<p class="ok">Both units are alive: each is positive on part of the '
            "data, so each split reaches the final unit.</p>"
        )
    start = (
        "the weights given"
        if o.weights is not None
        else f"weights drawn from seed {o.seed}"
    )
    trained = (
        f"trained for {o.epochs} epochs (SGD, lr {o.lr:g})"
        if o.epochs
        else ("not trained (shown as given)")
    )
    return f"""<section id="network">
<h2>3. Two splits and a ReLU</h2>
<p class="meta">{escape(o.dataset)}, {n} points (seed {o.seed}); the network starts
from {start}, {trained}: {lecture.correct}/{n} points on their side.</p>
<p>The network is <code>Network</code> with three <code>Linear</code> units:
<code>h1 = ReLU(lin(x; unit1))</code>, <code>h2 = ReLU(lin(x; unit2))</code>,
<code>m = lin(h; unit3)</code>. Each hidden unit splits the input plane by a line;
ReLU keeps its positive side and sets the other to 0.</p>
{status}
<div class="pair">
{_img(pictures, "04_split_unit1.png", "split 1", "Split 1: unit1")}
{_img(pictures, "05_split_unit2.png", "split 2", "Split 2: unit2")}
</div>
{_img(pictures, "06_relu.png", "ReLU", "ReLU")}
<h3>The data in hidden coordinates</h3>
<p>Each point moves to <code>(lin(x; unit1), lin(x; unit2))</code>; ReLU then folds
every negative coordinate onto 0 (the shaded bands).</p>
<div class="pair">
{_img(pictures, "07_hidden_before.png", "hidden before", "Before ReLU")}
{_img(pictures, "08_hidden_after.png", "hidden after", "After ReLU")}
</div>
<h3>The final split, and the boundary it makes</h3>
<p>unit3 is one more line, drawn in the hidden plane after ReLU. Mapped back to
the input plane it becomes a boundary that bends where unit1 and unit2 cross 0.</p>
<div class="pair">
{_img(pictures, "09_final_split.png", "final split", "unit3 in hidden coordinates")}
{_img(pictures, "10_boundary.png", "boundary", "The boundary in the input plane")}
</div>
</section>"""


def _training_section(lecture: Lecture) -> str:
    step = lecture.step
    rows = "\n".join(
        f'<tr class="parameter" data-name="{r.name}" data-value="{r.value!r}" '
        f'data-derivative="{r.derivative!r}" data-updated="{r.updated!r}">'
        f"<td>{r.name}</td><td>{_num(r.value)}</td><td>{_num(r.derivative)}</td>"
        f"<td>{_num(r.updated)}</td></tr>"
        for r in step.rows
    )
    after = "n/a" if not math.isfinite(step.loss_after) else _num(step.loss_after)
    return f"""<section id="training">
<h2>4. Training: one step through <code>named_parameters()</code></h2>
<p>Every parameter is a leaf Scalar. <code>backward</code> on the loss (the mean of
the points' losses) fills each one's <code>derivative</code>; SGD then replaces each
value by <code>value − lr · derivative</code> (lr {step.lr:g}). The first step from
the starting weights:</p>
<table class="parameters">
<tr><th>name</th><th>value</th><th>derivative</th><th>after the step</th></tr>
{rows}
</table>
<p>Summed loss over the data: {_num(step.loss_before)} before the step,
{after} after.</p>
</section>"""


def render_page(
    lecture: Lecture, pictures: dict[str, bytes], frame_svgs: Sequence[str]
) -> str:
    """The whole lecture page as HTML text (everything inline)."""
    body = "\n".join(
        [
            _backward_section(lecture, frame_svgs),
            _linear_section(lecture, pictures),
            _network_section(lecture, pictures),
            _training_section(lecture),
        ]
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Lecture 1.4: Neural Networks, regenerated</title>
<style>{_CSS}</style>
</head>
<body>
<h1>Lecture 1.4: Neural Networks, regenerated</h1>
<p class="meta">Every figure on this page was computed by minitorch.</p>
{body}
</body>
</html>
"""


def _replace_dir(tmp: Path, out: Path) -> None:
    """Move the finished ``tmp`` to ``out``, replacing an earlier page there."""
    if not out.exists():
        tmp.rename(out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def check_out(out: Path) -> str | None:
    """Why ``out`` cannot take a lecture page, or None if it can."""
    if out.exists() and not out.is_dir():
        return f"--out {str(out)!r} is a file; give a folder"
    if out.is_dir() and any(out.iterdir()) and not (out / PAGE).is_file():
        return (
            f"--out {str(out)!r} holds other files and no {PAGE}; "
            "give a new or empty folder (or an earlier lecture page's)"
        )
    return None


def write_lecture(lecture: Lecture, out: str | os.PathLike[str]) -> list[Path]:
    """Write ``index.html``, ``img/*.png`` and ``frames/*`` into ``out`` atomically.

    Returns the written paths (inside ``out``).

    Raises:
        ValueError: if ``out`` holds something other than an earlier lecture page.
        OSError: if the folder cannot be written; ``out`` is then left untouched.
    """
    target = Path(out)
    problem = check_out(target)
    if problem:
        raise ValueError(problem)
    pictures = render_pictures(lecture)
    svgs = render_frames(lecture)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; the page is for reading
        (tmp / IMG).mkdir()
        (tmp / FRAMES).mkdir()
        for name, data in pictures.items():
            (tmp / IMG / name).write_bytes(data)
        bw = lecture.backward
        layout = graph_layout(bw.graph)
        rows = caption_rows(layout, bw.frames)
        for k, (svg, frame) in enumerate(zip(svgs, bw.frames, strict=True)):
            base = tmp / FRAMES / f"step_{k:03d}"
            base.with_suffix(".svg").write_text(svg, encoding="utf-8")
            render_png(bw.graph, layout, frame, base.with_suffix(".png"), rows)
        (tmp / PAGE).write_text(render_page(lecture, pictures, svgs), encoding="utf-8")
        written = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
        _replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [target / p for p in written]
