"""The unit of work: the one place that commits.

Every writer (GraphQL mutations, the `omni` CLI, jobs, the coming worker) runs its use case
through `transaction()`. Use cases and services flush but never commit.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError

T = TypeVar("T")

# serialization_failure, deadlock_detected: the transaction lost a race and may simply be
# run again from the start.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def is_retryable(error: BaseException) -> bool:
    if not isinstance(error, DBAPIError):
        return False
    orig = error.orig
    state = getattr(orig, "sqlstate", None) or getattr(
        getattr(orig, "__cause__", None), "sqlstate", None
    )
    return state in RETRYABLE_SQLSTATES


async def rollback(session: AsyncSession) -> None:
    """Roll back, first detaching loaded objects so that callers holding them can still
    read them (a rollback would expire them, and a later attribute read would hit the
    database outside the async context)."""
    if session.in_transaction():
        session.expunge_all()
        await session.rollback()


async def transaction(
    session: AsyncSession,
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    retries: int = 0,
) -> T:
    """Run `work` as one transaction on `session`: commit on success, roll back on error.

    A DomainError with `keep_changes` commits what was written before it is re-raised (a
    failed sign-in is counted). With `retries`, a use case that opts in is run again from
    the start after a serialization failure or deadlock, up to that many times.
    """
    attempt = 0
    while True:
        try:
            result = await work(session)
            await session.commit()
            return result
        except DomainError as error:
            if error.keep_changes:
                await session.commit()
            else:
                await rollback(session)
            raise
        except BaseException as error:
            await rollback(session)
            if attempt < retries and is_retryable(error):
                attempt += 1
                # Jitter keeps the racers from colliding again in lockstep.
                await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)
                continue
            raise
