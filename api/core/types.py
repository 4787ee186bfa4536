"""Types every capability shares: Node, PageInfo, Money."""

from __future__ import annotations

import enum
import functools
from decimal import Decimal
from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from domain.money import Money as DomainMoney

if TYPE_CHECKING:
    from api.context import Context

    OmniInfo = Info[Context, None]
else:
    OmniInfo = Info


@strawberry.interface(
    description="An object with a globally unique ID. Fetch any of them with `node(id:)`."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Globally unique, opaque ID. Store it as is; do not parse it."
    )


@strawberry.type(description="Where a page of a connection sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when more items follow; fetch them with `first` and `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(
        description="True when items come before; fetch them with `last` and `before: startCursor`."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first item of this page; null on an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item of this page; null on an empty page."
    )


@strawberry.enum(description="ISO 4217 currency codes Omni can be configured with.")
class CurrencyCode(enum.Enum):
    VND = strawberry.enum_value(
        "VND", description='Vietnamese đồng. No minor unit: amounts are whole đồng, e.g. "199000".'
    )
    USD = strawberry.enum_value(
        "USD", description='US dollar. Two decimal places (cents), e.g. "19.90".'
    )
    EUR = strawberry.enum_value(
        "EUR", description='Euro. Two decimal places (cents), e.g. "19.90".'
    )


@strawberry.type(description="An amount of money in one currency. Prices include VAT.")
class Money:
    amount: Decimal = strawberry.field(
        description=(
            "The amount as a decimal string, rounded to the currency's minor unit "
            '(VND has none: "199000"). Never parse it as a float.'
        )
    )
    currency_code: CurrencyCode = strawberry.field(description="The currency of `amount`.")

    @classmethod
    def of(cls, amount: Decimal) -> Money:
        return _money(amount)


# Cached: a page shows the same few prices again and again, and a Money is never changed
# once made (equal amounts round to the same Money).
@functools.lru_cache(maxsize=4096)
def _money(amount: Decimal) -> Money:
    money = DomainMoney.of(amount)
    return Money(amount=money.amount, currency_code=CurrencyCode(money.currency))


@strawberry.enum(description="Where a request, an enrolment or a points entry came from.")
class Channel(enum.Enum):
    WEB = strawberry.enum_value("WEB", description="The web storefront.")
    MOBILE_APP = strawberry.enum_value("MOBILE_APP", description="The mobile app.")
    KIOSK = strawberry.enum_value("KIOSK", description="A self-service kiosk in a store.")
    POS = strawberry.enum_value("POS", description="A store counter (point of sale).")


@strawberry.interface(
    description="A postal address in Vietnam, the same shape for stores and customers: "
    "street, ward (phường/xã), district (quận/huyện), province (tỉnh/thành phố)."
)
class PostalAddress:
    street: str = strawberry.field(description="House number and street.")
    ward: str = strawberry.field(description="Ward (phường/xã); may be empty.")
    district: str = strawberry.field(description="District (quận/huyện); may be empty.")
    province: str = strawberry.field(description="Province or centrally-run city.")

    @strawberry.field(description="The address on one line, for display.")
    def formatted(self) -> str:
        return ", ".join(p for p in (self.street, self.ward, self.district, self.province) if p)


@strawberry.enum(description="What kind of caller made a change.")
class ActorKind(enum.Enum):
    CUSTOMER = strawberry.enum_value("CUSTOMER", description="A customer.")
    STAFF = strawberry.enum_value("STAFF", description="A staff user.")
    DEVICE = strawberry.enum_value("DEVICE", description="A kiosk or counter device.")
    SYSTEM = strawberry.enum_value("SYSTEM", description="Omni itself (imports, jobs, opening).")
