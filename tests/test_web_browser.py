"""Every page of ``minitorch serve`` driven in a real headless Chromium.

Each test loads the page, interacts like a learner (clicks, keys, mouse strokes)
and checks what is drawn; every test also fails on any console error. One browser
serves the whole module. Without Chromium (or Playwright) the tests skip.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from minitorch.train.digits import build_model
from minitorch.train.digits_config import DigitsConfig
from minitorch.web.server import WebServer

from ._web_server import CHROMIUM, CHROMIUM_FLAGS, running_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

HAVE_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or not HAVE_PLAYWRIGHT,
    reason="headless Chromium not found: apt-get install -y chromium "
    "(and pip install playwright)",
)
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def server() -> Iterator[WebServer]:
    with running_server() as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def refused() -> set[int]:
    """HTTP statuses a test provokes on purpose (Chromium logs each as an error)."""
    return set()


@pytest.fixture
def page(browser: Browser, server: WebServer, refused: set[int]) -> Iterator[Page]:
    """A fresh tab on the app; the test fails if the console logged an error."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(f"{m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.goto(server.url)
    try:
        yield page
    finally:
        context.close()
    expected = tuple(f"the server responded with a status of {c}" for c in refused)
    assert [e for e in errors if not any(x in e for x in expected)] == []


def inked(page: Page, canvas: str, colour: str) -> int:
    """How many pixels of ``canvas`` have the CSS variable ``colour``'s colour."""
    count: int = page.evaluate(
        """([id, name]) => {
          const c = document.getElementById(id);
          const hex = getComputedStyle(document.documentElement)
            .getPropertyValue('--' + name).trim();
          const n = parseInt(hex.slice(1), 16);
          const rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let k = 0;
          for (let i = 0; i < d.length; i += 4) {
            if (Math.abs(d[i] - rgb[0]) + Math.abs(d[i + 1] - rgb[1])
                + Math.abs(d[i + 2] - rgb[2]) < 12) { k++; }
          }
          return k;
        }""",
        [canvas, colour],
    )
    return count


def picture(page: Page, canvas: str) -> str:
    data: str = page.evaluate(f"document.getElementById('{canvas}').toDataURL()")
    return data


def test_tabs_switch_by_click_and_arrow_keys(page: Page) -> None:
    assert page.is_visible("#panel-datasets") and page.is_hidden("#panel-train")
    page.focus("#tab-datasets")
    page.keyboard.press("ArrowRight")
    assert page.is_visible("#panel-train") and page.is_hidden("#panel-datasets")
    assert page.evaluate("document.activeElement.id") == "tab-train"
    page.click("#tab-tensors")
    assert page.get_attribute("#tab-tensors", "aria-selected") == "true"
    # Every control carries a label.
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll('input, select'))
          .filter((e) => !e.closest('label') && !e.getAttribute('aria-label'))
          .map((e) => e.name || e.id)"""
    )
    assert unlabelled == []


def test_datasets_page_draws_the_chosen_points(page: Page, refused: set[int]) -> None:
    page.wait_for_selector("#datasets-canvas[data-points='50']")
    assert "Xor: 50 points" in page.inner_text("#datasets-caption")
    assert inked(page, "datasets-canvas", "class0") > 100
    assert inked(page, "datasets-canvas", "class1") > 100
    page.select_option("#datasets-form select[name=dataset]", "Simple")
    page.fill("#datasets-form input[name=pts]", "7")
    page.wait_for_selector("#datasets-canvas[data-points='7']")
    assert "Simple: 7 points" in page.inner_text("#datasets-caption")
    refused.add(400)
    page.fill("#datasets-form input[name=pts]", "0")
    page.wait_for_function(
        "document.getElementById('datasets-error').textContent.includes('pts')"
    )


def test_train_previews_runs_and_offers_downloads(
    page: Page, server: WebServer
) -> None:
    page.click("#tab-train")
    form = "#train-form"
    page.fill(f"{form} input[name=pts]", "12")
    page.fill(f"{form} input[name=hidden]", "3")
    page.fill(f"{form} input[name=epochs]", "25")
    # The data shows before Start.
    page.wait_for_function(
        "document.getElementById('regions').getContext('2d')"
        ".getImageData(0, 0, 360, 360).data.some((v, i) => i % 4 === 0 && v < 200)"
    )
    page.click("#start")
    page.wait_for_function(
        "document.getElementById('state').textContent.startsWith('completed')"
    )
    page.wait_for_function(
        "document.querySelectorAll('#epochs-table tbody tr').length === 25"
    )
    assert page.get_attribute("#progress", "value") == "25"
    assert page.inner_text("#epochs-table tbody tr:first-child td") == "25"
    page.wait_for_selector("#downloads:not([hidden])")
    assert inked(page, "regions", "class1") > 20
    metrics = page.request.get(server.url + "api/download/metrics.json")
    assert metrics.ok and json.loads(metrics.body())["epochs"] == 25
    model = page.request.get(server.url + "api/download/model.npz")
    assert model.ok and model.body()[:2] == b"PK"
    # A learning rate far too large diverges, and the page says what to do.
    page.fill(f"{form} input[name=lr]", "1e6")
    page.fill(f"{form} input[name=pts]", "40")
    page.fill(f"{form} input[name=epochs]", "200")
    page.click("#start")
    page.wait_for_function(
        "document.getElementById('state').textContent.startsWith('diverged')"
    )
    assert "Lower the learning rate" in page.inner_text("#message")


def test_train_stop_button(page: Page) -> None:
    page.click("#tab-train")
    page.fill("#train-form input[name=pts]", "100")
    page.fill("#train-form input[name=hidden]", "10")
    page.fill("#train-form input[name=epochs]", "1000")
    page.click("#start")
    page.wait_for_function("!document.getElementById('stop').disabled")
    page.wait_for_function(
        "/about .* left/.test(document.getElementById('remaining').textContent)"
    )
    page.click("#stop")
    page.wait_for_function(
        "document.getElementById('state').textContent.startsWith('interrupted')"
    )
    assert page.is_enabled("#start")


def test_backprop_steps_through_the_real_walk(page: Page, refused: set[int]) -> None:
    page.click("#tab-backprop")
    page.wait_for_selector("#graph-out svg")
    assert page.inner_text("#step-title") == "step 0 of 6: before backward"
    assert "waiting d = 1.000" in page.inner_text("#graph-out")
    assert page.is_disabled("#step-prev")
    page.click("#step-next")
    assert page.inner_text("#step-title") == "step 1 of 6"
    page.focus("#graph-out")
    page.keyboard.press("ArrowRight")
    assert page.inner_text("#step-title") == "step 2 of 6"
    page.keyboard.press("End")
    assert page.inner_text("#step-title") == "step 6 of 6"
    assert page.is_disabled("#step-next")
    assert "Done" in page.inner_text("#step-caption")
    page.evaluate(
        "const s = document.getElementById('step-slider'); s.value = '3';"
        "s.dispatchEvent(new Event('input'))"
    )
    assert page.inner_text("#step-title") == "step 3 of 6"
    # Red badges: the pending derivatives the lecture draws in red.
    reds = page.evaluate(
        "Array.from(document.querySelectorAll('#graph-out rect'))"
        ".filter((r) => r.getAttribute('fill') === '#dc2626').length"
    )
    assert reds >= 2  # the legend's swatch and at least one waiting badge
    # A bad expression clears the old picture.
    refused.add(400)
    page.fill("#graph-form input[name=expr]", "x +* y")
    page.click("#graph-form button[type=submit]")
    page.wait_for_function(
        "document.getElementById('graph-error').textContent.includes('column')"
    )
    assert page.query_selector("#graph-out svg") is None
    assert page.is_hidden("#stepper")
    page.fill("#graph-form input[name=expr]", "x/0")
    page.fill("#graph-form input[name=values]", "x=1")
    page.click("#graph-form button[type=submit]")
    page.wait_for_function(
        "document.getElementById('graph-error').textContent.includes('division')"
    )


def test_network_sliders_move_the_unit_and_redraw(page: Page) -> None:
    page.click("#tab-network")
    page.wait_for_selector("#parameter-tree li.hot")
    tree = page.inner_text("#parameter-tree")
    for name in ("unit1", "unit2", "unit3", "w_1", "w_2"):
        assert name in tree
    assert page.eval_on_selector_all("#parameter-tree li.hot", "e => e.length") == 3
    before = picture(page, "network-regions")
    hidden_before = picture(page, "network-before")
    bias = "#unit-sliders input[name=b]"
    start = float(page.input_value(bias))
    page.focus(bias)
    for _ in range(30):
        page.keyboard.press("ArrowRight")
    value = float(page.input_value(bias))
    assert value == pytest.approx(start + 1.5, abs=0.06)
    output = "#unit-sliders label:nth-child(3) output"
    page.wait_for_function(
        f"document.querySelector('{output}').textContent === '{value:.2f}'"
    )
    page.wait_for_function(
        f"document.getElementById('network-before').toDataURL() !== "
        f"{json.dumps(hidden_before)}"
    )
    assert picture(page, "network-regions") != before
    assert f"b = {value:.4f}" in page.inner_text("#parameter-tree")
    lecture = "#network-lecture img"
    page.wait_for_function(
        f"Array.from(document.querySelectorAll('{lecture}'))"
        ".every((i) => i.complete && i.naturalWidth > 100)"
    )
    assert page.eval_on_selector_all(lecture, "e => e.length") == 5
    page.select_option("#network-form select[name=unit]", "unit2")
    page.wait_for_function(
        "document.querySelectorAll('#parameter-tree li.hot')[0]"
        ".closest('ul').parentElement.textContent.startsWith('unit2')"
    )


def test_tensors_show_strides_storage_and_the_indexed_cell(
    page: Page, refused: set[int]
) -> None:
    page.click("#tab-tensors")
    page.wait_for_selector("#tensor-located")
    text = page.inner_text("#tensor-out")
    assert "strides (12, 4, 1)" in text and "strides (1, 12, 4)" in text
    assert "not contiguous" in text
    assert "storage position 9" in page.inner_text("#tensor-located")
    assert page.inner_text(".cell.hit").startswith("9")
    page.wait_for_selector("#tgraph-out svg .tgraph-node")
    # relu(a @ b).sum(): a, b, matmul, relu, sum and the four edges between them.
    assert (
        page.eval_on_selector_all("#tgraph-out svg .tgraph-node", "e => e.length") == 5
    )
    assert page.eval_on_selector_all("#tgraph-out svg line", "e => e.length") == 4
    assert "grad" in page.inner_text("#tgraph-out")
    page.fill("#tgraph-form input[name=expr]", "(a * b).sum()")
    page.fill("#tgraph-form input[name=b]", "2, 3")
    page.click("#tgraph-form button[type=submit]")
    page.wait_for_function(
        "document.querySelectorAll('#tgraph-out svg .tgraph-node').length === 4"
    )
    refused.add(400)
    page.fill("#tgraph-form input[name=expr]", "(a * b).sum(")
    page.click("#tgraph-form button[type=submit]")
    page.wait_for_function(
        "document.getElementById('tgraph-error').textContent.includes('column 13')"
    )
    assert page.eval_on_selector_all("#tgraph-out svg", "e => e.length") == 0
    page.fill("#tensor-form input[name=ops]", "permute(2, 0, 1); view(24)")
    page.click("#tensor-form button[type=submit]")
    page.wait_for_function(
        "document.getElementById('tensor-error').textContent.includes('contiguous')"
    )
    page.fill(
        "#tensor-form input[name=ops]", "permute(2, 0, 1); contiguous(); view(24)"
    )
    page.fill("#tensor-form input[name=index]", "5")
    page.click("#tensor-form button[type=submit]")
    page.wait_for_function(
        "document.getElementById('tensor-located') &&"
        "document.getElementById('tensor-located').textContent.includes('(5)')"
    )
    page.fill("#tensor-form input[name=ops]", "")
    page.fill("#tensor-form input[name=shape]", "3, 1")
    page.fill("#tensor-form input[name=broadcast]", "2, 3, 4")
    page.fill("#tensor-form input[name=index]", "1, 2, 3")
    page.click("#tensor-form button[type=submit]")
    page.wait_for_function(
        "document.getElementById('tensor-located').textContent"
        ".includes('reads tensor index (2, 0)')"
    )


def _install_small_digits_model(server: WebServer) -> None:
    """An untrained CNN on the simple backend, judged on a dozen random images."""
    config = DigitsConfig(channels=(2, 2), backend="simple").validated()
    rng = np.random.default_rng(0)
    images = rng.random((12, 8, 8))
    labels = np.arange(12, dtype=np.int64) % 10
    server.app.digits.install(build_model(config), "test model", images, labels)


def test_digits_drawing_gives_ten_probabilities(page: Page, server: WebServer) -> None:
    page.click("#tab-digits")
    page.wait_for_function(
        "document.getElementById('digits-status').textContent.includes('No model')"
    )
    _install_small_digits_model(server)
    page.reload()
    page.click("#tab-digits")
    page.wait_for_function(
        "document.getElementById('digits-status').textContent.includes('test model')"
    )
    assert page.eval_on_selector_all("#digits-mistakes figure", "e => e.length") > 0
    box = page.locator("#digit-canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 120, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 200, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "document.getElementById('digit-answer').textContent.startsWith('The CNN')"
    )
    heights: Any = page.evaluate(
        "Array.from(document.querySelectorAll('#digit-probs rect'))"
        ".map((r) => Number(r.getAttribute('height')))"
    )
    assert len(heights) == 10 and sum(heights) == pytest.approx(190, abs=0.5)


def test_sentiment_scores_a_typed_sentence_with_coloured_ngrams(
    page: Page, server: WebServer, sentiment_run: Path
) -> None:
    page.click("#tab-sentiment")
    page.wait_for_function(
        "document.getElementById('sentiment-status').textContent"
        ".includes('--sentiment-run')"
    )
    assert page.is_disabled("#sentiment-score")
    server.app.sentiment.load_run(sentiment_run)
    page.reload()
    page.click("#tab-sentiment")
    page.wait_for_function("!document.getElementById('sentiment-score').disabled")
    page.fill("#sentiment-form input[name=sentence]", "a truly great and moving film")
    page.click("#sentiment-score")
    page.wait_for_function(
        "document.getElementById('sentiment-answer').textContent"
        ".startsWith('P(positive) = ')"
    )
    phrases: Any = page.evaluate(
        "Array.from(document.querySelectorAll('#sentiment-phrases .phrase'))"
        ".map((e) => [e.textContent, Number(e.dataset.share),"
        " getComputedStyle(e).backgroundColor])"
    )
    assert phrases, "no n-grams shown"
    for text, share, background in phrases:
        red, _, blue = (int(v) for v in background[4:-1].split(","))
        assert (blue >= red) if share > 0 else (red >= blue), (text, background)
        assert any(w in text for w in ("truly", "great", "moving", "film", "a "))
