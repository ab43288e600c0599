"""The page's HTML and CSS (no external assets: the app must work offline).

The form's choices come from the library's own registries, so a new dataset or
optimizer shows up without touching this file.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from ..datasets import datasets
from ..train.config import BACKENDS, OPTIMIZERS, TrainConfig
from ..train.families import FAMILIES


def _options(names: Iterable[str], selected: str) -> str:
    return "".join(
        f'<option value="{escape(n)}"{" selected" if n == selected else ""}>'
        f"{escape(n)}</option>"
        for n in names
    )


def _number(name: str, label: str, value: object, step: str = "1") -> str:
    return (
        f'<label>{label} <input name="{name}" type="number" step="{step}" '
        f'value="{escape(str(value))}" required></label>'
    )


def render_page() -> str:
    """The single page: a Train tab and a Graph tab."""
    d = TrainConfig()
    return PAGE.format(
        models=_options(list(FAMILIES), d.model),
        datasets=_options(list(datasets), d.dataset),
        optimizers=_options(OPTIMIZERS, d.optimizer),
        backends=_options(BACKENDS, d.backend),
        numbers="".join(
            (
                _number("pts", "points", d.pts),
                _number("hidden", "hidden", d.hidden),
                _number("lr", "learning rate", d.lr, "any"),
                _number("epochs", "epochs", d.epochs),
                _number("seed", "seed", d.seed),
            )
        ),
    )


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>minitorch</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header>
  <h1>minitorch</h1>
  <nav role="tablist">
    <button type="button" role="tab" data-tab="train"
      aria-selected="true">Train</button>
    <button type="button" role="tab" data-tab="graph"
      aria-selected="false">Graph</button>
  </nav>
</header>
<main>
<section id="panel-train" class="panel">
  <form id="train-form">
    <label>model <select name="model">{models}</select></label>
    <label>dataset <select name="dataset">{datasets}</select></label>
    {numbers}
    <label>optimizer <select name="optimizer">{optimizers}</select></label>
    <label>backend <select name="backend">{backends}</select></label>
    <div class="buttons">
      <button type="submit" id="start">Start</button>
      <button type="button" id="stop" disabled>Stop</button>
    </div>
  </form>
  <p id="message" class="error" role="alert"></p>
  <p><span id="state">idle</span> <span id="elapsed"></span></p>
  <pre id="line">Press Start to train.</pre>
  <div class="pictures">
    <figure>
      <canvas id="regions" width="360" height="360"></canvas>
      <figcaption>Decision regions (red: class 1, blue: class 0) and the points
      </figcaption>
    </figure>
    <figure>
      <svg id="loss" width="480" height="260" viewBox="0 0 480 260"></svg>
      <figcaption>Loss per epoch</figcaption>
    </figure>
  </div>
</section>
<section id="panel-graph" class="panel" hidden>
  <form id="graph-form">
    <label>expression <input name="expr" size="40" maxlength="200"
      value="log(x*y) + exp(x*y)"></label>
    <label>values <input name="values" size="16" maxlength="200" value="x=0.5, y=3">
    </label>
    <button type="submit">Draw</button>
  </form>
  <p class="hint">Numbers, variables, + - * /, unary -, parentheses,
  log exp sigmoid relu, &lt; &gt; ==. Every variable shows its derivative after
  backward.</p>
  <pre id="graph-error" class="error" role="alert"></pre>
  <div id="graph-out"></div>
</section>
</main>
<script src="/app.js"></script>
</body>
</html>
"""

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 1.5rem 2rem; color: #222; }
header { display: flex; align-items: baseline; gap: 2rem; }
h1 { font-size: 1.4rem; }
nav button { font-size: 1rem; padding: 0.3rem 1rem; border: 1px solid #999;
  background: #f4f4f4; cursor: pointer; }
nav button[aria-selected="true"] { background: #fff; border-bottom-color: #fff;
  font-weight: bold; }
form { display: flex; flex-wrap: wrap; gap: 0.6rem 1.2rem; align-items: end; }
label { display: flex; flex-direction: column; font-size: 0.85rem; }
input[type="number"] { width: 6rem; }
.buttons { display: flex; gap: 0.5rem; }
.error { color: #b00020; white-space: pre-wrap; }
.hint { color: #555; font-size: 0.9rem; }
pre#line { font-size: 1rem; }
.pictures { display: flex; flex-wrap: wrap; gap: 2rem; }
canvas, svg#loss { border: 1px solid #ccc; background: #fff; }
figcaption { font-size: 0.85rem; color: #555; max-width: 360px; }
#graph-out img { max-width: 100%; border: 1px solid #ccc; margin-top: 1rem; }
"""
