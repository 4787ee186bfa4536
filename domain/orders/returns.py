"""Return anywhere: goods of a finished order brought back to any store, by its staff.

The units come back into that store's stock (RETURNED movements), the refund is recorded
as a payment of its own, the points earned on the order are reversed in proportion to
what is refunded and the qualifying spend with them, and the order keeps the return. The
refund of a line is its total's share for the returned units, computed on the running
total, so returning a line unit by unit refunds exactly what returning it at once does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor, ActorRef
from domain.errors import InvalidInput, NotFound
from domain.inventory import stock
from domain.inventory.models import Location, MovementKind
from domain.membership.ledger import Posting, post_points
from domain.membership.models import Membership, PointsKind
from domain.membership.spend import record_spend
from domain.orders import earning, lifecycle
from domain.orders.errors import ReturnErrorCode, order_error
from domain.orders.models import (
    Order,
    OrderLine,
    OrderReturn,
    OrderReturnLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    Tender,
)

RETURNABLE = frozenset({OrderStatus.COLLECTED, OrderStatus.DELIVERED, OrderStatus.COMPLETED})
MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class ReturnLine:
    order_line_id: int
    quantity: int


def _share(total: Decimal, units: int, of: int) -> Decimal:
    return (total * units / of).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def refund_for(line_total: Decimal, bought: int, returned_before: int, now: int) -> Decimal:
    """What `now` more units of a line refund after `returned_before` were: the running
    share's difference, so the refunds of a line always add up to its total."""
    return _share(line_total, returned_before + now, bought) - _share(
        line_total, returned_before, bought
    )


def finished_at(order: Order) -> datetime:
    return order.collected_at or order.delivered_at or order.created_at


async def _returned(session: AsyncSession, order_id: int) -> dict[int, tuple[int, Decimal]]:
    """Per order line: units and money already returned."""
    rows = await session.execute(
        select(
            OrderReturnLine.order_line_id,
            func.sum(OrderReturnLine.quantity),
            func.sum(OrderReturnLine.refund),
        )
        .join(OrderReturn, OrderReturn.id == OrderReturnLine.return_id)
        .where(OrderReturn.order_id == order_id)
        .group_by(OrderReturnLine.order_line_id)
    )
    return {line_id: (int(q), Decimal(r)) for line_id, q, r in rows}


async def return_goods(
    session: AsyncSession,
    actor: Actor,
    order_id: int,
    lines: Sequence[ReturnLine],
    store_id: int,
    reason: str,
    refund_method: Tender,
    window: timedelta,
) -> Order:
    staff = actor.require_staff()
    staff.require_store(store_id)
    cleaned = reason.strip()
    if not cleaned or len(cleaned) > MAX_REASON:
        raise InvalidInput(f"Give a reason of 1–{MAX_REASON} characters.", "reason")
    if not lines:
        raise InvalidInput("Return at least one line.", "lines")
    store = await session.get(Location, store_id)
    if store is None or not store.active:
        raise NotFound("No such store.", "storeId")
    # Any store's staff take returns, so the order is found by id alone.
    order = await session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound(lifecycle.NOT_FOUND, "orderId")
    if order.status not in RETURNABLE:
        raise order_error(
            ReturnErrorCode.NOT_RETURNABLE,
            f"The order is {order.status.value}: nothing to return yet.",
            "orderId",
        )
    at = lifecycle.now()
    if at > finished_at(order) + window:
        raise order_error(
            ReturnErrorCode.RETURN_WINDOW_CLOSED,
            f"Returns close {window.days} days after the sale.",
            "orderId",
        )
    bought = {line.id: line for line in await lifecycle.lines_of(session, order)}
    before = await _returned(session, order.id)
    seen: set[int] = set()
    taken: list[tuple[OrderLine, int, Decimal]] = []
    for i, wanted in enumerate(lines):
        line = bought.get(wanted.order_line_id)
        if line is None or wanted.order_line_id in seen:
            raise InvalidInput(
                "Not a line of this order, or given twice.", f"lines.{i}.orderLineId"
            )
        seen.add(line.id)
        done = before.get(line.id, (0, Decimal(0)))[0]
        if not 1 <= wanted.quantity <= line.quantity - done:
            raise order_error(
                ReturnErrorCode.RETURN_EXCEEDS_PURCHASE,
                f"{line.quantity - done} of {line.sku} can still be returned.",
                f"lines.{i}.quantity",
            )
        taken.append(
            (line, wanted.quantity, refund_for(line.total, line.quantity, done, wanted.quantity))
        )
    refund = sum((r for _, _, r in taken), Decimal(0))
    by = actor.ref(store_id)

    # Points and spend first (the membership row), then the stock rows: checkout's order.
    reversed_points = await _reverse_points(session, order, before, refund, by, at)
    record = OrderReturn(
        order_id=order.id,
        location_id=store_id,
        reason=cleaned,
        refund_method=refund_method.value,
        refund=refund,
        points_reversed=reversed_points,
        actor_kind=by.kind,
        actor_id=by.id,
        channel=by.channel,
    )
    session.add(record)
    await session.flush()
    session.add_all(
        OrderReturnLine(return_id=record.id, order_line_id=line.id, quantity=q, refund=r)
        for line, q, r in taken
    )
    session.add(
        Payment(
            order_id=order.id,
            method=refund_method.value,
            amount=refund,
            status=PaymentStatus.REFUNDED,
        )
    )
    await stock.move_all(
        session,
        by,
        [
            stock.Move(line.variant_id, store_id, MovementKind.RETURNED, on_hand_delta=q)
            for line, q, _ in taken
        ],
        reason=f"return of order {order.number}: {cleaned}",
        reference=f"{order.number}/return/{record.id}",
    )
    await lifecycle.record(
        session,
        order,
        by,
        "order.returned",
        order.status.value,
        payload={
            "returnId": record.id,
            "storeId": store_id,
            "refund": str(refund),
            "pointsReversed": reversed_points,
        },
        template="order_returned",
        message={"refund": str(refund), "store": store.name},
    )
    return order


async def _reverse_points(
    session: AsyncSession,
    order: Order,
    before: dict[int, tuple[int, Decimal]],
    refund: Decimal,
    by: ActorRef,
    at: datetime,
) -> int:
    """Take back the points earned on what is refunded (on the running refund, so a full
    return takes back exactly what was earned), as far as the balance allows, and the
    refunded spend from the tier's 12 months."""
    if order.customer_id is None:
        return 0
    membership = await session.scalar(
        select(Membership).where(Membership.customer_id == order.customer_id).with_for_update()
    )
    if membership is None:
        return 0
    goods = earning.goods_paid(order)
    if goods <= 0:
        return 0
    refunded_before = sum((r for _, r in before.values()), Decimal(0))

    def share(points: int, refunded: Decimal) -> int:
        return int((points * refunded / goods).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    after = refunded_before + refund
    balance = membership.points_balance
    # The points spent on the returned goods come back (they paid for part of them)...
    spent_back = share(order.points_redeemed, after) - share(order.points_redeemed, refunded_before)
    if spent_back > 0:
        await post_points(
            session,
            membership.id,
            Posting(
                PointsKind.REVERSE, spent_back, f"return of order {order.number}", order.number
            ),
            by,
        )
        balance += spent_back
    # ...and the points earned on them go, as far as the balance allows.
    owed = share(order.points_earned, after) - share(order.points_earned, refunded_before)
    points = min(owed, balance)
    if points > 0:
        await post_points(
            session,
            membership.id,
            Posting(PointsKind.REVERSE, -points, f"return of order {order.number}", order.number),
            by,
        )
    if refund > 0:
        await record_spend(session, membership.id, -refund, at, order.number)
    return points
