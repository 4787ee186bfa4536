"""Cancelling an order, by its customer, by the store, or by the expiry job: the
reservation is released, the voucher use and the redeemed points are given back, the
payment voided, and the event and notification written, all in one transaction."""

from __future__ import annotations

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import SYSTEM, Actor, ActorRef
from domain.errors import DomainError, InvalidInput
from domain.membership.ledger import Posting, post_points
from domain.membership.models import Membership, PointsKind
from domain.orders import lifecycle
from domain.orders.models import Order, OrderStatus, Payment, PaymentStatus
from domain.orders.state_machine import Action, Role
from domain.pricebook import vouchers
from domain.unit_of_work import transaction

MAX_REASON = 500
log = structlog.get_logger("omni.jobs")


async def _unwind(
    session: AsyncSession, order: Order, role: Role, action: Action, by: ActorRef, reason: str
) -> Order:
    before = order.status
    taken = lifecycle.allowed(order, role, action)
    order.cancelled_at = lifecycle.now()
    order.cancel_reason = reason
    if order.voucher_id is not None:
        await vouchers.give_back(session, order.voucher_id, order.number)
    if order.points_redeemed and order.customer_id is not None:
        member = await session.scalar(
            select(Membership.id).where(Membership.customer_id == order.customer_id)
        )
        if member is not None:
            await post_points(
                session,
                member,
                Posting(
                    PointsKind.REVERSE,
                    order.points_redeemed,
                    f"order {order.number} cancelled",
                    order.number,
                ),
                by,
            )
    await session.execute(
        update(Payment)
        .where(Payment.order_id == order.id, Payment.status == PaymentStatus.PENDING)
        .values(status=PaymentStatus.VOIDED)
    )
    await lifecycle.settle(session, order, taken, by, reason=f"cancelled: {reason}")
    await lifecycle.record(
        session,
        order,
        by,
        "order.expired" if action is Action.EXPIRE else "order.cancelled",
        before.value,
        payload={"reason": reason, "by": role.value},
        template="order_cancelled",
        message={"reason": reason},
    )
    return order


async def cancel(session: AsyncSession, actor: Actor, order_id: int, reason: str) -> Order:
    """The customer before the store has it ready; the store before it is collected (or,
    for a delivery, shipped)."""
    cleaned = reason.strip()
    if not cleaned or len(cleaned) > MAX_REASON:
        raise InvalidInput(f"Give a reason of 1–{MAX_REASON} characters.", "reason")
    order, role = await lifecycle.locked(session, actor, order_id)
    return await _unwind(session, order, role, Action.CANCEL, actor.ref(order.location_id), cleaned)


async def due_pickups(session: AsyncSession, limit: int = 500) -> list[int]:
    """Ready orders past their collect-by deadline, oldest deadline first."""
    return list(
        await session.scalars(
            select(Order.id)
            .where(
                Order.status == OrderStatus.READY_FOR_PICKUP,
                Order.collect_by < lifecycle.now(),
            )
            .order_by(Order.collect_by)
            .limit(limit)
        )
    )


async def expire(session: AsyncSession, order_id: int) -> bool:
    """Cancel one ready order past its deadline; False when it no longer is one (collected
    or cancelled meanwhile: the row lock makes the job and the counter take turns)."""
    order = await session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if (
        order is None
        or order.status is not OrderStatus.READY_FOR_PICKUP
        or order.collect_by is None
        or order.collect_by >= lifecycle.now()
    ):
        return False
    by = ActorRef(SYSTEM.kind, None, order.channel, order.location_id)
    await _unwind(session, order, Role.SYSTEM, Action.EXPIRE, by, "not collected in time")
    return True


async def expire_pickups(session: AsyncSession) -> int:
    """The `expire-pickups` job: cancel every ready order past its deadline, each in its
    own transaction (one failure does not undo the others); returns how many expired."""
    expired = 0
    while batch := await due_pickups(session):
        await session.rollback()  # end the read; each order then has its own transaction
        progressed = 0
        for order_id in batch:

            async def one(s: AsyncSession, pk: int = order_id) -> bool:
                return await expire(s, pk)

            try:
                progressed += await transaction(session, one, retries=2)
            except DomainError as error:
                # One order that cannot be expired must not hold up the others.
                log.warning("pickup_not_expired", order_id=order_id, reason=error.message)
        expired += progressed
        if progressed == 0:
            break  # collected or cancelled meanwhile: nothing more is due
    return expired
