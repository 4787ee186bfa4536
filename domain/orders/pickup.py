"""Click-and-collect at the store: mark ready (a pickup code and a deadline), collect
(the code proves the customer is there; pay if unpaid; stock leaves; points earned), and
unlock a code entry locked by wrong codes."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.errors import InvalidInput, NotFound, forbidden
from domain.inventory.models import Location
from domain.orders import earning, lifecycle, payments
from domain.orders.access import require_store_side
from domain.orders.errors import OrderErrorCode, order_error
from domain.orders.models import (
    Order,
    OrderKind,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from domain.orders.state_machine import Action, Role

MAX_ATTEMPTS = 5
MAX_REASON = 500


def new_code() -> str:
    """Six digits from the OS's CSPRNG: a code cannot be derived from the order."""
    return f"{secrets.randbelow(1_000_000):06d}"


def qr_payload(order_global_id: str, code: str) -> str:
    """What the app shows as a QR code and the counter scans: the order and its code."""
    return f"OMNI-PICKUP:{order_global_id}:{code}"


async def _location(session: AsyncSession, order: Order) -> Location:
    location = await session.get(Location, order.location_id)
    assert location is not None  # orders reference their location
    return location


async def mark_ready(session: AsyncSession, actor: Actor, order_id: int) -> Order:
    """PLACED → READY_FOR_PICKUP, by staff of the store or its POS: a fresh pickup code,
    the collect-by deadline (now + the store's collect-by days) and the customer's
    notification with the code, the store's address and the deadline."""
    order, role = await lifecycle.locked(session, actor, order_id)
    by = actor.ref(order.location_id)
    await lifecycle.settle(session, order, lifecycle.allowed(order, role, Action.MARK_READY), by)
    location = await _location(session, order)
    # One code chooser per store at a time: two orders made ready at once cannot draw the
    # same free code.
    await session.execute(select(func.pg_advisory_xact_lock(3, order.location_id)))
    taken = set(
        await session.scalars(
            select(Order.pickup_code).where(
                Order.location_id == order.location_id,
                Order.status == OrderStatus.READY_FOR_PICKUP,
            )
        )
    )
    # Unique among the store's ready orders (a partial unique index backs this up).
    code = new_code()
    while code in taken:
        code = new_code()
    at = lifecycle.now()
    order.pickup_code = code
    order.pickup_attempts = 0
    order.pickup_locked_at = None
    order.ready_at = at
    order.collect_by = at + timedelta(days=location.collect_by_days)
    await lifecycle.record(
        session,
        order,
        by,
        "order.ready",
        OrderStatus.PLACED.value,
        payload={"collectBy": order.collect_by.isoformat()},
        template="order_ready_for_pickup",
        message={
            "pickupCode": code,
            "store": location.name,
            "address": lifecycle.store_address(location),
            "collectBy": order.collect_by.isoformat(),
            "total": str(order.total),
        },
    )
    return order


async def collect(
    session: AsyncSession,
    actor: Actor,
    order_id: int,
    code: str,
    received: payments.Received | None,
    per_point: Decimal,
) -> Order:
    """READY_FOR_PICKUP → COLLECTED, by staff of the store or its POS, with the customer's
    code. A wrong code is counted (and kept, even though the call fails); the fifth locks
    code entry. A PAY_AT_STORE order needs the money: at least its total."""
    order, role = await lifecycle.locked(session, actor, order_id)
    taken = lifecycle.allowed(order, role, Action.COLLECT)  # refused before a code counts
    if order.kind is OrderKind.PICKUP:
        if order.pickup_locked_at is not None:
            raise order_error(
                OrderErrorCode.PICKUP_LOCKED,
                "Code entry is locked after too many wrong codes; staff must unlock it.",
                "pickupCode",
            )
        if not hmac.compare_digest(code.strip().encode(), (order.pickup_code or "").encode()):
            order.pickup_attempts += 1
            left = MAX_ATTEMPTS - order.pickup_attempts
            if left <= 0:
                order.pickup_locked_at = lifecycle.now()
            await session.flush()
            raise order_error(
                OrderErrorCode.PICKUP_LOCKED if left <= 0 else OrderErrorCode.WRONG_PICKUP_CODE,
                "Wrong code; code entry is now locked: staff must unlock it."
                if left <= 0
                else f"Wrong code; {left} tries left.",
                "pickupCode",
                keep_changes=True,
            )
    by = actor.ref(order.location_id)
    payment = await session.scalar(
        select(Payment).where(Payment.order_id == order.id).order_by(Payment.id).limit(1)
    )
    due = payment is not None and payment.status is PaymentStatus.PENDING
    if due and order.payment_method is PaymentMethod.PAY_AT_STORE:
        received = payments.check(order.total, received, "paymentReceived")
    elif received is not None:
        raise order_error(OrderErrorCode.ALREADY_PAID, "Nothing is due.", "paymentReceived")
    at = lifecycle.now()
    order.collected_at = at
    paid: dict[str, str] = {}
    if payment is not None and received is not None:
        paid = payments.settle(payment, order.total, received)
    await earning.earn(session, order, by, at, per_point)
    await lifecycle.settle(session, order, taken, by)
    await lifecycle.record(
        session,
        order,
        by,
        "order.collected",
        OrderStatus.READY_FOR_PICKUP.value,
        payload={"payment": paid, "pointsEarned": order.points_earned},
        template="order_collected",
        message={"pointsEarned": order.points_earned, "total": str(order.total)},
    )
    return order


async def unlock(session: AsyncSession, actor: Actor, order_id: int, reason: str) -> Order:
    """Staff of the store (not a device) reopen code entry after checking the customer's
    identity; the reason is kept on the order's event."""
    order, role = await lifecycle.locked(session, actor, order_id)
    if actor.staff is None or role is Role.CUSTOMER:
        raise forbidden("Only store staff unlock a pickup.")
    cleaned = reason.strip()
    if not cleaned or len(cleaned) > MAX_REASON:
        raise InvalidInput(f"Give a reason of 1–{MAX_REASON} characters.", "reason")
    if order.pickup_locked_at is None:
        raise order_error(OrderErrorCode.NOT_LOCKED, "Code entry is not locked.", "orderId")
    order.pickup_locked_at = None
    order.pickup_attempts = 0
    await lifecycle.record(
        session,
        order,
        actor.ref(order.location_id),
        "order.pickup_unlocked",
        order.status.value,
        payload={"reason": cleaned},
    )
    return order


async def by_code(session: AsyncSession, actor: Actor, store_id: int, code: str) -> Order:
    """The ready order at `store_id` with this code, for staff of that store or its POS."""
    require_store_side(actor, store_id, "look orders up by pickup code")
    order = await session.scalar(
        select(Order).where(
            Order.location_id == store_id,
            Order.status == OrderStatus.READY_FOR_PICKUP,
            Order.pickup_code == code.strip(),
            # A locked code entry stays locked here too: staff unlock it first.
            Order.pickup_locked_at.is_(None),
        )
    )
    if order is None:
        raise NotFound("No ready order with this code at this store.", "code")
    return order
