"""``minitorch serve``: the web app's page and JSON API, over real HTTP on port 0."""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from minitorch.checkpoint import load_arrays
from minitorch.cli import main
from minitorch.datasets import datasets
from minitorch.lecture_network import PARAMETER_NAMES
from minitorch.train.config import TrainConfig
from minitorch.train.fit import fit
from minitorch.web.guard import MAX_BODY
from minitorch.web.server import Response, WebServer

from ._web_server import running_server

TINY = {"model": "scalar", "dataset": "Xor", "pts": 8, "hidden": 2, "epochs": 5}
LONG = {**TINY, "pts": 20, "epochs": 100_000}


class Client:
    """A tiny HTTP client for one server."""

    def __init__(self, server: WebServer) -> None:
        self.server = server
        self.base = server.url

    def request(
        self, path: str, body: bytes | None = None, method: str | None = None
    ) -> tuple[int, str, bytes]:
        req = urllib.request.Request(self.base + path.lstrip("/"), body, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.headers["Content-Type"], r.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers["Content-Type"], e.read()

    def json(
        self, path: str, body: object = None, method: str | None = None
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        status, content_type, raw = self.request(path, data, method)
        assert content_type == "application/json"
        return status, json.loads(raw)

    def wait_until_finished(self, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            _, status = self.json("/api/status")
            if status["state"] != "running":
                return dict(status)
            time.sleep(0.05)
        raise AssertionError("the job did not finish in time")


@pytest.fixture
def client() -> Iterator[Client]:
    with running_server() as server:
        yield Client(server)


def test_page_has_both_forms_and_its_assets(client: Client) -> None:
    status, content_type, page = client.request("/")
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    html = page.decode()
    assert 'id="train-form"' in html and 'id="graph-form"' in html
    for name in (*datasets, "scalar", "tensor", "adam", "epochs", "lr"):
        assert f'"{name}"' in html
    assert "http" not in html.replace("http://www.w3.org", "")  # nothing external
    status, content_type, script = client.request("/app.js")
    assert status == 200 and content_type.startswith("text/javascript")
    assert b"/api/status" in script and b"/api/boundary" in script
    status, content_type, _ = client.request("/style.css")
    assert status == 200 and content_type.startswith("text/css")


def test_idle_status_before_any_job(client: Client) -> None:
    status, body = client.json("/api/status")
    assert status == 200 and body["state"] == "idle" and body["losses"] == []
    assert client.json("/api/boundary")[0] == 409


def test_tiny_job_runs_to_completion(client: Client) -> None:
    status, started = client.json("/api/train", TINY)
    assert status == 202 and started["state"] in ("running", "completed")
    body = client.wait_until_finished()
    assert body["state"] == "completed"
    assert (body["epoch"], body["epochs"], body["total"]) == (5, 5, 8)
    assert len(body["losses"]) == 5 and all(math.isfinite(v) for v in body["losses"])
    assert 0 <= body["correct"] <= 8 and body["elapsed"] >= 0
    assert body["line"] == (
        f"Epoch 5 loss {body['losses'][-1]:.6f} correct {body['correct']}/8"
    )
    assert body["config"]["hidden"] == 2 and body["error"] is None
    _, tail = client.json("/api/status?since=3")
    assert tail["since"] == 3 and tail["losses"] == body["losses"][3:]


def test_boundary_grid_shape_and_range(client: Client) -> None:
    client.json("/api/train", TINY)
    client.wait_until_finished()
    status, body = client.json("/api/boundary?size=7")
    assert status == 200 and body["size"] == 7 and body["epoch"] == 5
    assert len(body["grid"]) == 7 and all(len(row) == 7 for row in body["grid"])
    assert all(0.0 <= p <= 1.0 for row in body["grid"] for p in row)
    assert len(body["points"]) == 8 and set(body["labels"]) <= {0, 1}
    x0, x1, y0, y1 = body["extent"]
    assert x0 < 0 < 1 < x1 and y0 < 0 < 1 < y1
    assert len(client.json("/api/boundary")[1]["grid"]) == 40
    assert client.json("/api/boundary?size=abc")[0] == 400
    assert client.json("/api/boundary?size=1000")[0] == 400


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({**TINY, "pts": 0}, "pts must be a positive integer"),
        ({**TINY, "dataset": "Moons"}, "unknown dataset 'Moons'"),
        ({**TINY, "lr": -1}, "learning rate must be positive"),
        ({**TINY, "model": "cnn"}, "unknown model family 'cnn'"),
        ({**TINY, "backend": "fast"}, "no tensor backend"),
        ({**TINY, "colour": "red"}, "unknown fields ['colour']"),
        ({**TINY, "seed": "one"}, "seed must be an integer"),
        ({**TINY, "epochs": 10**9}, "epochs must be at most"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_parameters_are_400_with_the_reason(
    client: Client, form: object, message: str
) -> None:
    status, body = client.json("/api/train", form)
    assert status == 400 and message in body["error"]
    assert client.json("/api/status")[1]["state"] == "idle"


def test_body_that_is_not_json_is_400(client: Client) -> None:
    status, _, raw = client.request("/api/train", b"{not json")
    assert status == 400 and b"not valid JSON" in raw


def test_second_job_is_409_and_stop_interrupts_the_first(client: Client) -> None:
    assert client.json("/api/train", LONG)[0] == 202
    status, body = client.json("/api/train", TINY)
    assert status == 409 and "still running" in body["error"]
    time.sleep(0.2)
    assert client.json("/api/stop", {})[0] == 200
    stopped = client.wait_until_finished()
    assert stopped["state"] == "interrupted"
    assert 0 < stopped["epoch"] < stopped["epochs"] == 100_000
    assert len(stopped["losses"]) == stopped["epoch"]
    boundary = client.json("/api/boundary?size=3")[1]
    assert boundary["epoch"] == stopped["epoch"]
    # Once stopped, a new job may start.
    assert client.json("/api/train", TINY)[0] == 202
    assert client.wait_until_finished()["state"] == "completed"


def test_boundary_while_training_reads_whole_epochs(client: Client) -> None:
    client.json("/api/train", LONG)
    first = client.json("/api/boundary?size=4")[1]
    second = client.json("/api/boundary?size=4")[1]
    assert first["job"] == second["job"] == 1
    assert second["epoch"] >= first["epoch"]
    assert client.json("/api/status")[1]["state"] == "running"
    client.json("/api/stop", {})
    assert client.wait_until_finished()["state"] == "interrupted"


def test_graph_svg_shows_derivatives(client: Client) -> None:
    status, content_type, raw = client.request(
        "/api/graph?expr=x*y%2Bx&values=x%3D2,%20y%3D3"
    )
    assert status == 200 and content_type.startswith("image/svg+xml")
    svg = raw.decode()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    # d/dx (x*y + x) = y + 1 = 4, d/dy = x = 2
    assert "d = 4.000" in svg and "d = 2.000" in svg


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("expr=x%2B*y&values=x%3D1,y%3D2", "column 3"),
        ("expr=x%2Bz&values=x%3D1", "undefined variable 'z'"),
        ("expr=&values=", "type an expression"),
        ("expr=" + "x%2B" * 150 + "x&values=x%3D1", "longer than 200"),
        ("expr=" + "x*" * 70 + "x&values=x%3D1", "more than 60 parts"),
        ("expr=x&values=x%3Dnope", "not a number"),
    ],
)
def test_bad_expression_is_400_with_the_parser_message(
    client: Client, query: str, message: str
) -> None:
    status, body = client.json("/api/graph?" + query)
    assert status == 400 and message in body["error"]


def test_unknown_paths_methods_and_big_bodies(client: Client) -> None:
    status, body = client.json("/etc/passwd")
    assert status == 404 and "no such page" in body["error"]
    assert client.json("/../pyproject.toml")[0] == 404
    assert client.json("/api/train")[0] == 405
    assert client.json("/api/status", {}, method="POST")[0] == 405
    status, _, raw = client.request("/api/train", b"x" * (MAX_BODY + 1))
    assert status == 413 and b"limited" in raw


def test_server_errors_are_500_json_without_traceback(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(_: object) -> Response:
        raise RuntimeError("secret detail")

    client.server.app.get_routes["/api/status"] = broken
    status, body = client.json("/api/status")
    assert status == 500 and "internal server error" in body["error"]
    assert "secret" not in json.dumps(body)
    assert "RuntimeError: secret detail" in capsys.readouterr().err


def test_serve_on_a_busy_port_is_one_error_line(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    port = client.server.server_address[1]
    assert main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot listen on 127.0.0.1:") and err.count("\n") == 1
    assert main(["serve", "--port", "70000"]) == 2


def test_fit_should_stop_sees_each_epochs_weights_and_ends_interrupted() -> None:
    config = TrainConfig(pts=8, hidden=2, epochs=20, seed=3)
    seen: list[dict[str, np.ndarray]] = []

    def stop_after_three(weights: dict[str, np.ndarray]) -> bool:
        seen.append(weights)
        return len(seen) > 3

    result = fit(config, should_stop=stop_after_three)
    assert result.status == "interrupted" and result.epochs_completed == 3
    assert len(seen) == 4
    # Each call saw the weights its epoch started from: the last ones were kept.
    last_epoch, last_state = result.snapshots[-1]
    assert last_epoch == 3
    for name, value in result.model.state_dict().items():
        np.testing.assert_array_equal(value, last_state[name])
        np.testing.assert_array_equal(value, seen[-1][name])
    assert any(not np.array_equal(seen[0][n], seen[-1][n]) for n in seen[0])
    assert fit(config, should_stop=lambda _: False).status == "completed"


def test_dataset_api_matches_the_library(client: Client) -> None:
    status, body = client.json("/api/dataset?name=Circle&pts=9&seed=4")
    expected = datasets["Circle"](9, 4)
    assert status == 200 and body["labels"] == expected.y
    assert body["points"] == [list(p) for p in expected.X]
    assert client.json("/api/dataset?name=Moons&pts=9")[0] == 400
    assert client.json("/api/dataset?name=Xor&pts=5000")[0] == 400


def test_backprop_api_gives_one_frame_per_step(client: Client) -> None:
    status, body = client.json("/api/backprop?expr=x*y%2Bx&values=x%3D2,y%3D3")
    assert status == 200
    # x*y + x: four variables (the sum, x*y, x, y), so four steps and five frames.
    assert len(body["frames"]) == len(body["titles"]) == len(body["captions"]) == 5
    assert body["titles"][0] == "step 0 of 4: before backward"
    assert "waiting d = 1.000" in body["frames"][0]
    assert "Done" in body["captions"][-1]
    status, body = client.json("/api/backprop?expr=x%2F0&values=x%3D1")
    assert status == 400 and "division by zero" in body["error"]


def test_network_api_applies_the_sliders(client: Client) -> None:
    form = {"dataset": "Xor", "pts": 10, "unit": "unit2"}
    status, plain = client.json("/api/network", form)
    assert status == 200 and plain["unit_names"] == [
        "unit2.w_1",
        "unit2.w_2",
        "unit2.b",
    ]
    names = [name for name, _ in plain["parameters"]]
    assert sorted(names) == sorted(PARAMETER_NAMES)
    moved = {**form, "overrides": {"unit2.b": 4.0, "unit2.w_1": 0.0}}
    status, body = client.json("/api/network", moved)
    values = dict(body["parameters"])
    assert values["unit2.b"] == 4.0 and values["unit2.w_1"] == 0.0
    # h2 = w_2·x2 + 4 at every point now; h1 is untouched.
    w_2 = values["unit2.w_2"]
    points = body["boundary"]["points"]
    for (_x1, x2), (h1, h2), (old_h1, _) in zip(
        points, body["hidden"], plain["hidden"], strict=True
    ):
        assert h2 == pytest.approx(w_2 * x2 + 4.0) and h1 == old_h1
    assert body["boundary"]["grid"] != plain["boundary"]["grid"]
    for bad in (
        {**form, "overrides": {"layer9.nope": 1.0}},
        {**form, "overrides": {"unit1.b": 1e9}},
        {**form, "unit": "unit3"},
        {**form, "pts": 5000},
    ):
        assert client.json("/api/network", bad)[0] == 400


def test_network_api_uses_the_train_tabs_lecture_run(client: Client) -> None:
    client.json("/api/train", {**TINY, "hidden": 2, "network": "lecture"})
    client.wait_until_finished()
    status, body = client.json("/api/network", {"use_trained": True})
    assert status == 200 and body["from_training"]
    assert body["config"]["network"] == "lecture" and body["config"]["pts"] == 8
    trained = client.server.app.trainer.job
    assert trained is not None
    weights = trained.weights()
    assert weights is not None
    for name, value in body["parameters"]:
        assert value == pytest.approx(float(weights[name]))


def test_tensor_api_follows_the_strides(client: Client) -> None:
    request = {
        "shape": [2, 3],
        "ops": [{"op": "permute", "args": [1, 0]}],
        "index": [2, 1],
    }
    status, body = client.json("/api/tensor", request)
    assert status == 200
    first, permuted = body["stages"]
    assert (first["strides"], permuted["strides"]) == ([3, 1], [1, 3])
    assert permuted["values"] == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    assert body["index"]["position"] == 1 * 2 + 3 * 1
    request = {"shape": [3, 1], "broadcast": [2, 3, 4], "index": [1, 2, 3]}
    status, body = client.json("/api/tensor", request)
    assert body["broadcast"]["shape"] == [2, 3, 4]
    assert body["index"]["tensor_index"] == [2, 0] and body["index"]["position"] == 2
    for bad in (
        {"shape": [2, 3], "ops": [{"op": "view", "args": [5]}]},
        {"shape": [2, 3], "ops": [{"op": "eval", "args": []}]},
        {"shape": [1000, 1000]},
        {"shape": [2, 3], "broadcast": [4, 4]},
        {"shape": [2, 3], "index": [2, 0]},
    ):
        assert client.json("/api/tensor", bad)[0] == 400


def test_tensor_graph_has_the_ops_and_the_leaf_gradients(client: Client) -> None:
    request = {"expr": "(a * b).sum()", "a": [2, 3], "b": [2, 3]}
    status, body = client.json("/api/tensor/graph", request)
    assert status == 200
    ops = [node["op"] for node in body["nodes"]]
    assert ops == ["a", "b", "mul", "sum"]
    assert body["edges"] == [[0, 2], [1, 2], [2, 3]] and body["root"] == 3
    a, b = body["nodes"][0], body["nodes"][1]
    assert a["kind"] == "leaf" and a["shape"] == [2, 3]
    # d/da sum(a * b) = b, and d/db = a.
    assert a["grad"] == b["value"] and b["grad"] == a["value"]
    assert body["nodes"][2]["grad"] is None


def test_tensor_graph_matmul_relu_gradient(client: Client) -> None:
    status, body = client.json("/api/tensor/graph", {"expr": "relu(a @ b).sum()"})
    assert status == 200
    assert [n["op"] for n in body["nodes"]] == ["a", "b", "matmul", "relu", "sum"]
    a = np.arange(1, 7).reshape(2, 3) * 0.1
    b = (np.arange(6) % 5 * 0.5 - 1).reshape(3, 2)
    alive = (a @ b > 0).astype(float)
    expected = (alive @ b.T).ravel()
    shown = [float(v) for v in body["nodes"][0]["grad"].strip("[]").split(",")]
    assert shown == pytest.approx(expected, abs=1e-3)


def test_tensor_graph_refuses_bad_input_with_one_line(client: Client) -> None:
    for bad, words in (
        ({"expr": "(a + a"}, "column 7"),
        ({"expr": "a $ b"}, "column 3"),
        ({"expr": "a * b"}, "cannot broadcast"),
        ({"expr": "a @ a"}, "matmul"),
        ({"expr": "eval(a)"}, "unknown name"),
        ({"expr": "a + " * 60 + "a"}, "longer than 200"),
        ({"expr": "(" * 30 + "a" + ")" * 30}, "nests deeper"),
        ({"expr": "a.sum()", "a": [100, 100]}, "cells"),
        ({"expr": "1 + 2"}, "neither a nor b"),
        ({"expr": 5}, "expr string"),
    ):
        status, body = client.json("/api/tensor/graph", bad)
        assert status == 400, bad
        assert words in body["error"] and "\n" not in body["error"], body


def test_downloads_of_the_finished_run(client: Client, tmp_path: Any) -> None:
    assert client.json("/api/download/metrics.json")[0] == 409
    client.json("/api/train", TINY)
    client.wait_until_finished()
    status, metrics = client.json("/api/download/metrics.json")
    assert (
        status == 200 and metrics["epochs"] == 5 and len(metrics["loss_history"]) == 5
    )
    status, content_type, raw = client.request("/api/download/model.npz")
    assert status == 200 and content_type == "application/octet-stream"
    path = tmp_path / "model.npz"
    path.write_bytes(raw)
    arrays, meta = load_arrays(path)
    assert meta["config"]["hidden"] == 2 and "layer1.bias_0" in arrays


def test_digits_api_without_a_model_and_with_bad_pixels(client: Client) -> None:
    status, body = client.json("/api/digits/status")
    assert status == 200 and body["state"] == "empty"
    status, body = client.json("/api/digits/predict", {"pixels": [0.0] * 64})
    assert status == 409 and "train or load" in body["error"]
    for bad in ({"pixels": [0.0] * 63}, {"pixels": [2.0] * 64}, {"pixels": "x"}):
        assert client.json("/api/digits/predict", bad)[0] == 400
    for form in ({"epochs": 50}, {"limit": 0}, {"colour": 1}):
        assert client.json("/api/digits/train", form)[0] == 400


@pytest.mark.slow
def test_digits_trained_from_the_page_answers_drawings(client: Client) -> None:
    status, body = client.json("/api/digits/train", {"epochs": 1, "limit": 64})
    assert status == 202 and body["state"] == "training"
    assert client.json("/api/digits/train", {"epochs": 1})[0] == 409
    client.server.app.digits.join(600)
    status, body = client.json("/api/digits/status")
    assert body["state"] == "ready" and "1 epochs on 64 images" in body["source"]
    assert 0.0 <= body["accuracy"] <= 1.0 and len(body["mistakes"]) <= 24
    status, answer = client.json("/api/digits/predict", {"pixels": [0.5] * 64})
    assert status == 200 and sum(answer["probabilities"]) == pytest.approx(1.0)


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_network_figure_draws_the_lectures_pictures_of_the_weights(
    client: Client,
) -> None:
    form = {"dataset": "Xor", "pts": 10, "figure": "split-unit1"}
    pictures = {}
    for overrides in ({}, {"unit1.b": 3.0, "unit1.w_1": -2.0}):
        status, content_type, png = client.request(
            "/api/network/figure",
            json.dumps({**form, "overrides": overrides}).encode(),
        )
        assert status == 200 and content_type == "image/png"
        assert png.startswith(PNG_MAGIC)
        pictures[len(overrides)] = png
    assert pictures[0] != pictures[2]  # the slider weights reach the drawing
    for name in ("split-unit2", "hidden-before", "hidden-after", "final-split"):
        status, _, png = client.request(
            "/api/network/figure", json.dumps({**form, "figure": name}).encode()
        )
        assert status == 200 and png.startswith(PNG_MAGIC), name
    for bad in (
        {**form, "overrides": {"unit1.b": float("1e9")}},
        {**form, "overrides": {"unit1.b": "big"}},
        {**form, "overrides": {"nope": 1.0}},
        {**form, "figure": "loss"},
    ):
        status, body = client.json("/api/network/figure", bad)
        assert status == 400 and "\n" not in body["error"], bad


def test_sentiment_api_without_a_model_says_how_to_get_one(client: Client) -> None:
    status, body = client.json("/api/sentiment/status")
    assert status == 200 and body["ready"] is False
    assert "--sentiment-run" in body["hint"] and "\n" not in body["hint"]
    status, body = client.json("/api/sentiment/predict", {"sentence": "good"})
    assert status == 409 and "minitorch train sentiment" in body["error"]


def test_sentiment_api_scores_like_predict_and_refuses_bad_input(
    client: Client, sentiment_run: Any
) -> None:
    from minitorch.text.explain import explain
    from minitorch.text.model import SentimentCNN
    from minitorch.text.runs import load_sentiment_model
    from minitorch.web.sentiment_page import MAX_CHARS

    client.server.app.sentiment.load_run(sentiment_run)
    status, body = client.json("/api/sentiment/status")
    assert body["ready"] is True and str(sentiment_run) in body["source"]
    sentence = "the film was not good at all zzzq"
    status, answer = client.json("/api/sentiment/predict", {"sentence": sentence})
    assert status == 200
    model, vocabulary, _ = load_sentiment_model(sentiment_run)
    assert isinstance(model, SentimentCNN)
    expected = explain(model, vocabulary, sentence)
    assert answer["probability"] == pytest.approx(expected.probability)
    assert "zzzq" in answer["unknown"]
    top = expected.phrases()[: len(answer["phrases"])]
    assert [(p["text"], p["share"]) for p in answer["phrases"]] == [
        (text, pytest.approx(share)) for text, share in top
    ]
    for phrase in answer["phrases"]:
        red, blue = int(phrase["colour"][1:3], 16), int(phrase["colour"][5:7], 16)
        assert (blue >= red) if phrase["share"] > 0 else (red >= blue)
    bad: object
    for bad in (
        {"sentence": "x" * (MAX_CHARS + 1)},
        {"sentence": "  ... !! "},
        {"sentence": 3},
        {"text": "good"},
        [],
    ):
        status, body = client.json("/api/sentiment/predict", bad)
        assert status == 400 and "\n" not in body["error"], bad


@pytest.mark.parametrize("option", ["--digits-run", "--sentiment-run"])
def test_serve_with_an_unreadable_run_is_one_error_line(
    option: str, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", "0", option, str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {option}: ") and err.count("\n") == 1
    (tmp_path / "model.npz").write_text("not a checkpoint")
    assert main(["serve", "--port", "0", option, str(tmp_path)]) == 2
    assert "not a readable checkpoint" in capsys.readouterr().err
