"use strict";
// Network: hand-set one first-layer unit of the lecture network and watch its
// line, the decision regions, and the data in hidden-unit coordinates.
(function () {
  const { $, postJSON, errorText, drawRegions, drawPoints, extentOf, onShow,
    intFields, debounce, COLOURS } = window.MT;
  const form = $("network-form");
  const sliders = Array.from($("unit-sliders").querySelectorAll("input"));
  const view = { overrides: {}, names: [], busy: false, again: false, figures: 0 };

  function request() {
    const values = intFields(form, ["pts", "seed"]);
    values.dataset = form.elements.dataset.value;
    values.unit = form.elements.unit.value;
    values.use_trained = form.elements.use_trained.checked;
    values.overrides = view.overrides;
    return values;
  }

  async function update() {
    if (view.busy) {
      view.again = true;  // only the latest state matters
      return;
    }
    view.busy = true;
    try {
      const result = await postJSON("/api/network", request());
      if (!result.ok) {
        $("network-error").textContent = errorText(result);
        return;
      }
      $("network-error").textContent = "";
      draw(result.body);
    } finally {
      view.busy = false;
      if (view.again) {
        view.again = false;
        update();
      }
    }
  }

  function reset() {
    view.overrides = {};
    update();
    lectureFigures();
  }

  // The lecture's own drawings of these weights (PNG, drawn by the server), one
  // request per picture; a newer set replaces an older one still arriving.
  async function lectureFigures() {
    const generation = ++view.figures;
    const images = Array.from($("network-lecture").querySelectorAll("img"));
    $("network-lecture-state").textContent = "drawing the lecture's pictures…";
    for (const image of images) {
      const response = await fetch("/api/network/figure", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign(request(), { figure: image.dataset.figure })),
      });
      if (generation !== view.figures) {
        return;
      }
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        $("network-lecture-state").textContent =
          errorText({ body: body, status: response.status });
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      if (image.src.startsWith("blob:")) {
        URL.revokeObjectURL(image.src);
      }
      image.src = url;
    }
    $("network-lecture-state").textContent = "";
  }

  function draw(answer) {
    const values = Object.fromEntries(answer.parameters);
    // A trained run brings its own data and size: show them, locked.
    for (const name of ["dataset", "pts", "seed"]) {
      if (answer.from_training) {
        form.elements[name].value = String(answer.config[name]);
      }
      form.elements[name].disabled = answer.from_training;
    }
    if (form.elements.use_trained.checked && !answer.from_training) {
      $("network-error").textContent =
        "No lecture-network run in the Train tab yet (network: lecture): " +
        "these are the seed's starting weights.";
    }
    view.names = answer.unit_names;
    const redrawFigures = debounce(lectureFigures, 250);
  sliders.forEach((slider, k) => {
      const value = values[view.names[k]];
      if (document.activeElement !== slider) {
        slider.value = String(value);
      }
      slider.nextElementSibling.textContent = value.toFixed(2);
      slider.setAttribute("aria-valuetext", value.toFixed(2));
    });
    const f = drawRegions($("network-regions"), answer.boundary);
    unitLine(f, answer.boundary.extent, values[view.names[0]], values[view.names[1]],
      values[view.names[2]]);
    const labels = answer.boundary.labels;
    const before = answer.hidden;
    const after = before.map((p) => [Math.max(0, p[0]), Math.max(0, p[1])]);
    const extent = extentOf(before.concat([[0, 0]]), 0.08, false);
    axes(drawPoints($("network-before"), before, labels, extent, true), extent);
    const extentAfter = extentOf(after.concat([[0, 0]]), 0.08, false);
    axes(drawPoints($("network-after"), after, labels, extentAfter, true), extentAfter);
    tree(answer.parameters, new Set(view.names));
  }

  function unitLine(f, extent, w0, w1, b) {
    const [x0, x1, y0, y1] = extent;
    const ends = [];
    if (Math.abs(w1) > 1e-12) {
      for (const x of [x0, x1]) {
        ends.push([x, -(w0 * x + b) / w1]);
      }
    } else if (Math.abs(w0) > 1e-12) {
      for (const y of [y0, y1]) {
        ends.push([-b / w0, y]);
      }
    }
    if (ends.length === 2) {
      f.ctx.save();
      f.ctx.setLineDash([6, 4]);
      f.ctx.lineWidth = 2;
      f.ctx.strokeStyle = COLOURS.active;
      f.ctx.beginPath();
      f.ctx.moveTo(f.px(ends[0][0]), f.py(ends[0][1]));
      f.ctx.lineTo(f.px(ends[1][0]), f.py(ends[1][1]));
      f.ctx.stroke();
      f.ctx.restore();
    }
  }

  function axes(f, extent) {
    f.ctx.save();
    f.ctx.strokeStyle = "#9ca3af";
    f.ctx.beginPath();
    f.ctx.moveTo(f.px(extent[0]), f.py(0));
    f.ctx.lineTo(f.px(extent[1]), f.py(0));
    f.ctx.moveTo(f.px(0), f.py(extent[2]));
    f.ctx.lineTo(f.px(0), f.py(extent[3]));
    f.ctx.stroke();
    f.ctx.restore();
  }

  function tree(parameters, hot) {
    const root = {};
    for (const [name, value] of parameters) {
      let node = root;
      const parts = name.split(".");
      for (const part of parts.slice(0, -1)) {
        node = node[part] = node[part] || {};
      }
      node[parts[parts.length - 1]] = { value: value, name: name };
    }
    const list = (node) => {
      const ul = document.createElement("ul");
      for (const [key, child] of Object.entries(node)) {
        const li = document.createElement("li");
        if (typeof child.value === "number" && child.name) {
          li.textContent = key + " = " + child.value.toFixed(4);
          if (hot.has(child.name)) {
            li.className = "hot";
          }
        } else {
          li.textContent = key;
          li.appendChild(list(child));
        }
        ul.appendChild(li);
      }
      return ul;
    };
    $("parameter-tree").replaceChildren(list(root));
  }

  form.addEventListener("change", (event) => {
    if (event.target.name === "unit") {
      update();  // the hand-set weights stay; the other unit gets the sliders
      return;
    }
    reset();
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); reset(); });
  const redrawFigures = debounce(lectureFigures, 250);
  sliders.forEach((slider, k) => {
    slider.addEventListener("input", () => {
      if (view.names.length === 3) {
        view.overrides[view.names[k]] = Number(slider.value);
        update();
      }
    });
    slider.addEventListener("change", redrawFigures);  // on release
  });
  onShow("network", reset);
})();
