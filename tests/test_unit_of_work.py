"""`transaction()`, the one place that commits, on a real PostgreSQL.

Each test works on small throwaway tables in its own database (the `engine` fixture). The
races are real: two connections at SERIALIZABLE (or taking row locks in opposite orders),
stepped with asyncio events so that the same one loses every time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.errors import CommonErrorCode, DomainError, InvalidInput
from domain.inventory.models import Location
from domain.unit_of_work import is_retryable, transaction

T = TypeVar("T")
TIMEOUT = 15  # seconds; a broken race must fail the test, not hang it


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE uow_rows (k integer NOT NULL, note text)"))
        await conn.execute(text("CREATE TABLE uow_unique (k integer PRIMARY KEY)"))
        await conn.execute(text("CREATE TABLE uow_accounts (id integer PRIMARY KEY, n integer)"))
        await conn.execute(text("INSERT INTO uow_accounts VALUES (1, 0), (2, 0)"))
    return engine


async def rows(engine: AsyncEngine) -> list[tuple[int, str | None]]:
    """What another connection sees, i.e. only what was committed."""
    async with engine.connect() as conn:
        result = await conn.execute(text("SELECT k, note FROM uow_rows ORDER BY k, note"))
        return [(k, note) for k, note in result]


async def insert(session: AsyncSession, k: int, note: str | None = None) -> None:
    await session.execute(
        text("INSERT INTO uow_rows (k, note) VALUES (:k, :note)"), {"k": k, "note": note}
    )


async def run(
    engine: AsyncEngine, work: Callable[[AsyncSession], Awaitable[T]], **kwargs: Any
) -> T:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        return await transaction(session, work, **kwargs)


def sqlstate(error: DBAPIError) -> str | None:
    orig = error.orig
    return getattr(orig, "sqlstate", None) or getattr(orig.__cause__, "sqlstate", None)


class Counted:
    """A unit of work that counts how often it is run."""

    def __init__(self, work: Callable[[AsyncSession, int], Awaitable[T]]) -> None:
        self.work = work
        self.calls = 0

    async def __call__(self, session: AsyncSession) -> Any:
        self.calls += 1
        return await self.work(session, self.calls)


# --------------------------------------------------------------------------- commit, rollback


async def test_commits_on_success(db):
    async def work(session: AsyncSession) -> str:
        await insert(session, 1, "one")
        await insert(session, 2, "two")
        return "done"

    async with AsyncSession(db) as session:
        assert await transaction(session, work) == "done"
        assert not session.in_transaction()
        assert await rows(db) == [(1, "one"), (2, "two")]
        # The session takes the next unit of work after a commit.
        await transaction(session, lambda s: insert(s, 3))
    assert await rows(db) == [(1, "one"), (2, "two"), (3, None)]


async def test_rolls_back_on_an_exception_and_re_raises_it(db):
    class Boom(Exception):
        pass

    async def work(session: AsyncSession) -> None:
        await insert(session, 1)
        assert await session.scalar(text("SELECT count(*) FROM uow_rows")) == 1
        raise Boom("after the write")

    async with AsyncSession(db) as session:
        with pytest.raises(Boom, match="after the write"):
            await transaction(session, work)
        assert not session.in_transaction()
        assert await rows(db) == []
        # The same session is usable afterwards.
        await transaction(session, lambda s: insert(s, 2))
    assert await rows(db) == [(2, None)]


async def test_a_cancelled_unit_of_work_is_rolled_back(db):
    async def work(session: AsyncSession) -> None:
        await insert(session, 1)
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await run(db, work, retries=3)
    assert await rows(db) == []


async def test_objects_loaded_before_a_rollback_stay_readable(db):
    loaded: list[Location] = []

    async def work(session: AsyncSession) -> None:
        location = await session.scalar(select(Location).order_by(Location.id).limit(1))
        assert location is not None
        loaded.append(location)
        raise RuntimeError("fail after loading")

    async with AsyncSession(db) as session:  # expire_on_commit left on, as a caller might
        with pytest.raises(RuntimeError):
            await transaction(session, work)
    [location] = loaded
    # Not expired by the rollback: reading it does not go back to the database.
    assert location.code and location.name


async def test_a_domain_error_with_keep_changes_commits_what_came_before_it(db):
    async def work(session: AsyncSession) -> None:
        await insert(session, 1, "counted")
        raise DomainError(CommonErrorCode.FORBIDDEN, "refused, but counted", keep_changes=True)

    with pytest.raises(DomainError) as caught:
        await run(db, work)
    assert caught.value.code is CommonErrorCode.FORBIDDEN
    assert caught.value.keep_changes
    assert await rows(db) == [(1, "counted")]


async def test_a_domain_error_without_keep_changes_rolls_back(db):
    async def work(session: AsyncSession) -> None:
        await insert(session, 1, "discarded")
        raise InvalidInput("bad", "field")

    with pytest.raises(InvalidInput) as caught:
        await run(db, work)
    assert (caught.value.code, caught.value.field) == (CommonErrorCode.INVALID_INPUT, "field")
    assert await rows(db) == []


async def test_domain_errors_are_never_retried(db):
    for keep in (False, True):

        async def fail(session: AsyncSession, calls: int, keep: bool = keep) -> None:
            await insert(session, calls, f"keep={keep}")
            raise DomainError(CommonErrorCode.INVALID_INPUT, "no", keep_changes=keep)

        work = Counted(fail)
        with pytest.raises(DomainError):
            await run(db, work, retries=3)
        assert work.calls == 1
    assert await rows(db) == [(1, "keep=True")]


# --------------------------------------------------------------------------- retries


async def serialization_race(engine: AsyncEngine, retries: int) -> tuple[Counted, Counted]:
    """Write skew at SERIALIZABLE: `a` reads k=1 and writes k=2, `b` reads k=2 and writes
    k=1. Both read before either writes; `a` commits first, so `b` must fail (40001)."""
    a_read, b_read, a_committed = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def a(session: AsyncSession, calls: int) -> None:
        await session.execute(text("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"))
        await session.scalar(text("SELECT count(*) FROM uow_rows WHERE k = 1"))
        a_read.set()
        await b_read.wait()
        await insert(session, 2, f"a{calls}")

    async def b(session: AsyncSession, calls: int) -> None:
        await session.execute(text("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"))
        await session.scalar(text("SELECT count(*) FROM uow_rows WHERE k = 2"))
        b_read.set()
        await a_read.wait()
        await a_committed.wait()
        await insert(session, 1, f"b{calls}")

    work_a, work_b = Counted(a), Counted(b)

    async def run_a() -> None:
        try:
            await run(engine, work_a, retries=retries)
        finally:
            a_committed.set()

    async def run_b() -> None:
        await run(engine, work_b, retries=retries)

    async with asyncio.timeout(TIMEOUT):
        task_a = asyncio.create_task(run_a())
        try:
            await run_b()
        finally:
            await task_a
    return work_a, work_b


async def test_a_use_case_that_loses_a_serialization_race_is_run_again(db):
    work_a, work_b = await serialization_race(db, retries=2)
    assert (work_a.calls, work_b.calls) == (1, 2)
    # The first attempt of `b` left nothing; the second one committed.
    assert await rows(db) == [(1, "b2"), (2, "a1")]


async def test_without_retries_the_serialization_failure_is_raised(db):
    with pytest.raises(DBAPIError) as caught:
        await serialization_race(db, retries=0)
    error = caught.value
    assert sqlstate(error) == "40001"
    assert is_retryable(error)
    assert await rows(db) == [(2, "a1")]


async def test_a_deadlock_loser_is_run_again(db):
    """Two transactions take the same two row locks in opposite orders; PostgreSQL aborts
    one of them (40P01, after its deadlock_timeout) and the retry completes it."""
    first_locked = {1: asyncio.Event(), 2: asyncio.Event()}
    errors: list[BaseException] = []

    def mover(first: int, second: int) -> Counted:
        async def work(session: AsyncSession, calls: int) -> None:
            update = text("UPDATE uow_accounts SET n = n + 1 WHERE id = :id")
            await session.execute(update, {"id": first})
            first_locked[first].set()
            await first_locked[second].wait()
            try:
                await session.execute(update, {"id": second})
            except DBAPIError as error:
                errors.append(error)
                raise

        return Counted(work)

    one, two = mover(1, 2), mover(2, 1)
    async with asyncio.timeout(TIMEOUT):
        await asyncio.gather(run(db, one, retries=1), run(db, two, retries=1))
    assert sorted((one.calls, two.calls)) == [1, 2]
    [error] = errors
    assert isinstance(error, DBAPIError) and sqlstate(error) == "40P01"
    assert is_retryable(error)
    async with db.connect() as conn:
        balances = (await conn.execute(text("SELECT id, n FROM uow_accounts ORDER BY id"))).all()
    assert [tuple(r) for r in balances] == [(1, 2), (2, 2)]


RAISE_40001 = text(
    "DO $$ BEGIN RAISE EXCEPTION 'lost a race' USING ERRCODE = 'serialization_failure'; END $$"
)


async def test_retries_run_from_the_start_and_give_up_after_the_last_one(db):
    async def flaky(session: AsyncSession, calls: int) -> int:
        await insert(session, calls, "attempt")
        if calls < 3:
            await session.execute(RAISE_40001)
        return calls

    work = Counted(flaky)
    assert await run(db, work, retries=2) == 3
    assert await rows(db) == [(3, "attempt")]  # the failed attempts left nothing

    async def hopeless(session: AsyncSession, calls: int) -> None:
        await insert(session, 100 + calls, "hopeless")
        await session.execute(RAISE_40001)

    work = Counted(hopeless)
    with pytest.raises(DBAPIError) as caught:
        await run(db, work, retries=2)
    assert work.calls == 3
    assert sqlstate(caught.value) == "40001" and is_retryable(caught.value)
    assert await rows(db) == [(3, "attempt")]


async def test_other_database_errors_are_not_retried(db):
    await run(db, lambda s: s.execute(text("INSERT INTO uow_unique VALUES (1)")))

    async def duplicate(session: AsyncSession, calls: int) -> None:
        await insert(session, calls)
        await session.execute(text("INSERT INTO uow_unique VALUES (1)"))

    work = Counted(duplicate)
    with pytest.raises(IntegrityError) as caught:
        await run(db, work, retries=3)
    assert work.calls == 1
    assert sqlstate(caught.value) == "23505"
    assert not is_retryable(caught.value)
    assert await rows(db) == []


async def test_is_retryable_only_for_serialization_failures_and_deadlocks(db):
    class Orig(Exception):
        def __init__(self, state: str | None) -> None:
            super().__init__(state)
            self.sqlstate = state

    def wrapped(state: str | None) -> DBAPIError:
        return DBAPIError("SELECT 1", None, Orig(state))

    assert is_retryable(wrapped("40001")) and is_retryable(wrapped("40P01"))
    for state in ("23505", "40002", "57014", "", None):
        assert not is_retryable(wrapped(state)), state
    assert not is_retryable(DBAPIError("SELECT 1", None, Exception("no sqlstate")))
    for error in (
        RuntimeError("40001"),
        DomainError(CommonErrorCode.INVALID_INPUT, "40001"),
        asyncio.CancelledError(),
    ):
        assert not is_retryable(error)

    async def statement_error(session: AsyncSession) -> None:
        await session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(DBAPIError) as caught:
        await run(db, statement_error, retries=3)
    assert sqlstate(caught.value) == "42P01"
    assert not is_retryable(caught.value)
