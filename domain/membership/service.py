"""Membership use cases: cards, enrolment, claiming, tiers, and the points ledger.

The points balance is derived from the append-only ledger. `memberships.points_balance`
caches it and is changed only by `post_points`, in the same transaction as the ledger line
and with a conditional UPDATE (`balance + delta >= 0`), so concurrent redemptions can never
take it below zero. A test checks that it always equals the ledger sum.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.channels import Channel
from domain.errors import AccessDenied, AccessErrorCode
from domain.identity import passwords, secrets
from domain.identity.access import Actor
from domain.identity.contact import normalize_phone
from domain.identity.models import Customer, LoginAttempt
from domain.identity.service import lock_key
from domain.membership import cards, tiers
from domain.membership.errors import MembershipError, MembershipErrorCode
from domain.membership.models import (
    ActorKind,
    Membership,
    MembershipClaim,
    PointsEntry,
    PointsKind,
    SpendEntry,
    Tier,
    TierChange,
)
from domain.membership.points import points_to_expire
from domain.notifications.models import Notification, NotificationChannel

CLAIM_CODE_TTL = timedelta(minutes=10)
CLAIM_MAX_ATTEMPTS = 5
CLAIM_MAX_CODES = 3
CLAIM_WINDOW = timedelta(hours=1)
SPEND_WINDOW = timedelta(days=365)
MAX_POINTS_PER_ENTRY = 10_000_000
MAX_BALANCE = 2_000_000_000  # memberships.points_balance is a 32-bit integer


def points_validity() -> timedelta:
    """How long earned points last (OMNI_POINTS_EXPIRE_DAYS, default 365)."""
    return timedelta(days=int(os.environ.get("OMNI_POINTS_EXPIRE_DAYS", "365")))


def now() -> datetime:
    return datetime.now(UTC)


async def all_tiers(session: AsyncSession) -> list[Tier]:
    return list(await session.scalars(select(Tier).order_by(Tier.min_spend)))


async def create_membership(session: AsyncSession, customer_id: int) -> Membership:
    base = tiers.tier_for_spend(await all_tiers(session), Decimal(0))
    for _ in range(10):
        number = cards.new_card_number()
        taken = await session.scalar(select(Membership.id).where(Membership.card_number == number))
        if taken is None:
            break
    membership = Membership(customer_id=customer_id, card_number=number, tier_id=base.id)
    session.add(membership)
    await session.flush()
    session.add(
        TierChange(membership_id=membership.id, from_tier_id=None, to_tier_id=base.id, spend_12m=0)
    )
    await session.flush()
    return membership


async def membership_of(
    session: AsyncSession, customer_id: int, *, lock: bool = False
) -> Membership:
    stmt = select(Membership).where(Membership.customer_id == customer_id)
    if lock:
        stmt = stmt.with_for_update()
    membership = await session.scalar(stmt)
    if membership is None:
        raise MembershipError(MembershipErrorCode.NOT_FOUND, "No such member.", "customerId")
    return membership


# --- enrolment and claiming ---------------------------------------------------


async def enrol(
    session: AsyncSession,
    actor: Actor,
    *,
    phone: str,
    first_name: str,
    last_name: str = "",
    email: str | None = None,
) -> Customer:
    """In-store enrolment: a customer and membership with no password yet."""
    from domain.identity.service import create_customer

    return await create_customer(
        session,
        email=email,
        phone=phone,
        first_name=first_name,
        last_name=last_name,
        password=None,
        channel=actor.channel,
        location_id=actor.location_id,
    )


async def start_claim(session: AsyncSession, phone: str) -> None:
    """Queue a one-time code by SMS for an enrolled member without a password.

    Says nothing about whether the phone belongs to a member: the caller answers the same
    either way, so the endpoint cannot be used to find out who shops here.
    """
    normalized = normalize_phone(phone)
    # Limit codes per phone, member or not (the limit must not reveal membership): this
    # stops SMS flooding and keeps fresh codes from multiplying the guesses.
    key = f"claim:{normalized}"
    await lock_key(session, key)
    recent = await session.scalar(
        select(func.count()).where(
            LoginAttempt.key == key, LoginAttempt.attempted_at > now() - CLAIM_WINDOW
        )
    )
    if (recent or 0) >= CLAIM_MAX_CODES:
        raise MembershipError(
            MembershipErrorCode.CLAIM_TOO_MANY_ATTEMPTS,
            "Too many codes asked for this phone; try again in an hour.",
            "phone",
        )
    session.add(LoginAttempt(key=key))
    customer = await session.scalar(select(Customer).where(Customer.phone == normalized))
    if customer is None or customer.password_hash is not None:
        await session.flush()
        return
    await session.execute(
        update(MembershipClaim)
        .where(MembershipClaim.customer_id == customer.id, MembershipClaim.consumed_at.is_(None))
        .values(consumed_at=now())
    )
    code = secrets.new_numeric_code(6)
    session.add(
        MembershipClaim(
            customer_id=customer.id,
            code_hash=secrets.digest(f"{customer.id}:{code}"),
            expires_at=now() + CLAIM_CODE_TTL,
        )
    )
    session.add(
        Notification(
            channel=NotificationChannel.SMS,
            recipient=normalized,
            template="membership_claim_code",
            payload={"code": code, "first_name": customer.first_name, "ttl_minutes": 10},
        )
    )
    await session.flush()


async def complete_claim(session: AsyncSession, phone: str, code: str, password: str) -> Customer:
    invalid = MembershipError(
        MembershipErrorCode.CLAIM_INVALID, "The code is not correct.", "code", keep_changes=True
    )
    normalized = normalize_phone(phone)
    passwords.check_policy(password)
    customer = await session.scalar(
        select(Customer).where(Customer.phone == normalized).with_for_update()
    )
    if customer is None:
        raise invalid
    if customer.password_hash is not None:
        raise MembershipError(
            MembershipErrorCode.ALREADY_CLAIMED, "This account already has a password.", "phone"
        )
    claim = await session.scalar(
        select(MembershipClaim)
        .where(MembershipClaim.customer_id == customer.id, MembershipClaim.consumed_at.is_(None))
        .order_by(MembershipClaim.id.desc())
        .limit(1)
        .with_for_update()
    )
    if claim is None:
        raise invalid
    if claim.expires_at <= now():
        raise MembershipError(
            MembershipErrorCode.CLAIM_EXPIRED, "The code has expired; ask for a new one.", "code"
        )
    if claim.attempts >= CLAIM_MAX_ATTEMPTS:
        raise MembershipError(
            MembershipErrorCode.CLAIM_TOO_MANY_ATTEMPTS,
            "Too many wrong codes; ask for a new one.",
            "code",
        )
    if not secrets.same(claim.code_hash, secrets.digest(f"{customer.id}:{code.strip()}")):
        claim.attempts += 1
        await session.flush()
        raise invalid
    claim.consumed_at = now()
    customer.password_hash = await passwords.hash_password_async(password)
    await session.flush()
    return customer


# --- points ledger -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Posting:
    kind: PointsKind
    amount: int  # signed
    reason: str = ""
    order_ref: str | None = None


async def post_points(
    session: AsyncSession, membership_id: int, posting: Posting, actor: Actor
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
            raise MembershipError(MembershipErrorCode.NOT_FOUND, "No such member.")
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
    session: AsyncSession, customer_id: int, amount: int, reason: str, actor: Actor
) -> PointsEntry:
    """A staff correction; the reason is mandatory and kept in the ledger."""
    if actor.kind is not ActorKind.STAFF:
        raise AccessDenied(AccessErrorCode.FORBIDDEN, "Only staff adjust points.")
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
    return await post_points(
        session, membership.id, Posting(PointsKind.ADJUST, amount, reason=cleaned), actor
    )


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
    system = Actor(kind=ActorKind.SYSTEM, id=None, channel=Channel.WEB)
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
                system,
            )
            expired += amount
    return expired


# --- spend and tiers ---------------------------------------------------------


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
        raise MembershipError(MembershipErrorCode.NOT_FOUND, "No such member.")
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
