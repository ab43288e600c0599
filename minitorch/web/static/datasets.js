"use strict";
// Datasets: the chosen dataset's points, redrawn as soon as a field changes.
(function () {
  const { $, fetchJSON, errorText, drawPoints, debounce, intFields } = window.MT;
  const form = $("datasets-form");

  async function show() {
    const values = intFields(form, ["pts", "seed"]);
    const query = new URLSearchParams({ name: form.elements.dataset.value,
      pts: values.pts, seed: values.seed });
    const result = await fetchJSON("/api/dataset?" + query.toString());
    const canvas = $("datasets-canvas");
    if (!result.ok) {
      $("datasets-error").textContent = errorText(result);
      canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
      $("datasets-caption").textContent = "";
      return;
    }
    $("datasets-error").textContent = "";
    const data = result.body;
    drawPoints(canvas, data.points, data.labels, [-0.05, 1.05, -0.05, 1.05], true);
    const ones = data.labels.filter((v) => v === 1).length;
    $("datasets-caption").textContent = data.name + ": " + data.points.length +
      " points, " + ones + " of class 1 (green), " + (data.points.length - ones) +
      " of class 0 (orange)";
    canvas.dataset.points = String(data.points.length);
  }
  const later = debounce(show, 150);
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", (event) => { event.preventDefault(); show(); });
  show();
})();
