"""Declarative base and engine factory shared by every capability."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from typing import Any, TypeVar

import asyncpg
import orjson
from sqlalchemy import BigInteger, ColumnElement, MetaData, any_, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep Alembic autogenerate free of spurious drift.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class StatementCounter:
    """The SQL statements of one request, for its `x-omni-sql-statements` and the tests."""

    def __init__(self) -> None:
        self.count = 0


current_counter: ContextVar[StatementCounter | None] = ContextVar(
    "omni_statement_counter", default=None
)


def count_statement() -> None:
    """A statement sent past SQLAlchemy (to the driver itself) counts too."""
    counter = current_counter.get()
    if counter is not None:
        counter.count += 1


T = TypeVar("T")

# What the driver raises when its connection is gone (the server restarted or dropped it)
# or no longer usable (a termination that arrives mid-statement leaves the protocol in a
# state it reports as an InternalClientError).
_DISCONNECTED = (
    OSError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
)


async def on_driver(conn: AsyncConnection, work: Callable[[Any], Awaitable[T]]) -> T:
    """`work(driver_connection)`: statements sent past SQLAlchemy, straight to asyncpg, on
    `conn`'s connection. SQLAlchemy invalidates a pooled connection that turns out dead only
    when its own statement meets the error; here the same is done for the driver's, or the
    pool would hand the dead connection out again and again."""
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    try:
        return await work(driver)
    except Exception as error:
        # Arguments the driver refuses (its client-side DataError is an InterfaceError and
        # a ValueError) leave the connection healthy.
        refused = isinstance(error, ValueError | asyncpg.ClientConfigurationError)
        gone = isinstance(error, _DISCONNECTED) and not refused
        if gone or driver.is_closed():  # type: ignore[union-attr]
            await conn.invalidate(error)
        raise


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 20,
    statement_timeout_s: float | None = None,
    connect_timeout_s: float = 5.0,
    pool_timeout_s: float = 10.0,
) -> AsyncEngine:
    server_settings = {"jit": "off", "application_name": "omni"}
    if statement_timeout_s is not None:
        # A runaway statement is stopped by PostgreSQL itself, whatever the client does.
        server_settings["statement_timeout"] = str(int(statement_timeout_s * 1000))
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=False,
        # Fail fast while the database is unreachable rather than queue requests for minutes.
        pool_timeout=pool_timeout_s,
        # asyncpg's statement cache already avoids re-parsing; keep JIT off because
        # PostgreSQL's JIT costs more than it saves on short OLTP queries.
        connect_args={"server_settings": server_settings, "timeout": connect_timeout_s},
        # jsonb columns (variant options, product attributes and images) come back on every
        # catalog row: orjson reads them several times faster than the json module.
        json_deserializer=orjson.loads,
    )


def in_list(column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column = ANY(:values)` with one array parameter: the one way to query by a list of
    ids or keys.

    An `IN (...)` list renders one placeholder per value, so SQLAlchemy rebuilds the SQL for
    every batch size and PostgreSQL sees a new statement; the array form is one cached
    statement whatever the batch size.
    """
    return column == any_(literal(list(values), ARRAY(column.type)))  # type: ignore[no-any-return]


def in_ids(column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """`in_list` for BIGINT ids (also for columns typed as plain integers)."""
    return column == any_(literal(list(ids), ARRAY(BigInteger)))  # type: ignore[no-any-return]
