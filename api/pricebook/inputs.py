"""Inputs of the price book's mutations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from api.core.ids import expect_global_id
from api.pricebook.types import VoucherKind
from domain.catalog.fields import KEEP, Keep
from domain.pricebook.prices import PriceEntry
from domain.pricebook.promotions import PromotionChanges, TargetIds
from domain.pricebook.vouchers import VoucherChanges
from domain.pricing import model as pricing


def _keep(value: Any) -> Any | Keep:
    return KEEP if value is strawberry.UNSET else value


@strawberry.input(description="A text in Vietnamese and, optionally, English.")
class LocalizedTextInput:
    vi: str = strawberry.field(description="Vietnamese (required).")
    en: str | None = strawberry.field(
        default=None, description="English; the Vietnamese text is used when left out."
    )

    def label(self) -> pricing.Label:
        return pricing.Label(vi=self.vi, en=self.en or "")


@strawberry.input(description="One variant's new prices, by `variantId` or by `sku`.")
class PriceInput:
    variant_id: strawberry.ID | None = strawberry.field(
        default=None, description="The ProductVariant (or give `sku`)."
    )
    sku: str | None = strawberry.field(default=None, description="Its SKU (or give `variantId`).")
    price: Decimal = strawberry.field(description="The new list price, VAT included.")
    compare_at_price: Decimal | None = strawberry.field(
        default=None,
        description="The merchant's reference price shown struck through (at least `price`); "
        "null for none.",
    )

    def entry(self, index: int) -> PriceEntry:
        variant_id = (
            expect_global_id(self.variant_id, "ProductVariant", f"prices.{index}.variantId")
            if self.variant_id is not None
            else None
        )
        return PriceEntry(
            price=self.price,
            variant_id=variant_id,
            sku=self.sku,
            compare_at_price=self.compare_at_price,
        )


@strawberry.input(description="Prices of one or many variants (at most 1,000), all or none.")
class PriceSetInput:
    prices: list[PriceInput] = strawberry.field(description="The variants and their prices.")


@strawberry.input(
    one_of=True, description="A promotion's discount: exactly one of `percent` and `amount`."
)
class DiscountInput:
    percent: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="Percent off, above 0 and at most 100."
    )
    amount: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="Amount off each unit, above 0."
    )

    def discount(self) -> pricing.Discount:
        percent = None if self.percent is strawberry.UNSET else self.percent
        amount = None if self.amount is strawberry.UNSET else self.amount
        return pricing.Discount(percent=percent, amount=amount)


@strawberry.input(
    description="What a promotion applies to: `all`, or categories (their sub-categories "
    "included), products and variants; minus the exclusions (at most 1,000 IDs per list)."
)
class PromotionTargetsInput:
    all: bool = strawberry.field(default=False, description="The whole catalogue.")
    category_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Category IDs."
    )
    product_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Product IDs."
    )
    variant_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="ProductVariant IDs."
    )
    exclude_product_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Product IDs to leave out."
    )
    exclude_variant_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="ProductVariant IDs to leave out."
    )

    def targets(self) -> TargetIds:
        def ids(values: list[strawberry.ID], type_name: str, field: str) -> tuple[int, ...]:
            return tuple(expect_global_id(v, type_name, f"targets.{field}") for v in values)

        return TargetIds(
            all=self.all,
            category_ids=ids(self.category_ids, "Category", "categoryIds"),
            product_ids=ids(self.product_ids, "Product", "productIds"),
            variant_ids=ids(self.variant_ids, "ProductVariant", "variantIds"),
            exclude_product_ids=ids(self.exclude_product_ids, "Product", "excludeProductIds"),
            exclude_variant_ids=ids(
                self.exclude_variant_ids, "ProductVariant", "excludeVariantIds"
            ),
        )


@strawberry.input(
    description="A promotion. On create `name`, `discount` and `targets` are required and "
    "`startsAt` defaults to now; on update a field left out stays as it is. Times need a "
    "time zone."
)
class PromotionInput:
    name: LocalizedTextInput | None = strawberry.field(
        default=None, description="Name for banners and receipts (≤ 200 characters)."
    )
    description: LocalizedTextInput | None = strawberry.field(
        default=None, description="Longer text for a promotion page (≤ 2,000 characters)."
    )
    starts_at: datetime | None = strawberry.field(default=None, description="Takes effect at.")
    ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Stops at (exclusive); null: open-ended."
    )
    discount: DiscountInput | None = strawberry.field(default=None, description="The discount.")
    targets: PromotionTargetsInput | None = strawberry.field(
        default=None, description="What it applies to; replaces the previous targets."
    )
    minimum_tier: str | None = strawberry.field(
        default=strawberry.UNSET,
        description='Only members of this tier code or above ("SILVER"); null: everyone.',
    )
    combines_with_tier: bool | None = strawberry.field(
        default=None,
        description="Whether the tier discount applies on top (default true on create).",
    )

    def changes(self) -> PromotionChanges:
        return PromotionChanges(
            name=self.name.label() if self.name else None,
            description=self.description.label() if self.description else None,
            starts_at=self.starts_at,
            ends_at=_keep(self.ends_at),
            discount=self.discount.discount() if self.discount else None,
            targets=self.targets.targets() if self.targets else None,
            minimum_tier=_keep(self.minimum_tier),
            combines_with_tier=self.combines_with_tier,
        )


@strawberry.input(
    description="A voucher. On create `code`, `kind` and (but for FREE_DELIVERY) `value` are "
    "required; on update a field left out stays as it is and the code cannot change."
)
class VoucherInput:
    code: str | None = strawberry.field(
        default=None, description="3–40 letters, digits, - or _; stored upper-case."
    )
    kind: VoucherKind | None = strawberry.field(default=None, description="What it takes off.")
    value: Decimal | None = strawberry.field(
        default=None, description="Percent (PERCENT, 0–100) or amount (FIXED)."
    )
    description: LocalizedTextInput | None = strawberry.field(
        default=None, description="Text for staff and receipts."
    )
    minimum_subtotal: Decimal | None = strawberry.field(
        default=None, description="Goods total an order needs (after promotions and tier)."
    )
    starts_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Valid from; null: at once."
    )
    ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Valid until (exclusive); null: no end."
    )
    usage_limit: int | None = strawberry.field(
        default=strawberry.UNSET, description="Uses in all; null: unlimited."
    )
    usage_limit_per_customer: int | None = strawberry.field(
        default=strawberry.UNSET, description="Uses per customer; null: unlimited."
    )
    minimum_tier: str | None = strawberry.field(
        default=strawberry.UNSET, description="Minimum tier code; null: anyone."
    )

    def changes(self, with_code: bool = True) -> VoucherChanges:
        return VoucherChanges(
            code=self.code if with_code else None,
            kind=pricing.VoucherKind[self.kind.name] if self.kind else None,
            value=self.value,
            description=self.description.label() if self.description else None,
            minimum_subtotal=self.minimum_subtotal,
            starts_at=_keep(self.starts_at),
            ends_at=_keep(self.ends_at),
            usage_limit=_keep(self.usage_limit),
            usage_limit_per_customer=_keep(self.usage_limit_per_customer),
            minimum_tier=_keep(self.minimum_tier),
        )


@strawberry.input(
    description="N unique single-use codes PREFIX-XXXXXXXX (one use each, one per customer) "
    "sharing the other settings."
)
class VoucherGenerateInput:
    prefix: str = strawberry.field(description="1–30 letters, digits, - or _.")
    count: int = strawberry.field(description="How many codes (1–10,000).")
    kind: VoucherKind = strawberry.field(description="What they take off.")
    value: Decimal | None = strawberry.field(default=None, description="Percent or amount.")
    minimum_subtotal: Decimal | None = strawberry.field(
        default=None, description="Goods total an order needs."
    )
    starts_at: datetime | None = strawberry.field(default=None, description="Valid from.")
    ends_at: datetime | None = strawberry.field(default=None, description="Valid until.")
    minimum_tier: str | None = strawberry.field(default=None, description="Minimum tier code.")

    def changes(self) -> VoucherChanges:
        return VoucherChanges(
            kind=pricing.VoucherKind[self.kind.name],
            value=self.value,
            minimum_subtotal=self.minimum_subtotal,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            minimum_tier=self.minimum_tier,
        )
