"""A layered (Sugiyama-style) layout for data-flow graphs, left to right.

Layers by longest path (sources pulled next to their first consumer), long edges
split into virtual points, barycentre sweeps to reduce crossings (the sweep with the
fewest crossings wins), then each column placed as close as possible to the mean
height of its neighbours under the ordering and spacing constraints (isotonic
regression, solved exactly by pool-adjacent-violators).
"""

from __future__ import annotations

import itertools
from bisect import bisect_right, insort
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Layout:
    """Node centres and sizes, one polyline per edge, and the drawing's extent."""

    centre: dict[str, Point]
    size: dict[str, Point]
    routes: list[list[Point]]
    width: float
    height: float


@dataclass(frozen=True)
class Spacing:
    """Gaps in pixels: between columns, between nodes of a column, around it all."""

    column_gap: float = 64.0
    node_gap: float = 30.0
    margin: float = 24.0
    port_gap: float = 14.0
    virtual_height: float = 10.0


def _layers(n: int, preds: list[list[int]], succs: list[list[int]]) -> list[int]:
    layer = [0] * n
    for v in range(n):
        if preds[v]:
            layer[v] = 1 + max(layer[p] for p in preds[v])
    # A source (leaf, constant) sits just before its first consumer rather than in
    # column 0, so a constant used deep inside stays near its use.
    for v in range(n):
        if not preds[v] and succs[v]:
            layer[v] = min(layer[s] for s in succs[v]) - 1
    return layer


def _crossings(segs: list[tuple[int, int]], pos: list[int]) -> int:
    """Crossings between two adjacent layers: inversions of the lower endpoints."""
    ends = sorted((pos[a], pos[b]) for a, b in segs)
    seen: list[int] = []
    count = 0
    for _, b in ends:
        count += len(seen) - bisect_right(seen, b)
        insort(seen, b)
    return count


def _pav(targets: list[float], gaps: list[float]) -> list[float]:
    """Closest positions to ``targets`` keeping order with ``gaps`` between them."""
    offsets = [0.0]
    for g in gaps:
        offsets.append(offsets[-1] + g)
    # Blocks of (sum of shifted targets, count); merge while out of order.
    blocks: list[list[float]] = []
    for t, c in zip(targets, offsets, strict=True):
        blocks.append([t - c, 1.0])
        while len(blocks) > 1 and (
            blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]
        ):
            s, k = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += k
    out: list[float] = []
    for s, k in blocks:
        out.extend([s / k] * int(k))
    return [z + c for z, c in zip(out, offsets, strict=True)]


def layered_layout(
    ids: Sequence[str],
    sizes: Mapping[str, Point],
    edges: Sequence[tuple[str, str, int]],
    spacing: Spacing | None = None,
    sweeps: int = 8,
) -> Layout:
    """Lay out a DAG whose ``ids`` come in data-flow order (inputs first).

    ``edges`` are ``(src, dst, slot)``; edges into one node end at separate ports,
    ordered by slot, so ``a + a`` shows two distinct arrows.
    """
    sp = spacing or Spacing()
    n = len(ids)
    index = {k: i for i, k in enumerate(ids)}
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for s, d, _ in edges:
        preds[index[d]].append(index[s])
        succs[index[s]].append(index[d])
    layer = _layers(n, preds, succs)

    # Split edges spanning several columns into chains through virtual points.
    chains: list[list[int]] = []
    for s, d, _ in edges:
        a, b = index[s], index[d]
        chain = [a]
        for lyr in range(layer[a] + 1, layer[b]):
            layer.append(lyr)
            chain.append(len(layer) - 1)
        chain.append(b)
        chains.append(chain)
    total = len(layer)
    up: list[list[int]] = [[] for _ in range(total)]
    down: list[list[int]] = [[] for _ in range(total)]
    for chain in chains:
        for a, b in itertools.pairwise(chain):
            down[a].append(b)
            up[b].append(a)
    depth = max(layer) + 1 if layer else 0
    columns: list[list[int]] = [[] for _ in range(depth)]
    for v in range(total):
        columns[layer[v]].append(v)

    pos = [0] * total

    def number() -> None:
        for col in columns:
            for i, v in enumerate(col):
                pos[v] = i

    def all_crossings() -> int:
        return sum(
            _crossings([(a, b) for a in columns[c] for b in down[a]], pos)
            for c in range(depth - 1)
        )

    number()
    best = [list(c) for c in columns]
    best_count = all_crossings()
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        order = range(1, depth) if forward else range(depth - 2, -1, -1)
        for c in order:
            nbrs = up if forward else down

            def key(v: int, nbrs: list[list[int]] = nbrs) -> float:
                if not nbrs[v]:
                    return float(pos[v])
                return sum(pos[u] for u in nbrs[v]) / len(nbrs[v])

            columns[c].sort(key=key)
            for i, v in enumerate(columns[c]):
                pos[v] = i
        count = all_crossings()
        if count < best_count:
            best, best_count = [list(c) for c in columns], count
    columns = best
    number()

    width_of = [sizes[ids[v]][0] if v < n else 0.0 for v in range(total)]
    height_of = [sizes[ids[v]][1] if v < n else sp.virtual_height for v in range(total)]
    col_width = [max((width_of[v] for v in col), default=0.0) for col in columns]
    col_x: list[float] = []
    x = sp.margin
    for w in col_width:
        col_x.append(x + w / 2)
        x += w + sp.column_gap

    y = [0.0] * total
    for col in columns:
        top = 0.0
        for v in col:
            y[v] = top + height_of[v] / 2
            top += height_of[v] + sp.node_gap

    def place(col: list[int], nbrs: list[list[int]]) -> None:
        if not col:
            return
        targets = [
            sum(y[u] for u in nbrs[v]) / len(nbrs[v]) if nbrs[v] else y[v] for v in col
        ]
        gaps = [
            (height_of[a] + height_of[b]) / 2 + sp.node_gap
            for a, b in itertools.pairwise(col)
        ]
        for v, t in zip(col, _pav(targets, gaps), strict=True):
            y[v] = t

    for _ in range(4):
        for c in range(1, depth):
            place(columns[c], up)
        for c in range(depth - 2, -1, -1):
            place(columns[c], down)

    top = min((y[v] - height_of[v] / 2 for v in range(total)), default=0.0)
    shift = sp.margin - top
    y = [t + shift for t in y]
    bottom = max((y[v] + height_of[v] / 2 for v in range(total)), default=0.0)

    centre = {ids[v]: (col_x[layer[v]], y[v]) for v in range(n)}
    size = {k: sizes[k] for k in ids}
    fan_in = [0] * n
    for _, d, _ in edges:
        fan_in[index[d]] += 1
    routes: list[list[Point]] = []
    for (_, _, slot), chain in zip(edges, chains, strict=True):
        a, b = chain[0], chain[-1]
        start = (col_x[layer[a]] + width_of[a] / 2, y[a])
        middle = [(col_x[layer[v]], y[v]) for v in chain[1:-1]]
        port = (slot - (fan_in[b] - 1) / 2) * sp.port_gap
        end = (col_x[layer[b]] - width_of[b] / 2, y[b] + port)
        routes.append([start, *middle, end])
    return Layout(
        centre, size, routes, x - sp.column_gap + sp.margin, bottom + sp.margin
    )
