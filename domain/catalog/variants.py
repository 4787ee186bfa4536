"""Creating, changing and archiving variants. A variant's price is not changed here: see
`prices.set_price`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import ActorRef
from domain.catalog import codes
from domain.catalog.errors import CatalogErrorCode, catalog_error
from domain.catalog.fields import KEEP, Keep, flush_unique, pairs, refuse_taken
from domain.catalog.models import Product, ProductVariant
from domain.catalog.prices import check_prices, record_first_prices
from domain.catalog.service import refresh_rollups
from domain.changes import events
from domain.changes.models import ChangeKind
from domain.errors import DomainError, InvalidInput

MAX_OPTIONS = 5
DEFAULT_TITLE = "Mặc định"


@dataclass(frozen=True, slots=True)
class VariantChanges:
    """Fields to set; None (KEEP for the barcode, which may be cleared) leaves a field as
    it is. On create, `sku` is required."""

    sku: str | None = None
    barcode: str | Keep | None = KEEP
    options: list[tuple[str, str]] | None = None
    position: int | None = None


def _sku_taken(sku: str) -> DomainError:
    return catalog_error(CatalogErrorCode.SKU_TAKEN, f"SKU {sku!r} is taken.", "sku")


def _barcode_taken(barcode: str) -> DomainError:
    return catalog_error(
        CatalogErrorCode.BARCODE_TAKEN, f"Barcode {barcode!r} is taken.", "barcode"
    )


def variant_values(changes: VariantChanges) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if changes.sku is not None:
        values["sku"] = codes.sku(changes.sku)
    if not isinstance(changes.barcode, Keep):
        values["barcode"] = codes.barcode(changes.barcode)
    if changes.options is not None:
        options = pairs(
            changes.options, "options", limit=MAX_OPTIONS, name_limit=60, value_limit=100
        )
        values["options"] = dict(options)
        values["title"] = " / ".join(v for _, v in options) or DEFAULT_TITLE
    if changes.position is not None:
        if not 0 <= changes.position <= 10_000:
            raise InvalidInput("`position` is 0..10000.", "position")
        values["position"] = changes.position
    return values


async def _refuse_duplicates(
    session: AsyncSession, product_id: int, values: dict[str, Any], variant_id: int | None
) -> None:
    other = ProductVariant.id != variant_id if variant_id is not None else None
    if "sku" in values:
        await refuse_taken(
            session,
            ProductVariant.sku,
            values["sku"],
            CatalogErrorCode.SKU_TAKEN,
            "sku",
            exclude=other,
        )
    if values.get("barcode") is not None:
        await refuse_taken(
            session,
            ProductVariant.barcode,
            values["barcode"],
            CatalogErrorCode.BARCODE_TAKEN,
            "barcode",
            exclude=other,
        )
    if "options" in values:
        stmt = select(ProductVariant.id).where(
            ProductVariant.product_id == product_id,
            ProductVariant.archived_at.is_(None),
            ProductVariant.options == values["options"],
        )
        if variant_id is not None:
            stmt = stmt.where(ProductVariant.id != variant_id)
        if await session.scalar(stmt.limit(1)) is not None:
            raise catalog_error(
                CatalogErrorCode.OPTIONS_TAKEN,
                "Another variant of this product has the same options.",
                "options",
            )


async def _flush(session: AsyncSession, variant: ProductVariant) -> None:
    await flush_unique(
        session,
        {
            "uq_product_variants_sku": _sku_taken(variant.sku),
            "uq_product_variants_barcode": _barcode_taken(variant.barcode or ""),
        },
    )


def _payload(variant: ProductVariant, **extra: Any) -> dict[str, Any]:
    return {"variantId": variant.id, "productId": variant.product_id, "sku": variant.sku, **extra}


async def create_variant(
    session: AsyncSession,
    by: ActorRef,
    product: Product,
    changes: VariantChanges,
    price: Decimal,
    compare_at_price: Decimal | None = None,
) -> ProductVariant:
    """A new variant of `product` with its first price."""
    if changes.sku is None:
        raise InvalidInput("`sku` is required.", "sku")
    values = variant_values(changes)
    values.setdefault("options", {})
    values.setdefault("title", DEFAULT_TITLE)
    price, compare_at_price = check_prices(price, compare_at_price)
    await _refuse_duplicates(session, product.id, values, None)
    if "position" not in values:
        last = await session.scalar(
            select(func.max(ProductVariant.position)).where(ProductVariant.product_id == product.id)
        )
        values["position"] = 0 if last is None else last + 1
    variant = ProductVariant(
        product_id=product.id, price=price, compare_at_price=compare_at_price, **values
    )
    session.add(variant)
    await _flush(session, variant)
    await record_first_prices(session, by, [(variant.id, price, compare_at_price)], "variantCreate")
    await refresh_rollups(session, [product.id])
    await events.record(
        session,
        by,
        ChangeKind.VARIANT_CREATED,
        variant.id,
        _payload(variant, price=str(price)),
    )
    return variant


def _refuse_archived(variant: ProductVariant) -> None:
    if variant.archived_at is not None:
        raise catalog_error(CatalogErrorCode.VARIANT_ARCHIVED, "This variant is archived.", "id")


async def update_variant(
    session: AsyncSession, by: ActorRef, variant: ProductVariant, changes: VariantChanges
) -> list[str]:
    """Apply `changes` to a locked variant; returns the changed fields."""
    values = variant_values(changes)
    changed = [k for k, v in values.items() if getattr(variant, k) != v]
    if not changed:
        return []
    _refuse_archived(variant)
    await _refuse_duplicates(
        session, variant.product_id, {k: values[k] for k in changed}, variant.id
    )
    for key in changed:
        setattr(variant, key, values[key])
    await _flush(session, variant)
    if "sku" in changed:
        await refresh_rollups(session, [variant.product_id])  # the search text holds SKUs
    fields = sorted(k for k in changed if k != "title")
    await events.record(
        session, by, ChangeKind.VARIANT_UPDATED, variant.id, _payload(variant, fields=fields)
    )
    return changed


async def archive_variant(session: AsyncSession, by: ActorRef, variant: ProductVariant) -> bool:
    """Hide a locked variant from customers for good; False when it already was. Its SKU
    and barcode stay taken, for the orders and receipts that name them."""
    if variant.archived_at is not None:
        return False
    variant.archived_at = func.now()
    await session.flush()
    await session.refresh(variant)
    await refresh_rollups(session, [variant.product_id])
    await events.record(session, by, ChangeKind.VARIANT_ARCHIVED, variant.id, _payload(variant))
    return True
