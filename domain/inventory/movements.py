"""Reading the stock ledger: staff see their stores' movements, admins all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.errors import InvalidInput
from domain.inventory.models import MovementKind, StockMovement
from domain.pagination import Keyset, Page, PageRequest, keyset_page


@dataclass(frozen=True, slots=True)
class MovementFilter:
    location_id: int | None = None
    variant_id: int | None = None
    kind: MovementKind | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_movements(
    session: AsyncSession, actor: Actor, query: MovementFilter, page: PageRequest
) -> Page[StockMovement]:
    """Newest first. Staff of some stores see only those stores; asking for another one is
    FORBIDDEN."""
    staff = actor.require_staff()
    page.validate()
    conditions: list[ColumnElement[bool]] = []
    if query.location_id is not None:
        staff.require_store(query.location_id, "locationId")
        conditions.append(StockMovement.location_id == query.location_id)
    elif not staff.is_admin:
        conditions.append(StockMovement.location_id.in_(sorted(staff.store_ids)))
    if query.variant_id is not None:
        conditions.append(StockMovement.variant_id == query.variant_id)
    if query.kind is not None:
        conditions.append(StockMovement.kind == query.kind)
    for moment, name in ((query.since, "from"), (query.until, "to")):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput(f"`{name}` needs a time zone.", name)
    if query.since is not None:
        conditions.append(StockMovement.created_at >= query.since)
    if query.until is not None:
        conditions.append(StockMovement.created_at < query.until)
    keyset = Keyset(
        sort="movements",
        columns=[StockMovement.id.expression],
        kinds=[int],
        ascending=False,
    )
    stmt = select(StockMovement).where(*conditions)
    rows = await keyset_page(session, stmt, keyset, page, lambda row: (row[0].id,))
    return rows.map(lambda row: row[0])
