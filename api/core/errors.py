"""Client-facing errors, and the policy that masks everything unexpected."""

from __future__ import annotations

import enum
import re
from collections.abc import AsyncIterator
from typing import Any

import structlog
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from domain.errors import DomainError

log = structlog.get_logger("omni.errors")

MASKED_MESSAGE = "Unexpected error. Quote the request id when reporting it."


class ErrorCode(enum.StrEnum):
    """Codes in `errors[].extensions.code` for GraphQL errors raised by Omni."""

    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    # The request itself (README, "Limits" and "Errors").
    BAD_REQUEST = "BAD_REQUEST"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    OPERATION_NOT_FOUND = "OPERATION_NOT_FOUND"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
    MAX_COST_EXCEEDED = "MAX_COST_EXCEEDED"
    THROTTLED = "THROTTLED"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


UNAVAILABLE_MESSAGE = "The service cannot reach its database right now; retry shortly."
_ECHO_LIMIT = 200
_MESSAGE_LIMIT = 1000
_RUNS = re.compile(r"'[^']*'|\"[^\"]*\"|\S+")


def clip(message: str, limit: int = _ECHO_LIMIT) -> str:
    """Cut every echoed value in a message (a quoted string or a long word) to `limit`
    characters, and the message to a sane length: a client must not get its own megabyte
    back inside an error."""

    def shorten(match: re.Match[str]) -> str:
        run = match.group(0)
        return run if len(run) <= limit else run[:limit] + "…"

    clipped = _RUNS.sub(shorten, message)
    return clipped if len(clipped) <= _MESSAGE_LIMIT else clipped[:_MESSAGE_LIMIT] + "…"


def is_unavailable(error: BaseException) -> bool:
    """True when the database cannot be reached (refused, gone, restarting, pool exhausted)."""
    import asyncpg
    from sqlalchemy import exc as sa

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(
            current,
            OSError
            | asyncpg.CannotConnectNowError
            | asyncpg.ConnectionDoesNotExistError
            | asyncpg.AdminShutdownError
            | asyncpg.CrashShutdownError
            | asyncpg.InterfaceError
            | sa.TimeoutError,
        ):
            return True
        if isinstance(current, sa.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


def is_statement_timeout(error: BaseException) -> bool:
    import asyncpg

    current: BaseException | None = error
    for _ in range(10):
        if current is None:
            return False
        if isinstance(current, asyncpg.QueryCanceledError):
            return True
        current = current.__cause__ or current.__context__
    return False


class ClientError(GraphQLError):
    """An error about the request itself; its message is safe to show."""

    def __init__(
        self,
        message: str,
        code: ErrorCode | str = ErrorCode.BAD_USER_INPUT,
        field: str | None = None,
    ) -> None:
        extensions: dict[str, Any] = {"code": str(code)}
        if field is not None:
            extensions["field"] = field
        super().__init__(message, extensions=extensions)


class NotFound(ClientError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, ErrorCode.NOT_FOUND, field)


class ErrorPolicy(SchemaExtension):
    """Keeps validation and client errors readable, masks and logs the rest.

    Strawberry's MaskErrors would also mask validation errors; this extension only masks
    errors raised from unexpected exceptions, and logs those with the request id.
    """

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        result.errors = [present(e, request_id) for e in errors]  # type: ignore[union-attr]


def present(error: GraphQLError, request_id: str | None) -> GraphQLError:
    """The error as the client may see it: domain and client errors as they are, database
    outages and timeouts with their codes, anything else masked and logged (once: the
    masked error has no original left to log)."""
    original = error.original_error
    plain = original is None or isinstance(original, GraphQLError)
    if plain and error.path is None and "code" not in (error.extensions or {}):
        # graphql-core's validation and variable errors: give them a code like the rest.
        return _replaced(
            error,
            error.message,
            {**(error.extensions or {}), "code": ErrorCode.GRAPHQL_VALIDATION_FAILED.value},
        )
    if original is None or isinstance(original, GraphQLError):
        return error
    if isinstance(original, DomainError):
        extensions = {"code": str(original.code)}
        if original.field:
            extensions["field"] = original.field
        return _replaced(error, original.message, extensions)
    if is_unavailable(original):
        return _replaced(
            error,
            UNAVAILABLE_MESSAGE,
            {"code": ErrorCode.SERVICE_UNAVAILABLE.value, "requestId": request_id},
        )
    if is_statement_timeout(original):
        return _replaced(
            error,
            "The database took too long to answer; ask for less or retry later.",
            {"code": ErrorCode.DEADLINE_EXCEEDED.value, "requestId": request_id},
        )
    log.error(
        "unexpected_error",
        request_id=request_id,
        path=error.path,
        exc_info=(type(original), original, original.__traceback__),
    )
    return _replaced(
        error,
        MASKED_MESSAGE,
        {"code": ErrorCode.INTERNAL_SERVER_ERROR.value, "requestId": request_id},
    )


def _replaced(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    """The same error at the same place, with another message and extensions."""
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )
