"""Database access for requests.

Session rule (one per request, used by one coroutine at a time): strawberry resolves
sibling fields concurrently, and an AsyncSession (or its connection) must never run two
statements at once. Every request therefore gets one lazily opened AsyncSession behind an
asyncio.Lock: resolvers and DataLoader batches take turns on it. DataLoaders keep the
number of turns bounded by the query's shape, so serialising them costs little, and the
request holds at most one pooled connection. A mutation is one unit of work on that same
session (domain/unit_of_work.py) and commits before its payload is returned.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.db import current_counter
from domain.unit_of_work import rollback

T = TypeVar("T")


@contextlib.contextmanager
def uncounted() -> Iterator[None]:
    """Statements in this block are bookkeeping of the server, not of the operation, and do
    not count toward the request's `x-omni-sql-statements`."""
    token = current_counter.set(None)
    try:
        yield
    finally:
        current_counter.reset(token)


def install_statement_counter(engine: AsyncEngine) -> None:
    """Count SQL statements into the counter of the current request (if any)."""

    def before_cursor_execute(*_: Any) -> None:
        counter = current_counter.get()
        if counter is not None:
            counter.count += 1

    # Once per engine: apps sharing an engine (tests) would otherwise count each statement
    # once per app.
    if getattr(engine.sync_engine, "_omni_counted", False):
        return
    engine.sync_engine._omni_counted = True  # type: ignore[attr-defined]
    event.listen(engine.sync_engine, "before_cursor_execute", before_cursor_execute)


class RequestDb:
    """The one AsyncSession of a request, handed to one coroutine at a time.

    A request that only reads (a query, or finding out who is calling) sets `read_only`
    before its first statement and gets an autocommit session: no BEGIN and ROLLBACK around
    its statements, which cost two round trips and gain nothing, since every statement of
    a READ COMMITTED transaction takes its own snapshot anyway.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        reader: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._reader = reader or sessionmaker
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self.read_only = False

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with self._lock:
            if self._session is None:
                self._session = (self._reader if self.read_only else self._sessionmaker)()
            session = self._session
            try:
                return await work(session)
            except Exception:
                # A failed statement aborts the transaction; without a rollback every later
                # resolver of this request would fail too.
                await rollback(session)
                raise

    async def close(self) -> None:
        async with self._lock:
            if self._session is not None:
                await self._session.close()
                self._session = None
