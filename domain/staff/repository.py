"""Staff and device reads used by DataLoaders."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import in_ids
from domain.staff.models import Device, StaffStoreScope, StaffUser


async def staff_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, StaffUser]:
    rows = await session.scalars(select(StaffUser).where(in_ids(StaffUser.id, ids)))
    return {s.id: s for s in rows}


async def store_ids_by_staff_ids(
    session: AsyncSession, staff_ids: Sequence[int]
) -> dict[int, list[int]]:
    rows = await session.execute(
        select(StaffStoreScope.staff_id, StaffStoreScope.location_id)
        .where(in_ids(StaffStoreScope.staff_id, staff_ids))
        .order_by(StaffStoreScope.location_id)
    )
    grouped: dict[int, list[int]] = {sid: [] for sid in staff_ids}
    for staff_id, location_id in rows:
        grouped[staff_id].append(location_id)
    return grouped


async def devices_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Device]:
    rows = await session.scalars(select(Device).where(in_ids(Device.id, ids)))
    return {d.id: d for d in rows}
