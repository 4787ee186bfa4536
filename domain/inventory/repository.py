"""Inventory reads: locations, stock levels, and the store finder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import in_ids
from domain.errors import CommonErrorCode, InvalidInput, NotFound
from domain.inventory.models import Location, LocationKind, StockLevel
from domain.pagination import Keyset, Page, PageRequest, keyset_page
from domain.plain_reads import Shape, driver_rows

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
    keyset = Keyset(
        sort=(
            f"near:{query.near.latitude},{query.near.longitude}"
            if query.near is not None
            else "code"
        ),
        columns=(
            [distance, Location.id.expression]
            if distance is not None
            else [Location.code.expression, Location.id.expression]
        ),
        kinds=[float if distance is not None else str, int],
    )

    def cursor_values(row: Any) -> tuple[Any, ...]:
        location: Location = row[0]
        return (float(row[1]) if distance is not None else location.code, location.id)

    def item(row: Any) -> tuple[Location, float | None]:
        return row[0], float(row[1]) if distance is not None else None

    columns: list[Any] = [Location, *([distance] if distance is not None else [])]
    stmt: Select[Any] = select(*columns).where(*conditions)
    rows = await keyset_page(session, stmt, keyset, page, cursor_values)
    return rows.map(item)


async def locations_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Location]:
    rows = await session.scalars(select(Location).where(in_ids(Location.id, ids)))
    return {loc.id: loc for loc in rows}


async def location_by_code(session: AsyncSession, code: str) -> Location | None:
    return await session.scalar(select(Location).where(Location.code == code))


# Stock levels for the API's reads, as plain objects (domain/plain_reads.py); the stock
# writers (domain/inventory/stock.py) lock and update rows of their own.
_LEVEL = Shape.of(StockLevel)
_LEVELS_OF_VARIANTS = _LEVEL.sql(
    "WHERE variant_id = ANY($1::bigint[]) ORDER BY variant_id, location_id"
)
_DELIVERY_AVAILABLE = """
    SELECT s.variant_id, sum(s.on_hand - s.reserved)
    FROM stock_levels s JOIN locations l ON l.id = s.location_id
    WHERE s.variant_id = ANY($1::bigint[]) AND l.ships_orders AND l.active
    GROUP BY s.variant_id
"""
_LEVELS_AT = _LEVEL.sql(
    "JOIN unnest($1::bigint[], $2::bigint[]) AS pairs(variant_id, location_id) "
    "USING (variant_id, location_id)"
)


async def stock_by_variant_ids(
    session: AsyncSession, variant_ids: Sequence[int]
) -> dict[int, list[StockLevel]]:
    levels = await _LEVEL.fetch(session, _LEVELS_OF_VARIANTS, list(variant_ids))
    grouped: dict[int, list[StockLevel]] = {vid: [] for vid in variant_ids}
    for level in levels:
        grouped[level.variant_id].append(level)
    return grouped


async def stock_at(
    session: AsyncSession, keys: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], StockLevel]:
    """Stock levels keyed by (variant id, location id)."""
    levels = await _LEVEL.fetch(session, _LEVELS_AT, [k[0] for k in keys], [k[1] for k in keys])
    return {(s.variant_id, s.location_id): s for s in levels}


async def shipping_location_ids(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(Location.id).where(Location.ships_orders.is_(True), Location.active.is_(True))
    )
    return list(rows)


async def delivery_available_by_variant(
    session: AsyncSession, variant_ids: Sequence[int]
) -> dict[int, int]:
    """Units available for delivery per variant: the sum over active shipping locations."""
    rows = await driver_rows(session, _DELIVERY_AVAILABLE, list(variant_ids))
    return {vid: int(total) for vid, total in rows}


async def require_location(
    session: AsyncSession, location_id: int, field: str = "storeId"
) -> Location:
    """An active location a use case acts at; a missing or closed one is NOT_FOUND."""
    location = await session.get(Location, location_id)
    if location is None or not location.active:
        raise NotFound("No such store.", field)
    return location


async def supply_by_variant(session: AsyncSession, variant_ids: Sequence[int]) -> dict[int, int]:
    """The most units of each variant one order could get: the best single active location
    that takes pickups or ships orders (an order is served from one location)."""
    rows = await session.execute(
        select(StockLevel.variant_id, func.max(StockLevel.on_hand - StockLevel.reserved))
        .join(Location, Location.id == StockLevel.location_id)
        .where(
            in_ids(StockLevel.variant_id, variant_ids),
            Location.active.is_(True),
            (Location.pickup_enabled.is_(True)) | (Location.ships_orders.is_(True)),
        )
        .group_by(StockLevel.variant_id)
    )
    return {vid: max(0, int(best)) for vid, best in rows}
