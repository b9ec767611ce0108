"""Slow and greedy clients against the real server on loopback: every limit of ``serve``.

Every test runs against both HTTP parsers (``--http httptools`` and ``--http h11``):
the limits must hold whichever uvicorn uses. Each loop is bounded by a deadline; the
limits are set low so that the test is short.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from .support import ServerProcess, running_server

pytestmark = pytest.mark.integration

LIMITS = [
    "--header-timeout",
    "1",
    "--max-header-bytes",
    "4096",
    "--max-headers",
    "20",
    "--timeout-keep-alive",
    "1",
    "--limit-concurrency",
    "8",
    "--body-timeout",
    "1",
]


@pytest.fixture(scope="module", params=["httptools", "h11"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp(f"limits-{request.param}") / "server.log"
    with running_server([*LIMITS, "--http", request.param], log) as found:
        yield found


def _connect(server: ServerProcess) -> socket.socket:
    port = int(server.url.rsplit(":", 1)[1])
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def _read_until_closed(sock: socket.socket, deadline: float) -> bytes:
    """Everything the server sends until it closes the connection (or the deadline passes)."""
    data = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        if not chunk:
            return data
        data += chunk
    raise AssertionError(f"the server kept the connection open; it sent {data[:200]!r}")


def _request(*headers: str) -> bytes:
    lines = ["GET /healthz HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]
    return "\r\n".join(lines).encode()


def test_half_sent_headers_are_closed_after_the_header_timeout(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        answer = _read_until_closed(sock, started + 8)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"did not arrive within 1 s" in answer


def test_a_client_dribbling_headers_is_cut_off_too(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        deadline = time.monotonic() + 8
        closed = False
        for i in range(40):  # one header every 0.2 s: each byte is in time, the whole is not
            try:
                sock.sendall(f"X-Drip-{i}: 1\r\n".encode())
            except OSError:
                closed = True
                break
            time.sleep(0.2)
            if time.monotonic() > deadline:
                break
        answer = b"" if closed else _read_until_closed(sock, time.monotonic() + 5)
    assert closed or answer.startswith(b"HTTP/1.1 408 ")


def test_oversized_headers_are_refused_with_431(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(_request("X-Big: " + "a" * 8000))
        answer = _read_until_closed(sock, time.monotonic() + 8)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"over 4096 bytes" in answer


def test_an_oversized_header_still_arriving_is_refused(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 6000)
        answer = _read_until_closed(sock, time.monotonic() + 8)
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_too_many_headers_are_refused_with_431(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(_request(*(f"X-H{i}: 1" for i in range(25))))
        answer = _read_until_closed(sock, time.monotonic() + 8)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"more than 20 header fields" in answer


def test_requests_within_the_limits_are_answered(server: ServerProcess) -> None:
    headers = {f"X-H{i}": "1" for i in range(15)}
    response = httpx.get(server.url + "/healthz", headers=headers, timeout=10)
    assert response.status_code == 200


def test_idle_kept_alive_connections_are_closed(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(_request())
        answer = _read_until_closed(sock, time.monotonic() + 8)
    assert answer.startswith(b"HTTP/1.1 200 ")


def test_connections_over_the_limit_are_refused(server: ServerProcess) -> None:
    # The limit is 8: open 12 at once (each held until the 1 s header timeout), then read.
    held = [_connect(server) for _ in range(12)]
    try:
        answers = [_read_until_closed(sock, time.monotonic() + 8) for sock in held]
    finally:
        for sock in held:
            sock.close()
    refused = [a for a in answers if a.startswith(b"HTTP/1.1 503 ")]
    timed_out = [a for a in answers if a.startswith(b"HTTP/1.1 408 ")]
    assert len(refused) >= 4, answers
    assert len(refused) + len(timed_out) == 12, answers
    # Once they are gone, the server answers again.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if httpx.get(server.url + "/healthz", timeout=5).status_code == 200:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the server did not recover after the connections closed")


def test_refusals_are_not_logged_as_malformed_requests(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(_request(*(f"X-H{i}: 1" for i in range(25))))
        assert _read_until_closed(sock, time.monotonic() + 8).startswith(b"HTTP/1.1 431 ")
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        assert _read_until_closed(sock, time.monotonic() + 8).startswith(b"HTTP/1.1 400 ")
    deadline = time.monotonic() + 5
    while "Invalid HTTP request" not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    # One warning: the malformed request; none for the 431 refusals of the module's tests.
    assert server.log_text().count("Invalid HTTP request received.") == 1


# -- every refusal is an answer like any other: request id, access line, metrics -------------
def _head_and_body(answer: bytes) -> tuple[dict[str, str], dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers, json.loads(body)


def _wait_for_log(server: ServerProcess, text: str) -> str:
    deadline = time.monotonic() + 5
    while text not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    return server.log_text()


def _count(server: ServerProcess, status: str) -> float:
    text = httpx.get(server.url + "/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "smddp_compat_http_requests_total"
        and sample.labels["status"] == status
        and sample.labels["route"] == "unmatched"
    )


def test_a_431_has_a_request_id_an_access_line_and_a_count(server: ServerProcess) -> None:
    before = _count(server, "431")
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(_request("X-Request-ID: big-431", *(f"X-H{i}: 1" for i in range(25))))
        answer = _read_until_closed(sock, time.monotonic() + 8)
    headers, body = _head_and_body(answer)
    assert headers["x-request-id"] == "big-431"  # the client's id, read before the limit
    assert body["request_id"] == "big-431"
    assert headers["content-type"] == "application/problem+json"
    assert headers["x-content-type-options"] == "nosniff"
    assert '"GET /healthz HTTP/1.1" 431' in _wait_for_log(server, "big-431")
    assert _count(server, "431") == before + 1


def test_a_408_has_a_request_id_an_access_line_and_a_count(server: ServerProcess) -> None:
    before = _count(server, "408")
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(b"GET /v1/regions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        answer = _read_until_closed(sock, time.monotonic() + 8)
    headers, body = _head_and_body(answer)
    rid = headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert body["request_id"] == rid
    assert " 408 " in _wait_for_log(server, rid)
    assert _count(server, "408") == before + 1


def test_a_503_asks_to_retry_after_and_is_logged_and_counted(server: ServerProcess) -> None:
    before = _count(server, "503")
    held = [_connect(server) for _ in range(12)]
    try:
        answers = [_read_until_closed(sock, time.monotonic() + 8) for sock in held]
    finally:
        for sock in held:
            sock.close()
    refused = [_head_and_body(a)[0] for a in answers if a.startswith(b"HTTP/1.1 503 ")]
    assert refused
    for headers in refused:
        assert headers["retry-after"] == "2"
        assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])
        assert headers["x-request-id"] in _wait_for_log(server, headers["x-request-id"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the server answers again once they are gone
        with contextlib.suppress(httpx.HTTPError):
            if _count(server, "503") == before + len(refused):
                break
        time.sleep(0.2)
    assert _count(server, "503") == before + len(refused)


def test_a_malformed_request_gets_a_request_id_and_an_access_line(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        answer = _read_until_closed(sock, time.monotonic() + 8)
    assert answer.startswith(b"HTTP/1.1 400 ")
    rid = _head_and_body(answer)[0]["x-request-id"]
    assert " 400 " in _wait_for_log(server, rid)


# -- request bodies ---------------------------------------------------------------------------
def test_a_body_sent_too_slowly_is_answered_408(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(
            b"POST /v1/explain HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            b"X-Request-ID: slow-body\r\nContent-Length: 100\r\n\r\nResourceLimit"
        )
        started = time.monotonic()
        answer = _read_until_closed(sock, started + 8)
    took = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:300]
    headers, body = _head_and_body(answer)
    assert headers["connection"] == "close"
    assert headers["x-request-id"] == "slow-body"
    assert body["error"] == "request-timeout"
    assert "did not arrive within 1 s" in str(body["message"])
    assert 0.8 < took < 5
    assert '"POST /v1/explain HTTP/1.1" 408' in _wait_for_log(server, "slow-body")


def test_a_body_in_time_is_read(server: ServerProcess) -> None:
    message = b"ResourceLimitExceeded: The account-level service limit 'ml.p4d.24xlarge for "
    with contextlib.closing(_connect(server)) as sock:
        head = (
            b"POST /v1/explain HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            b"Connection: close\r\nContent-Length: " + str(len(message)).encode() + b"\r\n\r\n"
        )
        sock.sendall(head + message[:20])
        time.sleep(0.3)  # slow, but within the deadline
        sock.sendall(message[20:])
        answer = _read_until_closed(sock, time.monotonic() + 8)
    assert not answer.startswith(b"HTTP/1.1 408 "), answer[:300]
    assert answer.startswith(b"HTTP/1.1 "), answer[:300]


def test_a_dribbled_body_nobody_reads_is_cut_off(server: ServerProcess) -> None:
    # /healthz answers 405 to a POST at once, without reading the body; the client goes on.
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(b"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n")
        started = time.monotonic()
        closed = False
        for _ in range(60):  # one byte every 0.1 s keeps the keep-alive timer from firing
            try:
                sock.sendall(b"x")
            except OSError:
                closed = True
                break
            time.sleep(0.1)
        if not closed:
            sock.settimeout(0.5)
            with contextlib.suppress(OSError):
                data = sock.recv(65536)
                while data:
                    data = sock.recv(65536)
                closed = True
    assert closed, "the connection stayed open while the body dribbled"
    assert time.monotonic() - started < 6


def test_without_httptools_auto_takes_the_guarded_h11(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from compat.cli.commands.serve import _http_protocol
    from compat.errors import UsageError
    from compat.service.guard import GuardedH11Protocol

    monkeypatch.delitem(sys.modules, "compat.service.guard_httptools", raising=False)
    monkeypatch.setitem(sys.modules, "httptools", None)  # an import of it now fails
    assert _http_protocol("auto") is GuardedH11Protocol
    assert _http_protocol("h11") is GuardedH11Protocol
    with pytest.raises(UsageError, match="httptools is not installed") as found:
        _http_protocol("httptools")
    assert "--http h11" in (found.value.hint or "")


def test_a_websocket_upgrade_is_answered_by_the_app(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(
            _request(
                "Connection: Upgrade, close",
                "Upgrade: websocket",
                "Sec-WebSocket-Version: 13",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                "X-Request-ID: ws-try",
            )
        )
        answer = _read_until_closed(sock, time.monotonic() + 8)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    assert b"x-request-id: ws-try" in answer
    assert '"GET /healthz HTTP/1.1" 200' in _wait_for_log(server, "ws-try")
