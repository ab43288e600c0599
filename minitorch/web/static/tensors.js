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
      $("tensor-error").textContent = err.message;
      $("tensor-out").replaceChildren();
      return;
    }
    const result = await postJSON("/api/tensor", request);
    if (!result.ok) {
      $("tensor-error").textContent = errorText(result);
      $("tensor-out").replaceChildren();
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
  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  onShow("tensors", run);
})();
