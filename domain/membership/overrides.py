"""Tier overrides: an ADMIN gives a member a tier until a date (VIP guests, employees).

The override sits beside the earned tier rather than replacing it, so spend keeps moving
the earned tier underneath, and the member falls back to it the moment the override ends,
with no job to run. Each override is a row of the tier history, with its reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.errors import NotFound
from domain.membership.errors import MembershipError, MembershipErrorCode
from domain.membership.models import Membership, Tier, TierChange
from domain.membership.spend import spend_12m
from domain.text import clean_text

MAX_OVERRIDE_DAYS = 3660


async def override_tier(
    session: AsyncSession,
    actor: Actor,
    membership_id: int,
    tier_code: str,
    reason: str,
    until: datetime,
) -> Membership:
    staff = actor.require_admin("overrides a member's tier")
    why = clean_text(reason, "reason", 500, required=False)
    if not why:
        raise MembershipError(MembershipErrorCode.REASON_REQUIRED, "Give a reason.", "reason")
    now = datetime.now(UTC)
    if until.tzinfo is None or until <= now or (until - now).days > MAX_OVERRIDE_DAYS:
        raise MembershipError(
            MembershipErrorCode.INVALID_UNTIL,
            f"`until` must be in the future (at most {MAX_OVERRIDE_DAYS} days), with a time zone.",
            "until",
        )
    tier = await session.scalar(select(Tier).where(Tier.code == tier_code.strip().upper()))
    if tier is None:
        raise MembershipError(MembershipErrorCode.UNKNOWN_TIER, f"No tier {tier_code!r}.", "tier")
    membership = await session.get(Membership, membership_id, with_for_update=True)
    if membership is None:
        raise NotFound("No such membership.", "membershipId")
    previous = membership.tier_at(now)
    membership.tier_override_id = tier.id
    membership.tier_override_until = until
    session.add(
        TierChange(
            membership_id=membership.id,
            from_tier_id=previous,
            to_tier_id=tier.id,
            spend_12m=await spend_12m(session, membership.id, now),
            reason=why,
            override_until=until,
            staff_id=staff.id,
        )
    )
    await session.flush()
    return membership
