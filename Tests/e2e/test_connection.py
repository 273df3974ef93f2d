"""HTTP/1.1 connection behaviour on proxy routes, at the socket: pipelining, mixing proxy and admin
requests on one connection, `Connection: close`, and a client that hangs up before its answer."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlparse

from e2e_support import Stack


def connect(stack: Stack) -> socket.socket:
    url = urlparse(stack.gateway.url)
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def chat_request(path: str, key: str, text: str, extra_headers: str = "", model: str = "gpt-4o-mini") -> bytes:
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": text}]}).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra_headers}\r\n"
    )
    return head.encode() + body


class Reader:
    """Reads HTTP/1.1 responses one after another from a socket (content-length or chunked bodies)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buffer += data
        return bool(data)

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            assert self._fill(), "the connection closed in the middle of a response"
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            assert self._fill(), "the connection closed in the middle of a body"
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def response(self) -> tuple[int, dict[str, str], bytes]:
        status, headers, _ = self.response_to_head()
        if "content-length" in headers:
            return status, headers, self._exactly(int(headers["content-length"]))
        body = b""
        if headers.get("transfer-encoding") == "chunked":
            while size := int(self._line(), 16):
                body += self._exactly(size)
                self._exactly(2)
            self._line()
        return status, headers, body

    def response_to_head(self) -> tuple[int, dict[str, str], bytes]:
        """A response to a HEAD request: its headers describe a body that is not sent."""
        status = int(self._line().split(b" ")[1])
        headers: dict[str, str] = {}
        while line := self._line():
            name, value = line.decode().split(":", 1)
            headers[name.strip().lower()] = value.strip()
        return status, headers, b""

    def closed(self, timeout: float = 5.0) -> bool:
        self.sock.settimeout(timeout)
        try:
            return not self._fill()
        except (ConnectionResetError, socket.timeout):
            return False


def test_pipelined_requests_are_answered_in_order(stack: Stack, marker: str):
    path = stack.endpoints["openai"].path
    sock = connect(stack)
    # Four requests in one write: proxy, admin health, proxy with a bad key, proxy again.
    sock.sendall(
        chat_request(path, stack.key, f"{marker} one")
        + b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n"
        + chat_request(path, "gw-not-a-key", f"{marker} two")
        + chat_request(path, stack.key, f"{marker} three [mock first_byte_ms=200]")
    )
    reader = Reader(sock)
    answers = [reader.response() for _ in range(4)]
    sock.close()

    assert [status for status, _, _ in answers] == [200, 200, 401, 200]
    first, health, refused, third = (json.loads(body) for _, _, body in answers)
    assert first["object"] == "chat.completion"
    assert health == {"status": "ok"}
    assert refused["error"]["code"] == "invalid_api_key"
    assert third["object"] == "chat.completion"
    ids = [headers.get("x-request-id", "") for _, headers, _ in answers]
    assert ids[0].startswith("req_") and ids[2].startswith("req_") and ids[3].startswith("req_")
    assert len({ids[0], ids[2], ids[3]}) == 3
    # The two accepted ones reached the provider; the refused one did not.
    assert len(stack.mock.requests_with(marker)) == 2


def test_connection_close_is_honoured(stack: Stack, marker: str):
    sock = connect(stack)
    sock.sendall(chat_request(stack.endpoints["openai"].path, stack.key, marker, "Connection: close\r\n"))
    reader = Reader(sock)
    status, headers, body = reader.response()
    assert status == 200 and json.loads(body)["object"] == "chat.completion"
    assert headers.get("x-content-type-options") == "nosniff"
    assert reader.closed(), "the gateway kept the connection open after Connection: close"
    sock.close()


def test_keep_alive_serves_many_requests_on_one_connection(stack: Stack, marker: str):
    sock = connect(stack)
    reader = Reader(sock)
    endpoint = stack.endpoints["deepseek"]
    for number in range(5):
        sock.sendall(chat_request(endpoint.path, stack.key, f"{marker} {number}", model=endpoint.model))
        status, _, body = reader.response()
        assert status == 200, body
    sock.close()
    assert len(stack.mock.requests_with(marker)) == 5


def test_client_that_leaves_before_the_answer_cancels_the_provider_call(stack: Stack, marker: str):
    sock = connect(stack)
    sock.sendall(chat_request(stack.endpoints["openai"].path, stack.key, f"{marker} [mock first_byte_ms=3000]"))
    deadline = time.monotonic() + 5
    while not stack.mock.requests_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stack.mock.requests_with(marker), "the request never reached the provider"
    sock.close()

    # The gateway hangs up on the provider instead of reading an answer nobody will get (the mock
    # notices when it comes to write, after its 3 s pause), and the ledger says what happened.
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and not stack.mock.only_request_with(marker).get("client_disconnected"):
        time.sleep(0.05)
    assert stack.mock.only_request_with(marker).get("client_disconnected"), "the provider call was not cancelled"
    rows = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        logs = stack.admin.call("GET", "/admin/logs?page_size=50&error_class=client_disconnected")
        rows = [row for row in logs["data"] if row["stream"] is False and row["status"] == 499]
        if rows:
            break
        time.sleep(0.2)
    assert rows, "no ledger row for the request whose client left"


def test_expect_100_continue_is_answered_before_the_body(stack: Stack, marker: str):
    # curl sends `Expect: 100-continue` for bodies over 1 KiB and holds the body back until it hears
    # "100 Continue" (or gives up waiting after a second).
    endpoint = stack.endpoints["openai"]
    request = chat_request(endpoint.path, stack.key, f"{marker} " + "long " * 300, "Expect: 100-continue\r\n")
    head, body = request.split(b"\r\n\r\n", 1)
    sock = connect(stack)
    sock.sendall(head + b"\r\n\r\n")
    reader = Reader(sock)
    interim, _, _ = reader.response()
    assert interim == 100
    sock.sendall(body)
    status, _, answer = reader.response()
    sock.close()
    assert status == 200 and json.loads(answer)["object"] == "chat.completion"


def test_head_on_a_proxy_route_has_no_body(stack: Stack):
    # A HEAD answer must not carry a body, or the next answer on the connection would be misread.
    path = stack.endpoints["openai"].path
    sock = connect(stack)
    sock.sendall(
        f"HEAD {path}/models HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer {stack.key}\r\n\r\n".encode()
        + f"GET {path}/models HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer {stack.key}\r\n\r\n".encode()
    )
    reader = Reader(sock)
    status, headers, _ = reader.response_to_head()
    assert status == 405 and int(headers["content-length"]) > 0
    status, _, body = reader.response()
    sock.close()
    assert status == 200 and json.loads(body)["object"] == "list"


def test_each_request_on_a_connection_is_authenticated_with_its_own_key(stack: Stack, marker: str):
    # The gateway hashes a connection's key once while it repeats; a different key on the same
    # connection must be checked afresh, in both directions.
    endpoint = stack.endpoints["openai"]
    sock = connect(stack)
    reader = Reader(sock)
    statuses = []
    for number, key in enumerate([stack.key, "gw-not-a-key", stack.key, stack.key + "x", stack.key]):
        sock.sendall(chat_request(endpoint.path, key, f"{marker} {number}"))
        statuses.append(reader.response()[0])
    sock.close()
    assert statuses == [200, 401, 200, 401, 200]
    assert len(stack.mock.requests_with(marker)) == 3
