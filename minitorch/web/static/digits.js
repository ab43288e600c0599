"use strict";
// Digits: draw a digit, see the CNN's ten probabilities; train one; its mistakes.
(function () {
  const { $, fetchJSON, postJSON, errorText, onShow, svgElement, intFields,
    COLOURS } = window.MT;
  const canvas = $("digit-canvas");
  const ctx = canvas.getContext("2d");
  const SIDE = 8;
  const view = { drawing: false, last: null, state: "", shownMistakes: "" };

  function clearCanvas() {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    drawProbs(null);
    $("digit-answer").textContent = "Probabilities of 0–9";
  }

  // The drawing shrunk to 8×8 cells of mean ink in [0, 1] (the data's scale).
  function pixels() {
    const image = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const cell = canvas.width / SIDE;
    const out = [];
    for (let row = 0; row < SIDE; row++) {
      for (let col = 0; col < SIDE; col++) {
        let ink = 0;
        for (let y = row * cell; y < (row + 1) * cell; y++) {
          for (let x = col * cell; x < (col + 1) * cell; x++) {
            ink += 255 - image[(y * canvas.width + x) * 4];
          }
        }
        out.push(Math.min(1, ink / (cell * cell * 255) * 1.6));
      }
    }
    return out;
  }

  function position(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width),
      (event.clientY - box.top) * (canvas.height / box.height)];
  }
  canvas.addEventListener("pointerdown", (event) => {
    view.drawing = true;
    view.last = position(event);
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!view.drawing) {
      return;
    }
    const point = position(event);
    ctx.strokeStyle = "#000000";
    ctx.lineWidth = 22;
    ctx.lineCap = "round";
    ctx.beginPath();
    ctx.moveTo(view.last[0], view.last[1]);
    ctx.lineTo(point[0], point[1]);
    ctx.stroke();
    view.last = point;
  });
  const finish = () => {
    if (view.drawing) {
      view.drawing = false;
      predict();
    }
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);
  $("digit-clear").addEventListener("click", clearCanvas);

  async function predict() {
    const result = await postJSON("/api/digits/predict", { pixels: pixels() });
    if (!result.ok) {
      $("digits-error").textContent = errorText(result);
      return;
    }
    $("digits-error").textContent = "";
    const probs = result.body.probabilities;
    drawProbs(probs);
    const best = probs.indexOf(Math.max(...probs));
    $("digit-answer").textContent = "The CNN reads a " + best + " (" +
      (100 * probs[best]).toFixed(1) + " %)";
  }

  function drawProbs(probs) {
    const svg = $("digit-probs");
    svg.replaceChildren();
    const bar = 30;
    for (let d = 0; d < 10; d++) {
      const p = probs ? probs[d] : 0;
      const h = 190 * p;
      const x = 15 + d * 34;
      svg.appendChild(svgElement("rect", { x: x, y: 205 - h, width: bar, height: h,
        fill: probs && p === Math.max(...probs) ? COLOURS.active : "#9ca3af",
        "data-digit": d }));
      svg.appendChild(svgElement("text", { x: x + bar / 2, y: 225,
        "text-anchor": "middle", "font-size": 13 }, String(d)));
    }
  }

  function gallery(mistakes) {
    const box = $("digits-mistakes");
    box.replaceChildren();
    if (mistakes.length === 0) {
      box.textContent = view.state === "ready" ? "No mistakes on the validation images." : "";
      return;
    }
    for (const m of mistakes) {
      const figure = document.createElement("figure");
      const small = document.createElement("canvas");
      small.width = SIDE;
      small.height = SIDE;
      const c = small.getContext("2d");
      const image = c.createImageData(SIDE, SIDE);
      m.pixels.forEach((v, i) => {
        const shade = Math.round(255 * (1 - v));
        image.data.set([shade, shade, shade, 255], i * 4);
      });
      c.putImageData(image, 0, 0);
      small.setAttribute("role", "img");
      small.setAttribute("aria-label", "a " + m.label + " read as " + m.predicted);
      figure.appendChild(small);
      const caption = document.createElement("figcaption");
      caption.textContent = m.label + " → " + m.predicted;
      figure.appendChild(caption);
      box.appendChild(figure);
    }
  }

  async function status() {
    const result = await fetchJSON("/api/digits/status");
    if (!result.ok) {
      return;
    }
    const s = result.body;
    view.state = s.state;
    const words = {
      empty: "No model yet: train a small CNN below (or start the server with --digits-run DIR).",
      training: "Training… " + s.progress,
      ready: "Model: " + s.source + (s.accuracy === null ? "" :
        " · validation accuracy " + (100 * s.accuracy).toFixed(1) + " %"),
      failed: s.progress,
    };
    $("digits-status").textContent = words[s.state];
    $("digits-train").disabled = s.state === "training";
    const key = s.state + s.source;
    if (key !== view.shownMistakes) {
      view.shownMistakes = key;
      gallery(s.mistakes);
    }
    if (s.state === "training") {
      setTimeout(status, 1000);
    }
  }

  $("digits-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await postJSON("/api/digits/train",
      intFields($("digits-form"), ["epochs", "limit", "seed"]));
    $("digits-error").textContent = result.ok ? "" : errorText(result);
    status();
  });
  clearCanvas();
  onShow("digits", status);
})();
