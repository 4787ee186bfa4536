"""DataLoaders of orders."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.loaders import Loader
from domain.db import in_ids
from domain.orders.models import Order, OrderLine


async def _orders(session: AsyncSession, ids: Sequence[int]) -> dict[int, Order]:
    rows = await session.scalars(select(Order).where(in_ids(Order.id, ids)))
    return {o.id: o for o in rows}


async def _lines(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[OrderLine]]:
    rows = await session.scalars(
        select(OrderLine).where(in_ids(OrderLine.order_id, ids)).order_by(OrderLine.position)
    )
    grouped: dict[int, list[OrderLine]] = {pk: [] for pk in ids}
    for line in rows:
        grouped[line.order_id].append(line)
    return grouped


order: Loader[int, Order | None] = Loader(_orders)
lines: Loader[int, list[OrderLine]] = Loader(_lines, list)
