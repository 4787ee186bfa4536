"""Load the deterministic "Sóng Fashion" demo data set (see domain.seed.data).

Everything is written with a handful of bulk INSERTs in the caller's transaction;
nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import SYSTEM
from domain.catalog import prices
from domain.catalog.models import Category, Product, ProductVariant
from domain.catalog.service import refresh_rollups
from domain.inventory.models import Location, StockLevel
from domain.inventory.stock import record_opening_balances
from domain.seed import data
from domain.seed.price_book import load_price_book


@dataclass(frozen=True)
class SeedSummary:
    categories: int
    products: int
    variants: int
    locations: int
    stock_levels: int
    promotions: int = 0
    vouchers: int = 0


async def has_data(session: AsyncSession) -> bool:
    """True when any product or location exists."""
    stmt = select(exists(select(Product.id)) | exists(select(Location.id)))
    return bool(await session.scalar(stmt))


async def has_people(session: AsyncSession) -> bool:
    """True when customers, staff or devices exist (they reference stores)."""
    from domain.customers.models import Customer
    from domain.staff.models import Device, StaffUser

    stmt = select(
        exists(select(Customer.id)) | exists(select(StaffUser.id)) | exists(select(Device.id))
    )
    return bool(await session.scalar(stmt))


class ResetRefused(Exception):
    pass


async def clear_data(session: AsyncSession) -> None:
    """Remove all catalogue, location and stock rows and reset their id sequences.

    Refuses when customers, staff or devices exist: truncating the stores they reference
    would take them (and their points) with it.
    """
    if await has_people(session):
        raise ResetRefused(
            "The database holds customers, staff or devices; a reset would delete them. "
            "Use a fresh database (or OMNI_DATA_DIR) for demo data instead."
        )
    await session.execute(
        text(
            "TRUNCATE categories, products, product_variants, locations, stock_levels, "
            "stock_movements, stock_reservations, change_events, promotions, vouchers, "
            "voucher_redemptions "
            "RESTART IDENTITY CASCADE"
        )
    )


async def _insert_categories(session: AsyncSession) -> dict[str, int]:
    """Insert the category tree one depth level per statement; returns slug -> id."""
    ids: dict[str, int] = {}
    pending = list(data.CATEGORIES)
    while pending:
        level = [c for c in pending if c.parent_slug is None or c.parent_slug in ids]
        if not level:
            raise ValueError("category tree has a cycle or an unknown parent")
        rows = [
            {
                "slug": c.slug,
                "name": c.name,
                "description": c.description,
                "position": c.position,
                "parent_id": ids[c.parent_slug] if c.parent_slug is not None else None,
            }
            for c in level
        ]
        result = await session.execute(insert(Category).returning(Category.id, Category.slug), rows)
        ids.update({slug: id_ for id_, slug in result.all()})
        done = {c.slug for c in level}
        pending = [c for c in pending if c.slug not in done]
    return ids


async def _insert_products(session: AsyncSession, category_ids: dict[str, int]) -> dict[str, int]:
    rows: list[dict[str, Any]] = []
    for index, p in enumerate(data.PRODUCTS):
        created_at = data.product_created_at(index)
        rows.append(
            {
                "slug": p.slug,
                "name": p.name,
                "description": p.description,
                "brand": p.brand,
                "category_id": category_ids[p.category_slug],
                "attributes": data.as_json_ready(p.attributes),
                "images": data.as_json_ready(p.images),
                "tax_class": p.tax_class,
                "published": p.published,
                "created_at": created_at,
                "updated_at": created_at,
            }
        )
    result = await session.execute(insert(Product).returning(Product.id, Product.slug), rows)
    return {slug: id_ for id_, slug in result.all()}


async def _insert_variants(session: AsyncSession, product_ids: dict[str, int]) -> dict[str, int]:
    rows: list[dict[str, Any]] = [
        {
            "product_id": product_ids[p.slug],
            "sku": v.sku,
            "barcode": v.barcode,
            "title": v.title,
            "options": dict(v.options),
            "price": v.price,
            "compare_at_price": v.compare_at_price,
            "position": v.position,
            "created_at": data.product_created_at(index),
        }
        for index, p in enumerate(data.PRODUCTS)
        for v in p.variants
    ]
    result = await session.execute(
        insert(ProductVariant).returning(ProductVariant.id, ProductVariant.sku), rows
    )
    ids = {sku: id_ for id_, sku in result.all()}
    first = [(ids[r["sku"]], r["price"], r["compare_at_price"]) for r in rows]
    await prices.record_first_prices(session, SYSTEM, first, "seed")
    return ids


async def _insert_locations(session: AsyncSession) -> dict[str, int]:
    rows: list[dict[str, Any]] = [
        {
            "code": loc.code,
            "name": loc.name,
            "kind": loc.kind,
            "street": loc.street,
            "ward": loc.ward,
            "district": loc.district,
            "province": loc.province,
            "phone": loc.phone,
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "opening_hours": data.as_json_ready(loc.opening_hours),
            "pickup_enabled": loc.pickup_enabled,
            "pickup_lead_time_minutes": loc.pickup_lead_time_minutes,
            "ships_orders": loc.ships_orders,
        }
        for loc in data.LOCATIONS
    ]
    result = await session.execute(insert(Location).returning(Location.id, Location.code), rows)
    return {code: id_ for id_, code in result.all()}


async def load_demo_data(session: AsyncSession, now: datetime | None = None) -> SeedSummary:
    """Insert the demo catalogue, stores, stock and price book, then refresh product
    roll-ups. `now` anchors the promotions' dates (default: the current time).

    Expects empty tables (see has_data / clear_data). Does not commit.
    """
    category_ids = await _insert_categories(session)
    product_ids = await _insert_products(session, category_ids)
    variant_ids = await _insert_variants(session, product_ids)
    location_ids = await _insert_locations(session)

    stock = [
        {
            "variant_id": variant_ids[sku],
            "location_id": location_ids[code],
            "on_hand": on_hand,
            "reserved": reserved,
        }
        for sku, code, on_hand, reserved in data.stock_rows()
    ]
    # No RETURNING: executes as one batched executemany.
    await session.execute(insert(StockLevel), stock)
    await record_opening_balances(session)

    await refresh_rollups(session)
    promotions, vouchers = await load_price_book(session, now or datetime.now(UTC))
    return SeedSummary(
        categories=len(category_ids),
        products=len(product_ids),
        variants=len(variant_ids),
        locations=len(location_ids),
        stock_levels=len(stock),
        promotions=promotions,
        vouchers=vouchers,
    )
