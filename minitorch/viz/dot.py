"""Graphviz DOT text of a graph, for anyone who has ``dot`` installed.

Nothing here runs Graphviz; the text is written so the same picture can be made
with it (``dot -Tsvg graph.dot``), styled like our own renderers.
"""

from __future__ import annotations

from .graph import ExprGraph, Frame
from .style import FONT_FAMILY, KINDS, derivative_line, value_lines


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(graph: ExprGraph, frame: Frame) -> str:
    """DOT text of ``graph`` with the derivatives ``frame`` shows, left to right."""
    font = _quote(FONT_FAMILY.split(",")[0])
    out = [
        "digraph computation {",
        "  rankdir=LR;",
        f"  node [fontname={font}, fontsize=11];",
        f"  edge [fontname={font}, fontsize=10, color={_quote('#6b7280')}];",
    ]
    for node in graph.nodes:
        st = KINDS[node.kind]
        lines = value_lines(node)
        if node.id in frame.derivatives:
            lines.append(derivative_line(frame.derivatives[node.id]))
        shape = "ellipse" if node.kind == "op" else "box"
        style = "filled" if node.kind == "op" else "rounded,filled"
        if st.dash:
            style += ",dashed"
        out.append(
            f"  {node.id} [label={_quote(chr(10).join(lines))}, shape={shape}, "
            f"style={_quote(style)}, fillcolor={_quote(st.fill)}, "
            f"color={_quote(st.stroke)}];"
        )
    for e in graph.edges:
        out.append(f"  {e.src} -> {e.dst};")
    out.append("}")
    return "\n".join(out) + "\n"
