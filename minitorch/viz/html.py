"""One self-contained HTML page stepping through SVG frames.

Everything is inline (SVG, CSS, script): the page opens from disk with no network.
A slider, previous/next buttons and the arrow keys move between frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

_CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #111827; }
.controls { display: flex; gap: .75rem; align-items: center; margin: .75rem 0; }
.controls input[type=range] { flex: 1; max-width: 40rem; }
figure { margin: 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
.rule { color: #4b5563; }
"""

_SCRIPT = """
(function () {
  const frames = document.querySelectorAll("figure.frame");
  const slider = document.getElementById("step");
  const counter = document.getElementById("counter");
  let current = 0;
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    frames.forEach((f, i) => { f.hidden = i !== current; });
    slider.value = current;
    counter.textContent = frames[current].dataset.title;
  }
  slider.addEventListener("input", () => show(Number(slider.value)));
  document.getElementById("prev").addEventListener("click", () => show(current - 1));
  document.getElementById("next").addEventListener("click", () => show(current + 1));
  document.addEventListener("keydown", (e) => {
    if (e.key === "ArrowLeft") { show(current - 1); e.preventDefault(); }
    if (e.key === "ArrowRight") { show(current + 1); e.preventDefault(); }
  });
  show(0);
})();
"""


def render_html(
    title: str, rule: str, svgs: Sequence[str], titles: Sequence[str]
) -> str:
    """A page showing ``svgs`` one at a time; ``titles`` name each in the counter.

    ``rule`` is a sentence under the heading explaining how frames are numbered.
    """
    if len(svgs) != len(titles):
        raise ValueError(f"{len(svgs)} frames but {len(titles)} titles")
    figures = "\n".join(
        f'<figure class="frame" data-step="{k}" data-title="{escape(t, quote=True)}"'
        f"{' hidden' if k else ''}>\n{svg}</figure>"
        for k, (svg, t) in enumerate(zip(svgs, titles, strict=True))
    )
    last = max(len(svgs) - 1, 0)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{escape(title)}</h1>
<p class="rule">{escape(rule)}</p>
<div class="controls">
<button type="button" id="prev">&#9664; previous</button>
<input type="range" id="step" min="0" max="{last}" value="0" aria-label="step">
<button type="button" id="next">next &#9654;</button>
<span id="counter"></span>
</div>
{figures}
<script>{_SCRIPT}</script>
</body>
</html>
"""
