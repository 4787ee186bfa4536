"""VAT classes and the VAT part of VAT-inclusive amounts."""

from __future__ import annotations

import enum
from decimal import Decimal

from domain.pricing.rounding import round_half_up


class TaxClass(enum.StrEnum):
    """VAT classes; prices include VAT at the class's rate."""

    STANDARD = "STANDARD"  # 10%
    REDUCED_8 = "REDUCED_8"
    REDUCED_5 = "REDUCED_5"
    ZERO = "ZERO"


TAX_RATES = {
    TaxClass.STANDARD: Decimal("0.10"),
    TaxClass.REDUCED_8: Decimal("0.08"),
    TaxClass.REDUCED_5: Decimal("0.05"),
    TaxClass.ZERO: Decimal("0"),
}


def vat_part(amount: Decimal, rate: Decimal, minor: Decimal) -> Decimal:
    """The VAT inside a VAT-inclusive amount: amount × rate / (1 + rate), half up to the
    currency's minor unit. Computed once per line from the line's final amount, never from
    rounded unit VATs, so a line of 3 × 10,001 đồng carries the VAT of 30,003 đồng."""
    if rate == 0 or amount == 0:
        return Decimal(0) * minor
    return round_half_up(amount * rate / (1 + rate), minor)
