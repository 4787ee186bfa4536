"""The points ledger: posting, staff adjustments, expiry.

The points balance is derived from the append-only ledger. `memberships.points_balance`
caches it and is changed only by `post_points`, in the same transaction as the ledger line
and with a conditional UPDATE (`balance + delta >= 0`), so concurrent redemptions can never
take it below zero. A test checks that it always equals the ledger sum.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import SYSTEM, Actor, ActorRef
from domain.errors import InvalidInput, NotFound
from domain.inventory.repository import require_location
from domain.membership.errors import MembershipError, MembershipErrorCode
from domain.membership.models import Membership, PointsEntry, PointsKind
from domain.membership.points import points_to_expire

MAX_POINTS_PER_ENTRY = 10_000_000
MAX_BALANCE = 2_000_000_000  # memberships.points_balance is a 32-bit integer


def points_validity() -> timedelta:
    """How long earned points last (OMNI_POINTS_EXPIRE_DAYS, default 365)."""
    return timedelta(days=int(os.environ.get("OMNI_POINTS_EXPIRE_DAYS", "365")))


def now() -> datetime:
    return datetime.now(UTC)


async def membership_of(
    session: AsyncSession, customer_id: int, *, lock: bool = False
) -> Membership:
    stmt = select(Membership).where(Membership.customer_id == customer_id)
    if lock:
        stmt = stmt.with_for_update()
    membership = await session.scalar(stmt)
    if membership is None:
        raise NotFound("No such member.", "customerId")
    return membership


@dataclass(frozen=True, slots=True)
class Posting:
    kind: PointsKind
    amount: int  # signed
    reason: str = ""
    order_ref: str | None = None


async def post_points(
    session: AsyncSession, membership_id: int, posting: Posting, actor: ActorRef
) -> PointsEntry:
    """Append one ledger line and move the cached balance, atomically and never below 0."""
    if posting.amount == 0 or abs(posting.amount) > MAX_POINTS_PER_ENTRY:
        raise MembershipError(
            MembershipErrorCode.INVALID_AMOUNT,
            f"The amount must be non-zero and at most {MAX_POINTS_PER_ENTRY} points.",
            "amount",
        )
    balance = await session.scalar(
        update(Membership)
        .where(
            Membership.id == membership_id,
            Membership.points_balance + posting.amount >= 0,
            Membership.points_balance + posting.amount <= MAX_BALANCE,
        )
        .values(points_balance=Membership.points_balance + posting.amount)
        .returning(Membership.points_balance)
    )
    if balance is None:
        exists = await session.scalar(select(Membership.id).where(Membership.id == membership_id))
        if exists is None:
            raise NotFound("No such member.")
        if posting.amount > 0:
            raise MembershipError(
                MembershipErrorCode.INVALID_AMOUNT,
                f"A balance holds at most {MAX_BALANCE} points.",
                "amount",
            )
        raise MembershipError(
            MembershipErrorCode.INSUFFICIENT_POINTS,
            "Not enough points for this.",
            "amount",
        )
    entry = PointsEntry(
        membership_id=membership_id,
        kind=posting.kind,
        amount=posting.amount,
        channel=actor.channel,
        location_id=actor.location_id,
        order_ref=posting.order_ref,
        reason=posting.reason,
        actor_kind=actor.kind,
        actor_id=actor.id,
    )
    session.add(entry)
    await session.flush()
    # The ORM may hold the membership with a stale balance from earlier in this unit of work.
    cached = session.identity_map.get(session.identity_key(Membership, (membership_id,)))
    if isinstance(cached, Membership):
        await session.refresh(cached, ["points_balance"])
    return entry


async def adjust_points(
    session: AsyncSession,
    actor: Actor,
    customer_id: int,
    amount: int,
    reason: str,
    store_id: int | None = None,
) -> tuple[PointsEntry, Membership]:
    """A staff correction with a mandatory reason, kept in the ledger. Managers and staff
    act for one of their stores (`store_id`); admins may act for none."""
    staff = actor.require_staff()
    if store_id is not None:
        staff.require_store(store_id)
        await require_location(session, store_id)
    elif not staff.is_admin:
        raise InvalidInput("Give the `storeId` you act for.", "storeId")
    cleaned = reason.strip()
    if not cleaned:
        raise MembershipError(
            MembershipErrorCode.REASON_REQUIRED, "Say why the points are adjusted.", "reason"
        )
    if len(cleaned) > 500:
        raise MembershipError(
            MembershipErrorCode.REASON_REQUIRED, "The reason is at most 500 characters.", "reason"
        )
    membership = await membership_of(session, customer_id)
    entry = await post_points(
        session,
        membership.id,
        Posting(PointsKind.ADJUST, amount, reason=cleaned),
        actor.ref(store_id),
    )
    return entry, membership


async def ledger_sum(session: AsyncSession, membership_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(
            PointsEntry.membership_id == membership_id
        )
    )
    return int(total or 0)


async def expire_points(session: AsyncSession, at: datetime | None = None) -> int:
    """Write EXPIRE lines for points older than the validity period; returns points expired."""
    moment = at or now()
    cutoff = moment - points_validity()
    candidates = await session.scalars(
        select(PointsEntry.membership_id)
        .where(PointsEntry.amount > 0, PointsEntry.created_at < cutoff)
        .distinct()
    )
    expired = 0
    for membership_id in list(candidates):
        await session.scalar(
            select(Membership.id).where(Membership.id == membership_id).with_for_update()
        )
        rows = await session.execute(
            select(PointsEntry.amount, PointsEntry.created_at).where(
                PointsEntry.membership_id == membership_id
            )
        )
        amount = points_to_expire([(a, c) for a, c in rows], cutoff)
        if amount > 0:
            await post_points(
                session,
                membership_id,
                Posting(PointsKind.EXPIRE, -amount, reason=f"Points older than {cutoff:%Y-%m-%d}"),
                SYSTEM,
            )
            expired += amount
    return expired
