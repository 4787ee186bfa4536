"""Test fixtures on a real PostgreSQL.

The server is DATABASE_URL's when set, else an embedded one in a temporary directory.
Migrations and the demo data are applied once to a template database; each database a
test needs is a fast `CREATE DATABASE … TEMPLATE` copy of it. Read-only API tests share
one copy (`catalog_client`); tests that write get their own (`fresh_db`).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import Budget, Budgets, Settings, asyncpg_url
from api.core import plans
from api.core.execution import OmniExecutionContext
from api.logging import configure_logging
from api.migrate import upgrade_head_async
from domain.db import create_engine

TEMPLATE = "omni_test_template"

configure_logging("WARNING")

# Every query a test runs through a compiled plan runs again through graphql-core's generic
# executor; the answers must be the same, errors included (api/core/plans.py). A test can
# turn it off (the benchmarks of tests that count what a request costs do not need it).
OmniExecutionContext.check_plans = os.environ.get("OMNI_TEST_CHECK_PLANS", "1") != "0"


@pytest.fixture(autouse=True)
def compiled_plans_agree() -> Iterator[None]:
    plans.MISMATCHES.clear()
    yield
    mismatches, plans.MISMATCHES[:] = list(plans.MISMATCHES), []
    assert not mismatches, "compiled plan and generic executor differ:\n" + "\n".join(
        f"{body}\n{variables}\ncompiled: {compiled}\ngeneric:  {generic}"
        for body, variables, compiled, generic in mismatches
    )


@dataclass
class PgServer:
    """Where the test PostgreSQL is and how to make databases on it."""

    base_url: str  # postgresql+asyncpg URL of any database on the server

    def url(self, database: str) -> str:
        return make_url(self.base_url).set(database=database).render_as_string(hide_password=False)

    def _connect_kwargs(self) -> dict[str, Any]:
        u = make_url(self.base_url)
        kwargs: dict[str, Any] = {
            "user": u.username,
            "password": u.password,
            "database": "postgres",
            "host": u.host or u.query.get("host"),
            "port": u.port,
        }
        return {k: v for k, v in kwargs.items() if v is not None}

    async def admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(**self._connect_kwargs())

    async def create_database(self, name: str, template: str | None = None) -> str:
        conn = await self.admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            clause = f' TEMPLATE "{template}"' if template else ""
            await conn.execute(f'CREATE DATABASE "{name}"{clause}')
        finally:
            await conn.close()
        return self.url(name)

    async def drop_database(self, name: str) -> None:
        conn = await self.admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    if os.environ.get("DATABASE_URL"):
        yield PgServer(asyncpg_url(os.environ["DATABASE_URL"]))
        return
    from api.embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="omni-test-") as tmp:
        embedded = EmbeddedPostgres(Path(tmp))
        embedded.start()
        try:
            yield PgServer(embedded.url("postgres"))
        finally:
            embedded.stop()


@pytest.fixture(scope="session")
async def template_db(pg_server: PgServer) -> str:
    """A database at the latest migration with the demo data, used as a template."""
    from domain.seed.demo import load_demo_data

    url = await pg_server.create_database(TEMPLATE)
    await upgrade_head_async(url)
    engine = create_engine(url, pool_size=1)
    try:
        from sqlalchemy.ext.asyncio import AsyncSession

        async with AsyncSession(engine) as session, session.begin():
            await load_demo_data(session)
    finally:
        await engine.dispose()
    return TEMPLATE


@pytest.fixture
async def fresh_db(pg_server: PgServer, template_db: str) -> AsyncIterator[str]:
    """A private copy of the demo database for one test; returns its URL."""
    name = f"omni_test_{uuid.uuid4().hex[:12]}"
    url = await pg_server.create_database(name, template=template_db)
    yield url
    await pg_server.drop_database(name)


@pytest.fixture
async def empty_db(pg_server: PgServer) -> AsyncIterator[str]:
    """A database with nothing in it, not even migrations."""
    name = f"omni_test_empty_{uuid.uuid4().hex[:12]}"
    url = await pg_server.create_database(name)
    yield url
    await pg_server.drop_database(name)


@pytest.fixture
async def engine(fresh_db: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a private copy of the demo database (for tests that write)."""
    engine = create_engine(fresh_db, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def writer(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """An ASGI client on a private copy of the demo database."""
    async with client_for(engine, secret_key="test-secret-" + "x" * 32) as c:
        yield c


@pytest.fixture(scope="session")
async def catalog_engine(pg_server: PgServer, template_db: str) -> AsyncIterator[AsyncEngine]:
    url = await pg_server.create_database("omni_test_catalog", template=template_db)
    engine = create_engine(url)
    yield engine
    await engine.dispose()


# The suite sends thousands of queries from one address; budgets are tested on their own
# (tests/test_limits.py), so every other test gets one it cannot exhaust.
UNLIMITED = Budgets(*(Budget(10**9, 10**9) for _ in range(4)))


# The suite runs with the response cache off; `OMNI_TEST_RESPONSE_CACHE=1` runs it (the
# catalog tests, in .ci/run) again with the cache on, so that no test passes only because of
# it and none fails because of it.
CACHE_ON = os.environ.get("OMNI_TEST_RESPONSE_CACHE") == "1"


class AppClient(httpx.AsyncClient):
    """An ASGI client that also runs the app's lifespan (the change feed) while open."""

    def __init__(self, app: Any) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), base_url="http://omni.test")
        self.app = app
        self._lifespan: Any = None

    async def __aenter__(self) -> AppClient:
        self._lifespan = self.app.router.lifespan_context(self.app)
        await self._lifespan.__aenter__()
        await super().__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await super().__aexit__(*exc)
        await self._lifespan.__aexit__(*exc)


def client_for(engine: AsyncEngine, **settings: Any) -> AppClient:
    settings.setdefault("budgets", UNLIMITED)
    settings.setdefault("response_cache", CACHE_ON)
    app = create_app(Settings(database_url="unused", **settings), engine=engine)
    return AppClient(app)


@pytest.fixture(scope="session")
async def client(catalog_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """An ASGI client on the shared read-only demo database."""
    async with client_for(catalog_engine) as c:
        yield c


class GraphQLResult(dict[str, Any]):
    response: httpx.Response

    @property
    def data(self) -> Any:
        return self["data"]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.get("errors") or []

    @property
    def sql_statements(self) -> int:
        return int(self.response.headers["x-omni-sql-statements"])

    def error_codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> GraphQLResult:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    result = GraphQLResult(response.json())
    result.response = response
    return result


async def ok(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """Run a query that must succeed and return its data."""
    result = await gql(client, query, variables, headers)
    assert not result.errors, result.errors
    return result.data
