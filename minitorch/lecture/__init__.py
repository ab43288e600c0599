"""Lecture 1.4 ("Neural Networks") regenerated from code: numbers, pictures, page.

``build_lecture(LectureOptions(...))`` computes everything the lecture shows;
``write_lecture(lecture, out)`` writes the page and its pictures; the drawing
functions in ``figures`` each return a matplotlib ``Figure`` for any ``Network``
and data, for reuse elsewhere (the web app, a notebook).
"""

from typing import TYPE_CHECKING

from .._lazy import package_getattr

if TYPE_CHECKING:
    from .figures import (
        boundary_figure,
        dead_unit_figure,
        final_split_figure,
        hidden_figure,
        linear_fit_figure,
        loss_figure,
        png_bytes,
        relu_figure,
        split_figure,
    )
    from .page import render_page, write_lecture
    from .story import Lecture, LectureError, LectureOptions, build_lecture, dead_units
    from .weights import WeightsError, parse_weights, read_weights

# Each public name and its module, imported on first use: the figures load
# matplotlib, which ``minitorch --help`` should not wait for.
_HOMES = {
    "boundary_figure": "figures",
    "dead_unit_figure": "figures",
    "final_split_figure": "figures",
    "hidden_figure": "figures",
    "linear_fit_figure": "figures",
    "loss_figure": "figures",
    "png_bytes": "figures",
    "relu_figure": "figures",
    "split_figure": "figures",
    "render_page": "page",
    "write_lecture": "page",
    "Lecture": "story",
    "LectureError": "story",
    "LectureOptions": "story",
    "build_lecture": "story",
    "dead_units": "story",
    "WeightsError": "weights",
    "parse_weights": "weights",
    "read_weights": "weights",
}


__getattr__ = package_getattr(__name__, _HOMES)

__all__ = [
    "Lecture",
    "LectureError",
    "LectureOptions",
    "WeightsError",
    "boundary_figure",
    "build_lecture",
    "dead_unit_figure",
    "dead_units",
    "final_split_figure",
    "hidden_figure",
    "linear_fit_figure",
    "loss_figure",
    "parse_weights",
    "png_bytes",
    "read_weights",
    "relu_figure",
    "render_page",
    "split_figure",
    "write_lecture",
]
