"""The page's JavaScript: tabs, the Train form and its live pictures, the Graph form.

Plain browser JavaScript with no libraries. It polls ``/api/status`` a few times a
second while a job runs and fetches a new boundary grid when the epoch moved on.
"""

SCRIPT = r"""
"use strict";
(function () {
  const POLL_MS = 250;
  const IDLE_POLL_MS = 1000;
  const BOUNDARY_MS = 500;
  const $ = (id) => document.getElementById(id);
  const view = {
    job: null,
    state: "idle",
    losses: [],
    boundaryKey: "",
    boundaryBusy: false,
    boundaryAt: 0,
  };

  function showTab(name) {
    for (const button of document.querySelectorAll("[data-tab]")) {
      button.setAttribute("aria-selected", String(button.dataset.tab === name));
    }
    for (const panel of document.querySelectorAll(".panel")) {
      panel.hidden = panel.id !== "panel-" + name;
    }
  }
  for (const button of document.querySelectorAll("[data-tab]")) {
    button.addEventListener("click", () => showTab(button.dataset.tab));
  }

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

  function numberOrText(text) {
    const trimmed = text.trim();
    const value = Number(trimmed);
    return trimmed !== "" && Number.isFinite(value) ? value : trimmed;
  }

  function formValues() {
    const fields = $("train-form").elements;
    const values = {};
    for (const name of ["model", "dataset", "optimizer", "backend"]) {
      values[name] = fields[name].value;
    }
    for (const name of ["pts", "hidden", "lr", "epochs", "seed"]) {
      values[name] = numberOrText(fields[name].value);
    }
    if (values.model === "scalar") {
      delete values.backend;
    }
    return values;
  }

  function syncBackend() {
    const fields = $("train-form").elements;
    fields.backend.disabled = fields.model.value === "scalar";
  }
  $("train-form").elements.model.addEventListener("change", syncBackend);
  syncBackend();

  $("train-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("message").textContent = "";
    try {
      const result = await fetchJSON("/api/train", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(formValues()),
      });
      if (!result.ok) {
        $("message").textContent = result.body.error || "HTTP " + result.status;
        return;
      }
      showStatus(result.body);
    } catch (err) {
      $("message").textContent = "could not reach the server: " + err;
    }
  });

  $("stop").addEventListener("click", async () => {
    try {
      const result = await fetchJSON("/api/stop", { method: "POST" });
      if (!result.ok) {
        $("message").textContent = result.body.error || "HTTP " + result.status;
      }
    } catch (err) {
      $("message").textContent = "could not reach the server: " + err;
    }
  });

  async function poll() {
    let delay = IDLE_POLL_MS;
    try {
      const since = view.job === null ? 0 : view.losses.length;
      const result = await fetchJSON("/api/status?since=" + since);
      if (result.ok) {
        showStatus(result.body);
        if (view.state === "running") {
          delay = POLL_MS;
        }
      }
    } catch (err) {
      $("message").textContent = "lost the server: " + err;
    }
    setTimeout(poll, delay);
  }

  function showStatus(status) {
    if (status.job !== view.job) {
      view.job = status.job;
      view.losses = [];
      view.boundaryKey = "";
      if (status.since !== 0) {
        return;  // the next poll asks for the whole history of the new job
      }
    }
    if (status.since === view.losses.length) {
      view.losses = view.losses.concat(status.losses);
    }
    view.state = status.state;
    const running = status.state === "running";
    $("start").disabled = running;
    $("stop").disabled = !running;
    $("state").textContent = status.state +
      (status.epochs ? " (" + status.epoch + "/" + status.epochs + " epochs)" : "");
    $("elapsed").textContent = status.job ? status.elapsed.toFixed(1) + " s" : "";
    if (status.line) {
      $("line").textContent = status.line;
    }
    if (status.error) {
      $("message").textContent = status.error;
    }
    drawLoss(view.losses);
    maybeFetchBoundary(status);
  }

  function maybeFetchBoundary(status) {
    if (!status.job) {
      return;
    }
    const key = status.job + ":" + status.epoch + ":" + status.state;
    const now = Date.now();
    const finished = status.state !== "running";
    if (key === view.boundaryKey || view.boundaryBusy ||
        (!finished && now - view.boundaryAt < BOUNDARY_MS)) {
      return;
    }
    view.boundaryBusy = true;
    view.boundaryAt = now;
    fetchJSON("/api/boundary").then((result) => {
      if (result.ok && result.body.job === view.job) {
        drawRegions(result.body);
        view.boundaryKey = key;
      }
    }).catch(() => {}).finally(() => {
      view.boundaryBusy = false;
    });
  }

  function probabilityColour(p) {
    const red = [214, 39, 40];
    const blue = [31, 119, 180];
    const mix = (i) => Math.round(255 + (p >= 0.5 ? red[i] - 255 : blue[i] - 255) *
      Math.min(1, Math.abs(p - 0.5) * 2) * 0.55);
    return "rgb(" + mix(0) + "," + mix(1) + "," + mix(2) + ")";
  }

  function drawRegions(boundary) {
    const canvas = $("regions");
    const ctx = canvas.getContext("2d");
    const w = canvas.width;
    const h = canvas.height;
    const n = boundary.size;
    const [x0, x1, y0, y1] = boundary.extent;
    ctx.clearRect(0, 0, w, h);
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        ctx.fillStyle = probabilityColour(boundary.grid[row][col]);
        const top = h - ((row + 1) * h) / n;
        ctx.fillRect((col * w) / n, top, w / n + 1, h / n + 1);
      }
    }
    boundary.points.forEach((point, i) => {
      const px = ((point[0] - x0) / (x1 - x0)) * w;
      const py = h - ((point[1] - y0) / (y1 - y0)) * h;
      ctx.beginPath();
      ctx.arc(px, py, 4, 0, 2 * Math.PI);
      ctx.fillStyle = boundary.labels[i] === 1 ? "#d62728" : "#1f77b4";
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
    });
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

  function drawLoss(losses) {
    const svg = $("loss");
    while (svg.firstChild) {
      svg.removeChild(svg.firstChild);
    }
    const width = 480;
    const height = 260;
    const left = 60;
    const right = 15;
    const top = 15;
    const bottom = 30;
    svg.appendChild(svgElement("line", { x1: left, y1: height - bottom,
      x2: width - right, y2: height - bottom, stroke: "#888" }));
    svg.appendChild(svgElement("line", { x1: left, y1: top, x2: left,
      y2: height - bottom, stroke: "#888" }));
    if (losses.length === 0) {
      return;
    }
    const high = losses.reduce((a, b) => Math.max(a, b), 0) || 1;
    const stride = Math.max(1, Math.ceil(losses.length / 1000));
    const span = Math.max(1, losses.length - 1);
    const x = (i) => left + ((width - left - right) * i) / span;
    const y = (v) => height - bottom - ((height - top - bottom) * v) / high;
    const points = [];
    for (let i = 0; i < losses.length; i += stride) {
      points.push(x(i).toFixed(1) + "," + y(losses[i]).toFixed(1));
    }
    const last = losses.length - 1;
    points.push(x(last).toFixed(1) + "," + y(losses[last]).toFixed(1));
    svg.appendChild(svgElement("polyline", { points: points.join(" "),
      fill: "none", stroke: "#d62728", "stroke-width": 1.5 }));
    svg.appendChild(svgElement("text", { x: left - 6, y: top + 4,
      "text-anchor": "end", "font-size": 11 }, high.toPrecision(3)));
    svg.appendChild(svgElement("text", { x: left - 6, y: height - bottom,
      "text-anchor": "end", "font-size": 11 }, "0"));
    svg.appendChild(svgElement("text", { x: width - right, y: height - 8,
      "text-anchor": "end", "font-size": 11 }, "epoch " + losses.length));
  }

  $("graph-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = $("graph-form").elements;
    const query = new URLSearchParams({ expr: fields.expr.value,
      values: fields.values.value });
    $("graph-error").textContent = "";
    try {
      const response = await fetch("/api/graph?" + query.toString());
      if (!response.ok) {
        let message = "HTTP " + response.status;
        try {
          message = (await response.json()).error || message;
        } catch (err) {
          // keep the HTTP status as the message
        }
        $("graph-error").textContent = message;
        $("graph-out").replaceChildren();
        return;
      }
      const blob = new Blob([await response.text()], { type: "image/svg+xml" });
      const image = document.createElement("img");
      image.alt = "computation graph of " + fields.expr.value;
      image.src = URL.createObjectURL(blob);
      image.onload = () => URL.revokeObjectURL(image.src);
      $("graph-out").replaceChildren(image);
    } catch (err) {
      $("graph-error").textContent = "could not reach the server: " + err;
    }
  });

  drawLoss([]);
  poll();
})();
"""
