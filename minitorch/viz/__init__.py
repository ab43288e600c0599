"""Pictures of what minitorch computes: expression graphs, backprop, hidden layers.

Graphs are laid out here, with no Graphviz needed (the README's "Why our own
layout" says why), and written as SVG, PNG and DOT.

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
