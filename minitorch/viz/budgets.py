"""How large a graph ``minitorch graph`` draws: the picture budgets, checked first.

A graph's layout and files grow with the square of its size (long edges pass through
one point per column), so a graph of more than ``MAX_GRAPH_NODES`` nodes is refused
before anything is drawn; the backward pass is drawn frame by frame (one full
picture per step) only for graphs of up to ``MAX_FRAME_NODES`` nodes. This module
imports no drawing library, so the CLI can name the budgets without loading one.
"""

from __future__ import annotations

from .graph import ExprGraph

MAX_GRAPH_NODES = 300
MAX_FRAME_NODES = 60


class GraphSizeError(ValueError):
    """A graph with more nodes than a picture is drawn for."""


def check_graph_size(graph: ExprGraph) -> None:
    """Refuse a graph beyond ``MAX_GRAPH_NODES``, naming its size and the limit."""
    if len(graph.nodes) > MAX_GRAPH_NODES:
        raise GraphSizeError(
            f"the graph has {len(graph.nodes)} nodes; pictures are drawn for at "
            f"most {MAX_GRAPH_NODES}"
        )


def draws_frames(graph: ExprGraph) -> bool:
    """Whether the backward pass of ``graph`` is drawn step by step."""
    return len(graph.nodes) <= MAX_FRAME_NODES
