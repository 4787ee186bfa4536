"""GraphQL types of customers and their address books."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.core.connections import After, Before, First, Last
from api.core.ids import to_global_id
from api.core.node import node_resolver, register_type
from api.core.personal import guard_personal, personal
from api.core.types import Channel, Node, OmniInfo, PostalAddress
from api.customers import loaders
from api.inventory import loaders as locations
from domain.customers import models

if TYPE_CHECKING:
    from api.carts.types import Cart
    from api.inventory.types import Location
    from api.membership.types import Membership
    from api.orders.queries import OrderFilterInput
    from api.orders.types import OrderConnection


@strawberry.type(description="A delivery address in the customer's address book.")
class CustomerAddress(PostalAddress, Node):
    model: strawberry.Private[models.CustomerAddress]
    recipient: str = strawberry.field(description="Who receives the parcel.")
    phone: str = strawberry.field(description="The recipient's phone, E.164 (+84…).")
    is_default: bool = strawberry.field(description="True for the address used by default.")

    @classmethod
    def from_model(cls, m: models.CustomerAddress) -> CustomerAddress:
        return cls(
            model=m,
            id=strawberry.ID(to_global_id("CustomerAddress", m.id)),
            recipient=m.recipient,
            phone=m.phone,
            street=m.street,
            ward=m.ward,
            district=m.district,
            province=m.province,
            is_default=m.is_default,
        )


@strawberry.type(
    description="A customer: one person on every channel. Readable by the customer themself "
    "and by staff; a phone-only kiosk session sees only `firstName` and points."
)
class Customer(Node):
    model: strawberry.Private[models.Customer]
    first_name: str = strawberry.field(description="First name, for greetings.")

    @classmethod
    def from_model(cls, m: models.Customer) -> Customer:
        return cls(
            model=m,
            id=strawberry.ID(to_global_id("Customer", m.id)),
            first_name=m.first_name,
        )

    @strawberry.field(
        description=personal(
            "The customer's one active cart, the same on every channel; null when they have "
            "none yet (`cartCreate` makes it)."
        )
    )
    async def cart(
        self, info: OmniInfo
    ) -> Annotated[Cart, strawberry.lazy("api.carts.types")] | None:
        guard_personal(info, self.model.id)
        from api.carts.queries import customer_cart

        return await customer_cart(info, self.model.id)

    @strawberry.field(
        description=personal("The customer's orders from every channel, newest first.")
    )
    async def orders(
        self,
        info: OmniInfo,
        filter: Annotated[
            Annotated[OrderFilterInput, strawberry.lazy("api.orders.queries")] | None,
            strawberry.argument(description="Narrow the list."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Annotated[OrderConnection, strawberry.lazy("api.orders.types")] | None:
        guard_personal(info, self.model.id)
        from api.orders.queries import orders_of

        return await orders_of(info, self.model.id, filter, first, after, last, before)

    @strawberry.field(description=personal("When the customer was created."))
    def created_at(self, info: OmniInfo) -> datetime | None:
        guard_personal(info, self.model.id)
        return self.model.created_at

    @strawberry.field(description=personal("The channel the customer joined on."))
    def enrolled_channel(self, info: OmniInfo) -> Channel | None:
        guard_personal(info, self.model.id)
        return Channel(self.model.enrolled_channel.value)

    @strawberry.field(description=personal("Last name; may be empty."))
    def last_name(self, info: OmniInfo) -> str | None:
        guard_personal(info, self.model.id)
        return self.model.last_name

    @strawberry.field(description=personal("Email address; null when the customer has none."))
    def email(self, info: OmniInfo) -> str | None:
        guard_personal(info, self.model.id)
        return self.model.email

    @strawberry.field(description=personal("Phone number in E.164 form (+84…); null when none."))
    def phone(self, info: OmniInfo) -> str | None:
        guard_personal(info, self.model.id)
        return self.model.phone

    @strawberry.field(
        description=personal("True once the customer has a password (can sign in online).")
    )
    def has_password(self, info: OmniInfo) -> bool | None:
        guard_personal(info, self.model.id)
        return self.model.password_hash is not None

    @strawberry.field(description=personal("The address book, default address first."))
    async def addresses(self, info: OmniInfo) -> list[CustomerAddress] | None:
        guard_personal(info, self.model.id)
        rows = await loaders.addresses_by_customer(info).load(self.model.id)
        return [CustomerAddress.from_model(a) for a in rows]

    @strawberry.field(
        description=personal("The store where the customer enrolled; null when online.")
    )
    async def enrolled_store(
        self, info: OmniInfo
    ) -> Annotated[Location, strawberry.lazy("api.inventory.types")] | None:
        from api.inventory.types import Location

        guard_personal(info, self.model.id)
        if self.model.enrolled_location_id is None:
            return None
        location = await locations.location(info).load(self.model.enrolled_location_id)
        return Location.from_model(location) if location else None

    @strawberry.field(description="The membership: card, tier and points.")
    async def membership(
        self, info: OmniInfo
    ) -> Annotated[Membership, strawberry.lazy("api.membership.types")] | None:
        from api.membership import loaders as memberships
        from api.membership.types import Membership

        row = await memberships.membership_by_customer(info).load(self.model.id)
        return Membership.from_model(row) if row else None


register_type(Customer)


@node_resolver("Customer")
async def _customer_node(info: OmniInfo, pk: int) -> Node | None:
    if not info.context.sees_customer(pk):
        return None
    row = await loaders.customer(info).load(pk)
    return Customer.from_model(row) if row else None


@node_resolver("CustomerAddress")
async def _address_node(info: OmniInfo, pk: int) -> Node | None:
    row = await loaders.address(info).load(pk)
    if row is None or not info.context.sees_personal_data(row.customer_id):
        return None
    return CustomerAddress.from_model(row)
