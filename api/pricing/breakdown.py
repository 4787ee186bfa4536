"""A variant's price for the viewer, step by step, as the API shows it."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated

import strawberry

from api.core.ids import to_global_id
from api.core.types import Money
from domain.pricing.breakdown import Adjustment, UnitPrice
from domain.pricing.model import Label


@strawberry.enum(description="A language for display texts.")
class Language(enum.Enum):
    VI = strawberry.enum_value("VI", description="Vietnamese (the default).")
    EN = strawberry.enum_value("EN", description="English.")


LanguageArg = Annotated[
    Language, strawberry.argument(description="The language of the text (default VI).")
]


def _text(label: Label, language: Language) -> str:
    return label.en if language is Language.EN else label.vi


@strawberry.enum(description="Where a step of a price comes from.")
class PriceAdjustmentSource(enum.Enum):
    PROMOTION = strawberry.enum_value("PROMOTION", description="A catalogue promotion.")
    TIER = strawberry.enum_value("TIER", description="The member's tier discount.")
    VOUCHER = strawberry.enum_value("VOUCHER", description="An order-level voucher.")
    POINTS = strawberry.enum_value("POINTS", description="Membership points redeemed.")
    DELIVERY = strawberry.enum_value("DELIVERY", description="The delivery fee.")


@strawberry.type(
    description="One step from the list price to the price paid. Amounts are signed: "
    "negative for a discount, positive for a fee."
)
class PriceAdjustment:
    adjustment: strawberry.Private[Adjustment]
    source: PriceAdjustmentSource = strawberry.field(description="What the step is.")
    amount: Money = strawberry.field(description="The signed amount, per unit on a variant.")
    promotion_id: strawberry.ID | None = strawberry.field(
        description="The Promotion it came from (source PROMOTION); null otherwise."
    )
    code: str | None = strawberry.field(
        description="The tier code (source TIER) or voucher code (source VOUCHER); else null."
    )

    @classmethod
    def of(cls, adjustment: Adjustment, per_unit: bool = True) -> PriceAdjustment:
        amount = adjustment.per_unit if per_unit and adjustment.per_unit is not None else None
        promotion = adjustment.ref_id if adjustment.source.value == "PROMOTION" else None
        return cls(
            adjustment=adjustment,
            source=PriceAdjustmentSource[adjustment.source.value],
            amount=Money.of(amount if amount is not None else adjustment.per_line),
            promotion_id=(
                strawberry.ID(to_global_id("Promotion", promotion)) if promotion else None
            ),
            code=adjustment.code,
        )

    @strawberry.field(description='A label to show, e.g. "Lễ 2/9 −20%" or "Ưu đãi hạng Bạc".')
    def label(self, language: LanguageArg = Language.VI) -> str:
        return _text(self.adjustment.label, language)


@strawberry.type(
    description="How a variant's price for this viewer comes about: the list price, each "
    "promotion or tier step, and the VAT inside the result. The same on every channel."
)
class PriceBreakdown:
    list_price: Money = strawberry.field(description="The variant's own price (VAT included).")
    adjustments: list[PriceAdjustment] = strawberry.field(
        description="The steps, in the order applied (promotion, then tier); empty when the "
        "list price stands."
    )
    price: Money = strawberry.field(description="The price this viewer pays now, per unit.")
    vat_rate: Decimal = strawberry.field(description='The VAT rate, e.g. "0.10" for 10 %.')
    vat_amount: Money = strawberry.field(description="The VAT included in `price`.")

    @classmethod
    def of(cls, unit: UnitPrice) -> PriceBreakdown:
        return cls(
            list_price=Money.of(unit.list_price),
            adjustments=[PriceAdjustment.of(a) for a in unit.adjustments],
            price=Money.of(unit.price),
            vat_rate=unit.vat_rate,
            vat_amount=Money.of(unit.vat_amount),
        )
