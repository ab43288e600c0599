"use strict";
// Backprop: the frames of the real backward walk, stepped with buttons, a slider
// and the arrow keys.
(function () {
  const { $, fetchJSON, errorText, onShow } = window.MT;
  const form = $("graph-form");
  const view = { frames: [], titles: [], captions: [], step: 0 };

  function show(step) {
    if (view.frames.length === 0) {
      return;
    }
    view.step = Math.max(0, Math.min(view.frames.length - 1, step));
    const doc = new DOMParser().parseFromString(view.frames[view.step], "image/svg+xml");
    $("graph-out").replaceChildren(document.importNode(doc.documentElement, true));
    $("step-slider").value = String(view.step);
    $("step-title").textContent = view.titles[view.step];
    $("step-caption").textContent = view.captions[view.step];
    $("step-prev").disabled = view.step === 0;
    $("step-next").disabled = view.step === view.frames.length - 1;
  }
  function clear(message) {
    view.frames = [];
    $("graph-error").textContent = message;
    $("graph-out").replaceChildren();
    $("step-caption").textContent = "";
    $("stepper").hidden = true;
  }

  async function run() {
    const query = new URLSearchParams({ expr: form.elements.expr.value,
      values: form.elements.values.value });
    try {
      const result = await fetchJSON("/api/backprop?" + query.toString());
      if (!result.ok) {
        clear(errorText(result));
        return;
      }
      $("graph-error").textContent = "";
      view.frames = result.body.frames;
      view.titles = result.body.titles;
      view.captions = result.body.captions;
      $("step-slider").max = String(view.frames.length - 1);
      $("stepper").hidden = false;
      show(0);
    } catch (err) {
      clear("could not reach the server: " + err);
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  $("step-prev").addEventListener("click", () => show(view.step - 1));
  $("step-next").addEventListener("click", () => show(view.step + 1));
  $("step-slider").addEventListener("input", () => show(Number($("step-slider").value)));
  $("panel-backprop").addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.tagName === "INPUT" && target.type !== "range") {
      return;  // arrows move the caret in text fields
    }
    if (target.type === "range") {
      return;  // the slider handles its own keys
    }
    const moves = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity };
    if (event.key in moves) {
      event.preventDefault();
      const delta = moves[event.key];
      show(Number.isFinite(delta) ? view.step + delta : delta < 0 ? 0 : view.frames.length - 1);
    }
  });
  onShow("backprop", run);
})();
