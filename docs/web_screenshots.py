"""The README's screenshots of every page of ``minitorch serve`` (real app, real runs).

    PYTHONPATH=. .venv/bin/python docs/web_screenshots.py --sentiment-run DIR

Needs Playwright and the system's Chromium (``apt-get install -y chromium``).
Writes ``docs/img/web_<page>.png``; the Sentiment page only with a
``minitorch train sentiment`` run. ``--only`` retakes the pages that need no
training in the browser (datasets, tensors, sentiment).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests._web_server import CHROMIUM, CHROMIUM_FLAGS, running_server

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


def _train_to_the_end(page: Page) -> None:
    """Start the Train form's run and wait until it completes."""
    page.click("#start")
    page.wait_for_function(
        "document.getElementById('state').textContent.startsWith('completed')"
    )


def train(page: Page) -> None:
    """The Train page after 300 epochs; then a lecture-network run for Network."""
    page.click("#tab-train")
    page.fill("#train-form input[name=epochs]", "300")
    _train_to_the_end(page)
    page.wait_for_timeout(1500)
    shot(page, "train")
    page.select_option("#train-form select[name=network]", "lecture")
    page.select_option("#train-form select[name=dataset]", "Split")
    _train_to_the_end(page)


def backprop(page: Page) -> None:
    """The Backprop page three steps into the backward pass."""
    page.click("#tab-backprop")
    page.wait_for_selector("#graph-out svg")
    for _ in range(3):
        page.click("#step-next")
    shot(page, "backprop")


def network(page: Page) -> None:
    """The Network page starting from the trained lecture network."""
    page.click("#tab-network")
    page.check("#network-form input[name=use_trained]")
    page.wait_for_timeout(2500)
    shot(page, "network")


def digits(page: Page) -> None:
    """The Digits page: a CNN trained in the page reads a hand-drawn 7."""
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


# Every page in the order of a full run (Network starts from Train's last run).
PAGES = {
    "datasets": datasets,
    "train": train,
    "backprop": backprop,
    "network": network,
    "tensors": tensors,
    "digits": digits,
    "sentiment": sentiment,
}


def main() -> None:
    """Serve the app, drive each page as a learner would, and photograph it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentiment-run", help="a minitorch train sentiment run")
    parser.add_argument(
        "--only", nargs="+", choices=["datasets", "tensors", "sentiment"]
    )
    args = parser.parse_args()
    names = args.only or [n for n in PAGES if n != "sentiment" or args.sentiment_run]
    with running_server() as server, sync_playwright() as p:
        if args.sentiment_run:
            server.app.sentiment.load_run(args.sentiment_run)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 760})
        page.set_default_timeout(600_000)
        page.goto(server.url)
        for name in names:
            PAGES[name](page)
        browser.close()


if __name__ == "__main__":
    main()
