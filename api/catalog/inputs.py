"""Inputs of the product listing: its filter and sort order."""

from __future__ import annotations

import enum
from decimal import Decimal

import strawberry

from api.core.ids import expect_global_id
from domain.catalog.query import ProductFilter as DomainFilter


@strawberry.enum(description="How `products` are ordered.")
class ProductSortKeys(enum.Enum):
    RELEVANCE = strawberry.enum_value(
        "RELEVANCE",
        description="Best match to `search` first; newest first when there is no search.",
    )
    PRICE = strawberry.enum_value(
        "PRICE",
        description="Lowest shelf price first: the price an anonymous shopper pays now (active "
        "promotions open to everyone applied, no tier), whoever is asking.",
    )
    NAME = strawberry.enum_value(
        "NAME", description="Alphabetical by name, ignoring case and diacritics."
    )
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="Oldest first.")


@strawberry.input(description="Narrows `products`. All given conditions must hold.")
class ProductFilter:
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only products in this category or any of its descendants."
    )
    price_min: Decimal | None = strawberry.field(
        default=None,
        description="Only products with a variant whose shelf price (what an anonymous "
        "shopper pays now) is at least this much.",
    )
    price_max: Decimal | None = strawberry.field(
        default=None,
        description="Only products with a variant whose shelf price (what an anonymous "
        "shopper pays now) is at most this much.",
    )
    in_stock_at_store_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only products with at least one unit available at this location.",
    )
    available_for_pickup: bool | None = strawberry.field(
        default=None,
        description="true: only products with a unit available at a pickup store; "
        "false: only those without.",
    )

    def to_domain(self) -> DomainFilter:
        return DomainFilter(
            category_id=(
                expect_global_id(self.category_id, "Category", "filter.categoryId")
                if self.category_id is not None
                else None
            ),
            price_min=self.price_min,
            price_max=self.price_max,
            in_stock_at_location_id=(
                expect_global_id(self.in_stock_at_store_id, "Location", "filter.inStockAtStoreId")
                if self.in_stock_at_store_id is not None
                else None
            ),
            available_for_pickup=self.available_for_pickup,
        )
