"""GraphQL over HTTP: the strawberry ASGI view with Omni's context, framing and limits.

Every answer is JSON with a code and the request id: malformed requests are 400s,
throttled ones 429 with Retry-After, an unreachable database 503 with Retry-After, a request
over its deadline 504. The work of a request is cancelled when its client goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Mapping
from typing import Any

import orjson
import structlog
from cross_web import HTTPException
from graphql import GraphQLError, OperationDefinitionNode
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from api import http_cache
from api.config import Settings
from api.context import Context
from api.core.auth import DEVICE_HEADER, RequestRejected, anonymous_actor, resolve_actor
from api.core.errors import UNAVAILABLE_MESSAGE, ErrorCode, clip, is_unavailable, present
from api.core.reads import Reads, current_reads
from api.graphiql import render_page
from api.limits.guard import Guard
from api.middleware import current_request_id, error_body
from api.persisted import PersistedQueries
from api.response_cache import answers as response_cache
from api.response_cache.store import ResponseCache
from api.trusted import TrustedDocuments

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
RETRY_AFTER_UNAVAILABLE_S = 5
# How the response cache took part in an answer: hit, miss or off (the feed is down).
CACHE_HEADER = "x-omni-cache"

log = structlog.get_logger("omni.http")


class _ClientGone(Exception):
    """The client disconnected before its answer was ready."""


def _check_input(value: object, max_depth: int, field: str) -> None:
    """Refuse NUL characters (PostgreSQL text cannot hold them) and nesting deeper than
    `max_depth`, walking iteratively so no input can exhaust the stack."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, str):
            if "\x00" in current or "\\u0000" in current.lower():
                raise RequestRejected(
                    400, "BAD_USER_INPUT", "Text in a request must not contain NUL characters."
                )
            continue
        if isinstance(current, dict | list):
            if depth >= max_depth:
                raise RequestRejected(
                    400,
                    ErrorCode.BAD_REQUEST.value,
                    f"`{field}` nests deeper than {max_depth} levels.",
                )
            if isinstance(current, dict):
                stack.extend((key, depth + 1) for key in current)
                stack.extend((item, depth + 1) for item in current.values())
            else:
                stack.extend((item, depth + 1) for item in current)


def _bad_request(message: str) -> RequestRejected:
    return RequestRejected(400, ErrorCode.BAD_REQUEST.value, message)


def _clip_path(path: Any) -> Any:
    if not isinstance(path, list):
        return path
    return [clip(p) if isinstance(p, str) else p for p in path]


async def _disconnected(receive: Receive) -> None:
    """Returns when the client goes away. Called only once the body has been read, so the
    only message left to receive is the disconnect (or the end of the response)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


class OmniGraphQL(GraphQL[Context, None]):
    """Adds the request context, strict framing, limits, and UTF-8 JSON answers."""

    def __init__(
        self,
        schema: Any,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        guard: Guard,
        engine: AsyncEngine,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            allow_queries_via_get=True,
        )
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.guard = guard
        self.persisted = PersistedQueries()
        self.reader = async_sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT"),
            expire_on_commit=False,
            autoflush=False,
        )
        self.trusted = TrustedDocuments(engine) if settings.trusted_documents else None
        self.cache = (
            ResponseCache(
                max_entries=settings.response_cache_entries,
                max_bytes=settings.response_cache_mb * 1024 * 1024,
                ttl_s=settings.response_cache_ttl_s,
            )
            if settings.response_cache
            else None
        )

    # -- context -------------------------------------------------------------------------

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        assert isinstance(request, Request)
        context = Context.build(
            request,
            self.settings,
            self.sessionmaker,
            current_request_id.get() or "-",
            guard=self.guard,
            reader=self.reader,
        )
        request.state.omni_context = context
        settings = self.settings
        headers = request.headers
        if "authorization" not in headers and DEVICE_HEADER not in headers:
            context.actor = anonymous_actor(request)  # no credentials: no session at all
            return context
        db = context.db
        db.read_only = True
        try:
            context.actor = await db.run(
                lambda session: resolve_actor(request, session, settings.secret_key)
            )
        finally:
            # The operation gets the session its kind needs (see `execute_operation`).
            await db.close()
            db.read_only = False
        return context

    # -- framing -------------------------------------------------------------------------

    def encode_json(self, data: object) -> bytes:
        # orjson writes Vietnamese as UTF-8 rather than \u escapes.
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            raise _bad_request("The body is not valid JSON.") from None

    async def parse_http_body(self, request_adapter: Any) -> GraphQLRequestData:
        """One operation per request, as a JSON object (POST) or query parameters (GET)."""
        if request_adapter.method == "GET":
            params = request_adapter.query_params
            data: object = {
                "query": params.get("query"),
                "variables": self._json_param(params.get("variables"), "variables"),
                "operationName": params.get("operationName"),
                "extensions": self._json_param(params.get("extensions"), "extensions"),
            }
        else:
            content_type = (request_adapter.content_type or "").split(";")[0].strip().lower()
            if content_type != "application/json":
                raise _bad_request(
                    "Send the request as `Content-Type: application/json` "
                    f"(got {clip(content_type or 'none', 60)!r})."
                )
            data = self.decode_json(await request_adapter.get_body())
        if isinstance(data, list):
            raise _bad_request("Batched requests are not supported: send one operation.")
        if not isinstance(data, dict):
            raise _bad_request(
                "The body must be a JSON object with `query` and optional `variables`, "
                "`operationName` and `extensions`."
            )
        query, variables = data.get("query"), data.get("variables")
        operation_name, extensions = data.get("operationName"), data.get("extensions")
        if extensions is not None and not isinstance(extensions, dict):
            raise _bad_request("`extensions` must be a JSON object.")
        if self.trusted is not None:
            query = await self.trusted.resolve(query, extensions)
        else:
            query = self.persisted.resolve(query, extensions)
        # The document as run, for the caching rules (a persisted GET has no `query`).
        http_cache.current_query.set(query if isinstance(query, str) else None)
        if not isinstance(query, str) or not query.strip():
            raise _bad_request("The request has no GraphQL `query`.")
        if variables is not None and not isinstance(variables, dict):
            raise _bad_request("`variables` must be a JSON object.")
        if operation_name is not None and not isinstance(operation_name, str):
            raise _bad_request("`operationName` must be a string.")
        max_depth = self.settings.limits.max_input_depth
        _check_input(query, max_depth, "query")
        _check_input(operation_name, max_depth, "operationName")
        _check_input(variables, max_depth, "variables")
        _check_input(extensions, max_depth, "extensions")
        return GraphQLRequestData(
            query=query,
            variables=variables,
            operation_name=operation_name,
            extensions=extensions,
        )

    def _json_param(self, raw: str | None, name: str) -> object:
        if not raw:
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _bad_request(f"`{name}` is not valid JSON.") from None

    async def execute_operation(
        self,
        request: Any,
        request_adapter: Any,
        request_data: Any,
        context: Context,
        root_value: Any,
        sub_response: Any,
    ) -> Any:
        args = (request, request_adapter, request_data, context, root_value, sub_response)
        operation = self._query_of(request_data)
        if operation is not None:
            context.db.read_only = True
        cache = self.cache
        # A member's key needs their tier, read through the pricing loaders: what those read
        # (the offer's next price change) belongs to the entry computed under that key.
        reads = Reads()
        token = current_reads.set(reads)
        try:
            key = await response_cache.key_of(request_data, operation, context, cache)
        finally:
            current_reads.reset(token)
        if key is None or cache is None:
            return await self._execute(*args)
        if not cache.live:
            context.cache_status = "off"
            return await self._execute(*args)
        entry = cache.get(key)
        flight = cache.flight(key) if entry is None else None
        if flight is not None:
            # The same answer is being computed: wait for it rather than compute it again.
            entry = await asyncio.shield(flight)
        if entry is not None:
            context.cache_status = "hit"
            cache.hits += 1
            return response_cache.answer(entry, context)
        context.cache_status = "miss"
        cache.misses += 1
        ticket = cache.ticket()
        future = cache.lead(key)
        token = current_reads.set(reads)
        stored = None
        try:
            result = await self._execute(*args)
            stored = response_cache.store(cache, key, ticket, result, reads, context)
            return result
        finally:
            current_reads.reset(token)
            cache.land(key, future, stored)

    def _query_of(self, request_data: Any) -> OperationDefinitionNode | None:
        """The request's query operation (None for a mutation), read with the guard's
        parser: its limits hold before anything parses the document, and the guard finds
        it parsed. A document it refuses is refused by the guard again, with its error."""
        if not isinstance(request_data, GraphQLRequestData) or not isinstance(
            request_data.query, str
        ):
            return None
        try:
            parsed = self.guard.documents.get(request_data.query)
        except (GraphQLError, RecursionError):  # graphql-core's nesting limit raises the latter
            return None
        name = request_data.operation_name
        return http_cache.single_query(parsed.document, name if isinstance(name, str) else None)

    async def _execute(self, request: Any, request_adapter: Any, *args: Any) -> Any:
        try:
            return await super().execute_operation(request, request_adapter, *args)
        except HTTPException as error:
            # GraphQL over HTTP: an operation the method does not allow (a mutation over
            # GET) is 405 Method Not Allowed, not a malformed request.
            if request_adapter.method == "GET" and "not allowed" in error.reason:
                raise HTTPException(405, error.reason) from error
            raise

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET carrying a persisted query's hash (and no `query`) is an operation.
        return super().should_render_graphql_ide(request) and (
            request.query_params.get("extensions") is None
        )

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # GraphiQL from Omni's own assets (no CDN), keeping pasted tokens out of storage.
        return HTMLResponse(render_page())

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        if result.errors:
            # Errors raised outside the resolvers (extensions, context) skip the schema's
            # ErrorPolicy; present them here too, so nothing internal is ever shown.
            request_id = current_request_id.get()
            result.errors = [present(e, request_id) for e in result.errors]
        processed: dict[str, Any] = dict(await super().process_result(request, result))
        errors = processed.get("errors")
        if errors:
            # Errors echo names and values from the request; none comes back whole.
            processed["errors"] = [
                {**e, "message": clip(str(e.get("message", ""))), "path": _clip_path(e["path"])}
                if "path" in e
                else {**e, "message": clip(str(e.get("message", "")))}
                for e in errors
            ]
        return processed

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        request: Request | None = getattr(sub_response, "omni_request", None)
        context: Context | None = getattr(request.state, "omni_context", None) if request else None
        accept = request.headers.get("accept", "") if request is not None else ""
        wants_graphql_json = GRAPHQL_RESPONSE_JSON in accept
        data = response_data if isinstance(response_data, dict) else {}
        errors: list[Any] = list(data.get("errors") or [])
        codes = {(e.get("extensions") or {}).get("code") for e in errors}
        limit = self.settings.limits.max_response_bytes
        if len(response.body) > limit:
            response = self._too_large(data, limit, response.status_code)
        elif data.get("data") is None and ErrorCode.THROTTLED.value in codes:
            cost = context.cost if context is not None else None
            wait = cost.retry_after_s if cost is not None and cost.retry_after_s else 1
            response.status_code = 429
            response.headers["retry-after"] = str(max(1, math.ceil(wait)))
        elif ErrorCode.SERVICE_UNAVAILABLE.value in codes or (context and context.unavailable):
            response.status_code = 503
            response.headers["retry-after"] = str(RETRY_AFTER_UNAVAILABLE_S)
        elif (
            wants_graphql_json
            and data.get("data") is None
            and all("path" not in error for error in errors)
        ):
            # GraphQL over HTTP: a request that could not be executed at all is a 400.
            # Errors without a path come from parsing or validation, before execution.
            response.status_code = 400
        media = GRAPHQL_RESPONSE_JSON if wants_graphql_json else "application/json"
        response.headers["content-type"] = media + "; charset=utf-8"
        if context is not None and context.cache_status is not None:
            response.headers[CACHE_HEADER] = context.cache_status
        if request is None or not isinstance(response_data, dict):
            response.headers["cache-control"] = http_cache.PRIVATE
            return response
        anonymous = context is not None and context.actor.is_anonymous
        return http_cache.apply(request, response, data, anonymous, self.settings.public_max_age_s)

    def _too_large(self, data: Mapping[str, Any], limit: int, status: int) -> Response:
        body: dict[str, Any] = {
            "data": None,
            "errors": [
                {
                    "message": f"The answer would be larger than {limit:,} bytes; "
                    "ask for fewer items or fields.",
                    "extensions": {
                        "code": ErrorCode.RESPONSE_TOO_LARGE.value,
                        "requestId": current_request_id.get(),
                        "limit": limit,
                    },
                }
            ],
        }
        if data.get("extensions"):
            body["extensions"] = data["extensions"]
        return Response(orjson.dumps(body), status_code=status)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.omni_request = request  # type: ignore[attr-defined]
        return sub_response

    # -- the request as a whole ----------------------------------------------------------

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        deadline = self.settings.limits.request_deadline_s
        try:
            if request.method == "POST":
                await request.body()  # read (size-checked by the middleware) before watching
            work = asyncio.ensure_future(super().run(request))
            gone = asyncio.ensure_future(_disconnected(request.receive))
            try:
                done, _ = await asyncio.wait(
                    {work, gone}, timeout=deadline, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                for task in (work, gone):
                    if not task.done():
                        task.cancel()
                        with contextlib.suppress(BaseException):
                            await task
            if work in done:
                return work.result()
            if gone in done:
                raise _ClientGone
            raise TimeoutError
        except RequestRejected as rejected:
            return self._error(rejected.status, rejected.code, clip(rejected.message))
        except HTTPException as error:
            code = {
                404: "NOT_FOUND",
                405: "METHOD_NOT_ALLOWED",
            }.get(error.status_code, ErrorCode.BAD_REQUEST.value)
            return self._error(error.status_code, code, clip(error.reason))
        except TimeoutError:
            return self._error(
                504,
                ErrorCode.DEADLINE_EXCEEDED.value,
                f"The request took longer than its {deadline:g} s deadline and was stopped; "
                "ask for less or retry later.",
            )
        except _ClientGone:
            log.info("client_disconnected", request_id=current_request_id.get())
            return Response(status_code=499)  # nobody is listening; the status is for logs
        except Exception as error:
            if not is_unavailable(error):
                raise
            response = self._error(503, ErrorCode.SERVICE_UNAVAILABLE.value, UNAVAILABLE_MESSAGE)
            response.headers["retry-after"] = str(RETRY_AFTER_UNAVAILABLE_S)
            return response
        finally:
            omni_context: Context | None = getattr(request.state, "omni_context", None)
            if omni_context is not None:
                try:
                    await omni_context.db.close()
                except Exception as error:  # a cancelled request may leave a broken connection
                    log.info("session_close_failed", error=type(error).__name__)
                # The loaders' batch functions hold the context that holds them: broken
                # here, the request's rows and futures are freed now by reference counting
                # instead of by the cycle collector, which then has little left to scan.
                omni_context.loaders.clear()

    def _error(self, status: int, code: str, message: str) -> Response:
        return Response(
            error_body(code, message, current_request_id.get()),
            status_code=status,
            media_type="application/json",
            headers={"cache-control": http_cache.PRIVATE},
        )
