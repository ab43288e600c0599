"""Hand-written SVG of one frame of a graph.

Every node, edge and badge is a ``<g>`` with a class (``node leaf``, ``edge sent``,
``pending``) and ``data-*`` attributes holding the exact numbers (``repr`` of the
float), so a page script or a test can read what the picture shows.
"""

from __future__ import annotations

from html import escape

from .graph import ExprGraph, Frame, Node
from .layout import Layout
from .style import (
    ACTIVE,
    CAPTION_LINE_PX,
    DERIV,
    EDGE,
    FONT_FAMILY,
    FONT_PX,
    KINDS,
    LINE_PX,
    RED,
    TEXT,
    badge_box,
    badge_text,
    canvas,
    curve,
    derivative_line,
    edge_points,
    first_line_y,
    is_active,
    label_point,
    sent_text,
    text_width,
    value_lines,
)


def _n(x: float) -> str:
    return f"{x:.1f}"


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _text(x: float, y: float, s: str, cls: str, **style: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{_attr(v)}"' for k, v in style.items())
    return (
        f'<text class="{cls}" x="{_n(x)}" y="{_n(y)}" text-anchor="middle"'
        f"{extra}>{escape(s)}</text>"
    )


def _legend() -> list[str]:
    out = ['<g class="legend">']
    x = 16.0
    for kind, st in KINDS.items():
        dash = f' stroke-dasharray="{st.dash}"' if st.dash else ""
        rx = 7 if kind == "op" else 3
        out.append(
            f'<rect x="{_n(x)}" y="8" width="14" height="14" rx="{rx}" '
            f'fill="{st.fill}" stroke="{st.stroke}"{dash}/>'
        )
        out.append(
            f'<text x="{_n(x + 20)}" y="19" fill="{TEXT}">{escape(st.legend)}</text>'
        )
        x += 34 + text_width(st.legend)
    out.append(f'<rect x="{_n(x)}" y="8" width="14" height="14" rx="3" fill="{RED}"/>')
    out.append(f'<text x="{_n(x + 20)}" y="19" fill="{TEXT}">pending derivative</text>')
    out.append("</g>")
    return out


def _edge(graph: ExprGraph, layout: Layout, frame: Frame, i: int) -> list[str]:
    e = graph.edges[i]
    route = edge_points(graph, layout, i)
    sent = frame.sent.get(i)
    colour, stroke = (RED, 2.4) if sent is not None else (EDGE, 1.3)
    d = f"M {_n(route[0][0])} {_n(route[0][1])}" + "".join(
        f" C {_n(a[0])} {_n(a[1])} {_n(b[0])} {_n(b[1])} {_n(c[0])} {_n(c[1])}"
        for a, b, c in curve(route)
    )
    x, y = route[-1]
    cls = "edge sent" if sent is not None else "edge"
    extra = f' data-sent="{sent!r}"' if sent is not None else ""
    out = [
        f'<g class="{cls}" data-src="{e.src}" data-dst="{e.dst}" '
        f'data-slot="{e.slot}"{extra}>',
        f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{stroke}"/>',
        f'<polygon points="{_n(x)},{_n(y)} {_n(x - 8)},{_n(y - 4)} '
        f'{_n(x - 8)},{_n(y + 4)}" fill="{colour}"/>',
        "</g>",
    ]
    return out


def _sent_label(graph: ExprGraph, layout: Layout, i: int, value: float) -> str:
    e = graph.edges[i]
    x, y = label_point(edge_points(graph, layout, i), e.slot)
    return _text(
        x,
        y,
        sent_text(value),
        "sent-label",
        fill=RED,
        font_weight="bold",
        stroke="#ffffff",
        stroke_width="3",
        paint_order="stroke",
        data_src=e.src,
        data_dst=e.dst,
        data_slot=str(e.slot),
        data_value=repr(value),
    )


def _node(layout: Layout, frame: Frame, node: Node) -> list[str]:
    st = KINDS[node.kind]
    (cx, cy), (w, h) = layout.centre[node.id], layout.size[node.id]
    active = is_active(frame, node)
    stroke, stroke_w = (ACTIVE, 3.0) if active else (st.stroke, 1.4)
    dash = f' stroke-dasharray="{st.dash}"' if st.dash else ""
    attrs = (
        f'data-id="{node.id}" data-kind="{node.kind}" data-label="{_attr(node.label)}"'
    )
    if node.value is not None:
        attrs += f' data-value="{node.value!r}"'
    derivative = frame.derivatives.get(node.id)
    if derivative is not None:
        attrs += f' data-derivative="{derivative!r}"'
    if active:
        attrs += ' data-active="true"'
    out = [f'<g class="node {node.kind}" {attrs}>']
    if node.kind == "op":
        out.append(
            f'<ellipse cx="{_n(cx)}" cy="{_n(cy)}" rx="{_n(w / 2)}" ry="{_n(h / 2)}" '
            f'fill="{st.fill}" stroke="{stroke}" stroke-width="{stroke_w}"/>'
        )
    else:
        out.append(
            f'<rect x="{_n(cx - w / 2)}" y="{_n(cy - h / 2)}" width="{_n(w)}" '
            f'height="{_n(h)}" rx="6" fill="{st.fill}" stroke="{stroke}" '
            f'stroke-width="{stroke_w}"{dash}/>'
        )
    lines = value_lines(node)
    y = first_line_y(node, len(lines), cy)
    for k, line in enumerate(lines):
        cls = "label" if k == 0 else "value"
        weight = {"font_weight": "bold"} if k == 0 and node.kind != "constant" else {}
        out.append(_text(cx, y + k * LINE_PX, line, cls, fill=TEXT, **weight))
    if derivative is not None:
        out.append(
            _text(
                cx,
                y + len(lines) * LINE_PX,
                derivative_line(derivative),
                "derivative",
                fill=DERIV,
                font_weight="bold",
            )
        )
    out.append("</g>")
    return out


def _badge(layout: Layout, node_id: str, pending: float) -> list[str]:
    left, top, w, h = badge_box(layout, node_id, pending)
    return [
        f'<g class="pending" data-node="{node_id}" data-derivative="{pending!r}">',
        f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(w)}" '
        f'height="{_n(h)}" rx="8" fill="{RED}"/>',
        _text(
            left + w / 2, top + h - 4.5, badge_text(pending), "badge", fill="#ffffff"
        ),
        "</g>",
    ]


def render_svg(
    graph: ExprGraph, layout: Layout, frame: Frame, caption_rows: int = 0
) -> str:
    """The SVG document of ``frame`` drawn over ``graph`` placed by ``layout``.

    ``caption_rows`` reserves caption space, so a slideshow's frames share a size.
    """
    c = canvas(layout, frame, caption_rows)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(c.width)}" '
        f'height="{_n(c.height)}" viewBox="0 0 {_n(c.width)} {_n(c.height)}" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT_PX:g}">',
        f"<title>{escape(frame.title or 'computation graph')}</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        *_legend(),
        f'<g class="graph" transform="translate(0,{_n(c.graph_top)})">',
    ]
    for i in range(len(graph.edges)):
        out.extend(_edge(graph, layout, frame, i))
    for node in graph.nodes:
        out.extend(_node(layout, frame, node))
    for node_id, pending in frame.pending.items():
        out.extend(_badge(layout, node_id, pending))
    for i, value in frame.sent.items():
        out.append(_sent_label(graph, layout, i, value))
    out.append("</g>")
    base = c.graph_top + layout.height + 4
    for k, line in enumerate(c.caption):
        y = base + (k + 1) * CAPTION_LINE_PX - 4
        out.append(
            f'<text class="caption" x="16" y="{_n(y)}"'
            f' fill="{TEXT}" font-size="{FONT_PX + 1:g}">{escape(line)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"
