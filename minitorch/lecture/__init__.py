"""Lecture 1.4 ("Neural Networks") regenerated from code: numbers, pictures, page.

``build_lecture(LectureOptions(...))`` computes everything the lecture shows;
``write_lecture(lecture, out)`` writes the page and its pictures; the drawing
functions in ``figures`` each return a matplotlib ``Figure`` for any ``Network``
and data, for reuse elsewhere (the web app, a notebook).
"""

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
