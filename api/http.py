"""GraphQL over HTTP: the strawberry ASGI view with Omni's context and encoding."""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse

from api.config import Settings
from api.context import Context
from api.core.auth import RequestRejected, resolve_viewer
from api.middleware import current_request_id

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def _has_nul(*values: object) -> bool:
    for value in values:
        if isinstance(value, str):
            if "\x00" in value or "\\u0000" in value.lower():
                return True
        elif isinstance(value, dict):
            if _has_nul(*value.keys(), *value.values()):
                return True
        elif isinstance(value, list) and _has_nul(*value):
            return True
    return False


class OmniGraphQL(GraphQL[Context, None]):
    """Adds the request context, UTF-8 JSON, and `application/graphql-response+json`."""

    def __init__(
        self,
        schema: Any,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.settings = settings
        self.sessionmaker = sessionmaker

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        assert isinstance(request, Request)
        context = Context.build(
            request, self.settings, self.sessionmaker, current_request_id.get() or "-"
        )
        request.state.omni_context = context
        settings = self.settings
        context.viewer = await context.db.run(
            lambda session: resolve_viewer(request, session, settings.secret_key)
        )
        return context

    def encode_json(self, data: object) -> bytes:
        # orjson writes Vietnamese as UTF-8 rather than \u escapes.
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        request: Request | None = getattr(sub_response, "omni_request", None)
        accept = request.headers.get("accept", "") if request is not None else ""
        if GRAPHQL_RESPONSE_JSON in accept:
            response.headers["content-type"] = GRAPHQL_RESPONSE_JSON + "; charset=utf-8"
            # GraphQL over HTTP: a request that could not be executed at all is a 400.
            # Errors without a path come from parsing or validation, before execution.
            if isinstance(response_data, dict) and response_data.get("data") is None:
                errors: list[Any] = list(response_data.get("errors") or [])
                if all("path" not in error for error in errors):
                    response.status_code = 400
        else:
            response.headers["content-type"] = "application/json; charset=utf-8"
        return response

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.omni_request = request  # type: ignore[attr-defined]
        return sub_response

    async def execute_operation(
        self, request: Any, request_adapter: Any, *args: Any, **kw: Any
    ) -> Any:
        request_data = kw.get("request_data", args[0] if args else None)
        for item in request_data if isinstance(request_data, list) else [request_data]:
            if item is not None and _has_nul(item.query, item.variables):
                # PostgreSQL text cannot hold NUL; refuse it here, readably, for every field.
                raise RequestRejected(
                    400, "BAD_USER_INPUT", "Text in a request must not contain NUL characters."
                )
        try:
            return await super().execute_operation(request, request_adapter, *args, **kw)
        except HTTPException as error:
            # GraphQL over HTTP: an operation the method does not allow (a mutation over
            # GET) is 405 Method Not Allowed, not a malformed request.
            if request_adapter.method == "GET" and "not allowed" in error.reason:
                raise HTTPException(405, error.reason) from error
            raise

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        try:
            return await super().run(request)
        except RequestRejected as rejected:
            return JSONResponse(
                {"errors": [{"message": rejected.message, "extensions": {"code": rejected.code}}]},
                status_code=rejected.status,
            )
        finally:
            omni_context: Context | None = getattr(request.state, "omni_context", None)
            if omni_context is not None:
                await omni_context.db.close()
