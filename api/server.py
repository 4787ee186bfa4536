"""uvicorn's HTTP protocol with read deadlines, so slow clients cannot hold connections.

uvicorn times out only idle keep-alive connections. A client that connects and says nothing,
or drips its headers or body a byte at a time, keeps its connection (and whatever the app
holds for it) forever. The protocol classes here add two deadlines, for reading only:

* headers: from the connection opening, or from the first byte of each later request on a
  keep-alive connection, until the headers are complete (OMNI_HEADER_TIMEOUT, 10 s);
* body: from the headers being complete until the whole body has arrived
  (OMNI_BODY_TIMEOUT, 30 s).

A client that misses one gets `408` with a GraphQL-shaped JSON error, when nothing of a
response was written yet and it had sent part of a request, and the connection is closed.
Once a request has been read the timers are off: a slow handler is bounded by the app's own
deadline, not by these. Time the server itself makes the client wait (reading paused for a
pipelined request or an unread body, or `Expect: 100-continue` not yet answered) is not
counted: the window starts over once the server is ready to read again.

The classes are made per pair of timeouts by `protocol_class` and are importable by name
from this module, so uvicorn can pickle its config into worker processes (`--workers`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

if TYPE_CHECKING:
    from api.config import Settings

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is part of uvicorn[standard]
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

Impl = Literal["auto", "httptools", "h11"]

# uvicorn's default: how long an idle keep-alive connection waits for its next request.
KEEP_ALIVE_S = 5
# While the server holds a client up, how often to look whether it has stopped doing so.
_HOLD_POLL_S = 0.5
# After a timeout's close, how long an unread 408 may keep the socket before it is reset.
_ABORT_GRACE_S = 2.0


def _timeout_response(message: str) -> tuple[bytes, bytes]:
    """The status line and headers (without the blank line) and the body of a 408, with a
    fresh request id like every other answer (the app never saw this request)."""
    request_id = uuid.uuid4().hex
    body = json.dumps(
        {
            "errors": [
                {
                    "message": message,
                    "extensions": {"code": "REQUEST_TIMEOUT", "requestId": request_id},
                }
            ]
        }
    ).encode()
    head = (
        b"HTTP/1.1 408 Request Timeout\r\n"
        b"content-type: application/json\r\n"
        b"content-length: %d\r\n"
        b"x-request-id: %s\r\n"
        b"connection: close\r\n" % (len(body), request_id.encode())
    )
    return head, body


_HEADERS_LATE = "The request headers did not arrive in time."
_BODY_LATE = "The request body did not arrive in time."


class _Cycle(Protocol):
    """What the timers use of uvicorn's RequestResponseCycle (the same in both parsers)."""

    disconnected: bool
    keep_alive: bool
    waiting_for_100_continue: bool
    response_started: bool
    response_complete: bool
    message_event: asyncio.Event


class _Timer:
    """One pending `call_later`, armed again or cancelled as a unit."""

    __slots__ = ("_handle",)

    def __init__(self) -> None:
        self._handle: asyncio.TimerHandle | None = None

    @property
    def armed(self) -> bool:
        return self._handle is not None

    def arm(self, loop: asyncio.AbstractEventLoop, delay: float, callback: Any) -> None:
        self.cancel()
        self._handle = loop.call_later(delay, callback)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class _ReadDeadlines:
    """The deadline logic shared by the httptools and h11 protocols (a mixin: first base)."""

    header_timeout_s: ClassVar[float] = 10.0
    body_timeout_s: ClassVar[float] = 30.0

    # Provided by uvicorn's protocol classes.
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    server_state: ServerState
    logger: logging.Logger
    client: tuple[str, int] | None

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)  # type: ignore[call-arg]
        self._header_timer = _Timer()
        self._body_timer = _Timer()
        self._abort_timer = _Timer()
        self._header_held = False
        self._body_held = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._start_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_deadlines()
        super().connection_lost(exc)  # type: ignore[misc]

    def _active_cycle(self) -> _Cycle | None:
        cycle: _Cycle | None = getattr(self, "cycle", None)
        return cycle

    # Hooks for the parser-specific subclasses.

    def _request_begun(self) -> bool:
        """Whether any byte of the request being waited for has arrived."""
        raise NotImplementedError

    def _earlier_response_pending(self) -> bool:
        """Whether a pipelined earlier request is still being answered."""
        return False

    # Arming and disarming.
    def _start_header_deadline(self) -> None:
        self._header_held = False
        self._header_timer.arm(self.loop, self.header_timeout_s, self._header_deadline)

    def _stop_header_deadline(self) -> None:
        self._header_timer.cancel()

    def _start_body_deadline(self) -> None:
        self._body_held = False
        self._body_timer.arm(self.loop, self.body_timeout_s, self._body_deadline)

    def _stop_body_deadline(self) -> None:
        self._body_timer.cancel()

    def _stop_deadlines(self) -> None:
        self._header_timer.cancel()
        self._body_timer.cancel()
        self._abort_timer.cancel()

    # Expiry.
    def _header_deadline(self) -> None:
        self._header_timer.cancel()
        if self.transport.is_closing():
            return
        if not self.transport.is_reading():
            # The server stopped reading (a pipelined request ahead): not the client's time.
            self._header_held = True
            self._header_timer.arm(
                self.loop, min(_HOLD_POLL_S, self.header_timeout_s), self._header_deadline
            )
            return
        if self._header_held:
            self._start_header_deadline()
            return
        cycle = self._active_cycle()
        if cycle is not None and not cycle.response_complete:
            # An earlier request on this connection is still being answered: finish that
            # answer, then close (as uvicorn's graceful shutdown does).
            cycle.keep_alive = False
            return
        self._drop("headers", _HEADERS_LATE if self._request_begun() else None)

    def _body_deadline(self) -> None:
        self._body_timer.cancel()
        if self.transport.is_closing():
            return
        cycle = self._active_cycle()
        if not self.transport.is_reading() or (
            cycle is not None and cycle.waiting_for_100_continue
        ):
            # Reading paused for an unread body or a pipelined request, or the client was
            # not told to send yet: the server is holding the client up.
            self._body_held = True
            self._body_timer.arm(
                self.loop, min(_HOLD_POLL_S, self.body_timeout_s), self._body_deadline
            )
            return
        if self._body_held:
            self._start_body_deadline()
            return
        answer = (
            cycle is not None
            and not cycle.response_started
            and not self._earlier_response_pending()
        )
        self._drop("body", _BODY_LATE if answer else None)

    def _drop(self, part: str, late: str | None) -> None:
        cycle = self._active_cycle()
        if cycle is not None and not cycle.response_complete:
            # The app's sends become no-ops and its receive() returns http.disconnect.
            cycle.disconnected = True
            cycle.message_event.set()
        if late is not None:
            head, body = _timeout_response(late)
            extra = b"".join(
                b"%s: %s\r\n" % (name, value) for name, value in self.server_state.default_headers
            )
            self.transport.write(head + extra + b"\r\n" + body)
        self.transport.close()
        # close() waits for the 408 to be written; a client that reads nothing gets reset.
        self._abort_timer.arm(self.loop, _ABORT_GRACE_S, self.transport.abort)
        self.logger.debug("Closed a connection from %s: request %s too slow", self.client, part)


if HttpToolsProtocol is not None:

    class _HttpToolsDeadlines(_ReadDeadlines, HttpToolsProtocol):
        """uvicorn's httptools protocol with header and body read deadlines."""

        _reading_headers = False

        def _request_begun(self) -> bool:
            return self._reading_headers

        def _earlier_response_pending(self) -> bool:
            return bool(self.pipeline)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._reading_headers = True
            # The first request's clock started with the connection.
            if not self._header_timer.armed:
                self._start_header_deadline()

        def on_headers_complete(self) -> None:
            self._reading_headers = False
            self._stop_header_deadline()
            super().on_headers_complete()
            if not (self.parser.should_upgrade() and self._should_upgrade()):
                self._start_body_deadline()

        def on_message_complete(self) -> None:
            self._stop_body_deadline()
            super().on_message_complete()

        def handle_websocket_upgrade(self) -> None:
            self._stop_deadlines()
            super().handle_websocket_upgrade()


class _H11Deadlines(_ReadDeadlines, H11Protocol):
    """uvicorn's h11 protocol with header and body read deadlines.

    h11 has no per-event callbacks to hook, so the timers follow the state h11 reports for
    the client after each batch of events.
    """

    def _request_begun(self) -> bool:
        return bool(self.conn.trailing_data[0])

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow_state()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow_state()

    def handle_websocket_upgrade(self, event: Any) -> None:
        self._stop_deadlines()
        super().handle_websocket_upgrade(event)

    def _follow_state(self) -> None:
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        if state is h11.IDLE:
            self._stop_body_deadline()
            if not self._header_timer.armed and self._request_begun():
                self._start_header_deadline()
        elif state is h11.SEND_BODY:
            self._stop_header_deadline()
            if not self._body_timer.armed:
                self._start_body_deadline()
        else:  # DONE, MUST_CLOSE, CLOSED, ERROR or SWITCHED_PROTOCOL
            self._stop_header_deadline()
            self._stop_body_deadline()


_BASES: dict[str, type[_ReadDeadlines]] = {"h11": _H11Deadlines}
if HttpToolsProtocol is not None:
    _BASES["httptools"] = _HttpToolsDeadlines
_PREFIX = {"httptools": "HttpToolsDeadlines", "h11": "H11Deadlines"}
_NAME_RE = re.compile(r"^(HttpToolsDeadlines|H11Deadlines)_(\d+)ms_(\d+)ms$")
_CLASSES: dict[str, type[asyncio.Protocol]] = {}


def protocol_class(
    header_timeout_s: float, body_timeout_s: float, *, impl: Impl = "auto"
) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools, else h11) with these read deadlines, in seconds.

    The same arguments give the same class; timeouts are kept to the millisecond.
    """
    if impl == "auto":
        impl = "httptools" if "httptools" in _BASES else "h11"
    if impl not in _BASES:
        raise ValueError(f"HTTP implementation {impl!r} is not available")
    header_ms, body_ms = round(header_timeout_s * 1000), round(body_timeout_s * 1000)
    if header_ms <= 0 or body_ms <= 0:
        raise ValueError("read timeouts must be at least a millisecond")
    return _class_named(f"{_PREFIX[impl]}_{header_ms}ms_{body_ms}ms")


def _class_named(name: str) -> type[asyncio.Protocol]:
    if name in _CLASSES:
        return _CLASSES[name]
    match = _NAME_RE.match(name)
    if match is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    prefix, header_ms, body_ms = match.groups()
    impl = "httptools" if prefix == _PREFIX["httptools"] else "h11"
    if impl not in _BASES:
        raise AttributeError(f"{name}: httptools is not installed")
    cls = type(
        name,
        (_BASES[impl],),
        {
            "__module__": __name__,
            "__qualname__": name,
            "header_timeout_s": int(header_ms) / 1000,
            "body_timeout_s": int(body_ms) / 1000,
        },
    )
    _CLASSES[name] = cls
    return cls


def __getattr__(name: str) -> type[asyncio.Protocol]:
    """Generated classes by name, so pickle (uvicorn's worker processes) can find them."""
    return _class_named(name)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The `uvicorn.run` options that bound how long a client may take to send a request.

    `limit_concurrency` stays unset: uvicorn counts every open connection against it and
    answers 503 to new requests past it, so slow clients would crowd out good ones; with
    the read deadlines, slow connections end by themselves instead.
    """
    limits = settings.limits
    return {
        "http": protocol_class(limits.header_timeout_s, limits.body_timeout_s),
        "timeout_keep_alive": KEEP_ALIVE_S,
    }
