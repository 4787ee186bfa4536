"""Customer reads used by DataLoaders."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.customers.models import Customer, CustomerAddress
from domain.db import in_ids


async def customers_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Customer]:
    rows = await session.scalars(select(Customer).where(in_ids(Customer.id, ids)))
    return {c.id: c for c in rows}


async def addresses_by_customer_ids(
    session: AsyncSession, customer_ids: Sequence[int]
) -> dict[int, list[CustomerAddress]]:
    rows = await session.scalars(
        select(CustomerAddress)
        .where(in_ids(CustomerAddress.customer_id, customer_ids))
        .order_by(
            CustomerAddress.customer_id, CustomerAddress.is_default.desc(), CustomerAddress.id
        )
    )
    grouped: dict[int, list[CustomerAddress]] = {cid: [] for cid in customer_ids}
    for address in rows:
        grouped[address.customer_id].append(address)
    return grouped


async def addresses_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, CustomerAddress]:
    rows = await session.scalars(select(CustomerAddress).where(in_ids(CustomerAddress.id, ids)))
    return {a.id: a for a in rows}
