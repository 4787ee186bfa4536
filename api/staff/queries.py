"""Staff root fields: staffMe."""

from __future__ import annotations

import strawberry

from api.core.types import OmniInfo
from api.staff import loaders
from api.staff.types import StaffUser


@strawberry.type
class StaffQuery:
    @strawberry.field(
        description="The signed-in staff user. Anonymous callers get UNAUTHENTICATED, others "
        "FORBIDDEN."
    )
    async def staff_me(self, info: OmniInfo) -> StaffUser | None:
        staff = info.context.actor.require_staff()
        row = await loaders.staff(info).load(staff.id)
        return StaffUser.from_model(row) if row else None
