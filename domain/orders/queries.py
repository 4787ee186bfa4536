"""Reading orders: a customer's own, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.channels import Channel
from domain.orders.models import Order, OrderStatus
from domain.pagination import Keyset, Page, PageRequest, keyset_page


@dataclass(frozen=True, slots=True)
class OrderFilter:
    status: OrderStatus | None = None
    channel: Channel | None = None


async def customer_orders(
    session: AsyncSession, customer_id: int, query: OrderFilter, page: PageRequest
) -> Page[Order]:
    page.validate()
    conditions: list[ColumnElement[bool]] = [Order.customer_id == customer_id]
    if query.status is not None:
        conditions.append(Order.status == query.status)
    if query.channel is not None:
        conditions.append(Order.channel == query.channel)
    keyset = Keyset(sort="orders", columns=[Order.id.expression], kinds=[int], ascending=False)
    rows = await keyset_page(
        session, select(Order).where(*conditions), keyset, page, lambda row: (row[0].id,)
    )
    return rows.map(lambda row: row[0])
