"""Membership root fields: membershipTiers."""

from __future__ import annotations

import strawberry

from api.core.types import OmniInfo
from api.membership.types import MembershipTier
from domain.membership.spend import all_tiers


@strawberry.type
class MembershipQuery:
    @strawberry.field(description="The membership tiers, lowest first.")
    async def membership_tiers(self, info: OmniInfo) -> list[MembershipTier]:
        rows = await info.context.db.run(all_tiers)
        return [MembershipTier.from_model(t) for t in rows]
