"""Inventory reads: locations, stock levels, and the store finder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Float, cast, func, literal, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import in_ids
from domain.errors import CommonErrorCode, InvalidInput
from domain.inventory.models import Location, LocationKind, StockLevel
from domain.pagination import Cursor, Page, PageRequest

EARTH_RADIUS_KM = 6371.0
MAX_AVAILABILITY_ITEMS = 50


@dataclass(frozen=True, slots=True)
class GeoPoint:
    latitude: float
    longitude: float

    def validate(self) -> None:
        if not -90 <= self.latitude <= 90 or not -180 <= self.longitude <= 180:
            raise InvalidInput(
                "`near` must be a latitude in -90..90 and a longitude in -180..180.", "near"
            )


@dataclass(frozen=True, slots=True)
class StoreQuery:
    near: GeoPoint | None = None
    radius_km: float | None = None
    # (variant id, quantity) pairs that a store must all hold.
    available_for: tuple[tuple[int, int], ...] = ()
    pickup_enabled: bool | None = None

    def validate(self) -> None:
        if self.near is not None:
            self.near.validate()
        if self.radius_km is not None:
            if self.near is None:
                raise InvalidInput("`radiusKm` needs `near`.", "radiusKm")
            if not self.radius_km > 0:
                raise InvalidInput("`radiusKm` must be positive.", "radiusKm")
        if len(self.available_for) > MAX_AVAILABILITY_ITEMS:
            raise InvalidInput(
                f"`availableFor` lists at most {MAX_AVAILABILITY_ITEMS} items.",
                "availableFor",
                CommonErrorCode.TOO_LONG,
            )
        for _, quantity in self.available_for:
            if quantity < 1:
                raise InvalidInput(
                    "Each `availableFor` quantity must be at least 1.", "availableFor"
                )


def distance_km(lat: float, lon: float) -> ColumnElement[float]:
    """Haversine distance from (lat, lon) to a location, in kilometres."""
    rlat1, rlat2 = func.radians(lat), func.radians(Location.latitude)
    dlat = func.radians(Location.latitude - lat)
    dlon = func.radians(Location.longitude - lon)
    a = func.power(func.sin(dlat / 2), 2) + func.cos(rlat1) * func.cos(rlat2) * func.power(
        func.sin(dlon / 2), 2
    )
    return cast(2 * EARTH_RADIUS_KM * func.asin(func.least(1.0, func.sqrt(a))), Float(precision=53))


async def list_stores(
    session: AsyncSession, query: StoreQuery, page: PageRequest
) -> Page[tuple[Location, float | None]]:
    """Active stores, nearest first when `near` is given, else by code."""
    query.validate()
    page.validate()
    conditions: list[ColumnElement[bool]] = [
        Location.kind == LocationKind.STORE,
        Location.active.is_(True),
    ]
    if query.pickup_enabled is not None:
        conditions.append(Location.pickup_enabled.is_(query.pickup_enabled))
    for variant_id, quantity in query.available_for:
        conditions.append(
            Location.id.in_(
                select(StockLevel.location_id).where(
                    StockLevel.variant_id == variant_id,
                    StockLevel.on_hand - StockLevel.reserved >= quantity,
                )
            )
        )
    distance: ColumnElement[float] | None = None
    if query.near is not None:
        distance = distance_km(query.near.latitude, query.near.longitude).label("distance_km")
        if query.radius_km is not None:
            conditions.append(
                distance_km(query.near.latitude, query.near.longitude) <= query.radius_km
            )
    sort_cols: list[ColumnElement[Any]] = (
        [distance, Location.id.expression]
        if distance is not None
        else [Location.code.expression, Location.id.expression]
    )
    sort_token = (
        f"near:{query.near.latitude},{query.near.longitude}" if query.near is not None else "code"
    )
    backwards = page.backwards
    stmt = select(Location, *([distance] if distance is not None else [])).where(*conditions)
    if page.cursor is not None:
        cursor = Cursor.decode(
            page.cursor,
            sort=sort_token,
            kinds=[float if distance is not None else str, int],
            field="before" if backwards else "after",
        )
        bound = tuple_(
            *[literal(v, type_=c.type) for v, c in zip(cursor.values, sort_cols, strict=True)]
        )
        stmt = stmt.where(tuple_(*sort_cols) < bound if backwards else tuple_(*sort_cols) > bound)
    stmt = stmt.order_by(*[c.desc() if backwards else c.asc() for c in sort_cols])
    stmt = stmt.limit(page.size + 1)
    rows = (await session.execute(stmt)).all() if page.size > 0 else []
    has_more = len(rows) > page.size
    rows = rows[: page.size]
    if backwards:
        rows = list(reversed(rows))
    items: list[tuple[Location, float | None]] = []
    cursors: list[str] = []
    for row in rows:
        location: Location = row[0]
        dist = float(row[1]) if distance is not None else None
        items.append((location, dist))
        first_key: object = dist if dist is not None else location.code
        cursors.append(Cursor(sort_token, (first_key, location.id)).encode())
    return Page(
        items=items,
        cursors=cursors,
        has_next_page=has_more if not backwards else page.before is not None,
        has_previous_page=has_more if backwards else page.after is not None,
    )


async def locations_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Location]:
    rows = await session.scalars(select(Location).where(in_ids(Location.id, ids)))
    return {loc.id: loc for loc in rows}


async def location_by_code(session: AsyncSession, code: str) -> Location | None:
    return await session.scalar(select(Location).where(Location.code == code))


async def stock_by_variant_ids(
    session: AsyncSession, variant_ids: Sequence[int]
) -> dict[int, list[StockLevel]]:
    rows = await session.scalars(
        select(StockLevel)
        .where(in_ids(StockLevel.variant_id, variant_ids))
        .order_by(StockLevel.variant_id, StockLevel.location_id)
    )
    grouped: dict[int, list[StockLevel]] = {vid: [] for vid in variant_ids}
    for level in rows:
        grouped[level.variant_id].append(level)
    return grouped


async def stock_at(
    session: AsyncSession, keys: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], StockLevel]:
    """Stock levels keyed by (variant id, location id)."""
    pairs = (
        func.unnest(
            literal([k[0] for k in keys], ARRAY(BigInteger)),
            literal([k[1] for k in keys], ARRAY(BigInteger)),
        )
        .table_valued("variant_id", "location_id")
        .render_derived()
    )
    rows = await session.scalars(
        select(StockLevel).join(
            pairs,
            (StockLevel.variant_id == pairs.c.variant_id)
            & (StockLevel.location_id == pairs.c.location_id),
        )
    )
    return {(s.variant_id, s.location_id): s for s in rows}


async def shipping_location_ids(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(Location.id).where(Location.ships_orders.is_(True), Location.active.is_(True))
    )
    return list(rows)


async def delivery_available_by_variant(
    session: AsyncSession, variant_ids: Sequence[int]
) -> dict[int, int]:
    """Units available for delivery per variant: the sum over active shipping locations."""
    rows = await session.execute(
        select(StockLevel.variant_id, func.sum(StockLevel.on_hand - StockLevel.reserved))
        .join(Location, Location.id == StockLevel.location_id)
        .where(
            in_ids(StockLevel.variant_id, variant_ids),
            Location.ships_orders.is_(True),
            Location.active.is_(True),
        )
        .group_by(StockLevel.variant_id)
    )
    return {vid: int(total) for vid, total in rows}
