"""Identity root fields: me, staffMe, membershipTiers."""

from __future__ import annotations

import strawberry

from api.core.mutations import require_staff, unauthenticated
from api.core.types import OmniInfo
from api.identity.types import Customer, StaffUser
from api.membership.types import MembershipTier
from domain.membership.service import all_tiers


@strawberry.type
class IdentityQuery:
    @strawberry.field(
        description="The signed-in customer (or the customer a kiosk session acts for). "
        "Anonymous callers get an UNAUTHENTICATED error."
    )
    async def me(self, info: OmniInfo) -> Customer | None:
        customer_id = info.context.viewer.customer_id
        if customer_id is None:
            raise unauthenticated()
        row = await info.context.loaders.customer.load(customer_id)
        return Customer.from_model(row) if row else None

    @strawberry.field(description="The signed-in staff user. Others get an error.")
    async def staff_me(self, info: OmniInfo) -> StaffUser | None:
        staff = require_staff(info.context.viewer)
        row = await info.context.loaders.staff.load(staff.id)
        return StaffUser.from_model(row) if row else None

    @strawberry.field(description="The membership tiers, lowest first.")
    async def membership_tiers(self, info: OmniInfo) -> list[MembershipTier]:
        rows = await info.context.db.run(all_tiers)
        return [MembershipTier.from_model(t) for t in rows]
