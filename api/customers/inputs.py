"""Inputs of customer accounts and address books."""

from __future__ import annotations

import strawberry

from domain.customers.addresses import AddressFields


@strawberry.input(description="A new customer account. Give an email, a phone, or both.")
class CustomerRegisterInput:
    email: str | None = strawberry.field(default=None, description="Email address.")
    phone: str | None = strawberry.field(
        default=None, description="Vietnamese phone in any usual form (0901…, +84 901…)."
    )
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(default="", description="Last name.")
    password: str = strawberry.field(
        description="8 to 128 characters with at least one letter and one digit."
    )


@strawberry.input(description="Changes to the signed-in customer. Omitted fields stay.")
class CustomerUpdateInput:
    first_name: str | None = strawberry.field(default=None, description="First name.")
    last_name: str | None = strawberry.field(default=None, description="Last name.")
    email: str | None = strawberry.field(default=None, description='Email; "" removes it.')
    phone: str | None = strawberry.field(default=None, description='Phone; "" removes it.')


@strawberry.input(description="An address for the address book.")
class AddressInput:
    recipient: str | None = strawberry.field(default=None, description="Who receives parcels.")
    phone: str | None = strawberry.field(default=None, description="The recipient's phone.")
    street: str | None = strawberry.field(default=None, description="House number and street.")
    ward: str | None = strawberry.field(default=None, description="Ward (phường/xã).")
    district: str | None = strawberry.field(default=None, description="District (quận/huyện).")
    province: str | None = strawberry.field(default=None, description="Province or city.")
    is_default: bool | None = strawberry.field(
        default=None, description="Make it the default address."
    )

    def to_domain(self) -> AddressFields:
        return AddressFields(
            recipient=self.recipient,
            phone=self.phone,
            street=self.street,
            ward=self.ward,
            district=self.district,
            province=self.province,
            is_default=self.is_default,
        )
