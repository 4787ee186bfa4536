"""Reading orders: a customer's own, newest first; a store's, for its staff and counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.channels import Channel
from domain.errors import InvalidInput, forbidden
from domain.orders.access import require_store_side
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


@dataclass(frozen=True, slots=True)
class QueueFilter:
    store_id: int | None = None
    status: OrderStatus | None = None
    channel: Channel | None = None
    placed_from: datetime | None = None
    placed_to: datetime | None = None


# The store's work queues are served in arrival order; other lists newest first.
OLDEST_FIRST = frozenset({OrderStatus.PLACED, OrderStatus.READY_FOR_PICKUP})


async def store_orders(
    session: AsyncSession, actor: Actor, query: QueueFilter, page: PageRequest
) -> Page[Order]:
    """Orders of a store for its staff or its POS (ADMIN: any store, or all without one);
    oldest first for the PLACED and READY_FOR_PICKUP queues, newest first otherwise."""
    page.validate()
    conditions: list[ColumnElement[bool]] = []
    if query.store_id is not None:
        require_store_side(actor, query.store_id, "list a store's orders")
    elif actor.staff is None:
        raise forbidden("Only staff and the store's counter list a store's orders.")
    elif not actor.staff.is_admin:
        raise InvalidInput("Give `storeId`: one of your stores.", "storeId")
    if query.store_id is not None:
        conditions.append(Order.location_id == query.store_id)
    if query.status is not None:
        conditions.append(Order.status == query.status)
    if query.channel is not None:
        conditions.append(Order.channel == query.channel)
    if query.placed_from is not None:
        conditions.append(Order.created_at >= query.placed_from)
    if query.placed_to is not None:
        conditions.append(Order.created_at < query.placed_to)
    ascending = query.status in OLDEST_FIRST
    keyset = Keyset(
        sort=f"store-orders-{'asc' if ascending else 'desc'}",
        columns=[Order.id.expression],
        kinds=[int],
        ascending=ascending,
    )
    rows = await keyset_page(
        session, select(Order).where(*conditions), keyset, page, lambda row: (row[0].id,)
    )
    return rows.map(lambda row: row[0])
