"""Points and tier spend for a finished sale: earned on what the customer paid for the
goods (not the delivery fee), at the tier that counts at that moment, and counted toward
their rolling 12-month spend."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import ActorRef
from domain.membership.ledger import Posting, post_points
from domain.membership.models import Membership, PointsKind, Tier
from domain.membership.points import points_for_spend
from domain.membership.spend import record_spend
from domain.orders.models import Order


def goods_paid(order: Order) -> Decimal:
    return max(order.total - order.delivery, Decimal(0))


async def earn(
    session: AsyncSession, order: Order, by: ActorRef, at: datetime, per_point: Decimal
) -> int:
    """Credit the member behind the order; 0 (and nothing written) for a guest or a
    customer without a membership."""
    if order.customer_id is None:
        return 0
    # Locked before anything references it: the spend entry's key-share lock would
    # otherwise stand in the way of the tier recompute's row lock in a concurrent sale.
    membership = await session.scalar(
        select(Membership).where(Membership.customer_id == order.customer_id).with_for_update()
    )
    if membership is None:
        return 0
    paid = goods_paid(order)
    tier = await session.get(Tier, membership.tier_at(at))
    points = points_for_spend(paid, tier.earn_multiplier if tier else Decimal(1), per_point)
    if points > 0:
        await post_points(
            session,
            membership.id,
            Posting(PointsKind.EARN, points, f"order {order.number}", order.number),
            by,
        )
    if paid > 0:
        await record_spend(session, membership.id, paid, at, order.number)
    order.points_earned = points
    return points
