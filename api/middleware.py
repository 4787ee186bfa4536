"""ASGI middleware: request ids, SQL statement counting, and structured access logs."""

from __future__ import annotations

import contextvars
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.db import StatementCounter, current_counter

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "omni_request_id", default=None
)

log = structlog.get_logger("omni.http")

SQL_COUNT_HEADER = b"x-omni-sql-statements"


class RequestContextMiddleware:
    """Gives every request an id (X-Request-Id, echoed back) and counts its SQL statements.

    The statement count is returned in `X-Omni-Sql-Statements` outside production, for tests
    and benchmarks.
    """

    def __init__(self, app: ASGIApp, *, expose_sql_count: bool) -> None:
        self.app = app
        self.expose_sql_count = expose_sql_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex
        counter = StatementCounter()
        id_token = current_request_id.set(request_id)
        counter_token = current_counter.set(counter)
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                if self.expose_sql_count:
                    headers.append((SQL_COUNT_HEADER, str(counter.count).encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
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
