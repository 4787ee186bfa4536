"""Money: Decimal amounts in the deployment's single currency."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

# ISO 4217 minor units for the currencies a Vietnamese retailer may be configured with.
MINOR_UNITS = {"VND": 0, "USD": 2, "EUR": 2}


@cache
def currency_code() -> str:
    """Read once per process: the currency is a deployment setting, not a request one."""
    return os.environ.get("OMNI_CURRENCY", "VND").upper()


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Decimal, currency: str | None = None) -> Money:
        code = currency or currency_code()
        return cls(quantize(amount, code), code)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit (VND: whole đồng)."""
    exponent = Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)
