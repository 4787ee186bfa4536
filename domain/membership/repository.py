"""Membership reads used by DataLoaders and connections."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import in_ids
from domain.membership.models import Membership, PointsEntry, Tier
from domain.pagination import Keyset, Page, PageRequest, keyset_page


async def memberships_by_customer_ids(
    session: AsyncSession, customer_ids: Sequence[int]
) -> dict[int, Membership]:
    rows = await session.scalars(
        select(Membership).where(in_ids(Membership.customer_id, customer_ids))
    )
    return {m.customer_id: m for m in rows}


async def memberships_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Membership]:
    rows = await session.scalars(select(Membership).where(in_ids(Membership.id, ids)))
    return {m.id: m for m in rows}


async def tiers_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Tier]:
    rows = await session.scalars(select(Tier).where(in_ids(Tier.id, ids)))
    return {t.id: t for t in rows}


async def points_entries_by_ids(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, PointsEntry]:
    rows = await session.scalars(select(PointsEntry).where(in_ids(PointsEntry.id, ids)))
    return {e.id: e for e in rows}


async def points_history(
    session: AsyncSession, membership_id: int, page: PageRequest
) -> Page[PointsEntry]:
    """Newest first, keyset on the entry id."""
    page.validate()
    keyset = Keyset(
        sort=f"points:{membership_id}",
        columns=[PointsEntry.id.expression],
        kinds=[int],
        ascending=False,
    )
    stmt = select(PointsEntry).where(PointsEntry.membership_id == membership_id)
    rows = await keyset_page(session, stmt, keyset, page, lambda row: (row[0].id,))
    return rows.map(lambda row: row[0])
