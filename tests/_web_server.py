"""A live ``minitorch serve`` on a free local port, for the web tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from minitorch.web.server import WebApp, WebServer


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
