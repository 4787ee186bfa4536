"""Payloads of customer accounts and address books."""

from __future__ import annotations

import strawberry

from api.auth.payloads import AccessToken
from api.core.mutations import error_type
from api.customers.types import Customer, CustomerAddress
from domain.auth.errors import AuthErrorCode
from domain.customers.errors import CustomerErrorCode

CustomerError = error_type(
    "CustomerError",
    "Why a change to a customer account or address book failed.",
    CustomerErrorCode,
    AuthErrorCode,
)


@strawberry.type(description="Result of `customerRegister`.")
class CustomerRegisterPayload:
    customer: Customer | None = strawberry.field(
        default=None, description="The new customer; null on failure."
    )
    token: AccessToken | None = strawberry.field(
        default=None, description="Tokens: the customer is signed in."
    )
    user_errors: list[CustomerError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of `customerUpdate`.")
class CustomerUpdatePayload:
    customer: Customer | None = strawberry.field(
        default=None, description="The customer; null on failure."
    )
    user_errors: list[CustomerError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of an address book change.")
class CustomerAddressPayload:
    address: CustomerAddress | None = strawberry.field(
        default=None, description="The address; null on failure or after removal."
    )
    customer: Customer | None = strawberry.field(
        default=None, description="The customer after the change."
    )
    user_errors: list[CustomerError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )
