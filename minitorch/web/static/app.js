"use strict";
// The core every page uses: tabs, requests, the shared colours and 2-D drawing.
window.MT = (function () {
  const $ = (id) => document.getElementById(id);
  const css = getComputedStyle(document.documentElement);
  const colour = (name) => css.getPropertyValue("--" + name).trim();
  const COLOURS = {
    class0: colour("class0"),
    class1: colour("class1"),
    region0: colour("region0"),
    regionMid: colour("region-mid"),
    region1: colour("region1"),
    pending: colour("pending"),
    active: colour("active"),
  };
  const shown = {};  // tab name -> callbacks run when the tab is first shown

  function showTab(name) {
    for (const button of document.querySelectorAll("[data-tab]")) {
      const on = button.dataset.tab === name;
      button.setAttribute("aria-selected", String(on));
      button.tabIndex = on ? 0 : -1;
    }
    for (const panel of document.querySelectorAll(".panel")) {
      panel.hidden = panel.id !== "panel-" + name;
    }
    for (const callback of shown[name] || []) {
      callback();
    }
    shown[name] = [];
  }
  function onShow(name, callback) {
    (shown[name] = shown[name] || []).push(callback);
  }
  const tabs = Array.from(document.querySelectorAll("[data-tab]"));
  tabs.forEach((button, i) => {
    button.addEventListener("click", () => showTab(button.dataset.tab));
    button.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) {
        const next = tabs[(i + step + tabs.length) % tabs.length];
        next.focus();
        showTab(next.dataset.tab);
      }
    });
  });

  async function fetchJSON(url, options) {
    const response = await fetch(url, options);
    let body;
    try {
      body = await response.json();
    } catch (err) {
      body = { error: "the server sent no JSON (HTTP " + response.status + ")" };
    }
    return { ok: response.ok, status: response.status, body: body };
  }
  function postJSON(url, value) {
    return fetchJSON(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(value),
    });
  }
  function errorText(result) {
    return (result.body && result.body.error) || "HTTP " + result.status;
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  function hexToRgb(hex) {
    const n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  // p = 0 -> region0, 0.5 -> white, 1 -> region1: the CLI's colour map.
  function regionColour(p) {
    const end = hexToRgb(p >= 0.5 ? COLOURS.region1 : COLOURS.region0);
    const mid = hexToRgb(COLOURS.regionMid);
    const t = Math.min(1, Math.abs(p - 0.5) * 2);
    const mix = (i) => Math.round(mid[i] + (end[i] - mid[i]) * t);
    return "rgb(" + mix(0) + "," + mix(1) + "," + mix(2) + ")";
  }

  // A square plot of [x0, x1] × [y0, y1] on a canvas.
  function frame(canvas, extent) {
    const [x0, x1, y0, y1] = extent;
    return {
      ctx: canvas.getContext("2d"),
      w: canvas.width,
      h: canvas.height,
      px: (x) => ((x - x0) / (x1 - x0)) * canvas.width,
      py: (y) => canvas.height - ((y - y0) / (y1 - y0)) * canvas.height,
    };
  }
  function drawRegions(canvas, boundary) {
    const f = frame(canvas, boundary.extent);
    const n = boundary.size;
    f.ctx.clearRect(0, 0, f.w, f.h);
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        f.ctx.fillStyle = regionColour(boundary.grid[row][col]);
        const top = f.h - ((row + 1) * f.h) / n;
        f.ctx.fillRect((col * f.w) / n, top, f.w / n + 1, f.h / n + 1);
      }
    }
    drawPoints(canvas, boundary.points, boundary.labels, boundary.extent, false);
    return f;
  }
  function drawPoints(canvas, points, labels, extent, clear) {
    const f = frame(canvas, extent);
    if (clear) {
      f.ctx.fillStyle = "#ffffff";
      f.ctx.fillRect(0, 0, f.w, f.h);
    }
    points.forEach((point, i) => {
      f.ctx.beginPath();
      f.ctx.arc(f.px(point[0]), f.py(point[1]), 4, 0, 2 * Math.PI);
      f.ctx.fillStyle = labels[i] === 1 ? COLOURS.class1 : COLOURS.class0;
      f.ctx.fill();
      f.ctx.lineWidth = 1;
      f.ctx.strokeStyle = "#ffffff";
      f.ctx.stroke();
    });
    return f;
  }
  function extentOf(points, pad, square) {
    let xs = points.map((p) => p[0]);
    let ys = points.map((p) => p[1]);
    if (square) {
      xs = xs.concat([0, 1]);
      ys = ys.concat([0, 1]);
    }
    const lo = (v) => Math.min(...v);
    const hi = (v) => Math.max(...v);
    const wide = (a, b) => (b - a < 1e-9 ? [a - 1, b + 1] : [a, b]);
    const [x0, x1] = wide(lo(xs), hi(xs));
    const [y0, y1] = wide(lo(ys), hi(ys));
    const dx = (x1 - x0) * pad;
    const dy = (y1 - y0) * pad;
    return [x0 - dx, x1 + dx, y0 - dy, y1 + dy];
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  function svgElement(name, attributes, text) {
    const element = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attributes)) {
      element.setAttribute(key, String(value));
    }
    if (text !== undefined) {
      element.textContent = text;
    }
    return element;
  }
  function intFields(form, names) {
    const values = {};
    for (const name of names) {
      const raw = form.elements[name].value.trim();
      const value = Number(raw);
      values[name] = raw !== "" && Number.isFinite(value) ? value : raw;
    }
    return values;
  }

  return { $, COLOURS, showTab, onShow, fetchJSON, postJSON, errorText, debounce,
    regionColour, drawRegions, drawPoints, extentOf, svgElement, intFields };
})();
