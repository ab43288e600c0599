"""The web app under hostile requests: each gets a clean 4xx quickly; no job starts.

Requests are written by hand (``http.client`` and raw sockets) so headers, lengths
and bodies can be wrong on purpose.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from minitorch.train.config import TrainConfig
from minitorch.web import jobs
from minitorch.web.guard import MAX_BODY, MAX_DEPTH, HTTPError, RequestGuard, parse_json
from minitorch.web.jobs import BOUNDARY_OPS, StopRequested, grid_limit, ops_per_point
from minitorch.web.server import WebServer
from minitorch.web.tensor_graph import graph_payload

from ._web_server import running_server

TINY = {"model": "scalar", "dataset": "Xor", "pts": 8, "hidden": 2, "epochs": 5}


@pytest.fixture
def server() -> Iterator[WebServer]:
    with running_server() as server:
        yield server


def port_of(server: WebServer) -> int:
    return int(server.server_address[1])


def send(
    server: WebServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, object] | None, bytes]:
    """One request with exactly ``headers`` (Host defaults to the server's own)."""
    conn = http.client.HTTPConnection("127.0.0.1", port_of(server), timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        wanted = {"Host": f"127.0.0.1:{port_of(server)}", **(headers or {})}
        if body is not None and "Content-Length" not in wanted:
            wanted["Content-Length"] = str(len(body))
        for name, value in wanted.items():
            if value:
                conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    is_json = response.getheader("Content-Type") == "application/json" and raw
    return response.status, json.loads(raw) if is_json else None, raw


def post_json(
    server: WebServer, path: str, body: bytes, **headers: str
) -> tuple[int, dict[str, object] | None]:
    status, answer, _ = send(
        server, "POST", path, body, {"Content-Type": "application/json", **headers}
    )
    return status, answer


def assert_idle(server: WebServer) -> None:
    assert server.app.trainer.job is None


def error_of(answer: dict[str, object] | None) -> str:
    assert answer is not None
    message = answer["error"]
    assert isinstance(message, str) and "\n" not in message
    return message


@pytest.mark.parametrize(
    "host",
    ["evil.example:{port}", "attacker.localhost.example:{port}", "127.0.0.1:1", ""],
)
def test_foreign_host_is_403(server: WebServer, host: str) -> None:
    value = host.format(port=port_of(server))
    status, answer, _ = send(server, "GET", "/api/status", headers={"Host": value})
    assert status == 403 and "not this server" in error_of(answer)
    status, answer = post_json(
        server, "/api/train", json.dumps(TINY).encode(), Host=value
    )
    assert status == 403
    assert_idle(server)


def test_own_names_are_accepted(server: WebServer) -> None:
    port = port_of(server)
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        assert send(server, "GET", "/", headers={"Host": host})[0] == 200


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "http://evil.example", "Content-Type": "text/plain"}, 403),
        ({"Origin": "http://evil.example", "Content-Type": "application/json"}, 403),
        ({"Origin": "null", "Content-Type": "application/json"}, 403),
        (
            {"Origin": "https://127.0.0.1:{port}", "Content-Type": "application/json"},
            403,
        ),
        ({"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, 403),
        ({"Content-Type": "text/plain"}, 415),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ({"Content-Type": ""}, 415),
    ],
)
def test_cross_site_and_non_json_posts_start_nothing(
    server: WebServer, headers: dict[str, str], status: int
) -> None:
    filled = {k: v.format(port=port_of(server)) for k, v in headers.items()}
    got, answer, _ = send(
        server, "POST", "/api/train", json.dumps(TINY).encode(), filled
    )
    assert got == status and error_of(answer)
    assert_idle(server)


def test_same_origin_post_is_accepted(server: WebServer) -> None:
    origin = f"http://127.0.0.1:{port_of(server)}"
    status, _ = post_json(
        server, "/api/train", json.dumps(TINY).encode(), Origin=origin
    )
    assert status == 202


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"pts": ' + b"9" * 5000 + b"}", "number of 5000 characters"),
        (b"[" * 8000 + b"]" * 8000, f"deeper than {MAX_DEPTH}"),
        (b'{"lr": NaN}', "not a JSON number"),
        (b'{"lr": 1e999999}', "too large for a float"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"", "valid JSON"),
        (b'{"pts": 8', "valid JSON"),
    ],
)
def test_pathological_json_is_400(server: WebServer, body: bytes, message: str) -> None:
    started = time.monotonic()
    status, answer = post_json(server, "/api/train", body)
    assert status == 400 and message in error_of(answer)
    assert time.monotonic() - started < 2
    assert_idle(server)


def test_lengths_that_lie_or_are_missing(server: WebServer) -> None:
    json_type = {"Content-Type": "application/json"}
    status, answer, _ = send(server, "POST", "/api/train", None, json_type)
    assert status == 411 and "Content-Length" in error_of(answer)
    chunked = {**json_type, "Transfer-Encoding": "chunked"}
    assert send(server, "POST", "/api/train", b"0\r\n\r\n", chunked)[0] == 411
    for bad in ("-1", "abc", "1e3"):
        headers = {**json_type, "Content-Length": bad}
        assert send(server, "POST", "/api/train", b"{}", headers)[0] == 400
    huge = {**json_type, "Content-Length": str(10**15)}
    status, answer, _ = send(server, "POST", "/api/train", b"{}", huge)
    assert status == 413 and str(MAX_BODY) in error_of(answer)
    assert_idle(server)


def test_truncated_body_is_400_not_a_default_job(server: WebServer) -> None:
    port = port_of(server)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"POST /api/train HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            '{"pts": 8'.encode()
        )
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 400") and b"cut short: 9 of 100" in answer
    assert_idle(server)


def test_head_answers_like_get_without_a_body(server: WebServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port_of(server), timeout=10)
    try:
        conn.request("HEAD", "/")
        response = conn.getresponse()
        assert response.status == 200 and response.read() == b""
        length = int(response.getheader("Content-Length") or 0)
    finally:
        conn.close()
    assert length == len(send(server, "GET", "/")[2]) > 0
    assert send(server, "HEAD", "/nowhere")[0] == 404


@pytest.mark.parametrize(
    ("expr", "values"),
    [
        ("x/0", "x=1"),
        ("exp(exp(exp(1000)))", ""),
        ("log(x)", "x=0"),
        ("log(x-x)", "x=2"),
        ("1/(x-x)", "x=2"),
    ],
)
def test_maths_errors_in_graph_are_400(
    server: WebServer, expr: str, values: str
) -> None:
    from urllib.parse import urlencode

    query = urlencode({"expr": expr, "values": values})
    status, answer, _ = send(server, "GET", "/api/graph?" + query)
    assert status == 400 and error_of(answer)


def test_deep_parentheses_in_graph_are_400(server: WebServer) -> None:
    from urllib.parse import urlencode

    query = urlencode({"expr": "(" * 99 + "x" + ")" * 99, "values": "x=1"})
    status, _, _ = send(server, "GET", "/api/graph?" + query)
    assert status in (200, 400)


def test_job_sizes_are_bounded(server: WebServer) -> None:
    form = {**TINY, "pts": 1000, "hidden": 100, "epochs": 100_000}
    status, answer = post_json(server, "/api/train", json.dumps(form).encode())
    assert status == 400 and "fewer epochs" in error_of(answer)
    assert_idle(server)


def test_boundary_grid_shrinks_for_python_level_models() -> None:
    big = TrainConfig(model="scalar", hidden=100)
    size = grid_limit(big, 40)
    assert size * size * ops_per_point(big) <= BOUNDARY_OPS or size == 6
    assert size < 40
    assert grid_limit(TrainConfig(model="scalar", hidden=2), 40) == 40
    assert grid_limit(TrainConfig(model="tensor", backend="fast", hidden=100), 40) == 40


def test_guard_rules() -> None:
    guard = RequestGuard("127.0.0.1", 8000)
    assert guard.host_ok("127.0.0.1:8000") and guard.host_ok("[::1]:8000")
    assert guard.host_ok("localhost:8000") and guard.host_ok("10.0.0.7:8000")
    assert not guard.host_ok("127.0.0.1") and not guard.host_ok("127.0.0.1:80x")
    assert not guard.host_ok("rebind.example:8000") and not guard.host_ok(None)
    assert RequestGuard("myhost", 80).host_ok("myhost")


def test_fifty_parallel_clients_are_answered_while_a_job_runs(
    server: WebServer,
) -> None:
    long_job = {**TINY, "pts": 200, "hidden": 10, "epochs": 10_000}
    assert post_json(server, "/api/train", json.dumps(long_job).encode())[0] == 202
    clients = 50
    barrier = threading.Barrier(clients)
    waits: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def one(k: int) -> None:
        path = ("/api/status", "/", "/api/boundary?size=10")[k % 3]
        barrier.wait()
        began = time.monotonic()
        try:
            status = send(server, "GET", path)[0]
        except OSError as e:
            with lock:
                failures.append(f"{path}: {e}")
            return
        with lock:
            waits.append(time.monotonic() - began)
            if status != 200:
                failures.append(f"{path}: {status}")

    threads = [threading.Thread(target=one, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert failures == [] and len(waits) == clients
    assert max(waits) < 2.0, f"slowest answer took {max(waits):.2f} s"
    assert server.app.trainer.status()["state"] == "running"


# Stop interrupts the training thread asynchronously; one interruption may land
# in a gc callback (hypothesis registers one per process), where CPython prints
# and drops it. The job keeps interrupting until training ends, so that print is
# expected here, not a failure.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_stop_cuts_a_long_epoch_short(server: WebServer) -> None:
    # One epoch of this run takes several seconds: Stop must not wait for its end.
    slow = {**TINY, "pts": 1000, "hidden": 30, "epochs": 50}
    assert post_json(server, "/api/train", json.dumps(slow).encode())[0] == 202
    time.sleep(1.0)
    job = server.app.trainer.job
    assert job is not None and job.status()["epoch"] == 0
    assert post_json(server, "/api/stop", b"{}")[0] == 200
    job.join(60)
    status = job.status()
    # Epoch 0 means Stop cut the first (several-second) epoch instead of waiting
    # for it; how fast, under load, is the benchmarks' business, not a unit test's
    # (a cold two-worker run once took over 5 s).
    assert status["state"] == "interrupted" and status["epoch"] == 0
    assert not job.running
    # The job's thread is gone and the server still answers; a new job may start.
    assert post_json(server, "/api/train", json.dumps(TINY).encode())[0] == 202


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_body_parses_or_is_a_400(body: bytes) -> None:
    try:
        parse_json(body)
    except HTTPError as e:
        assert e.status == 400 and "\n" not in e.message


@given(
    st.text(alphabet="ab0123.+-*@() sumrelogxpidq$", max_size=60),
    st.lists(st.integers(-2, 7), max_size=5),
)
@example("a" + ".sum()" * 39, [1])
@example("log(-a).exp() @ b", [3, 2])
def test_any_tensor_expression_draws_or_is_a_400(text: str, shape: list[int]) -> None:
    try:
        answer = graph_payload({"expr": text, "a": shape})
    except HTTPError as e:
        assert e.status == 400 and "\n" not in e.message
    else:
        assert answer["nodes"][answer["root"]]["op"] in (
            "add",
            "sub",
            "mul",
            "matmul",
            "neg",
            "sum",
            "relu",
            "sigmoid",
            "exp",
            "log",
            "a",
            "b",
        )


@given(st.text(max_size=80), st.text(max_size=80) | st.none())
@example("127.0.0.1:8000", "http://[")
@example("[", None)
def test_any_host_or_origin_is_judged_without_crashing(
    host: str, origin: str | None
) -> None:
    guard = RequestGuard("127.0.0.1", 8000)
    try:
        guard.check("POST", host, origin, None, "application/json")
    except HTTPError as e:
        assert e.status == 403


def test_stop_interrupts_again_when_an_interruption_is_swallowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CPython drops an interruption that lands in a weakref callback or __del__;
    # this stand-in for fit swallows the first one the same way.
    swallowed: list[float] = []

    def stubborn_fit(*_: object, **__: object) -> None:
        while True:
            try:
                time.sleep(0.01)
            except StopRequested:
                if swallowed:
                    raise
                swallowed.append(time.monotonic())

    monkeypatch.setattr(jobs, "fit", stubborn_fit)
    job = jobs.TrainingJob(1, TrainConfig(pts=8, hidden=2, epochs=5).validated())
    job.start()
    time.sleep(0.2)
    began = time.monotonic()
    job.request_stop()
    job.join(5)
    assert not job.running and job.status()["state"] == "interrupted"
    assert len(swallowed) == 1 and time.monotonic() - began < 1.0
