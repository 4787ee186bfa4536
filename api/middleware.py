"""ASGI middleware: request ids, body size limit, SQL statement counting, access logs, and
the last line of defence that turns any escaped exception into a JSON 500 with the id."""

from __future__ import annotations

import contextvars
import time
import uuid

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.db import StatementCounter, current_counter

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "omni_request_id", default=None
)

log = structlog.get_logger("omni.http")

SQL_COUNT_HEADER = b"x-omni-sql-statements"
MASKED_MESSAGE = "Unexpected error. Quote the request id when reporting it."


def error_body(code: str, message: str, request_id: str | None) -> bytes:
    """The JSON of an answer refused before GraphQL ran: one error with code and id."""
    return orjson.dumps(
        {"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}
    )


class BodyTooLarge(Exception):
    pass


class RequestContextMiddleware:
    """Gives every request an id (X-Request-Id, echoed back), caps the body size, and counts
    its SQL statements.

    The statement count is returned in `X-Omni-Sql-Statements` outside production, for tests
    and benchmarks.
    """

    def __init__(self, app: ASGIApp, *, expose_sql_count: bool, max_body_bytes: int) -> None:
        self.app = app
        self.expose_sql_count = expose_sql_count
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex
        counter = StatementCounter()
        id_token = current_request_id.set(request_id)
        counter_token = current_counter.set(counter)
        started = time.perf_counter()
        status = 500
        response_started = False
        limit = self.max_body_bytes
        received = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                if self.expose_sql_count:
                    headers.append((SQL_COUNT_HEADER, str(counter.count).encode()))
                message["headers"] = headers
            await send(message)

        async def limited_receive() -> Message:
            # Counted as it arrives, so a chunked body without Content-Length is cut too.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def refuse(code: int, error: str, message: str) -> None:
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": code,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send_with_headers(
                {
                    "type": "http.response.body",
                    "body": error_body(error, message, request_id),
                }
            )

        too_large = f"The request body is larger than {limit:,} bytes."
        try:
            declared = headers.get(b"content-length", b"0").decode("latin-1")
            if declared.isdigit() and int(declared) > limit:
                await refuse(413, "PAYLOAD_TOO_LARGE", too_large)
                return
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not response_started:
                await refuse(413, "PAYLOAD_TOO_LARGE", too_large)
        except Exception:
            # Anything escaping the app is a bug: log it once, with the id, and answer JSON.
            log.exception("unexpected_error", request_id=request_id, path=scope.get("path"))
            if not response_started:
                await refuse(500, "INTERNAL_SERVER_ERROR", MASKED_MESSAGE)
        finally:
            log.debug(
                "request",
                request_id=request_id,
                method=scope.get("method"),
                path=scope.get("path"),
                status=status,
                sql_statements=counter.count,
                ms=round((time.perf_counter() - started) * 1000, 2),
            )
            current_counter.reset(counter_token)
            current_request_id.reset(id_token)
