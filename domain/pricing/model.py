"""What the engine prices with: plain, immutable data built by the price book's loaders."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Label:
    """A text for display in both languages a Vietnamese retailer serves."""

    vi: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language.lower().startswith("en") else self.vi


@dataclass(frozen=True, slots=True)
class Item:
    """A variant as pricing sees it. `category_ids` holds its product's category and all
    that category's ancestors, so a promotion on a category reaches its descendants."""

    variant_id: int
    product_id: int
    list_price: Decimal
    tax_rate: Decimal
    category_ids: frozenset[int] = frozenset()
    compare_at_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Discount:
    """Exactly one of `percent` (0–100) and `amount` (off each unit)."""

    percent: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Targets:
    """What a promotion applies to: everything, or the union of categories (with their
    descendants), products and variants, minus the exclusions."""

    all: bool = False
    category_ids: frozenset[int] = frozenset()
    product_ids: frozenset[int] = frozenset()
    variant_ids: frozenset[int] = frozenset()
    exclude_product_ids: frozenset[int] = frozenset()
    exclude_variant_ids: frozenset[int] = frozenset()

    def matches(self, item: Item) -> bool:
        if (
            item.variant_id in self.exclude_variant_ids
            or item.product_id in self.exclude_product_ids
        ):
            return False
        return (
            self.all
            or item.variant_id in self.variant_ids
            or item.product_id in self.product_ids
            or not self.category_ids.isdisjoint(item.category_ids)
        )


@dataclass(frozen=True, slots=True)
class Tier:
    """A membership tier: `rank` orders tiers by their spend threshold (0 = the lowest)."""

    id: int
    code: str
    rank: int
    discount_percent: Decimal
    label: Label


@dataclass(frozen=True, slots=True)
class Promotion:
    """A catalogue promotion, active from `starts_at` (inclusive) to `ends_at` (exclusive;
    None: open-ended). `minimum_rank` limits it to members of that tier rank or above."""

    id: int
    label: Label
    starts_at: datetime
    ends_at: datetime | None
    discount: Discount
    targets: Targets
    minimum_rank: int | None = None
    combines_with_tier: bool = True

    def active_at(self, at: datetime) -> bool:
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)

    def open_to(self, tier: Tier | None) -> bool:
        if self.minimum_rank is None:
            return True
        return tier is not None and tier.rank >= self.minimum_rank


class VoucherKind(enum.StrEnum):
    PERCENT = "PERCENT"
    FIXED = "FIXED"
    FREE_DELIVERY = "FREE_DELIVERY"


@dataclass(frozen=True, slots=True)
class Voucher:
    """An order-level voucher. Usage limits are the price book's business (they need the
    database and a lock); the engine checks what depends only on the order."""

    id: int
    code: str
    kind: VoucherKind
    value: Decimal
    label: Label
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    minimum_subtotal: Decimal = Decimal(0)
    minimum_rank: int | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Rules:
    """Deployment settings the engine follows (README, "Prices")."""

    minor_unit: Decimal = Decimal(1)  # VND: whole đồng
    rounding_unit: Decimal = Decimal(1)
    point_value: Decimal = Decimal(1000)  # 1 point = 1,000 đồng off
    points_cap: Decimal = Decimal("0.5")  # at most half the order after discounts
    delivery_tax_rate: Decimal = Decimal("0.10")
    # Delivery is free when the goods (after promotions and tier) reach this; None: never.
    free_delivery_from: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a price depends on besides the item: the moment, the buyer's tier and the
    promotions on offer. Deliberately no channel."""

    at: datetime
    tier: Tier | None = None
    promotions: tuple[Promotion, ...] = ()
    rules: Rules = field(default_factory=Rules)
    # The promotions running at `at` and open to `tier`: what every item is matched
    # against, worked out once rather than per item of a page.
    live: tuple[Promotion, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        live = tuple(p for p in self.promotions if p.active_at(self.at) and p.open_to(self.tier))
        object.__setattr__(self, "live", live)
