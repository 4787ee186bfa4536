"""Client-facing errors, and the policy that masks everything unexpected."""

from __future__ import annotations

import enum
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
        result.errors = [self._process(e, request_id) for e in errors]  # type: ignore[union-attr]

    def _process(self, error: GraphQLError, request_id: str | None) -> GraphQLError:
        original = error.original_error
        if original is None or isinstance(original, GraphQLError):
            return error
        if isinstance(original, DomainError):
            extensions = {"code": str(original.code)}
            if original.field:
                extensions["field"] = original.field
            return GraphQLError(
                original.message,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions=extensions,
            )
        log.error(
            "unexpected_error",
            request_id=request_id,
            path=error.path,
            exc_info=(type(original), original, original.__traceback__),
        )
        return GraphQLError(
            MASKED_MESSAGE,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR.value, "requestId": request_id},
        )
