"""What a product listing asks for: search, filters and sort (plain data)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from domain.errors import CommonErrorCode, InvalidInput
from domain.pricing import model as pricing

MAX_SEARCH_LENGTH = 200
MAX_SEARCH_TERMS = 10
MAX_AMOUNT_DIGITS = 12  # prices are NUMERIC(14, 2)


class ProductSortKey(enum.StrEnum):
    RELEVANCE = "RELEVANCE"
    PRICE = "PRICE"
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"


@dataclass(frozen=True, slots=True)
class ProductFilter:
    category_id: int | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock_at_location_id: int | None = None
    available_for_pickup: bool | None = None

    def validate(self) -> None:
        for name, value in (("priceMin", self.price_min), ("priceMax", self.price_max)):
            if value is not None and (
                not value.is_finite()
                or value < 0
                or value.adjusted() >= MAX_AMOUNT_DIGITS
                # Amounts are NUMERIC(14, 2): "1e-999999999" is no price.
                or (value != 0 and value.adjusted() < -2)
                or int(value.normalize().as_tuple().exponent) < -2
            ):
                raise InvalidInput(
                    f"`{name}` must be a non-negative amount below 10^{MAX_AMOUNT_DIGITS} "
                    "with at most 2 decimal places.",
                    name,
                )
        if (
            self.price_min is not None
            and self.price_max is not None
            and self.price_min > self.price_max
        ):
            raise InvalidInput("`priceMin` is greater than `priceMax`.", "priceMin")


@dataclass(frozen=True, slots=True)
class ShelfPricing:
    """What shelf prices depend on: the moment's promotions open to everyone, and the
    rounding unit."""

    promotions: tuple[pricing.Promotion, ...] = ()
    rounding_unit: Decimal = Decimal(1)

    @classmethod
    def at(
        cls, promotions: tuple[pricing.Promotion, ...], moment: datetime, rounding_unit: Decimal
    ) -> ShelfPricing:
        open_to_all = tuple(p for p in promotions if p.active_at(moment) and p.minimum_rank is None)
        return cls(open_to_all, rounding_unit)


@dataclass(frozen=True, slots=True)
class ProductQuery:
    search: str | None = None
    filter: ProductFilter = field(default_factory=ProductFilter)
    sort_key: ProductSortKey = ProductSortKey.RELEVANCE
    reverse: bool = False
    # Sorting and filtering by price use the shelf price (domain/catalog/shelf_prices.py).
    shelf: ShelfPricing = field(default_factory=ShelfPricing)

    def terms(self) -> list[str]:
        """The search split into words; an empty list when there is nothing to search."""
        if self.search is None:
            return []
        if len(self.search) > MAX_SEARCH_LENGTH:
            raise InvalidInput(
                f"`search` is {len(self.search)} characters long; "
                f"the maximum is {MAX_SEARCH_LENGTH}.",
                "search",
                CommonErrorCode.TOO_LONG,
            )
        words = re.findall(r"\w+", self.search)
        if len(words) > MAX_SEARCH_TERMS:
            raise InvalidInput(
                f"`search` has {len(words)} words; the maximum is {MAX_SEARCH_TERMS}.",
                "search",
                CommonErrorCode.TOO_LONG,
            )
        return words
