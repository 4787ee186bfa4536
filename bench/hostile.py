"""How a running Omni server answers hostile requests: one row per case, then a Markdown table.

    python bench/hostile.py --url http://127.0.0.1:8000/graphql
                            [--timeout 40] [--settle 60] [--only CASE ...] [--skip CASE ...]
                            [--db-down] [--markdown results.md] [--list]

The server must already be running; this script only sends requests, one case at a time
(never in parallel), and only to the loopback address of `--url`. For every case it prints the
HTTP status (or `timeout` / `connection dropped` / `still open` for the slow-connection cases),
the content type, the response body size in bytes, the wall time in ms, whether the response
carried an `x-request-id` header, and the first error code and message (or a short
description of the data).

Everything is bounded: each HTTP request by `--timeout` seconds (default 40; the whole
exchange, upload and download included), the slow-connection cases by 30 s (15 s for
`many-slow`), every loop by a fixed count. After a case that timed out, `/healthz` is polled
once a second for up to `--settle` seconds (default 60; 0 turns it off) and the row says how
long the server stayed unresponsive; when it is still dead after that, the remaining cases
are reported as skipped (`--keep-going` runs them anyway).

While a case runs, `/healthz` is probed every half second (one probe at a time; `--no-probe`
turns it off) and cases that take a second or more note the slowest probe: how long the
server could not answer anybody else.

`--only` / `--skip` take case names or shell patterns (`fragment-bomb-*`). `fragment-bomb-40`
runs last: on a server without a validation budget it never finishes and keeps a CPU (and,
with one worker, the whole server) busy until the process is killed. `db-down` runs only with
`--db-down`, for an operator who has stopped the database first.

Every GraphQL document starts with a unique comment (`# hostile <run>-<n>`), so a server-side
parser or validation cache cannot make a repeated run look cheap; `--same-documents` sends
the documents verbatim instead (to measure the cached path).

Requests send `Accept: application/graphql-response+json, application/json;q=0.9` (what a
current GraphQL client sends; `--accept` changes it) and no `x-request-id`, so the header in
the response is the server's own.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import fnmatch
import ipaddress
import json
import re
import secrets
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

MIB = 1024 * 1024
DEFAULT_ACCEPT = "application/graphql-response+json, application/json;q=0.9"
KEEP_BODY = 32 * MIB  # bytes of a response kept for parsing; the rest is only counted
READ_CAP = 256 * MIB  # a raw response body is not read past this
SLOW_CAP_S = 30.0
MANY_SLOW_CONNECTIONS = 300
MANY_SLOW_WAIT_S = 15.0
EXCERPT = 90


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass
class Result:
    case: str
    status: str
    content_type: str = "-"
    size: int | None = None
    ms: float | None = None
    request_id: str = "-"
    excerpt: str = ""
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        size = "-" if self.size is None else str(self.size)
        ms = "-" if self.ms is None else f"{self.ms:.0f}"
        notes = f"  [{'; '.join(self.notes)}]" if self.notes else ""
        return (
            f"{self.case:<22} {self.status:<20} {self.content_type:<46} {size:>10} B "
            f"{ms:>7} ms  rid={self.request_id:<3} {self.excerpt}{notes}"
        )


def md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ") or " "


def markdown(results: Sequence[Result], header: str) -> str:
    rows = [
        header,
        "",
        "| Case | Status | Content-Type | Bytes | ms | x-request-id "
        "| First error / result | Notes |",
        "|---|---|---|--:|--:|---|---|---|",
    ]
    for r in results:
        cells = [
            r.case,
            r.status,
            r.content_type,
            "-" if r.size is None else str(r.size),
            "-" if r.ms is None else f"{r.ms:.0f}",
            r.request_id,
            r.excerpt,
            "; ".join(r.notes),
        ]
        rows.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    return "\n".join(rows) + "\n"


def clip(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


Describe = Callable[[Any], str | None]


def summarize(body: bytes, complete: bool, describe: Describe | None = None) -> str:
    """The first error's code and message, or what the data says (via `describe`)."""
    parsed: Any = None
    if complete:
        with contextlib.suppress(Exception):
            parsed = json.loads(body)
    if parsed is None:
        # Too large to keep (or not JSON): look for an error code near the start.
        head = body[:MIB].decode("utf-8", "replace")
        code = re.search(r'"code"\s*:\s*"([^"]{1,60})"', head)
        message = re.search(r'"message"\s*:\s*"((?:[^"\\]|\\.){0,200})', head)
        if code or message:
            return clip(f"{code.group(1) if code else '?'}: {message.group(1) if message else ''}")
        return clip(head) if head.strip() else "(empty body)"
    parts: list[str] = []
    if describe is not None:
        with contextlib.suppress(Exception):
            described = describe(parsed)
            if described:
                parts.append(described)
    if isinstance(parsed, dict):
        errors = parsed.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            extensions = first.get("extensions")
            code = extensions.get("code") if isinstance(extensions, dict) else None
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            parts.append(f"{code or 'no code'}: {first.get('message', '')}{more}")
        elif not parts:
            parts.append("data" if parsed.get("data") is not None else "no data, no errors")
    elif not parts:
        parts.append(f"JSON {type(parsed).__name__}")
    return clip("; ".join(parts))


# --------------------------------------------------------------------------------------
# Raw HTTP/1.1 over asyncio sockets (uploads, slow clients)
# --------------------------------------------------------------------------------------


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    size: int
    complete: bool


async def read_raw_response(reader: asyncio.StreamReader) -> RawResponse | None:
    """One HTTP/1.1 response; None when the connection closes before a status line."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            return None
        head = error.partial
    except asyncio.LimitOverrunError:
        head = await reader.read(64 * 1024)
    lines = head.decode("latin-1").split("\r\n")
    match = re.match(r"HTTP/\d(?:\.\d)? (\d{3})", lines[0])
    if match is None:
        return RawResponse(0, {}, head, len(head), False)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    body = bytearray()
    size = 0
    complete = True

    async def take(n: int) -> bool:
        nonlocal size
        left = n
        while left > 0:
            chunk = await reader.read(min(left, MIB))
            if not chunk:
                return False
            left -= len(chunk)
            size += len(chunk)
            if len(body) < KEEP_BODY:
                body.extend(chunk[: KEEP_BODY - len(body)])
        return True

    if "content-length" in headers:
        complete = await take(min(int(headers["content-length"]), READ_CAP))
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        for _ in range(1_000_000):  # bounded: at most a million chunks
            size_line = await reader.readline()
            if not size_line:
                complete = False
                break
            chunk_size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if chunk_size == 0:
                await reader.readline()
                break
            if size + chunk_size > READ_CAP or not await take(chunk_size):
                complete = False
                break
            await reader.readline()
    else:
        while size < READ_CAP:
            if not await take(MIB):
                break
    complete = complete and size <= KEEP_BODY
    return RawResponse(int(match.group(1)), headers, bytes(body), size, complete)


# --------------------------------------------------------------------------------------
# The bench
# --------------------------------------------------------------------------------------


class Bench:
    def __init__(
        self, url: str, timeout_s: float, settle_s: float, accept: str, unique: bool
    ) -> None:
        self.url = url
        self.unique = unique
        self.run_id = secrets.token_hex(4)
        self.sent = 0
        self.timeout_s = timeout_s
        self.settle_s = settle_s
        self.accept = accept

        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.hostport = parts.netloc
        self.healthz = urlunsplit((parts.scheme, parts.netloc, "/healthz", "", ""))
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            # A fresh connection per request: a timed-out case must not affect the next.
            limits=httpx.Limits(max_keepalive_connections=0, max_connections=10),
            trust_env=False,
        )

    def tag(self) -> str:
        """A leading GraphQL comment that makes each document new to the server's parser and
        validation caches (an attacker varies documents; a warm cache would hide the cost)."""
        self.sent += 1
        return f"# hostile {self.run_id}-{self.sent}\n" if self.unique else ""

    async def close(self) -> None:
        await self.client.aclose()

    # -- plain requests -------------------------------------------------------------------

    async def post(
        self,
        case: str,
        body: bytes,
        *,
        content_type: str = "application/json",
        describe: Describe | None = None,
    ) -> Result:
        headers = {"content-type": content_type, "accept": self.accept}
        started = time.perf_counter()
        kept = bytearray()
        size = 0
        try:
            async with (
                asyncio.timeout(self.timeout_s),
                self.client.stream("POST", self.url, content=body, headers=headers) as response,
            ):
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if len(kept) < KEEP_BODY:
                        kept.extend(chunk[: KEEP_BODY - len(kept)])
        except (TimeoutError, httpx.TimeoutException):
            return Result(case, "timeout", ms=elapsed_ms(started))
        except httpx.TransportError as error:
            return Result(
                case, "connection dropped", ms=elapsed_ms(started), notes=[type(error).__name__]
            )
        ms = elapsed_ms(started)
        result = Result(
            case,
            str(response.status_code),
            content_type=response.headers.get("content-type", "-"),
            size=size,
            ms=ms,
            request_id="yes" if "x-request-id" in response.headers else "no",
            excerpt=summarize(bytes(kept), size <= KEEP_BODY, describe),
        )
        if "retry-after" in response.headers:
            result.notes.append(f"Retry-After: {response.headers['retry-after']}")
        return result

    async def graphql(
        self,
        case: str,
        query: str,
        *,
        variables: Any = None,
        operation_name: str | None = None,
        describe: Describe | None = None,
    ) -> Result:
        document: dict[str, Any] = {"query": self.tag() + query}
        if variables is not None:
            document["variables"] = variables
        if operation_name is not None:
            document["operationName"] = operation_name
        return await self.post(case, json.dumps(document).encode(), describe=describe)

    # -- raw streamed upload ----------------------------------------------------------------

    async def raw_post(self, case: str, head: bytes, fill: int, tail: bytes) -> Result:
        """POST `head + b"x" * fill + tail`, streamed (one 1 MiB buffer), reading the answer
        while still sending so that an early refusal (413, closed connection) is seen."""
        length = len(head) + fill + len(tail)
        request_head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.hostport}\r\n"
            f"Content-Type: application/json\r\nAccept: {self.accept}\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
        ).encode()
        block = b"x" * MIB
        sent = 0

        async def send(writer: asyncio.StreamWriter) -> None:
            nonlocal sent
            writer.write(request_head + head)
            sent += len(head)
            left = fill
            while left > 0:  # bounded: fill / 1 MiB iterations
                piece = block if left >= MIB else block[:left]
                writer.write(piece)
                await writer.drain()
                left -= len(piece)
                sent += len(piece)
            writer.write(tail)
            await writer.drain()
            sent += len(tail)

        started = time.perf_counter()
        writer: asyncio.StreamWriter | None = None
        tasks: list[asyncio.Task[Any]] = []
        notes: list[str] = []
        try:
            async with asyncio.timeout(self.timeout_s):
                reader, writer = await asyncio.open_connection(self.host, self.port, limit=MIB)
                reading = asyncio.create_task(read_raw_response(reader))
                sending = asyncio.create_task(send(writer))
                tasks = [reading, sending]
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                if reading.done() and not sending.done():
                    sending.cancel()
                    notes.append(f"answered after {sent / MIB:.1f} of {length / MIB:.1f} MiB sent")
                elif sending.exception() is not None:
                    notes.append(
                        f"send failed ({type(sending.exception()).__name__}) after "
                        f"{sent / MIB:.1f} of {length / MIB:.1f} MiB"
                    )
                response = await reading
        except TimeoutError:
            return Result(
                case, "timeout", ms=elapsed_ms(started), notes=[f"{sent / MIB:.1f} MiB sent"]
            )
        except (ConnectionError, OSError) as error:
            return Result(
                case, "connection dropped", ms=elapsed_ms(started), notes=[type(error).__name__]
            )
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            if writer is not None:
                writer.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(writer.wait_closed(), 2)
        ms = elapsed_ms(started)
        if response is None:
            return Result(case, "connection dropped", ms=ms, notes=notes)
        return Result(
            case,
            str(response.status) if response.status else "garbage",
            content_type=response.headers.get("content-type", "-"),
            size=response.size,
            ms=ms,
            request_id="yes" if "x-request-id" in response.headers else "no",
            excerpt=summarize(response.body, response.complete),
            notes=notes,
        )

    # -- slow clients ---------------------------------------------------------------------

    async def drip(self, case: str, prefix: bytes, payload: bytes, cap_s: float) -> Result:
        """Send `prefix` at once, then `payload` one byte a second, until the server answers
        or closes, or `cap_s` passes."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(5):
                reader, writer = await asyncio.open_connection(self.host, self.port)
        except (TimeoutError, OSError) as error:
            return Result(case, "connect failed", notes=[type(error).__name__])
        reading = asyncio.create_task(read_raw_response(reader))
        dripped = 0
        write_error = ""
        try:
            if prefix:
                writer.write(prefix)
                await writer.drain()
            for i in range(int(cap_s) + 1):  # bounded: one byte a second up to the cap
                if reading.done() or elapsed_s(started) >= cap_s:
                    break
                if i < len(payload):
                    try:
                        writer.write(payload[i : i + 1])
                        await writer.drain()
                        dripped += 1
                    except (ConnectionError, OSError) as error:
                        write_error = type(error).__name__
                        break
                await asyncio.wait(
                    {reading}, timeout=max(0.0, min(1.0, cap_s - elapsed_s(started)))
                )
            if write_error and not reading.done():
                await asyncio.wait({reading}, timeout=2)
            held = elapsed_s(started)
            if not reading.done():
                reading.cancel()
                with contextlib.suppress(BaseException):
                    await reading
                if not write_error:
                    return Result(
                        case,
                        "still open",
                        ms=held * 1000,
                        excerpt=f"still open after {cap_s:.0f} s",
                        notes=[f"{dripped} bytes dripped"],
                    )
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 2)
        notes = [f"{dripped} bytes dripped"]
        if write_error:
            notes.append(f"write failed: {write_error}")
        read_error = None if reading.cancelled() else reading.exception()
        response = reading.result() if not reading.cancelled() and read_error is None else None
        if response is None:
            if read_error is not None:
                notes.append(type(read_error).__name__)
            return Result(
                case,
                "connection dropped",
                ms=held * 1000,
                excerpt=f"server closed the connection after {held:.1f} s",
                notes=notes,
            )
        return Result(
            case,
            str(response.status),
            content_type=response.headers.get("content-type", "-"),
            size=response.size,
            ms=held * 1000,
            request_id="yes" if "x-request-id" in response.headers else "no",
            excerpt=f"answered after {held:.1f} s: " + summarize(response.body, response.complete),
            notes=notes,
        )

    async def health(self, limit_s: float = 2.0) -> tuple[bool, float]:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(limit_s):
                response = await self.client.get(self.healthz)
            return response.status_code == 200, elapsed_ms(started)
        except (TimeoutError, httpx.HTTPError):
            return False, elapsed_ms(started)

    async def settle(self) -> tuple[bool, float]:
        """Poll /healthz once a second for up to `settle_s`; (recovered, seconds dead)."""
        started = time.perf_counter()
        for _ in range(int(self.settle_s) + 1):  # bounded
            ok, _ms = await self.health(1.0)
            if ok:
                return True, elapsed_s(started)
            if elapsed_s(started) >= self.settle_s:
                break
            await asyncio.sleep(max(0.0, 1.0 - (_ms / 1000)))
        return False, elapsed_s(started)


class HealthWatch:
    """/healthz every half second while a case runs, one probe at a time: how long the
    server was unable to answer anyone else."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.probes = 0
        self.failed = 0
        self.worst_ms = 0.0
        self.pending_since: float | None = None

    async def run(self) -> None:
        for _ in range(10_000):  # bounded; cancelled when the case ends
            await asyncio.sleep(0.5)
            self.pending_since = time.perf_counter()
            ok, ms = await self.bench.health(min(self.bench.timeout_s, 10.0))
            self.pending_since = None
            self.probes += 1
            self.failed += not ok
            self.worst_ms = max(self.worst_ms, ms)

    def stopped(self) -> None:
        """Count a probe still unanswered when the case ended (its wait so far)."""
        if self.pending_since is not None:
            self.probes += 1
            self.failed += 1
            self.worst_ms = max(self.worst_ms, elapsed_ms(self.pending_since))
            self.pending_since = None

    def summary(self) -> str:
        failed = f", {self.failed} failed" if self.failed else ""
        return f"/healthz during case: worst {self.worst_ms:.0f} ms of {self.probes}{failed}"


def elapsed_s(started: float) -> float:
    return time.perf_counter() - started


def elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# --------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------

CaseFn = Callable[[Bench], Awaitable[Result]]


def fragment_bomb_query(n: int) -> str:
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(n - 1)]
    fragments.append(f"fragment F{n - 1} on Query {{ __typename }}")
    return "query { ...F0 } " + " ".join(fragments)


def fragment_bomb(n: int) -> CaseFn:
    async def case(bench: Bench) -> Result:
        return await bench.graphql(f"fragment-bomb-{n}", fragment_bomb_query(n))

    return case


def count_edges(data: Any) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("data"), dict):
        return None
    total = sum(len(v.get("edges") or []) for v in data["data"].values() if isinstance(v, dict))
    return f"{len(data['data'])} aliases, {total} edges"


async def alias_64x100(bench: Bench) -> Result:
    selection = (
        "products(first: 100) { edges { node { id name variants { sku "
        "availability { location { name } available } } } } }"
    )
    query = "{ " + " ".join(f"a{i}: {selection}" for i in range(64)) + " }"
    return await bench.graphql("alias-64x100", query, describe=count_edges)


async def body_64mib(bench: Bench) -> Result:
    head = json.dumps(bench.tag() + "{ __typename }  #")[:-1]  # the open JSON string
    return await bench.raw_post("body-64MiB", b'{"query": ' + head.encode(), 64 * MIB, b'"}')


async def string_64mib(bench: Bench) -> Result:
    return await bench.raw_post(
        "string-64MiB",
        b'{"query": ' + json.dumps(bench.tag() + '{ products(first: 1, search: "')[:-1].encode(),
        64 * MIB,
        b'\\") { edges { cursor } } }"}',
    )


async def json_null(bench: Bench) -> Result:
    return await bench.post("json-null", b"null")


async def json_123(bench: Bench) -> Result:
    return await bench.post("json-123", b"123")


async def json_str(bench: Bench) -> Result:
    return await bench.post("json-str", b'"str"')


async def json_list_empty(bench: Bench) -> Result:
    return await bench.post("json-list-empty", b"[]")


async def deep_variables(bench: Bench) -> Result:
    depth = 1000
    nested = '{"a":' * depth + "null" + "}" * depth  # `v` is 1,000 objects deep
    body = '{"query":"query($v: String){ __typename }","variables":{"v":' + nested + "}}"
    return await bench.post("deep-variables", body.encode())


async def price_tiny(bench: Bench) -> Result:
    # schema.graphql: `input ProductFilter { priceMin: Decimal, priceMax: Decimal, … }`.
    query = '{ products(first: 1, filter: {priceMin: "1e-999999999"}) { edges { cursor } } }'
    return await bench.graphql("price-1e-999999999", query)


async def cursor_nested(bench: Bench) -> Result:
    # domain/pagination.py: a cursor is base64url (unpadded) of a JSON document.
    depth = 50_000
    cursor = b64url(("[" * depth + "]" * depth).encode())
    query = "query($c: String) { products(first: 1, after: $c) { edges { cursor } } }"
    return await bench.graphql("cursor-nested-50000", query, variables={"c": cursor})


async def bad_content_type(bench: Bench) -> Result:
    return await bench.post(
        "bad-content-type", b'{"query": "{ __typename }"}', content_type="text/plain"
    )


async def missing_query(bench: Bench) -> Result:
    return await bench.post("missing-query", b"{}")


def describe_node(data: Any) -> str | None:
    node = (data.get("data") or {}).get("node") if isinstance(data, dict) else None
    if isinstance(node, dict) and node.get("id"):
        decoded = base64.urlsafe_b64decode(node["id"] + "=" * (-len(node["id"]) % 4))
        return f"PRODUCT returned: id {node['id']} ({decoded.decode('utf-8', 'replace')})"
    if isinstance(data, dict) and "data" in data and not data.get("errors"):
        return "node: null"
    return None


def global_id(name: str, raw: str) -> CaseFn:
    async def case(bench: Bench) -> Result:
        gid = b64url(raw.encode())
        result = await bench.graphql(
            name, f'{{ node(id: "{gid}") {{ id }} }}', describe=describe_node
        )
        result.notes.append(f"id {gid} = {raw!r}")
        return result

    return case


def data_keys(data: Any) -> str | None:
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        return "data: " + ", ".join(list(data["data"])[:5])
    return None


async def two_ops_no_name(bench: Bench) -> Result:
    # Aliased so that the answer shows which of the two operations (if any) was run.
    query = "query A { a: __typename } query B { b: __typename }"
    return await bench.graphql("two-ops-no-name", query, describe=data_keys)


async def opname_1mib(bench: Bench) -> Result:
    return await bench.graphql("opname-1MiB", "query Q { __typename }", operation_name="x" * MIB)


async def slow_headers(bench: Bench) -> Result:
    payload = (
        f"POST {bench.path} HTTP/1.1\r\nHost: {bench.hostport}\r\n"
        "Content-Type: application/json\r\nContent-Length: 27\r\n\r\n"
        '{"query": "{ __typename }"}'
    ).encode()
    return await bench.drip("slow-headers", b"", payload, SLOW_CAP_S)


async def slow_body(bench: Bench) -> Result:
    prefix = (
        f"POST {bench.path} HTTP/1.1\r\nHost: {bench.hostport}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    ).encode()
    payload = b'{"query": "{ __typename }", "x": "' + b"x" * 100
    return await bench.drip("slow-body", prefix, payload, SLOW_CAP_S)


async def many_slow(bench: Bench) -> Result:
    """300 connections that send part of a request line and then nothing."""
    started = time.perf_counter()
    writers: list[asyncio.StreamWriter] = []
    watchers: list[asyncio.Task[bytes]] = []
    failed: dict[str, int] = {}
    try:
        for _ in range(MANY_SLOW_CONNECTIONS):  # bounded
            try:
                async with asyncio.timeout(5):
                    reader, writer = await asyncio.open_connection(bench.host, bench.port)
                    writer.write(f"POST {bench.path} HT".encode())
                    await writer.drain()
            except (TimeoutError, OSError) as error:
                failed[type(error).__name__] = failed.get(type(error).__name__, 0) + 1
                continue
            writers.append(writer)
            watchers.append(asyncio.create_task(reader.read(65536)))  # EOF or an answer
        opened_s = elapsed_s(started)
        # Meanwhile, does the server still answer an ordinary client?
        await asyncio.sleep(2)
        ok, health_ms = await bench.health(5.0)
        probe = await bench.graphql("probe", "{ __typename }")
        remaining = MANY_SLOW_WAIT_S - elapsed_s(started)
        if watchers and remaining > 0:
            await asyncio.wait(watchers, timeout=remaining)
        still_open = sum(1 for w in watchers if not w.done())
        answered = sum(1 for w in watchers if w.done() and not w.exception() and w.result())
        closed = len(watchers) - still_open - answered
        held = elapsed_s(started)
    finally:
        for w in watchers:
            w.cancel()
        for writer in writers:
            writer.close()
        await asyncio.gather(*watchers, return_exceptions=True)
    notes = [
        f"{len(writers)} opened in {opened_s:.1f} s",
        f"{closed} closed by server, {answered} answered",
        f"/healthz meanwhile: {'200' if ok else 'FAILED'} in {health_ms:.0f} ms",
        f"{{ __typename }} meanwhile: {probe.status} in {probe.ms or 0:.0f} ms",
    ]
    if failed:
        notes.append("connect failures: " + ", ".join(f"{k}×{v}" for k, v in failed.items()))
    return Result(
        "many-slow",
        f"{still_open}/{MANY_SLOW_CONNECTIONS} open",
        ms=held * 1000,
        excerpt=f"{still_open} of {len(writers)} still open after {held:.0f} s",
        notes=notes,
    )


async def db_down(bench: Bench) -> Result:
    result = await bench.graphql("db-down", "{ products(first: 1) { edges { cursor } } }")
    if not any(note.startswith("Retry-After") for note in result.notes):
        result.notes.append("no Retry-After header")
    return result


CASES: dict[str, CaseFn] = {
    **{f"fragment-bomb-{n}": fragment_bomb(n) for n in (10, 16, 18, 20)},
    "alias-64x100": alias_64x100,
    "body-64MiB": body_64mib,
    "string-64MiB": string_64mib,
    "json-null": json_null,
    "json-123": json_123,
    "json-str": json_str,
    "json-list-empty": json_list_empty,
    "deep-variables": deep_variables,
    "price-1e-999999999": price_tiny,
    "cursor-nested-50000": cursor_nested,
    "bad-content-type": bad_content_type,
    "missing-query": missing_query,
    "global-id-canonical": global_id("global-id-canonical", "Product:1"),
    "global-id-1_0": global_id("global-id-1_0", "Product:1_0"),
    "global-id-space": global_id("global-id-space", "Product: 1"),
    "global-id-arabic-1": global_id("global-id-arabic-1", "Product:\u0661"),
    "global-id-01": global_id("global-id-01", "Product:01"),
    "two-ops-no-name": two_ops_no_name,
    "opname-1MiB": opname_1mib,
    "slow-headers": slow_headers,
    "slow-body": slow_body,
    "many-slow": many_slow,
    # Last: on a server without a validation budget it never finishes.
    "fragment-bomb-40": fragment_bomb(40),
    "db-down": db_down,
}
MANUAL = {"db-down"}  # only with --db-down


def select(names: Sequence[str], only: Sequence[str], skip: Sequence[str], db: bool) -> list[str]:
    for pattern in [*only, *skip]:
        if not any(fnmatch.fnmatchcase(n, pattern) for n in names):
            raise SystemExit(f"no case matches {pattern!r}; --list shows them")
    chosen = [
        n
        for n in names
        if (not only or any(fnmatch.fnmatchcase(n, p) for p in only))
        and not any(fnmatch.fnmatchcase(n, p) for p in skip)
        and (db or n not in MANUAL)
    ]
    if db and "db-down" not in chosen and not only:
        chosen.append("db-down")
    return chosen


def require_loopback(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise SystemExit(f"--url must be an http:// URL, not {url!r}")
    host = parts.hostname
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"refusing to send hostile traffic to {host}: only loopback URLs")


async def run(args: argparse.Namespace, names: list[str]) -> list[Result]:
    bench = Bench(args.url, args.timeout, args.settle, args.accept, not args.same_documents)
    results: list[Result] = []
    try:
        ok, _ = await bench.health(5.0)
        if not ok and not args.db_down:
            raise SystemExit(f"{bench.healthz} does not answer 200: is the server running?")
        wedged = False
        for name in names:
            if wedged and not args.keep_going:
                results.append(Result(name, "skipped", excerpt="server still unresponsive"))
                print(results[-1].line(), flush=True)
                continue
            case_started = time.perf_counter()
            watch = HealthWatch(bench)
            probing = asyncio.create_task(watch.run()) if args.probe else None
            try:
                # A last-resort bound per case (each case bounds itself well inside this).
                async with asyncio.timeout(args.timeout + 2 * SLOW_CAP_S + 30):
                    result = await CASES[name](bench)
            except TimeoutError:
                result = Result(name, "timeout", ms=elapsed_ms(case_started), notes=["case bound"])
            except Exception as error:  # a bug or surprise in one case must not end the run
                result = Result(
                    name, "client error", excerpt=clip(f"{type(error).__name__}: {error}")
                )
            if probing is not None:
                probing.cancel()
                with contextlib.suppress(BaseException):
                    await probing
                watch.stopped()
                if watch.probes and elapsed_s(case_started) >= 1.0:
                    result.notes.append(watch.summary())
            if result.status == "timeout" and args.settle > 0:
                recovered, dead_s = await bench.settle()
                if recovered:
                    result.notes.append(f"/healthz dead {dead_s:.1f} s after the timeout")
                else:
                    result.notes.append(f"/healthz still dead {dead_s:.0f} s after the timeout")
                    wedged = True
            results.append(result)
            print(result.line(), flush=True)
    finally:
        await bench.close()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Send hostile requests to a running Omni server and tabulate the answers."
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql", help="loopback only")
    parser.add_argument("--timeout", type=float, default=40.0, help="per request, seconds")
    parser.add_argument(
        "--settle",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="after a timed-out case, poll /healthz up to this long (0: don't)",
    )
    parser.add_argument("--only", nargs="+", default=[], metavar="CASE", help="names/patterns")
    parser.add_argument("--skip", nargs="+", default=[], metavar="CASE", help="names/patterns")
    parser.add_argument(
        "--db-down", action="store_true", help="include db-down (stop the database first)"
    )
    parser.add_argument(
        "--keep-going", action="store_true", help="run the rest even if the server stays dead"
    )
    parser.add_argument(
        "--no-probe",
        dest="probe",
        action="store_false",
        help="don't poll /healthz (every 0.5 s) while each case runs",
    )
    parser.add_argument(
        "--same-documents",
        action="store_true",
        help="send identical documents every run (by default each starts with a unique "
        "comment, so the server's parser/validation caches do not hide the cost)",
    )
    parser.add_argument("--accept", default=DEFAULT_ACCEPT, help="Accept header of requests")
    parser.add_argument("--markdown", metavar="PATH", help="also write the table to PATH")
    parser.add_argument("--title", default="", help="heading line of the Markdown table")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    names = list(CASES)
    if args.list:
        print("\n".join(f"{n}{'  (--db-down only)' if n in MANUAL else ''}" for n in names))
        return 0
    require_loopback(args.url)
    chosen = select(names, args.only, args.skip, args.db_down)
    if not chosen:
        raise SystemExit("no cases selected")
    results = asyncio.run(run(args, chosen))
    title = args.title or f"### Hostile requests against {args.url} (timeout {args.timeout:g} s)"
    table = markdown(results, title)
    print()
    print(table)
    if args.markdown:
        with open(args.markdown, "a", encoding="utf-8") as out:
            out.write(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
