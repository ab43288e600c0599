"""The README's screenshots of every page of ``minitorch serve`` (real app, real runs).

    PYTHONPATH=. .venv/bin/python docs/web_screenshots.py --sentiment-run DIR

Needs Playwright and the system's Chromium (``apt-get install -y chromium``).
Writes ``docs/img/web_<page>.png``; the Sentiment page only with a
``minitorch train sentiment`` run. ``--only`` retakes the pages that need no
training in the browser (datasets, tensors, sentiment).
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from minitorch.web.server import WebApp, WebServer
from tests._web_server import CHROMIUM, CHROMIUM_FLAGS

OUT = Path(__file__).resolve().parent / "img"


def shot(page: Page, name: str) -> None:
    """Save what the browser shows as ``docs/img/web_<name>.png``."""
    path = OUT / f"web_{name}.png"
    page.screenshot(path=str(path), full_page=False)
    print(f"wrote {path}")


def datasets(page: Page) -> None:
    """The Datasets page showing 120 points of Spiral."""
    page.click("#tab-datasets")
    page.select_option("#datasets-form select[name=dataset]", "Spiral")
    page.fill("#datasets-form input[name=pts]", "120")
    page.wait_for_selector("#datasets-canvas[data-points='120']")
    shot(page, "datasets")


def tensors(page: Page) -> None:
    """The Tensors page with its layout and the default expression's graph."""
    page.click("#tab-tensors")
    page.wait_for_selector("#tensor-located")
    page.fill("#tensor-form input[name=shape]", "2, 3")
    page.fill("#tensor-form input[name=ops]", "permute(1, 0)")
    page.fill("#tensor-form input[name=index]", "2, 1")
    page.click("#tensor-form button[type=submit]")
    page.wait_for_function(
        "document.getElementById('tensor-located').textContent.includes('(2, 1)')"
    )
    page.wait_for_selector("#tgraph-out svg .tgraph-node")
    size = page.viewport_size
    page.set_viewport_size({"width": 1100, "height": 880})
    shot(page, "tensors")
    if size is not None:
        page.set_viewport_size(size)


def sentiment(page: Page) -> None:
    """The Sentiment page scoring its default sentence."""
    page.click("#tab-sentiment")
    page.wait_for_function("!document.getElementById('sentiment-score').disabled")
    page.click("#sentiment-score")
    page.wait_for_selector("#sentiment-phrases .phrase")
    shot(page, "sentiment")


def main() -> None:
    """Serve the app, drive each page as a learner would, and photograph it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentiment-run", help="a minitorch train sentiment run")
    parser.add_argument(
        "--only", nargs="+", choices=["datasets", "tensors", "sentiment"]
    )
    args = parser.parse_args()
    app = WebApp()
    if args.sentiment_run:
        app.sentiment.load_run(args.sentiment_run)
    server = WebServer(("127.0.0.1", 0), app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 760})
        page.set_default_timeout(600_000)
        page.goto(server.url)
        if args.only:
            for name in args.only:
                {"datasets": datasets, "tensors": tensors, "sentiment": sentiment}[
                    name
                ](page)
            browser.close()
            server.shutdown()
            return
        datasets(page)

        page.click("#tab-train")
        page.fill("#train-form input[name=epochs]", "300")
        page.click("#start")
        page.wait_for_function(
            "document.getElementById('state').textContent.startsWith('completed')"
        )
        page.wait_for_timeout(1500)
        shot(page, "train")

        # A run of the lecture network for the Network page to start from.
        page.select_option("#train-form select[name=network]", "lecture")
        page.select_option("#train-form select[name=dataset]", "Split")
        page.click("#start")
        page.wait_for_function(
            "document.getElementById('state').textContent.startsWith('completed')"
        )

        page.click("#tab-backprop")
        page.wait_for_selector("#graph-out svg")
        for _ in range(3):
            page.click("#step-next")
        shot(page, "backprop")

        page.click("#tab-network")
        page.check("#network-form input[name=use_trained]")
        page.wait_for_timeout(2500)
        shot(page, "network")

        tensors(page)

        page.click("#tab-digits")
        page.click("#digits-train")
        page.wait_for_function(
            "document.getElementById('digits-status').textContent.startsWith('Model')"
        )
        box = page.locator("#digit-canvas").bounding_box()
        assert box is not None
        x, y = box["x"], box["y"]
        page.mouse.move(x + 70, y + 50)
        page.mouse.down()
        for px, py in ((170, 50), (110, 200)):
            page.mouse.move(x + px, y + py, steps=10)
        page.mouse.up()
        page.wait_for_function(
            "document.getElementById('digit-answer').textContent.startsWith('The CNN')"
        )
        shot(page, "digits")
        if args.sentiment_run:
            sentiment(page)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
