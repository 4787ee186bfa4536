"""Builds the Starlette application: /graphql, /healthz and /readyz."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.compression import compression_middleware
from api.config import Settings, asyncpg_url
from api.core.db import install_statement_counter
from api.cors import cors_middleware
from api.graphiql import asset_routes
from api.http import OmniGraphQL
from api.limits.guard import Guard
from api.logging import configure_logging
from api.middleware import RequestContextMiddleware, current_request_id, error_body
from api.migrate import current_revision, head_revision
from api.response_cache.feed import ChangeFeed, install_commit_hook
from api.schema import LIST_SIZES, schema
from domain.db import create_engine
from domain.metadata import import_all_models

# Allocations between two collections of the young generation in a served worker.
YOUNG_GC_THRESHOLD = 20_000


def create_app(settings: Settings | None = None, engine: AsyncEngine | None = None) -> Starlette:
    """The ASGI app. Pass an engine to share one (tests); else one is made from settings."""
    settings = settings or Settings.from_env()
    import_all_models()
    if not structlog.is_configured():
        configure_logging(settings.log_level, json=settings.is_production)
    owns_engine = engine is None
    if engine is None:
        if not settings.database_url:
            raise RuntimeError(
                "DATABASE_URL is not set (omni serve sets it for the embedded server)"
            )
        engine = create_engine(
            asyncpg_url(settings.database_url),
            pool_size=settings.db_pool_size,
            statement_timeout_s=settings.limits.statement_timeout_s,
        )
    install_statement_counter(engine)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    guard = Guard(settings, schema._schema, engine, LIST_SIZES)
    graphql = OmniGraphQL(schema, settings, sessionmaker, guard, engine)
    feed = ChangeFeed.for_url(engine.url, graphql.cache) if graphql.cache is not None else None
    if feed is not None:
        install_commit_hook()
    head = head_revision()

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            revision = await current_revision(engine)
        except Exception as error:  # any failure to reach the database means not ready
            return JSONResponse(
                {
                    "status": "unavailable",
                    "reason": f"database unreachable: {type(error).__name__}",
                },
                status_code=503,
            )
        if revision != head:
            return JSONResponse(
                {
                    "status": "unavailable",
                    "reason": "migrations not at head",
                    "current": revision,
                    "head": head,
                },
                status_code=503,
            )
        return JSONResponse({"status": "ok", "revision": revision})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if owns_engine:
            # The ~130k objects built at start-up (schema, models, libraries) live forever;
            # freezing them keeps every full garbage collection from rescanning them, which
            # otherwise stalled a worker for ~100 ms every few dozen requests.
            gc.collect()
            gc.freeze()
            # A listing page allocates ~40k tracked objects that die with the request; at
            # the default 700 the young generation is collected ~60 times per page, 1–2 ms of
            # its CPU. Collected every 20k instead it costs about half, for a few MB more.
            gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])
        if feed is not None:
            await feed.start()
        try:
            yield
        finally:
            if feed is not None:
                await feed.stop()
            if owns_engine:
                await engine.dispose()

    app = Starlette(
        routes=[
            # Every method reaches the view, which answers the wrong ones with a JSON 405.
            Route("/graphql", graphql),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *(asset_routes() if settings.graphiql_enabled else []),
        ],
        middleware=[
            Middleware(
                RequestContextMiddleware,
                expose_sql_count=not settings.is_production,
                max_body_bytes=settings.limits.max_body_bytes,
            ),
            cors_middleware(settings),
            compression_middleware(),
        ],
        lifespan=lifespan,
        exception_handlers={404: json_http_error, 405: json_http_error},
    )
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    app.state.settings = settings
    app.state.change_feed = feed
    return app


async def json_http_error(request: Request, error: Exception) -> Response:
    """Unknown paths and methods answer JSON with a code, like everything else."""
    status = getattr(error, "status_code", 500)
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "BAD_REQUEST")
    message = {404: "No such path; GraphQL is at /graphql."}.get(status, "Method not allowed.")
    return Response(
        error_body(code, message, current_request_id.get()),
        status_code=status,
        media_type="application/json",
    )


def create_app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` and worker processes."""
    settings = Settings.from_env()
    configure_logging(settings.log_level, json=settings.is_production)
    return create_app(settings)


__all__ = ["AsyncSession", "create_app", "create_app_from_env"]
