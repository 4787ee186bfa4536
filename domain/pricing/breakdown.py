"""What the engine answers: prices with every step that made them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from domain.pricing.model import Item, Label


class Source(enum.StrEnum):
    PROMOTION = "PROMOTION"
    TIER = "TIER"
    VOUCHER = "VOUCHER"
    POINTS = "POINTS"
    DELIVERY = "DELIVERY"


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One step of a price. `per_line` is signed: negative for a discount, positive for
    the delivery fee. `per_unit` is null for an order-level discount's share of a line,
    which need not divide evenly by the quantity."""

    source: Source
    ref_id: int | None
    code: str | None
    label: Label
    per_unit: Decimal | None
    per_line: Decimal


@dataclass(frozen=True, slots=True)
class UnitPrice:
    """The price of one unit for this buyer now, and how it came about."""

    item: Item
    list_price: Decimal
    price: Decimal
    adjustments: tuple[Adjustment, ...]
    vat_amount: Decimal

    @property
    def vat_rate(self) -> Decimal:
        return self.item.tax_rate

    @property
    def compare_at_price(self) -> Decimal | None:
        """What to show struck through: the list price when discounted, else the merchant's
        compare-at price, else nothing."""
        if self.price < self.list_price:
            return self.list_price
        return self.item.compare_at_price

    @property
    def promotion_id(self) -> int | None:
        return next((a.ref_id for a in self.adjustments if a.source is Source.PROMOTION), None)


@dataclass(frozen=True, slots=True)
class LinePrice:
    key: str
    quantity: int
    unit: UnitPrice
    subtotal: Decimal  # list price × quantity
    adjustments: tuple[Adjustment, ...]  # the unit's, per line, then order-level shares
    discounts: Decimal  # positive: everything taken off `subtotal`
    total: Decimal
    vat_amount: Decimal

    @property
    def order_discounts(self) -> Decimal:
        """The line's share of the voucher and the points (what a refund gives back)."""
        return -sum(
            (a.per_line for a in self.adjustments if a.source in (Source.VOUCHER, Source.POINTS)),
            Decimal(0),
        )


@dataclass(frozen=True, slots=True)
class CartPrice:
    lines: tuple[LinePrice, ...]
    subtotal: Decimal  # Σ lines' subtotals, at list prices
    discounts: Decimal  # Σ lines' discounts (promotions, tier, voucher, points)
    delivery: Decimal  # what is charged for delivery, after a free-delivery voucher
    vat_amount: Decimal  # Σ lines' VAT + the delivery fee's VAT
    total: Decimal  # subtotal − discounts + delivery
    adjustments: tuple[Adjustment, ...]  # the cart's breakdown, summed over lines
    points_applied: int
    voucher_applied: bool
