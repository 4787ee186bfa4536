"""DataLoaders of orders."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.loaders import Loader, grouped
from domain.db import in_ids
from domain.orders.models import Order, OrderEvent, OrderLine, OrderReturn, OrderReturnLine, Payment


async def _orders(session: AsyncSession, ids: Sequence[int]) -> dict[int, Order]:
    rows = await session.scalars(select(Order).where(in_ids(Order.id, ids)))
    return {o.id: o for o in rows}


async def _lines(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[OrderLine]]:
    rows = await session.scalars(
        select(OrderLine).where(in_ids(OrderLine.order_id, ids)).order_by(OrderLine.position)
    )
    return grouped(ids, rows, lambda line: line.order_id)


async def _events(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[OrderEvent]]:
    rows = await session.scalars(
        select(OrderEvent).where(in_ids(OrderEvent.order_id, ids)).order_by(OrderEvent.id)
    )
    return grouped(ids, rows, lambda event: event.order_id)


async def _payments(session: AsyncSession, ids: Sequence[int]) -> dict[int, Payment]:
    """Each order's first payment (the one checkout recorded)."""
    rows = await session.scalars(
        select(Payment).where(in_ids(Payment.order_id, ids)).order_by(Payment.id.desc())
    )
    return {p.order_id: p for p in rows}  # the lowest id wins: rows come highest first


async def _returns(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, list[tuple[OrderReturn, list[OrderReturnLine]]]]:
    """Each order's returns, oldest first, with their lines: one statement."""
    rows = await session.execute(
        select(OrderReturn, OrderReturnLine)
        .join(OrderReturnLine, OrderReturnLine.return_id == OrderReturn.id)
        .where(in_ids(OrderReturn.order_id, ids))
        .order_by(OrderReturn.id, OrderReturnLine.id)
    )
    found: dict[int, list[tuple[OrderReturn, list[OrderReturnLine]]]] = {pk: [] for pk in ids}
    for ret, line in rows:
        bucket = found[ret.order_id]
        if not bucket or bucket[-1][0].id != ret.id:
            bucket.append((ret, []))
        bucket[-1][1].append(line)
    return found


order: Loader[int, Order | None] = Loader(_orders)
returns: Loader[int, list[tuple[OrderReturn, list[OrderReturnLine]]]] = Loader(_returns, list)
events: Loader[int, list[OrderEvent]] = Loader(_events, list)
payment: Loader[int, Payment | None] = Loader(_payments)
lines: Loader[int, list[OrderLine]] = Loader(_lines, list)
