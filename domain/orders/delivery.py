"""Delivery orders: shipped by the shipping location (the units leave it), delivered at
the door (cash on delivery is taken then, and points are earned)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.errors import InvalidInput
from domain.orders import earning, lifecycle
from domain.orders.models import Order, OrderStatus, Payment, PaymentStatus
from domain.orders.state_machine import Action


def _text(value: str, field: str, most: int) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > most:
        raise InvalidInput(f"`{field}` is 1–{most} characters.", field)
    return cleaned


async def ship(
    session: AsyncSession, actor: Actor, order_id: int, carrier: str, tracking_number: str
) -> Order:
    order, role = await lifecycle.locked(session, actor, order_id)
    carrier = _text(carrier, "carrier", 80)
    tracking_number = _text(tracking_number, "trackingNumber", 120)
    by = actor.ref(order.location_id)
    await lifecycle.settle(session, order, lifecycle.allowed(order, role, Action.SHIP), by)
    order.shipped_at = lifecycle.now()
    order.carrier = carrier
    order.tracking_number = tracking_number
    await lifecycle.record(
        session,
        order,
        by,
        "order.shipped",
        OrderStatus.PLACED.value,
        payload={"carrier": carrier, "trackingNumber": tracking_number},
        template="order_shipped",
        message={"carrier": carrier, "trackingNumber": tracking_number},
    )
    return order


async def deliver(session: AsyncSession, actor: Actor, order_id: int, per_point: Decimal) -> Order:
    order, role = await lifecycle.locked(session, actor, order_id)
    by = actor.ref(order.location_id)
    taken = lifecycle.allowed(order, role, Action.DELIVER)
    at = lifecycle.now()
    order.delivered_at = at
    # Cash on delivery: the courier took the total at the door.
    await session.execute(
        update(Payment)
        .where(Payment.order_id == order.id, Payment.status == PaymentStatus.PENDING)
        .values(status=PaymentStatus.PAID)
    )
    await earning.earn(session, order, by, at, per_point)
    await lifecycle.settle(session, order, taken, by)
    await lifecycle.record(
        session,
        order,
        by,
        "order.delivered",
        OrderStatus.SHIPPED.value,
        payload={"pointsEarned": order.points_earned},
        template="order_delivered",
        message={"pointsEarned": order.points_earned},
    )
    return order
