"""`priceSet`: list prices of one or many variants at once, and the price history.

All or nothing: every entry is checked (the variant exists, is listed once, has a valid
price) before any price changes, so a bad row in a batch of 500 changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.catalog import prices
from domain.catalog.errors import CatalogErrorCode
from domain.catalog.models import PriceChange, ProductVariant
from domain.catalog.service import refresh_rollups
from domain.db import in_ids, in_list
from domain.errors import DomainError
from domain.pagination import Keyset, Page, PageRequest, keyset_page
from domain.pricebook.errors import PriceBookErrorCode, price_book_error

MAX_ENTRIES = 1000


@dataclass(frozen=True, slots=True)
class PriceEntry:
    """One variant, by id or by SKU (exactly one), and its new prices."""

    price: Decimal
    variant_id: int | None = None
    sku: str | None = None
    compare_at_price: Decimal | None = None


async def _variants(session: AsyncSession, entries: Sequence[PriceEntry]) -> list[ProductVariant]:
    ids = [e.variant_id for e in entries if e.variant_id is not None]
    skus = [e.sku.strip() for e in entries if e.sku is not None]
    # Locked in id order, so two batches touching the same variants cannot deadlock.
    rows = await session.scalars(
        select(ProductVariant)
        .where(in_ids(ProductVariant.id, ids) | in_list(ProductVariant.sku, skus))
        .order_by(ProductVariant.id)
        .with_for_update()
    )
    found = list(rows)
    by_id = {v.id: v for v in found}
    by_sku = {v.sku: v for v in found}
    chosen: list[ProductVariant] = []
    seen: set[int] = set()
    for i, entry in enumerate(entries):
        field = f"prices.{i}"
        if (entry.variant_id is None) == (entry.sku is None):
            raise price_book_error(
                PriceBookErrorCode.UNKNOWN_VARIANT,
                "Give exactly one of `variantId` and `sku`.",
                field,
            )
        if entry.variant_id is not None:
            variant = by_id.get(entry.variant_id)
            field += ".variantId"
        else:
            variant = by_sku.get((entry.sku or "").strip())
            field += ".sku"
        if variant is None:
            raise price_book_error(
                PriceBookErrorCode.UNKNOWN_VARIANT,
                f"No variant {entry.sku or entry.variant_id!r}.",
                field,
            )
        if variant.id in seen:
            raise price_book_error(
                PriceBookErrorCode.DUPLICATE_VARIANT, f"{variant.sku} is listed twice.", field
            )
        seen.add(variant.id)
        chosen.append(variant)
    return chosen


async def set_prices(
    session: AsyncSession, actor: Actor, entries: Sequence[PriceEntry]
) -> list[ProductVariant]:
    """Returns the variants in the order given; each changed price is one history row and
    one `variant.price_changed` event."""
    actor.require_admin("sets prices")
    if not entries:
        raise price_book_error(PriceBookErrorCode.TOO_MANY, "Give at least one price.", "prices")
    if len(entries) > MAX_ENTRIES:
        raise price_book_error(
            PriceBookErrorCode.TOO_MANY, f"At most {MAX_ENTRIES} prices at once.", "prices"
        )
    variants = await _variants(session, entries)
    checked = []
    for i, (entry, variant) in enumerate(zip(entries, variants, strict=True)):
        try:
            checked.append(prices.check_prices(entry.price, entry.compare_at_price))
        except DomainError as error:
            raise DomainError(error.code, error.message, f"prices.{i}.{error.field}") from None
        if variant.archived_at is not None:
            raise DomainError(
                CatalogErrorCode.VARIANT_ARCHIVED,
                f"{variant.sku} is archived.",
                f"prices.{i}",
            )
    touched: set[int] = set()
    by = actor.ref()
    for variant, (price, compare_at) in zip(variants, checked, strict=True):
        if await prices.set_price(session, by, variant, price, compare_at, reason="priceSet"):
            touched.add(variant.product_id)
    if touched:
        await refresh_rollups(session, sorted(touched))
    return variants


async def price_history(
    session: AsyncSession, actor: Actor, variant_id: int, page: PageRequest
) -> Page[PriceChange]:
    """Newest first, for staff."""
    actor.require_staff()
    page.validate()
    keyset = Keyset(
        sort="price_changes", columns=[PriceChange.id.expression], kinds=[int], ascending=False
    )
    stmt = select(PriceChange).where(PriceChange.variant_id == variant_id)
    rows = await keyset_page(session, stmt, keyset, page, lambda row: (row[0].id,))
    return rows.map(lambda row: row[0])
