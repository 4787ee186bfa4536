"""The one function that changes a variant's list price, and its price history.

Every writer of a price (`priceSet`, the bulk import) calls `set_price`, and every new
variant's first price goes through `record_first_prices`, so none can bypass the history.
Promotions and tier discounts never change a list price: the price book applies them when
it prices (domain/pricing).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import ActorRef
from domain.catalog.errors import CatalogErrorCode, catalog_error
from domain.catalog.models import PriceChange, ProductVariant
from domain.changes import events
from domain.changes.models import ChangeKind
from domain.money import MINOR_UNITS, currency_code

MAX_PRICE = Decimal("999999999999")


def check_price(value: Decimal, field: str) -> Decimal:
    """A finite, non-negative amount in the currency's minor unit (VND: whole đồng)."""
    if not value.is_finite() or value < 0 or value > MAX_PRICE:
        raise catalog_error(
            CatalogErrorCode.INVALID_PRICE, f"`{field}` must be between 0 and {MAX_PRICE}.", field
        )
    code = currency_code()
    places = MINOR_UNITS.get(code, 2)
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise catalog_error(
            CatalogErrorCode.INVALID_PRICE,
            f"`{field}` has more decimals than {code} allows ({places}).",
            field,
        )
    return value.quantize(Decimal(1).scaleb(-places))


def check_prices(
    price: Decimal, compare_at_price: Decimal | None, field: str = "price"
) -> tuple[Decimal, Decimal | None]:
    checked = check_price(price, field)
    if compare_at_price is None:
        return checked, None
    compare = check_price(compare_at_price, "compareAtPrice")
    if compare < checked:
        raise catalog_error(
            CatalogErrorCode.INVALID_PRICE,
            "`compareAtPrice` (the struck-through price) cannot be below `price`.",
            "compareAtPrice",
        )
    return checked, compare


async def set_price(
    session: AsyncSession,
    by: ActorRef,
    variant: ProductVariant,
    price: Decimal,
    compare_at_price: Decimal | None,
    reason: str = "priceSet",
) -> bool:
    """Change a variant's price and struck-through price; False when both are unchanged.
    The caller refreshes the product's roll-ups (its price range)."""
    price, compare_at_price = check_prices(price, compare_at_price)
    if variant.price == price and variant.compare_at_price == compare_at_price:
        return False
    if variant.archived_at is not None:
        raise catalog_error(CatalogErrorCode.VARIANT_ARCHIVED, "This variant is archived.", "price")
    previous, previous_compare = variant.price, variant.compare_at_price
    variant.price, variant.compare_at_price = price, compare_at_price
    session.add(
        PriceChange(
            variant_id=variant.id,
            old_price=previous,
            new_price=price,
            old_compare_at_price=previous_compare,
            new_compare_at_price=compare_at_price,
            actor_kind=by.kind,
            actor_id=by.id,
            channel=by.channel,
            reason=reason,
        )
    )
    await session.flush()
    await events.record(
        session,
        by,
        ChangeKind.VARIANT_PRICE_CHANGED,
        variant.id,
        {
            "variantId": variant.id,
            "productId": variant.product_id,
            "sku": variant.sku,
            "price": str(price),
            "compareAtPrice": None if compare_at_price is None else str(compare_at_price),
            "previousPrice": str(previous),
            "previousCompareAtPrice": None if previous_compare is None else str(previous_compare),
        },
    )
    return True


FirstPrice = tuple[int, Decimal, Decimal | None]  # variant id, price, compare-at price


async def record_first_prices(
    session: AsyncSession, by: ActorRef, variants: Sequence[FirstPrice], reason: str
) -> None:
    """The history's first row for new variants (no old price), in one statement."""
    if not variants:
        return
    await session.execute(
        insert(PriceChange),
        [
            {
                "variant_id": variant_id,
                "old_price": None,
                "new_price": price,
                "new_compare_at_price": compare_at_price,
                "actor_kind": by.kind,
                "actor_id": by.id,
                "channel": by.channel,
                "reason": reason,
            }
            for variant_id, price, compare_at_price in variants
        ],
    )
