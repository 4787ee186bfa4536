"""Statements sent past SQLAlchemy (plain reads, the budget's upsert) on a pooled connection
the server has dropped: the request fails once, the connection is thrown away, and the next
use gets a new one instead of the dead one forever."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from domain.budgets import repository as budgets
from domain.catalog.repository import products_by_ids
from domain.db import create_engine

pytestmark = pytest.mark.asyncio


async def _backend_pid(conn: AsyncConnection) -> int:
    return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(engine: AsyncEngine, pid: int) -> None:
    async with engine.connect() as conn:
        killed = await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert killed.scalar_one() is True


async def test_a_plain_read_on_a_dropped_connection_is_not_retried_on_it(fresh_db, engine):
    one = create_engine(fresh_db, pool_size=1, max_overflow=0)
    try:
        async with AsyncSession(one) as session:
            dead = await _backend_pid(await session.connection())
        await _terminate(engine, dead)

        async with AsyncSession(one) as session:
            # What asyncpg raises depends on when the termination is read.
            with pytest.raises(Exception):  # noqa: B017
                await products_by_ids(session, [1])

        async with AsyncSession(one) as session:
            assert 1 in await products_by_ids(session, [1])
            assert await _backend_pid(await session.connection()) != dead
    finally:
        await one.dispose()


async def test_the_budget_on_a_dropped_connection_recovers(fresh_db, engine):
    one = create_engine(fresh_db, pool_size=1, max_overflow=0).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    try:
        async with one.connect() as conn:
            dead = await _backend_pid(conn)
        await _terminate(engine, dead)

        with pytest.raises(Exception):  # noqa: B017
            async with one.connect() as conn:
                await budgets.spend(conn, "test:dropped", 1, 100, 1)

        async with one.connect() as conn:
            spent = await budgets.spend(conn, "test:dropped", 1, 100, 1)
            assert spent.allowed and spent.available == 99
            assert await _backend_pid(conn) != dead
    finally:
        await one.dispose()
