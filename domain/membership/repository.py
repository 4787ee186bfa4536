"""Membership reads used by DataLoaders and connections."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import in_ids
from domain.errors import InvalidInput
from domain.membership.models import Membership, PointsEntry, Tier
from domain.pagination import Cursor, Page, PageErrorCode, PageRequest


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
    sort = f"points:{membership_id}"
    backwards = page.backwards
    stmt = select(PointsEntry).where(PointsEntry.membership_id == membership_id)
    if page.cursor is not None:
        field = "before" if backwards else "after"
        (bound,) = Cursor.decode(page.cursor, sort=sort, kinds=[int], field=field).values
        if not isinstance(bound, int):
            raise InvalidInput("The cursor is not valid.", field, PageErrorCode.INVALID_CURSOR)
        stmt = stmt.where(PointsEntry.id > bound if backwards else PointsEntry.id < bound)
    stmt = stmt.order_by(PointsEntry.id.asc() if backwards else PointsEntry.id.desc())
    rows = list(await session.scalars(stmt.limit(page.size + 1))) if page.size > 0 else []
    has_more = len(rows) > page.size
    rows = rows[: page.size]
    if backwards:
        rows.reverse()
    return Page(
        items=rows,
        cursors=[Cursor(sort, (e.id,)).encode() for e in rows],
        has_next_page=has_more if not backwards else page.before is not None,
        has_previous_page=has_more if backwards else page.after is not None,
    )
