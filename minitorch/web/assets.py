"""The page's HTML, CSS and JavaScript, read once from the package (never by URL path).

Nothing external is linked, so the app works offline. The form's choices come from
the library's registries and the colours from the CLI's pictures
(``train.plots`` for classes and regions, ``viz.style`` for graphs), so the web
and the PNGs speak one colour language.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from importlib.resources import files

from matplotlib.colors import to_hex

from ..datasets import datasets
from ..train.config import BACKENDS, NETWORKS, OPTIMIZERS, TrainConfig
from ..train.families import FAMILIES
from ..train.plots import LABEL_COLORS, REGION_CMAP
from ..viz.style import ACTIVE, DERIV, RED

SCRIPTS = (
    "app.js",
    "datasets.js",
    "train.js",
    "backprop.js",
    "network.js",
    "tensors.js",
    "digits.js",
    "sentiment.js",
)


def _read(name: str) -> str:
    return files("minitorch.web").joinpath("static", name).read_text(encoding="utf-8")


def _options(names: Iterable[str], selected: str) -> str:
    return "".join(
        f'<option value="{escape(n)}"{" selected" if n == selected else ""}>'
        f"{escape(n)}</option>"
        for n in names
    )


def colour_variables() -> str:
    """CSS custom properties holding the shared colours."""
    colours = {
        "class0": LABEL_COLORS[0],
        "class1": LABEL_COLORS[1],
        "region0": to_hex(REGION_CMAP(0.0)),
        "region-mid": to_hex(REGION_CMAP(0.5)),
        "region1": to_hex(REGION_CMAP(1.0)),
        "pending": RED,
        "active": ACTIVE,
        "derivative": DERIV,
    }
    return ":root {" + "".join(f" --{k}: {v};" for k, v in colours.items()) + " }\n"


def render_page() -> str:
    """The single page with every tab; the Train form's choices filled in."""
    d = TrainConfig()
    fills = {
        "models": _options(list(FAMILIES), d.model),
        "datasets": _options(list(datasets), d.dataset),
        "optimizers": _options(OPTIMIZERS, d.optimizer),
        "backends": _options(BACKENDS, d.backend),
        "networks": _options(NETWORKS, d.network),
        "pts": str(d.pts),
        "hidden": str(d.hidden),
        "lr": str(d.lr),
        "epochs": str(d.epochs),
        "seed": str(d.seed),
    }
    page = _read("index.html")
    for key, value in fills.items():
        page = page.replace("{{" + key + "}}", value)
    return page


def render_style() -> str:
    """The stylesheet, led by the shared colours."""
    return colour_variables() + _read("style.css")


def render_script() -> str:
    """Every page's script, in one file (the core first)."""
    return "\n".join(_read(name) for name in SCRIPTS)
