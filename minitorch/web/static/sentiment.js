"use strict";
// Sentiment: score a sentence with the loaded CNN and show the n-grams behind it.
(function () {
  const { $, postJSON, fetchJSON, errorText, onShow } = window.MT;
  const form = $("sentiment-form");

  async function status() {
    const result = await fetchJSON("/api/sentiment/status");
    if (!result.ok) {
      return;
    }
    const s = result.body;
    $("sentiment-status").textContent = s.ready ? "Model: " + s.source : s.hint;
    $("sentiment-score").disabled = !s.ready;
    form.elements.sentence.maxLength = s.max_chars;
  }

  function show(answer) {
    const p = answer.probability;
    $("sentiment-answer").textContent = "P(positive) = " + p.toFixed(3) + " (" +
      (p > 0.5 ? "positive" : "negative") + ")";
    const box = $("sentiment-phrases");
    box.replaceChildren();
    for (const phrase of answer.phrases) {
      const span = document.createElement("span");
      span.className = "phrase";
      span.style.background = phrase.colour;
      span.dataset.share = String(phrase.share);
      // Light text on the deep ends of the scale, dark in its pale middle.
      const rgb = [1, 3, 5].map((i) => parseInt(phrase.colour.slice(i, i + 2), 16));
      const light = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] < 140;
      span.style.color = light ? "#ffffff" : "#111827";
      span.textContent = (phrase.share >= 0 ? "+" : "−") +
        Math.abs(phrase.share).toFixed(3) + "  " + phrase.text;
      box.appendChild(span);
    }
    $("sentiment-unknown").textContent = answer.unknown.length === 0 ? "" :
      "Words the model never saw (read as <unk>): " + answer.unknown.join(" ");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await postJSON("/api/sentiment/predict",
      { sentence: form.elements.sentence.value });
    if (!result.ok) {
      $("sentiment-error").textContent = errorText(result);
      return;
    }
    $("sentiment-error").textContent = "";
    show(result.body);
  });
  onShow("sentiment", status);
})();
