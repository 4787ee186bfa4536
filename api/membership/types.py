"""GraphQL types of membership: tiers, memberships and the points ledger."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.connections import After, Before, First, Last, connection, page_request
from api.core.ids import to_global_id
from api.core.node import node_resolver
from api.core.personal import guard_personal, personal
from api.core.types import Channel, Money, Node, OmniInfo, PageInfo
from api.inventory import loaders as locations
from api.membership import loaders
from domain.membership import models, repository, tiers
from domain.membership.spend import all_tiers, spend_12m

if TYPE_CHECKING:
    from api.inventory.types import Location


@strawberry.enum(description="Kinds of points ledger entries.")
class PointsKind(enum.Enum):
    EARN = strawberry.enum_value("EARN", description="Points earned on a purchase.")
    REDEEM = strawberry.enum_value("REDEEM", description="Points spent.")
    REVERSE = strawberry.enum_value(
        "REVERSE", description="An earlier entry undone (refund, cancel)."
    )
    EXPIRE = strawberry.enum_value("EXPIRE", description="Points that reached their expiry.")
    ADJUST = strawberry.enum_value("ADJUST", description="A correction by staff, with a reason.")


@strawberry.type(
    description="A membership tier. Tiers are data: thresholds on the last 12 months' spend."
)
class MembershipTier:
    model: strawberry.Private[models.Tier]
    code: str = strawberry.field(description='Stable code, e.g. "GOLD".')
    name: str = strawberry.field(description="Display name.")
    min_spend: Money = strawberry.field(description="Spend in the last 12 months to reach it.")
    discount_percent: Decimal = strawberry.field(description="Member discount, in percent.")
    earn_multiplier: Decimal = strawberry.field(description="Multiplier on points earned.")

    @classmethod
    def from_model(cls, m: models.Tier) -> MembershipTier:
        return cls(
            model=m,
            code=m.code,
            name=m.name,
            min_spend=Money.of(m.min_spend),
            discount_percent=m.discount_percent,
            earn_multiplier=m.earn_multiplier,
        )


@strawberry.type(description="How far a member is from the next tier.")
class TierProgress:
    spend_last_12_months: Money = strawberry.field(description="Qualifying spend, 12 months.")
    next_tier: MembershipTier | None = strawberry.field(
        description="The next tier up; null at the top."
    )
    remaining_spend: Money = strawberry.field(description="Spend still needed for `nextTier`.")


@strawberry.type(description="One line of the points ledger (append-only).")
class PointsEntry(Node):
    model: strawberry.Private[models.PointsEntry]
    kind: PointsKind = strawberry.field(description="What happened.")
    amount: int = strawberry.field(description="Points added (positive) or taken (negative).")
    channel: Channel = strawberry.field(description="The channel it happened on.")
    order_ref: str | None = strawberry.field(description="The related order; null when none.")
    reason: str = strawberry.field(description="Why (always set for adjustments).")
    created_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def from_model(cls, m: models.PointsEntry) -> PointsEntry:
        return cls(
            model=m,
            id=strawberry.ID(to_global_id("PointsEntry", m.id)),
            kind=PointsKind(m.kind.value),
            amount=m.amount,
            channel=Channel(m.channel.value),
            order_ref=m.order_ref,
            reason=m.reason,
            created_at=m.created_at,
        )

    @strawberry.field(description="The store it happened in; null online.")
    async def store(
        self, info: OmniInfo
    ) -> Annotated[Location, strawberry.lazy("api.inventory.types")] | None:
        from api.inventory.types import Location

        if self.model.location_id is None:
            return None
        location = await locations.location(info).load(self.model.location_id)
        return Location.from_model(location) if location else None


@strawberry.type(description="A points entry and its cursor.")
class PointsEntryEdge:
    cursor: str = strawberry.field(description="Pass to `after`/`before` to page from here.")
    node: PointsEntry = strawberry.field(description="The entry.")


@strawberry.type(description="A page of the points history, newest first.")
class PointsEntryConnection:
    edges: list[PointsEntryEdge] = strawberry.field(description="The entries of this page.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")


@strawberry.type(description="A customer's membership: card, tier and points.")
class Membership(Node):
    model: strawberry.Private[models.Membership]
    points_balance: int = strawberry.field(
        description="Points available, on every channel (the sum of the ledger)."
    )

    @classmethod
    def from_model(cls, m: models.Membership) -> Membership:
        return cls(
            model=m,
            id=strawberry.ID(to_global_id("Membership", m.id)),
            points_balance=m.points_balance,
        )

    @strawberry.field(
        description=personal(
            "Card number: 12 digits with a Luhn check digit; print it as a "
            "barcode or QR code, scan it at kiosks and counters."
        )
    )
    def card_number(self, info: OmniInfo) -> str | None:
        guard_personal(info, self.model.customer_id)
        return self.model.card_number

    @strawberry.field(description=personal("When the membership began."))
    def enrolled_at(self, info: OmniInfo) -> datetime | None:
        guard_personal(info, self.model.customer_id)
        return self.model.enrolled_at

    @strawberry.field(
        description=personal(
            "The current tier, which prices follow: an ADMIN's override while it lasts, "
            "else the tier the last 12 months' spend earns."
        )
    )
    async def tier(self, info: OmniInfo) -> MembershipTier | None:
        guard_personal(info, self.model.customer_id)
        tier = await loaders.tier(info).load(self.model.tier_at(datetime.now(UTC)))
        assert tier is not None
        return MembershipTier.from_model(tier)

    @strawberry.field(
        description=personal("When an ADMIN's tier override ends; null without a current one.")
    )
    def tier_override_until(self, info: OmniInfo) -> datetime | None:
        guard_personal(info, self.model.customer_id)
        until = self.model.tier_override_until
        if self.model.tier_override_id is None or until is None or until <= datetime.now(UTC):
            return None
        return until

    @strawberry.field(
        description=personal("Spend over the last 12 months and the way to the next tier.")
    )
    async def progress(self, info: OmniInfo) -> TierProgress | None:
        guard_personal(info, self.model.customer_id)

        async def compute(session: AsyncSession) -> Any:
            return tiers.progress(await all_tiers(session), await spend_12m(session, self.model.id))

        result = await info.context.db.run(compute)
        return TierProgress(
            spend_last_12_months=Money.of(result.spend),
            next_tier=MembershipTier.from_model(result.next) if result.next else None,
            remaining_spend=Money.of(result.remaining),
        )

    @strawberry.field(
        description=personal("The points ledger, newest first (at most 100 per page).")
    )
    async def points_history(
        self,
        info: OmniInfo,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> PointsEntryConnection | None:
        guard_personal(info, self.model.customer_id)
        request = page_request(info, first, after, last, before)
        page = await info.context.db.run(
            lambda s: repository.points_history(s, self.model.id, request)
        )
        return connection(
            PointsEntryConnection,
            page,
            lambda cursor, e: PointsEntryEdge(cursor=cursor, node=PointsEntry.from_model(e)),
        )


@node_resolver("Membership")
async def _membership_node(info: OmniInfo, pk: int) -> Node | None:
    row = await loaders.membership(info).load(pk)
    if row is None or not info.context.sees_customer(row.customer_id):
        return None
    return Membership.from_model(row)


@node_resolver("PointsEntry")
async def _points_entry_node(info: OmniInfo, pk: int) -> Node | None:
    row = await loaders.points_entry(info).load(pk)
    if row is None:
        return None
    membership = await loaders.membership(info).load(row.membership_id)
    if membership is None or not info.context.sees_personal_data(membership.customer_id):
        return None
    return PointsEntry.from_model(row)
