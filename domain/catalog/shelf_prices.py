"""The price an anonymous viewer pays now, in SQL, for sorting and filtering by price.

Listings sort and filter by the shelf price (what an anonymous shopper sees now: the best
active promotion open to everyone, no tier), not by list price, or a sale would put
discounted items in the wrong place. The shelf price is computed at query time from the
promotions active at the request's moment, so it is right from the second a promotion
starts or ends, with nothing to refresh. This mirrors `domain.pricing.calculator` for a
buyer without a tier (tests/test_shelf_prices.py proves they agree on every variant):
each promotion's discounted price, rounded half up to the rounding unit (PostgreSQL's
round() of a numeric rounds halves away from zero, as ROUND_HALF_UP does) and kept within
0..list price, and the lowest of those and the list price.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Numeric,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY

from domain.catalog.models import Category, Product, ProductVariant
from domain.catalog.query import ShelfPricing
from domain.pricing import model as pricing

_MONEY = Numeric(14, 2)


def _ids(values: frozenset[int]) -> Any:
    return literal(sorted(values), ARRAY(BigInteger))


def _in(column: Any, values: frozenset[int]) -> ColumnElement[bool]:
    return column == func.any(_ids(values)) if values else false()


def _descendants_include(category_ids: frozenset[int]) -> ColumnElement[bool]:
    if not category_ids:
        return false()
    tree = select(Category.id).where(_in(Category.id, category_ids)).cte(recursive=True)
    tree = tree.union_all(select(Category.id).where(Category.parent_id == tree.c.id))
    return Product.category_id.in_(select(tree.c.id))


def _matches(targets: pricing.Targets) -> ColumnElement[bool]:
    reach = or_(
        true() if targets.all else false(),
        _in(ProductVariant.id, targets.variant_ids),
        _in(ProductVariant.product_id, targets.product_ids),
        _descendants_include(targets.category_ids),
    )
    return and_(
        ~_in(ProductVariant.id, targets.exclude_variant_ids),
        ~_in(ProductVariant.product_id, targets.exclude_product_ids),
        reach,
    )


def _discounted(promotion: pricing.Promotion, unit: Decimal) -> ColumnElement[Any]:
    price = ProductVariant.price
    discount = promotion.discount
    if discount.percent is not None:
        target = price * literal(100 - discount.percent, _MONEY) / 100
    else:
        target = price - literal(discount.amount or Decimal(0), _MONEY)
    rounded = func.round(target / literal(unit, _MONEY)) * literal(unit, _MONEY)
    return func.greatest(0, func.least(price, rounded))


def variant_shelf_price(shelf: ShelfPricing) -> ColumnElement[Any]:
    """A variant's shelf price, for a query over ProductVariant joined to its Product."""
    if not shelf.promotions:
        return ProductVariant.price.expression
    options = [
        case((_matches(p.targets), _discounted(p, shelf.rounding_unit)), else_=ProductVariant.price)
        for p in shelf.promotions
    ]
    return func.least(ProductVariant.price, *options)


def product_shelf_price_min(shelf: ShelfPricing) -> ColumnElement[Any]:
    """The lowest shelf price over a product's variants on sale (the sort key for PRICE);
    0 for a product without any, like its price range."""
    if not shelf.promotions:
        return Product.price_min.expression
    lowest = (
        select(func.min(variant_shelf_price(shelf)))
        .where(ProductVariant.product_id == Product.id, ProductVariant.archived_at.is_(None))
        .correlate(Product)
        .scalar_subquery()
    )
    return func.coalesce(lowest, Product.price_min)
