"""A live ``minitorch serve`` on a free local port, and the Chromium that drives it.

Used by the web tests and by ``docs/web_screenshots.py``.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from minitorch.web.server import WebApp, WebServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Headless and offline: no sandbox (containers), no GPU, no background requests.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def running_server() -> Iterator[WebServer]:
    """Serve a fresh ``WebApp`` in a thread; stop any job and the server on exit."""
    server = WebServer(("127.0.0.1", 0), WebApp())
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        job = server.app.trainer.job
        if job is not None:
            job.request_stop()
            job.join(10)
        server.shutdown()
        server.server_close()
        thread.join(5)
