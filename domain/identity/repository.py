"""Identity reads used by DataLoaders."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Customer, CustomerAddress, Device, StaffStoreScope, StaffUser


async def customers_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Customer]:
    rows = await session.scalars(select(Customer).where(Customer.id.in_(ids)))
    return {c.id: c for c in rows}


async def addresses_by_customer_ids(
    session: AsyncSession, customer_ids: Sequence[int]
) -> dict[int, list[CustomerAddress]]:
    rows = await session.scalars(
        select(CustomerAddress)
        .where(CustomerAddress.customer_id.in_(customer_ids))
        .order_by(
            CustomerAddress.customer_id, CustomerAddress.is_default.desc(), CustomerAddress.id
        )
    )
    grouped: dict[int, list[CustomerAddress]] = {cid: [] for cid in customer_ids}
    for address in rows:
        grouped[address.customer_id].append(address)
    return grouped


async def addresses_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, CustomerAddress]:
    rows = await session.scalars(select(CustomerAddress).where(CustomerAddress.id.in_(ids)))
    return {a.id: a for a in rows}


async def staff_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, StaffUser]:
    rows = await session.scalars(select(StaffUser).where(StaffUser.id.in_(ids)))
    return {s.id: s for s in rows}


async def store_ids_by_staff_ids(
    session: AsyncSession, staff_ids: Sequence[int]
) -> dict[int, list[int]]:
    rows = await session.execute(
        select(StaffStoreScope.staff_id, StaffStoreScope.location_id)
        .where(StaffStoreScope.staff_id.in_(staff_ids))
        .order_by(StaffStoreScope.location_id)
    )
    grouped: dict[int, list[int]] = {sid: [] for sid in staff_ids}
    for staff_id, location_id in rows:
        grouped[staff_id].append(location_id)
    return grouped


async def devices_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Device]:
    rows = await session.scalars(select(Device).where(Device.id.in_(ids)))
    return {d.id: d for d in rows}
