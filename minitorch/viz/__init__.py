"""Pictures of what minitorch computes: expression graphs, backprop, hidden layers.

Graph pictures need nothing beyond a plain ``pip install``: no Graphviz binary. The
pip-installable layout options were weighed and set aside: ``graphviz``, ``pydot``
and ``pygraphviz`` all drive the system Graphviz (a binary or its C library);
``graphviz-pure`` is a young Rust port; ``igraph`` has a Sugiyama layout but is a
large compiled dependency for one function; ``networkx`` (not one of our
dependencies) only places nodes in layers you compute yourself; ``grandalf`` is
pure Python but unmaintained since 2023. Computation graphs are small, acyclic
and flow one way, which is the easy case of layered drawing, so minitorch lays
them out itself (``layout.py``, ~200 lines): longest-path layers with leaves and
constants pulled next to their first use, long edges routed through virtual
points, barycentre sweeps keeping the ordering with the fewest crossings, and
isotonic regression to place each column near its neighbours. The same layout
feeds three writers: hand-written SVG (generic font families, ``data-*``
attributes with the exact numbers), PNG (shapes through matplotlib's Agg canvas,
already a dependency; labels written by Pillow, which matplotlib ships with) and
DOT text for those who do have Graphviz. A ~590-node graph
(``python -m bench.viz_render``) lays out and writes as SVG in about 0.05 s and
as PNG (3614 x 3319 px, capped at 12 Mpx) in about 0.55 s on a busy 2-core
machine; with one matplotlib text artist per label line the PNG took about 2.5-4
s, so Pillow now writes the ~1200 labels, and about half of what remains is PNG
encoding.

Modules: ``graph`` (model), ``layout``, ``style`` (shared look), ``svg``, ``png``,
``dot``, ``stepper`` (frames from the real ``backpropagate``), ``backward`` (that
pass with maths failures as errors), ``budgets`` (how large a graph is drawn),
``html`` (the slideshow page), ``export`` (all files of an expression), ``parser``
(the safe expression language and its budgets), ``network`` (hidden-layer
pictures), ``explain_run`` (a run read back and checked), ``commands`` (CLI).
"""

from typing import TYPE_CHECKING

from .._lazy import package_getattr

if TYPE_CHECKING:
    from .dot import render_dot
    from .export import write_pictures
    from .graph import ExprGraph, Frame, build_graph, static_frame
    from .network import write_network_pictures
    from .parser import ExpressionError, build, parse
    from .png import render_png
    from .stepper import backprop_frames, record_backward
    from .style import graph_layout
    from .svg import render_svg

# Each public name and its module, imported on first use: the PNG and network
# writers load matplotlib, which a command that only parses should not wait for.
_HOMES = {
    "ExprGraph": "graph",
    "Frame": "graph",
    "build_graph": "graph",
    "static_frame": "graph",
    "graph_layout": "style",
    "render_svg": "svg",
    "render_png": "png",
    "render_dot": "dot",
    "record_backward": "stepper",
    "backprop_frames": "stepper",
    "write_pictures": "export",
    "write_network_pictures": "network",
    "ExpressionError": "parser",
    "build": "parser",
    "parse": "parser",
}


__getattr__ = package_getattr(__name__, _HOMES)

__all__ = [
    "ExprGraph",
    "Frame",
    "build_graph",
    "static_frame",
    "graph_layout",
    "render_svg",
    "render_png",
    "render_dot",
    "record_backward",
    "backprop_frames",
    "write_pictures",
    "write_network_pictures",
    "ExpressionError",
    "build",
    "parse",
]
