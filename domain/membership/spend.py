"""Qualifying spend over a rolling 12 months, and the tier it earns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFound
from domain.membership import tiers
from domain.membership.models import Membership, SpendEntry, Tier, TierChange

SPEND_WINDOW = timedelta(days=365)


def now() -> datetime:
    return datetime.now(UTC)


async def all_tiers(session: AsyncSession) -> list[Tier]:
    return list(await session.scalars(select(Tier).order_by(Tier.min_spend)))


async def spend_12m(
    session: AsyncSession, membership_id: int, at: datetime | None = None
) -> Decimal:
    moment = at or now()
    total = await session.scalar(
        select(func.coalesce(func.sum(SpendEntry.amount), 0)).where(
            SpendEntry.membership_id == membership_id,
            SpendEntry.occurred_at > moment - SPEND_WINDOW,
            SpendEntry.occurred_at <= moment,
        )
    )
    return Decimal(total or 0)


async def record_spend(
    session: AsyncSession,
    membership_id: int,
    amount: Decimal,
    occurred_at: datetime,
    order_ref: str | None = None,
) -> Membership:
    """Add (or, negative, refund) qualifying spend and recompute the tier."""
    session.add(
        SpendEntry(
            membership_id=membership_id, amount=amount, occurred_at=occurred_at, order_ref=order_ref
        )
    )
    await session.flush()
    return await recompute_tier(session, membership_id)


async def recompute_tier(
    session: AsyncSession, membership_id: int, at: datetime | None = None
) -> Membership:
    membership = await session.get(Membership, membership_id, with_for_update=True)
    if membership is None:
        raise NotFound("No such member.")
    spend = await spend_12m(session, membership_id, at)
    target = tiers.tier_for_spend(await all_tiers(session), spend)
    if target.id != membership.tier_id:
        session.add(
            TierChange(
                membership_id=membership_id,
                from_tier_id=membership.tier_id,
                to_tier_id=target.id,
                spend_12m=spend,
            )
        )
        membership.tier_id = target.id
        await session.flush()
    return membership


async def recompute_all_tiers(session: AsyncSession, at: datetime | None = None) -> int:
    """Re-evaluate every member (spend ages out of the 12-month window); returns changes."""
    changes = 0
    ids: Sequence[int] = list(await session.scalars(select(Membership.id)))
    for membership_id in ids:
        before = await session.scalar(
            select(Membership.tier_id).where(Membership.id == membership_id)
        )
        after = (await recompute_tier(session, membership_id, at)).tier_id
        changes += before != after
    return changes
