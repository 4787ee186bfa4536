"""Slow clients are dropped: header and body read deadlines over a real socket (api/server.py).

A real uvicorn server runs in a thread on 127.0.0.1 with a header deadline of 1 s and a
body deadline of 2 s; raw asyncio sockets drip requests a byte at a time at it.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from api.config import Limits, Settings
from api.server import KEEP_ALIVE_S, protocol_class, uvicorn_options

HEADER_S = 1.0
BODY_S = 2.0
DRIP_S = 0.2
# Slack for scheduling on a busy machine, on top of the deadline.
SLACK_S = 0.8

# 60 bytes of headers: dripped at 0.2 s a byte they would take 12 s.
DRIPPED_HEADERS = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: aaaaaaaaaaaaaa\r\n\r\n"
BODY_HEAD = (
    b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 1000\r\n\r\n"
)


async def root(_: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def sleep(request: Request) -> PlainTextResponse:
    """Answers after `s` seconds; with `read=after`, reads the body only after sleeping."""
    if request.query_params.get("read") != "after":
        await request.body()
    await asyncio.sleep(float(request.query_params.get("s", "3")))
    body = await request.body()
    return PlainTextResponse(f"slept {len(body)}")


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"length": len(await request.body())})


APP = Starlette(
    routes=[
        Route("/", root),
        Route("/sleep", sleep, methods=["GET", "POST"]),
        Route("/echo", echo, methods=["POST"]),
    ]
)


@dataclass
class Served:
    server: uvicorn.Server
    port: int

    @property
    def open_connections(self) -> int:
        return len(self.server.server_state.connections)


def serve_in_thread(http: type[asyncio.Protocol], loop: str) -> Iterator[Served]:
    config = uvicorn.Config(
        APP,
        host="127.0.0.1",
        port=0,
        http=http,
        loop=loop,
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="slow-clients-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(server, port)
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """httptools on uvloop, as `omni serve` runs by default."""
    yield from serve_in_thread(protocol_class(HEADER_S, BODY_S), loop="auto")


@pytest.fixture(scope="module")
def served_h11() -> Iterator[Served]:
    """The h11 fallback on the plain asyncio loop."""
    yield from serve_in_thread(protocol_class(HEADER_S, BODY_S, impl="h11"), loop="asyncio")


@dataclass
class Outcome:
    elapsed: float  # from the start of the timed part until the server closed
    data: bytes  # everything the server sent
    dripped: int  # bytes dripped before the server closed

    @property
    def status(self) -> int | None:
        if not self.data.startswith(b"HTTP/1.1 "):
            return None
        return int(self.data[9:12])

    @property
    def json(self) -> object:
        return json.loads(self.data.partition(b"\r\n\r\n")[2])


async def read_until_closed(reader: asyncio.StreamReader) -> bytes:
    data = b""
    try:
        while chunk := await reader.read(65536):
            data += chunk
    except ConnectionError:
        pass
    return data


async def feed(
    writer: asyncio.StreamWriter, dripped: bytes, sent: list[int], *, pause_first: bool
) -> None:
    """Write `dripped` a byte every DRIP_S, counting in `sent[0]`, until the server closes."""
    for byte in dripped:
        if pause_first:
            await asyncio.sleep(DRIP_S)
        try:
            writer.write(bytes([byte]))
            await writer.drain()
        except ConnectionError:
            return
        sent[0] += 1
        if not pause_first:
            await asyncio.sleep(DRIP_S)


async def drip(port: int, dripped: bytes, *, head: bytes = b"", limit: float = 8.0) -> Outcome:
    """Send `head` at once, then `dripped` a byte every DRIP_S, until the server closes.

    The clock starts when the connection is made (no head) or when the head is sent.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = time.monotonic()
    if head:
        writer.write(head)
        await writer.drain()
        start = time.monotonic()
    sent = [0]
    feeder = asyncio.create_task(feed(writer, dripped, sent, pause_first=True))
    try:
        data = await asyncio.wait_for(read_until_closed(reader), limit)
        return Outcome(time.monotonic() - start, data, sent[0])
    finally:
        feeder.cancel()
        writer.close()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {
        name.lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:] if line)
    }
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return int(lines[0].split()[1]), headers, body


async def exchange(port: int, *requests: bytes, gap: float = 0.0) -> list[tuple[int, bytes]]:
    """Send each request (waiting `gap` between them) on one connection; their answers."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answers = []
    try:
        for request in requests:
            writer.write(request)
            await writer.drain()
            status, _, body = await read_response(reader)
            answers.append((status, body))
            await asyncio.sleep(gap)
    finally:
        writer.close()
    return answers


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def post(path: str, body: bytes) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def assert_timed_out(
    outcome: Outcome, deadline: float, part: str, *, early_by: float = 0.1
) -> None:
    """A 408 for `part`, closed about `deadline` after the client's clock started.

    The client starts its clock when `open_connection` returns, which can be later than the
    server's accept when many connections open at once: `early_by` allows for that."""
    assert outcome.status == 408, outcome.data[:200]
    error = outcome.json["errors"][0]  # type: ignore[index]
    assert error["extensions"]["code"] == "REQUEST_TIMEOUT"
    request_id = error["extensions"]["requestId"]
    assert f"x-request-id: {request_id}".encode() in outcome.data.lower()
    assert part in error["message"]
    assert b"connection: close" in outcome.data.lower()
    assert deadline - early_by <= outcome.elapsed <= deadline + SLACK_S, outcome.elapsed


async def wait_all_closed(served: Served, within: float = 2.0) -> None:
    for _ in range(int(within / 0.02)):
        if not served.open_connections:
            break
        await asyncio.sleep(0.02)
    assert served.open_connections == 0


async def drip_after_a_keep_alive_request(port: int) -> Outcome:
    """One normal request, an idle pause over the header deadline, then a dripped one."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(get("/"))
        status, _, body = await read_response(reader)
        assert (status, body) == (200, b"ok")
        # Idle longer than the header deadline: keep-alive (5 s) governs an idle connection.
        await asyncio.sleep(HEADER_S + 0.3)
        start = time.monotonic()
        sent = [0]
        feeder = asyncio.create_task(feed(writer, DRIPPED_HEADERS, sent, pause_first=False))
        data = await asyncio.wait_for(read_until_closed(reader), 5)
        feeder.cancel()
        return Outcome(time.monotonic() - start, data, sent[0])
    finally:
        writer.close()


async def pipelined(port: int) -> list[tuple[int, bytes]]:
    """Two requests in one write; the second waits for the first's 1.5 s handler."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(get("/sleep?s=1.5") + post("/echo", b"p" * 10))
        await writer.drain()
        answers = []
        for _ in range(2):
            status, _, body = await read_response(reader)
            answers.append((status, body))
        return answers
    finally:
        writer.close()


# (a) headers dripped, and a connection that says nothing


async def test_dripped_headers_get_408_at_the_header_deadline(served: Served) -> None:
    dripping, silent = await asyncio.gather(
        drip(served.port, DRIPPED_HEADERS),
        drip(served.port, b""),  # connects and sends nothing
    )
    assert_timed_out(dripping, HEADER_S, "headers")
    assert dripping.dripped < len(DRIPPED_HEADERS) // 2
    # Nothing of a request arrived: closed without an answer.
    assert silent.data == b""
    assert HEADER_S - 0.1 <= silent.elapsed <= HEADER_S + SLACK_S


# (b) headers at once, body dripped


async def test_dripped_body_gets_408_at_the_body_deadline(served: Served) -> None:
    outcome = await drip(served.port, b"x" * 1000, head=BODY_HEAD)
    assert_timed_out(outcome, BODY_S, "body")
    assert outcome.dripped < 20


# (c) normal requests, and handlers slower than both deadlines


async def test_normal_and_slow_requests_are_not_cut(served: Served) -> None:
    big = b"y" * (200 * 1024)  # over uvicorn's 64 KiB read buffer: reading pauses
    start = time.monotonic()
    results = await asyncio.gather(
        exchange(served.port, get("/")),
        exchange(served.port, post("/echo", b"z" * 1000)),
        exchange(served.port, post("/sleep?s=3", b"q" * 10)),
        # Sleeps 3 s before reading a body too big to be buffered: the server holds the
        # client up, which does not count against the body deadline.
        exchange(served.port, post("/sleep?s=3&read=after", big)),
        # Idle 1.5 s (over the header deadline) between requests on one connection.
        exchange(served.port, get("/"), get("/"), gap=HEADER_S + 0.5),
        pipelined(served.port),
        # A keep-alive connection's second request has its own header deadline.
        drip_after_a_keep_alive_request(served.port),
    )
    quick, echoed, slow, slow_reader, keep_alive, two, second_dripped = results
    assert quick == [(200, b"ok")]
    assert echoed == [(200, b'{"length":1000}')]
    assert slow == [(200, b"slept 10")]
    assert slow_reader == [(200, f"slept {len(big)}".encode())]
    assert keep_alive == [(200, b"ok"), (200, b"ok")]
    assert two == [(200, b"slept 0"), (200, b'{"length":10}')]
    assert time.monotonic() - start < 4
    assert_timed_out(second_dripped, HEADER_S, "headers")


# (d) many slow clients at once


async def test_200_dripping_connections_are_all_dropped_by_the_deadline(served: Served) -> None:
    start = time.monotonic()
    outcomes = await asyncio.gather(
        *(drip(served.port, DRIPPED_HEADERS) for _ in range(100)),
        *(drip(served.port, b"x" * 1000, head=BODY_HEAD) for _ in range(100)),
    )
    wall = time.monotonic() - start
    # 200 connections open at once on a busy loop: the client may resume from
    # `open_connection` well after the server accepted it (seen: 0.22 s on CI). The exact
    # deadline is proven one connection at a time above; here, that none outlives it.
    # When the client lags by about the whole header deadline, the server's 408 and close
    # meet the client's unread drip bytes and the kernel answers with a reset, which drops
    # the 408 from the client's buffer (seen on a loaded 2-core machine). Such a reset
    # still ended the connection by the deadline; the 408 itself is proven one connection
    # at a time above. How many depends on the machine's load (28 of 200 seen in a CI run
    # with other work on the cores): a reset by the deadline passes, one after it fails
    # below (it is no quick empty answer, so it must be a 408 in time), and at least half
    # must show the 408.
    answered = [
        (outcome, deadline, part)
        for outcome, deadline, part in (
            *((o, HEADER_S, "headers") for o in outcomes[:100]),
            *((o, BODY_S, "body") for o in outcomes[100:]),
        )
        if not (outcome.data == b"" and outcome.elapsed < deadline + SLACK_S)
    ]
    assert len(answered) >= 100, f"{200 - len(answered)} connections were reset"
    for outcome, deadline, part in answered:
        assert_timed_out(outcome, deadline, part, early_by=deadline / 2)
    assert wall < BODY_S + 2 * SLACK_S
    await wait_all_closed(served)


# The h11 fallback


async def test_h11_fallback_enforces_both_deadlines(served_h11: Served) -> None:
    headers, body, slow_reader = await asyncio.gather(
        drip(served_h11.port, DRIPPED_HEADERS),
        drip(served_h11.port, b"x" * 1000, head=BODY_HEAD),
        exchange(served_h11.port, post("/sleep?s=2.3&read=after", b"y" * (200 * 1024))),
    )
    assert_timed_out(headers, HEADER_S, "headers")
    assert_timed_out(body, BODY_S, "body")
    assert slow_reader == [(200, f"slept {200 * 1024}".encode())]
    await wait_all_closed(served_h11)


# Configuration


def test_uvicorn_options_come_from_the_settings() -> None:
    settings = Settings(limits=Limits(header_timeout_s=7.5, body_timeout_s=45.0))
    options = uvicorn_options(settings)
    assert set(options) == {"http", "timeout_keep_alive"}
    assert options["timeout_keep_alive"] == 5
    http = options["http"]
    assert issubclass(http, uvicorn.protocols.http.httptools_impl.HttpToolsProtocol)
    assert (http.header_timeout_s, http.body_timeout_s) == (7.5, 45.0)
    assert protocol_class(7.5, 45.0) is http
    defaults = uvicorn_options(Settings())["http"]
    assert (defaults.header_timeout_s, defaults.body_timeout_s) == (10.0, 30.0)


def test_protocol_classes_pickle_into_a_fresh_process() -> None:
    """uvicorn pickles its config into worker processes (`omni serve --workers N`)."""
    http = protocol_class(7.5, 45.0)
    assert pickle.loads(pickle.dumps(http)) is http
    config = uvicorn.Config("api.app:create_app_from_env", factory=True, http=http)
    script = (
        "import pickle, sys; c = pickle.loads(sys.stdin.buffer.read()); "
        "print(c.http.__name__, c.http.header_timeout_s, c.http.body_timeout_s)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=pickle.dumps(config),
        capture_output=True,
        check=True,
        timeout=30,
    )
    assert done.stdout.decode().split() == [http.__name__, "7.5", "45.0"]


def test_timeouts_must_be_positive() -> None:
    with pytest.raises(ValueError):
        protocol_class(0, 1)
