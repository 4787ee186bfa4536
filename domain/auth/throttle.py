"""Counting events per key in a sliding window: sign-in failures, claim codes sent.

Counting then inserting is racy, so a check takes a transaction-scoped advisory lock on
the key: concurrent attempts on one key wait for each other, and each sees the events the
one before it committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.models import ThrottleEvent


@dataclass(frozen=True, slots=True)
class Throttle:
    limit: int
    window: timedelta

    async def exceeded(self, session: AsyncSession, key: str) -> bool:
        count = await session.scalar(
            select(func.count()).where(
                ThrottleEvent.key == key,
                ThrottleEvent.occurred_at > datetime.now(UTC) - self.window,
            )
        )
        return (count or 0) >= self.limit


async def lock(session: AsyncSession, key: str) -> None:
    """Serialise work on one key until the transaction ends."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))


def record(session: AsyncSession, keys: Iterable[str | None]) -> None:
    session.add_all(ThrottleEvent(key=key) for key in keys if key is not None)


async def forget(session: AsyncSession, keys: Iterable[str | None]) -> None:
    await session.execute(
        delete(ThrottleEvent).where(ThrottleEvent.key.in_([k for k in keys if k is not None]))
    )
