"use strict";
// Tensors: a tensor's shape, strides and storage after each operation, and the
// storage cell an index reads.
(function () {
  const { $, postJSON, errorText, onShow } = window.MT;
  const form = $("tensor-form");

  function ints(text) {
    const parts = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
    return parts.map((s) => (/^-?\d+$/.test(s) ? Number(s) : s));
  }
  function ops(text) {
    const found = [];
    for (const piece of text.split(";").map((s) => s.trim()).filter((s) => s)) {
      const match = /^(\w+)\s*\(([^)]*)\)$/.exec(piece);
      if (!match) {
        throw new Error("cannot read the operation " + JSON.stringify(piece) +
          "; write it like permute(1, 0)");
      }
      found.push({ op: match[1], args: ints(match[2]) });
    }
    return found;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  // A request that failed: the message on the panel's error line, its output cleared.
  function fail(panel, message) {
    $(panel + "-error").textContent = message;
    $(panel + "-out").replaceChildren();
  }

  function storageCells(stage, hit) {
    const row = element("div", "cells");
    row.setAttribute("aria-label", "storage");
    stage.storage.forEach((value, position) => {
      const cell = element("div", position === hit ? "cell hit" : "cell", String(value));
      cell.appendChild(element("small", "", "@" + position));
      row.appendChild(cell);
    });
    return row;
  }

  // The values as 2-D tables (one per index of the leading dims).
  function valueTables(values, shape, hitIndex) {
    const box = element("div", "");
    const walk = (v, prefix) => {
      if (prefix.length === Math.max(0, shape.length - 2)) {
        const rows = shape.length >= 2 ? v : [shape.length === 1 ? v : [v]];
        const table = element("table", "grid2d");
        if (prefix.length) {
          table.appendChild(element("caption", "", "[" + prefix.join(", ") + ", :, :]"));
        }
        rows.forEach((row, i) => {
          const tr = element("tr");
          row.forEach((value, j) => {
            const index = shape.length >= 2 ? prefix.concat([i, j]) : [j];
            const on = hitIndex && index.join(",") === hitIndex.join(",");
            tr.appendChild(element("td", on ? "hit" : "", String(value)));
          });
          table.appendChild(tr);
        });
        box.appendChild(table);
        return;
      }
      v.forEach((inner, k) => walk(inner, prefix.concat([k])));
    };
    walk(values, []);
    return box;
  }

  async function run() {
    let request;
    try {
      request = { shape: ints(form.elements.shape.value),
        ops: ops(form.elements.ops.value) };
      const broadcast = form.elements.broadcast.value.trim();
      if (broadcast) {
        request.broadcast = ints(broadcast);
      }
      const index = form.elements.index.value.trim();
      if (index) {
        request.index = ints(index);
      }
    } catch (err) {
      fail("tensor", err.message);
      return;
    }
    const result = await postJSON("/api/tensor", request);
    if (!result.ok) {
      fail("tensor", errorText(result));
      return;
    }
    $("tensor-error").textContent = "";
    const answer = result.body;
    const out = $("tensor-out");
    out.replaceChildren();
    const last = answer.stages.length - 1;
    const located = answer.index;
    answer.stages.forEach((stage, k) => {
      const box = element("div", "tensor-stage");
      box.appendChild(element("h3", "", stage.label));
      box.appendChild(element("p", "", "shape (" + stage.shape.join(", ") +
        ")   strides (" + stage.strides.join(", ") + ")   " +
        (stage.contiguous ? "contiguous" : "not contiguous: view() needs contiguous() first")));
      const hit = k === last && located ? located.position : -1;
      box.appendChild(storageCells(stage, hit));
      if (k === last) {
        box.appendChild(valueTables(stage.values, stage.shape,
          located && !answer.broadcast ? located.tensor_index : null));
      }
      out.appendChild(box);
    });
    if (answer.broadcast) {
      out.appendChild(element("p", "", "Broadcast with (" + answer.broadcast.with.join(", ") +
        ") gives shape (" + answer.broadcast.shape.join(", ") + "): no data is copied; " +
        "dims of size 1 are read again and again."));
    }
    if (located) {
      const where = element("p", "located");
      where.id = "tensor-located";
      where.textContent = "index (" + located.index.join(", ") + ")" +
        (answer.broadcast ? " of the broadcast shape reads tensor index (" +
          located.tensor_index.join(", ") + ")" : "") +
        " → storage position " + located.position + " = Σ index × stride, value " +
        located.value;
      out.appendChild(where);
    }
  }
  // Colours of minitorch/viz/style.py's node kinds.
  const KIND = {
    leaf: { fill: "#dbeafe", stroke: "#1e40af", dash: null },
    op: { fill: "#fef3c7", stroke: "#92400e", dash: null },
    constant: { fill: "#ffffff", stroke: "#9ca3af", dash: "4,3" },
  };
  const SVG = "http://www.w3.org/2000/svg";
  function svgNode(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, String(v)));
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  // Inputs on the left, the result on the right: column = longest path from an input.
  function drawGraph(graph) {
    const depth = [];
    const inputs = graph.nodes.map(() => []);
    graph.edges.forEach(([from, to]) => inputs[to].push(from));
    graph.nodes.forEach((n) => {
      depth[n.id] = inputs[n.id].reduce((d, i) => Math.max(d, depth[i] + 1), 0);
    });
    const rows = [];
    const place = [];
    graph.nodes.forEach((n) => {
      const col = depth[n.id];
      rows[col] = (rows[col] || 0) + 1;
      place[n.id] = [col, rows[col] - 1];
    });
    const W = 210, H = 64, GX = 50, GY = 24;
    const width = rows.length * (W + GX) + GX;
    const height = Math.max(...rows) * (H + GY) + GY;
    const svg = svgNode("svg", { width, height, viewBox: "0 0 " + width + " " + height,
      role: "img", "aria-label": "graph of " + graph.expr });
    const corner = (id) => [GX + place[id][0] * (W + GX), GY + place[id][1] * (H + GY)];
    graph.edges.forEach(([from, to]) => {
      const [x1, y1] = corner(from);
      const [x2, y2] = corner(to);
      svg.appendChild(svgNode("line", { x1: x1 + W, y1: y1 + H / 2, x2, y2: y2 + H / 2,
        stroke: "#6b7280", "stroke-width": 1.5 }));
    });
    graph.nodes.forEach((n) => {
      const [x, y] = corner(n.id);
      const style = KIND[n.kind];
      const g = svgNode("g", { class: "tgraph-node" });
      const box = { x, y, width: W, height: H, rx: 6, fill: style.fill,
        stroke: n.id === graph.root ? "#2563eb" : style.stroke, "stroke-width": 1.5 };
      if (style.dash) {
        box["stroke-dasharray"] = style.dash;
      }
      g.appendChild(svgNode("rect", box));
      const lines = [n.op + "  shape (" + n.shape.join(", ") + ")", n.value];
      if (n.grad !== null) {
        lines.push("grad " + n.grad);
      }
      lines.forEach((line, k) => {
        g.appendChild(svgNode("text", { x: x + 8, y: y + 18 + 17 * k, "font-size": 11,
          fill: k === 2 ? "#047857" : "#111827",
          "font-family": "DejaVu Sans, Helvetica, Arial, sans-serif" }, line));
      });
      svg.appendChild(g);
    });
    return svg;
  }

  const graphForm = $("tgraph-form");
  async function runGraph() {
    const request = { expr: graphForm.elements.expr.value,
      a: ints(graphForm.elements.a.value), b: ints(graphForm.elements.b.value) };
    const result = await postJSON("/api/tensor/graph", request);
    if (!result.ok) {
      fail("tgraph", errorText(result));
      return;
    }
    $("tgraph-error").textContent = "";
    $("tgraph-out").replaceChildren(drawGraph(result.body));
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  graphForm.addEventListener("submit", (event) => { event.preventDefault(); runGraph(); });
  onShow("tensors", () => { run(); runGraph(); });
})();
