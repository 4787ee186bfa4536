"""The change feed: change events from every process reach this process's cache.

One connection per process runs `LISTEN omni_changes` (domain/changes/events.py: the payload
is the event id, sent when the writing transaction commits). Ids are read in batches with
what the cache needs (a stock change's variant and product) and applied. The connection is
pinged; when it drops or stops answering, the cache empties and stays off until a new
connection listens again (events sent in between are never seen, so nothing held before
can be trusted).

The writing process does not wait for its own NOTIFY: the commit hook below applies its
changes the moment it commits, so a client reads its own writes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import structlog
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from api.response_cache.store import EVERYTHING, Change, ResponseCache, apply_everywhere
from domain.changes.events import NOTIFY_CHANNEL, PENDING

log = structlog.get_logger("omni.cache")

APPLICATION_NAME = "omni-change-feed"
_DETAILS = """
    SELECT e.id, e.kind, e.entity_id, v.product_id
    FROM change_events e
    LEFT JOIN product_variants v ON e.kind = 'stock.changed' AND v.id = e.entity_id
    WHERE e.id = ANY($1::bigint[])
"""


def dsn(url: URL) -> str:
    """The libpq DSN of a SQLAlchemy URL, its options (a socket `host`, `sslmode`…) kept."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class ChangeFeed:
    def __init__(
        self,
        connect: Callable[[], Awaitable[asyncpg.Connection]],
        cache: ResponseCache,
        retry_s: float = 1.0,
        ping_s: float = 5.0,
    ) -> None:
        self._connect = connect
        self.cache = cache
        self.retry_s = retry_s
        self.ping_s = ping_s
        self._task: asyncio.Task[None] | None = None
        self._up = asyncio.Event()
        self.applied = 0  # events applied, for tests and the benchmark

    @classmethod
    def for_url(cls, url: URL, cache: ResponseCache, **kwargs: Any) -> ChangeFeed:
        address = dsn(url)

        async def connect() -> asyncpg.Connection:
            return await asyncpg.connect(
                address, server_settings={"application_name": APPLICATION_NAME}, timeout=5
            )

        return cls(connect, cache, **kwargs)

    async def start(self, wait_s: float = 5.0) -> None:
        """Start listening; returns once the feed is up (or after `wait_s`, still trying)."""
        self._task = asyncio.create_task(self._run(), name="omni-change-feed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._up.wait(), wait_s)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def wait_up(self, timeout_s: float) -> None:
        await asyncio.wait_for(self._up.wait(), timeout_s)

    async def _run(self) -> None:
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any failure of the feed: cache off, then retry
                log.warning("change_feed_down", error=type(error).__name__, detail=str(error))
            finally:
                self._up.clear()
                self.cache.set_live(False)
            await asyncio.sleep(self.retry_s)

    async def _listen(self) -> None:
        ids: asyncio.Queue[int] = asyncio.Queue()
        lost = asyncio.Event()
        conn = await self._connect()
        try:
            conn.add_termination_listener(lambda _: lost.set())
            await conn.add_listener(
                NOTIFY_CHANNEL, lambda _c, _pid, _channel, payload: ids.put_nowait(int(payload))
            )
            self.cache.set_live(True)
            self._up.set()
            log.info("change_feed_up")
            while True:
                first = await self._next(ids, lost, conn)
                if first is None:
                    continue
                batch = [first]
                while not ids.empty():
                    batch.append(ids.get_nowait())
                self.applied += len(batch)
                batch = [i for i in batch if not self.cache.already_applied(i)]
                if not batch:
                    continue
                rows = await asyncio.wait_for(conn.fetch(_DETAILS, batch), self.ping_s)
                found = {row["id"] for row in rows}
                changes = [Change.of(r["kind"], r["entity_id"], r["product_id"]) for r in rows]
                if len(found) < len(set(batch)):
                    changes.append(EVERYTHING)  # an event it cannot read: trust nothing
                self.cache.apply(changes)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)

    async def _next(
        self, ids: asyncio.Queue[int], lost: asyncio.Event, conn: asyncpg.Connection
    ) -> int | None:
        """The next event id; None after a quiet `ping_s` in which the connection answered."""
        get = asyncio.ensure_future(ids.get())
        dropped = asyncio.ensure_future(lost.wait())
        try:
            done, _ = await asyncio.wait(
                {get, dropped}, timeout=self.ping_s, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in (get, dropped):
                if not task.done():
                    task.cancel()
        if get in done:
            return get.result()
        if dropped in done or conn.is_closed():
            raise ConnectionError("the LISTEN connection was closed")
        await asyncio.wait_for(conn.fetchval("SELECT 1"), self.ping_s)
        return None


def _committed(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if pending:
        apply_everywhere(
            [(event_id, Change.of(kind.value, entity_id)) for event_id, kind, entity_id in pending]
        )


def install_commit_hook() -> None:
    """Once per process: every session's commit applies the changes it recorded."""
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
