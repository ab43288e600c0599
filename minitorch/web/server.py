"""The HTTP side: routes to the page, the assets and the JSON API.

Every answer is built from memory (nothing is read from disk by path); every
request first passes the ``RequestGuard`` (Host, Origin, content type); bodies are
size-limited and must arrive whole within ``READ_TIMEOUT`` seconds; an unexpected
error is logged here and sent to the client as a plain 500 JSON message, never a
traceback.
"""

from __future__ import annotations

import json
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qs, urlsplit

from ..train.config import ConfigError, TrainConfig
from ..train.fit import FitResult, State
from ..train.run_checkpoint import MODEL, save_run_checkpoint
from ..train.runs import metrics_dict
from .assets import render_page, render_script, render_style
from .boundary import GRID_SIZE
from .digits_page import DigitsLab, pixels_of, quick_config
from .expression import (
    ExpressionError,
    backprop_slides,
    expression_svg,
    parse_values,
)
from .guard import MAX_BODY, HTTPError, RequestGuard, bad_request, parse_json
from .jobs import JobBusyError, Trainer
from .network_page import figure_png, network_payload
from .params import config_from_form
from .sandbox import dataset_payload, tensor_payload
from .sentiment_page import SentimentLab, sentence_of
from .tensor_graph import graph_payload

MAX_GRID = 80
# Seconds a client may take to send its request; a stalled one frees its thread.
READ_TIMEOUT = 5.0
# Pending connections the kernel queues while threads are busy (socketserver's 5
# dropped connections under 50 parallel clients, and each drop costs a 1 s retry).
LISTEN_BACKLOG = 256


@dataclass(frozen=True)
class Response:
    """A whole answer: status, content type and body."""

    body: bytes
    content_type: str = "application/json"
    status: HTTPStatus = HTTPStatus.OK
    filename: str | None = None  # offered as a download under this name


def json_response(value: Any, status: HTTPStatus = HTTPStatus.OK) -> Response:
    """``value`` as a JSON answer."""
    return Response(json.dumps(value).encode(), "application/json", status)


Query = dict[str, list[str]]


class WebApp:
    """The routes and the state behind them (a trainer, digits and sentiment labs)."""

    def __init__(self) -> None:
        self.trainer = Trainer()
        self.digits = DigitsLab()
        self.sentiment = SentimentLab()
        page = render_page().encode()
        script = render_script().encode()
        style = render_style().encode()
        self.get_routes: dict[str, Callable[[Query], Response]] = {
            "/": lambda _: Response(page, "text/html; charset=utf-8"),
            "/app.js": lambda _: Response(script, "text/javascript; charset=utf-8"),
            "/style.css": lambda _: Response(style, "text/css; charset=utf-8"),
            "/api/status": self.status,
            "/api/boundary": self.boundary,
            "/api/graph": self.graph,
            "/api/backprop": self.backprop,
            "/api/dataset": self.dataset,
            "/api/digits/status": lambda _: json_response(self.digits.status()),
            "/api/sentiment/status": lambda _: json_response(self.sentiment.status()),
            "/api/download/model.npz": self.download_model,
            "/api/download/metrics.json": self.download_metrics,
        }
        self.post_routes: dict[str, Callable[[bytes], Response]] = {
            "/api/train": self.train,
            "/api/stop": lambda _: json_response(self.trainer.stop()),
            "/api/network": self.network,
            "/api/network/figure": self.network_figure,
            "/api/tensor": lambda body: json_response(tensor_payload(parse_json(body))),
            "/api/tensor/graph": lambda body: json_response(
                graph_payload(parse_json(body))
            ),
            "/api/digits/train": self.digits_train,
            "/api/digits/predict": self.digits_predict,
            "/api/sentiment/predict": lambda body: json_response(
                self.sentiment.predict(sentence_of(parse_json(body)))
            ),
        }

    def dataset(self, query: Query) -> Response:
        """``GET /api/dataset?name=D&pts=N&seed=S``: the points and labels."""
        return json_response(
            dataset_payload(
                _str_param(query, "name"),
                _int_param(query, "pts", 50, 1),
                _int_param(query, "seed", 0, 0, 2**31),
            )
        )

    def backprop(self, query: Query) -> Response:
        """``GET /api/backprop?expr=E&values=…``: one SVG per backward step."""
        try:
            values = parse_values(_str_param(query, "values"))
            slides = backprop_slides(_str_param(query, "expr"), values)
        except (ExpressionError, ValueError, ArithmeticError, RecursionError) as e:
            raise bad_request(one_line(e)) from None
        return json_response(slides)

    def _lecture_run(self) -> tuple[State, TrainConfig] | None:
        """The Train tab's last lecture-network weights and config, if any."""
        job = self.trainer.job
        weights = job.weights() if job is not None else None
        if (
            job is None
            or weights is None
            or job.config.model != "scalar"
            or job.config.network != "lecture"
        ):
            return None
        return weights, job.config

    def network(self, body: bytes) -> Response:
        """``POST /api/network``: the Network page's pictures for hand-set weights."""
        return json_response(network_payload(parse_json(body), self._lecture_run()))

    def network_figure(self, body: bytes) -> Response:
        """``POST /api/network/figure``: one lecture drawing of those weights (PNG)."""
        png = figure_png(parse_json(body), self._lecture_run())
        return Response(png, "image/png")

    def digits_train(self, body: bytes) -> Response:
        """``POST /api/digits/train``: train a small CNN in the background."""
        self.digits.train(quick_config(parse_json(body)))
        return json_response(self.digits.status(), HTTPStatus.ACCEPTED)

    def digits_predict(self, body: bytes) -> Response:
        """``POST /api/digits/predict`` with 64 pixels: the ten probabilities."""
        probabilities = self.digits.predict(pixels_of(parse_json(body)))
        return json_response({"probabilities": probabilities})

    def _finished_run(self) -> FitResult:
        job = self.trainer.job
        result = job.result() if job is not None else None
        if result is None:
            raise HTTPError(HTTPStatus.CONFLICT, "no finished training run yet")
        return result

    def download_model(self, _: Query) -> Response:
        """``GET /api/download/model.npz``: the last finished run's checkpoint."""
        result = self._finished_run()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / MODEL
            save_run_checkpoint(result, result.config, path)
            data = path.read_bytes()
        return Response(data, "application/octet-stream", filename=MODEL)

    def download_metrics(self, _: Query) -> Response:
        """``GET /api/download/metrics.json``: the last finished run's metrics."""
        text = json.dumps(metrics_dict(self._finished_run()), indent=2)
        return Response(text.encode(), "application/json", filename="metrics.json")

    def status(self, query: Query) -> Response:
        """``GET /api/status[?since=K]``: the job's state and losses after epoch K."""
        return json_response(self.trainer.status(_int_param(query, "since", 0, 0)))

    def boundary(self, query: Query) -> Response:
        """``GET /api/boundary[?size=N]``: the job's decision regions and points."""
        size = _int_param(query, "size", GRID_SIZE, 2, MAX_GRID)
        job = self.trainer.job
        if job is None:
            raise HTTPError(HTTPStatus.CONFLICT, "no training job yet; start one")
        return json_response(job.boundary(size))

    def graph(self, query: Query) -> Response:
        """``GET /api/graph?expr=E[&values=x=1,y=2]``: the SVG after backward."""
        text = _str_param(query, "expr")
        try:
            values = parse_values(_str_param(query, "values"))
            svg = expression_svg(text, values)
        except (ExpressionError, ValueError, ArithmeticError, RecursionError) as e:
            raise bad_request(one_line(e)) from None
        return Response(svg.encode(), "image/svg+xml; charset=utf-8")

    def train(self, body: bytes) -> Response:
        """``POST /api/train`` with the form as JSON: start a job (409 if one runs)."""
        try:
            job = self.trainer.start(config_from_form(parse_json(body)))
        except ConfigError as e:
            raise HTTPError(HTTPStatus.BAD_REQUEST, str(e)) from None
        except JobBusyError as e:
            raise HTTPError(HTTPStatus.CONFLICT, str(e)) from None
        return json_response(job.status(), HTTPStatus.ACCEPTED)


def one_line(error: BaseException) -> str:
    """A short one-line message for ``error`` (maths errors say what failed)."""
    # The parser's errors add the text and a caret on further lines: keep the first.
    lines = str(error).strip().splitlines()
    text = lines[0].removeprefix("error: ")[:200] if lines else type(error).__name__
    if isinstance(error, ArithmeticError | RecursionError) or text in (
        "math domain error",
        "math range error",
    ):
        return f"cannot evaluate the expression: {text}"
    return text


def _str_param(query: Query, name: str) -> str:
    values = query.get(name)
    return values[-1] if values else ""


def _int_param(
    query: Query, name: str, default: int, low: int, high: int | None = None
) -> int:
    raw = _str_param(query, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise bad_request(f"{name} must be {bound}, got {value}")
    return value


def make_handler(app: WebApp, server: WebServer) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to ``app`` behind ``server``'s guard."""

    class Handler(BaseHTTPRequestHandler):
        """Dispatches GET, HEAD and POST to ``app``'s routes; answers JSON on errors."""

        server_version = "minitorch"
        sys_version = ""
        timeout = READ_TIMEOUT

        def do_GET(self) -> None:
            """Answer a GET."""
            self._answer(lambda path, query: self._get(path, query))

        def do_HEAD(self) -> None:
            """Answer a HEAD: the GET's status and headers without the body."""
            self._answer(lambda path, query: self._get(path, query), body=False)

        def do_POST(self) -> None:
            """Answer a POST."""
            self._answer(lambda path, _: self._post(path))

        def _get(self, path: str, query: Query) -> Response:
            route = app.get_routes.get(path)
            if route is None:
                self._unknown(path, app.post_routes)
            return route(query)

        def _post(self, path: str) -> Response:
            route = app.post_routes.get(path)
            if route is None:
                self._unknown(path, app.get_routes)
            return route(self._body())

        def _unknown(self, path: str, other_method: dict[str, Any]) -> NoReturn:
            if path in other_method:
                raise HTTPError(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    f"{path} does not take {self.command}",
                )
            raise HTTPError(HTTPStatus.NOT_FOUND, f"no such page: {path}")

        def _body(self) -> bytes:
            if "Transfer-Encoding" in self.headers:
                raise HTTPError(
                    HTTPStatus.LENGTH_REQUIRED,
                    "send the body with a Content-Length, not a Transfer-Encoding",
                )
            raw = self.headers.get("Content-Length")
            if raw is None:
                raise HTTPError(HTTPStatus.LENGTH_REQUIRED, "Content-Length is missing")
            digits = raw.strip()
            if not (digits.isascii() and digits.isdigit()):
                raise HTTPError(
                    HTTPStatus.BAD_REQUEST, f"bad Content-Length header {raw[:20]!r}"
                )
            if len(digits) > 9 or int(digits) > MAX_BODY:
                raise HTTPError(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    f"request bodies are limited to {MAX_BODY} bytes, "
                    f"got {digits[:20]}",
                )
            length = int(digits)
            try:
                body = self.rfile.read(length)
            except TimeoutError:
                body = b""
            if len(body) != length:
                raise HTTPError(
                    HTTPStatus.BAD_REQUEST,
                    f"the body was cut short: {len(body)} of {length} bytes arrived",
                )
            return body

        def _answer(
            self, route: Callable[[str, Query], Response], body: bool = True
        ) -> None:
            parts = urlsplit(self.path)
            try:
                server.guard.check(
                    self.command,
                    self.headers.get("Host"),
                    self.headers.get("Origin"),
                    self.headers.get("Sec-Fetch-Site"),
                    self.headers.get("Content-Type"),
                )
                response = route(parts.path, parse_qs(parts.query))
            except HTTPError as e:
                if self.command == "POST":
                    self.close_connection = True  # an unread body may stay behind
                response = json_response({"error": e.message}, e.status)
            except Exception:
                print(f"error answering {self.command} {self.path}:", file=sys.stderr)
                traceback.print_exc()
                response = json_response(
                    {"error": "internal server error (details in the server log)"},
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                )
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            if response.filename is not None:
                self.send_header(
                    "Content-Disposition", f'attachment; filename="{response.filename}"'
                )
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if body:
                self.wfile.write(response.body)

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Log failed requests only: the page polls several times a second."""
            if isinstance(code, int) and code >= HTTPStatus.BAD_REQUEST:
                super().log_request(code, size)

    return Handler


class WebServer(ThreadingHTTPServer):
    """A threading HTTP server for ``app``; request threads never block shutdown."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], app: WebApp) -> None:
        self.app = app
        super().__init__(address, make_handler(app, self))
        self.guard = RequestGuard(address[0], int(self.server_address[1]))

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Say nothing when a client went away mid-answer; log anything else."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        host, port = self.server_address[:2]
        shown = host if isinstance(host, str) else host.decode()
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{port}/"
