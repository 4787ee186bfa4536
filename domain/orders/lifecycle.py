"""What every order step shares: finding and locking the order for its actor, taking the
step from the transition table, settling its stock, and writing the order event and the
notification (the outbox) in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor, ActorRef
from domain.errors import NotFound
from domain.inventory import stock
from domain.inventory.models import Location
from domain.notifications.models import Notification, NotificationChannel
from domain.orders.access import role_of
from domain.orders.models import Order, OrderEvent, OrderLine
from domain.orders.state_machine import Action, Role, Step, Stock, step

NOT_FOUND = "No such order."


def now() -> datetime:
    return datetime.now(UTC)


async def locked(session: AsyncSession, actor: Actor, order_id: int) -> tuple[Order, Role]:
    """The order under its row lock (steps on one order queue here and each sees the
    previous one's result), with the actor's role; NOT_FOUND for anyone who may not see
    it, exactly as for an order that does not exist."""
    order = await session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    role = role_of(actor, order) if order is not None else None
    if order is None or role is None:
        raise NotFound(NOT_FOUND, "orderId")
    return order, role


async def lines_of(session: AsyncSession, order: Order) -> Sequence[OrderLine]:
    return list(
        await session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.position)
        )
    )


def allowed(order: Order, role: Role, action: Action) -> Step:
    """The step, or INVALID_TRANSITION / FORBIDDEN: checked before anything is written."""
    return step(order.kind, order.status, action, role)


async def settle(
    session: AsyncSession, order: Order, taken: Step, by: ActorRef, *, reason: str = ""
) -> None:
    """Apply the step's stock effect to every line's reservation and move the order.

    Called after the voucher and the membership are written, so that the stock rows are
    locked last, in the order checkout takes them: the two cannot deadlock.
    """
    if taken.stock is not Stock.KEEP:
        settle_line = stock.sell if taken.stock is Stock.SELL else stock.release
        # In variant order, as checkout locks stock rows: the two cannot deadlock.
        lines = sorted(await lines_of(session, order), key=lambda line: line.variant_id)
        for line in lines:
            await settle_line(
                session, by, line.reservation, reason=reason or f"order {order.number}"
            )
    order.status = taken.to


async def record(
    session: AsyncSession,
    order: Order,
    by: ActorRef,
    kind: str,
    from_status: str | None,
    *,
    payload: dict[str, Any] | None = None,
    template: str | None = None,
    message: dict[str, Any] | None = None,
) -> None:
    """The order event and, with `template`, the customer's notification (to the order's
    phone by SMS, else its email)."""
    session.add(
        OrderEvent(
            order_id=order.id,
            kind=kind,
            from_status=from_status,
            to_status=order.status.value,
            actor_kind=by.kind,
            actor_id=by.id,
            channel=by.channel,
            payload=payload or {},
        )
    )
    if template is not None and (order.phone or order.email):
        session.add(
            Notification(
                channel=NotificationChannel.SMS if order.phone else NotificationChannel.EMAIL,
                recipient=order.phone or order.email or "",
                template=template,
                payload={"number": order.number, "status": order.status.value, **(message or {})},
            )
        )
    await session.flush()


def store_address(location: Location) -> str:
    parts = (location.street, location.ward, location.district, location.province)
    return ", ".join(p for p in parts if p)
