"use strict";
// Train: the form, live status, loss curve, decision regions, per-epoch table.
(function () {
  const { $, fetchJSON, postJSON, errorText, drawRegions, drawPoints, debounce,
    svgElement, intFields, COLOURS } = window.MT;
  const POLL_MS = 250;
  const IDLE_POLL_MS = 1000;
  const BOUNDARY_MS = 500;
  const TABLE_ROWS = 500;
  const form = $("train-form");
  const view = { job: null, state: "idle", losses: [], corrects: [], boundaryKey: "",
    boundaryBusy: false, boundaryAt: 0, previewed: false };

  function formValues() {
    const values = intFields(form, ["pts", "hidden", "lr", "epochs", "seed"]);
    for (const name of ["model", "dataset", "optimizer", "backend", "network"]) {
      values[name] = form.elements[name].value;
    }
    if (values.model === "scalar") {
      delete values.backend;
    } else {
      delete values.network;
    }
    return values;
  }
  // The backend is for tensors, the network choice for scalars; the lecture
  // network has exactly two hidden units.
  function syncBackend() {
    const scalar = form.elements.model.value === "scalar";
    const lecture = scalar && form.elements.network.value === "lecture";
    form.elements.backend.disabled = scalar;
    form.elements.network.disabled = !scalar;
    if (lecture) {
      form.elements.hidden.value = "2";
    }
    form.elements.hidden.disabled = lecture;
  }

  async function preview() {
    if (view.state === "running") {
      return;
    }
    const values = formValues();
    const query = new URLSearchParams({ name: values.dataset, pts: values.pts,
      seed: values.seed });
    const result = await fetchJSON("/api/dataset?" + query.toString());
    if (result.ok && view.state !== "running") {
      drawPoints($("regions"), result.body.points, result.body.labels,
        [-0.05, 1.05, -0.05, 1.05], true);
      view.previewed = true;
      view.boundaryKey = "preview";
    }
  }
  const previewLater = debounce(preview, 200);
  form.elements.model.addEventListener("change", syncBackend);
  form.elements.network.addEventListener("change", syncBackend);
  form.addEventListener("input", previewLater);
  form.addEventListener("change", previewLater);
  syncBackend();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $("message").textContent = "";
    try {
      const result = await postJSON("/api/train", formValues());
      if (!result.ok) {
        $("message").textContent = errorText(result);
        return;
      }
      showStatus(result.body);
    } catch (err) {
      $("message").textContent = "could not reach the server: " + err;
    }
  });
  $("stop").addEventListener("click", async () => {
    try {
      const result = await postJSON("/api/stop", {});
      if (!result.ok) {
        $("message").textContent = errorText(result);
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

  function seconds(s) {
    if (s < 90) {
      return s.toFixed(1) + " s";
    }
    return Math.floor(s / 60) + " min " + Math.round(s % 60) + " s";
  }

  function showStatus(status) {
    if (status.job !== view.job) {
      view.job = status.job;
      view.losses = [];
      view.corrects = [];
      view.boundaryKey = "";
      $("epochs-table").tBodies[0].replaceChildren();
      if (status.since !== 0) {
        return;  // the next poll asks for the whole history of the new job
      }
    }
    if (status.since === view.losses.length) {
      const start = view.losses.length;
      view.losses = view.losses.concat(status.losses);
      view.corrects = view.corrects.concat(status.corrects);
      addRows(start, status.total);
    }
    view.state = status.state;
    const running = status.state === "running";
    $("start").disabled = running;
    $("stop").disabled = !running;
    $("state").textContent = status.state +
      (status.epochs ? " (" + status.epoch + "/" + status.epochs + " epochs)" : "");
    $("progress").max = Math.max(status.epochs, 1);
    $("progress").value = status.epoch;
    $("elapsed").textContent = status.job ? seconds(status.elapsed) : "";
    const left = running && status.seconds_per_epoch !== null ?
      status.seconds_per_epoch * (status.epochs - status.epoch) : null;
    $("remaining").textContent = left === null ? "" : "· about " + seconds(left) + " left";
    if (status.line) {
      $("line").textContent = status.line;
    }
    if (status.error) {
      $("message").textContent = status.error;
    }
    $("downloads").hidden = !status.job || running || status.state === "failed";
    drawLoss(view.losses);
    if (status.job) {
      maybeFetchBoundary(status);
    } else if (!view.previewed) {
      preview();
    }
  }

  function addRows(start, total) {
    const body = $("epochs-table").tBodies[0];
    for (let i = start; i < view.losses.length; i++) {
      const row = document.createElement("tr");
      for (const text of [String(i + 1), view.losses[i].toFixed(6),
        view.corrects[i] + "/" + total]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.appendChild(cell);
      }
      body.insertBefore(row, body.firstChild);
    }
    while (body.rows.length > TABLE_ROWS) {
      body.deleteRow(body.rows.length - 1);
    }
  }

  function maybeFetchBoundary(status) {
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
        drawRegions($("regions"), result.body);
        view.boundaryKey = key;
      }
    }).catch(() => {}).finally(() => {
      view.boundaryBusy = false;
    });
  }

  function drawLoss(losses) {
    const svg = $("loss");
    svg.replaceChildren();
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
      fill: "none", stroke: COLOURS.active, "stroke-width": 1.5 }));
    svg.appendChild(svgElement("text", { x: left - 6, y: top + 4,
      "text-anchor": "end", "font-size": 11 }, high.toPrecision(3)));
    svg.appendChild(svgElement("text", { x: left - 6, y: height - bottom,
      "text-anchor": "end", "font-size": 11 }, "0"));
    svg.appendChild(svgElement("text", { x: width - right, y: height - 8,
      "text-anchor": "end", "font-size": 11 }, "epoch " + losses.length));
  }

  drawLoss([]);
  poll();
})();
