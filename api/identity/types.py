"""GraphQL types of identity: customers, addresses, staff users and devices."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.core.ids import to_global_id
from api.core.mutations import forbidden
from api.core.types import Node, OmniInfo
from domain.identity import models

if TYPE_CHECKING:
    from api.membership.types import Membership
    from api.stores.types import Location


@strawberry.enum(description="Where a request, an enrolment or a points entry came from.")
class Channel(enum.Enum):
    WEB = strawberry.enum_value("WEB", description="The web storefront.")
    MOBILE_APP = strawberry.enum_value("MOBILE_APP", description="The mobile app.")
    KIOSK = strawberry.enum_value("KIOSK", description="A self-service kiosk in a store.")
    POS = strawberry.enum_value("POS", description="A store counter (point of sale).")


@strawberry.enum(description="What a staff user may do.")
class StaffRole(enum.Enum):
    ADMIN = strawberry.enum_value("ADMIN", description="Everything, in every store.")
    STORE_MANAGER = strawberry.enum_value(
        "STORE_MANAGER", description="Runs their stores: devices, members, points."
    )
    STORE_STAFF = strawberry.enum_value(
        "STORE_STAFF", description="Serves customers in their stores: enrolment, points."
    )


def _guard_personal(info: OmniInfo, customer_id: int) -> None:
    if not info.context.viewer.sees_personal_data(customer_id):
        raise forbidden(
            "This customer session shows only the first name and points "
            "(identified by phone at an unattended kiosk)."
        )


@strawberry.type(description="A delivery address in the customer's address book.")
class CustomerAddress(Node):
    model: strawberry.Private[models.CustomerAddress]
    recipient: str = strawberry.field(description="Who receives the parcel.")
    phone: str = strawberry.field(description="The recipient's phone, E.164 (+84…).")
    street: str = strawberry.field(description="House number and street.")
    ward: str = strawberry.field(description="Ward (phường/xã); may be empty.")
    district: str = strawberry.field(description="District (quận/huyện); may be empty.")
    province: str = strawberry.field(description="Province or city.")
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

    @strawberry.field(description="When the customer was created.")
    def created_at(self, info: OmniInfo) -> datetime:
        _guard_personal(info, self.model.id)
        return self.model.created_at

    @strawberry.field(description="The channel the customer joined on.")
    def enrolled_channel(self, info: OmniInfo) -> Channel:
        _guard_personal(info, self.model.id)
        return Channel(self.model.enrolled_channel.value)

    @strawberry.field(description="Last name; may be empty.")
    def last_name(self, info: OmniInfo) -> str:
        _guard_personal(info, self.model.id)
        return self.model.last_name

    @strawberry.field(description="Email address; null when the customer has none.")
    def email(self, info: OmniInfo) -> str | None:
        _guard_personal(info, self.model.id)
        return self.model.email

    @strawberry.field(description="Phone number in E.164 form (+84…); null when none.")
    def phone(self, info: OmniInfo) -> str | None:
        _guard_personal(info, self.model.id)
        return self.model.phone

    @strawberry.field(description="True once the customer has a password (can sign in online).")
    def has_password(self, info: OmniInfo) -> bool:
        _guard_personal(info, self.model.id)
        return self.model.password_hash is not None

    @strawberry.field(description="The address book, default address first.")
    async def addresses(self, info: OmniInfo) -> list[CustomerAddress]:
        _guard_personal(info, self.model.id)
        rows = await info.context.loaders.addresses_by_customer.load(self.model.id)
        return [CustomerAddress.from_model(a) for a in rows]

    @strawberry.field(description="The store where the customer enrolled; null when online.")
    async def enrolled_store(
        self, info: OmniInfo
    ) -> Annotated[Location, strawberry.lazy("api.stores.types")] | None:
        from api.stores.types import Location

        _guard_personal(info, self.model.id)
        if self.model.enrolled_location_id is None:
            return None
        location = await info.context.loaders.location.load(self.model.enrolled_location_id)
        return Location.from_model(location) if location else None

    @strawberry.field(description="The membership: card, tier and points.")
    async def membership(
        self, info: OmniInfo
    ) -> Annotated[Membership, strawberry.lazy("api.membership.types")] | None:
        from api.membership.types import Membership

        row = await info.context.loaders.membership_by_customer.load(self.model.id)
        return Membership.from_model(row) if row else None


@strawberry.type(description="A staff user of the retailer.")
class StaffUser(Node):
    model: strawberry.Private[models.StaffUser]
    email: str = strawberry.field(description="Sign-in email.")
    name: str = strawberry.field(description="Display name.")
    role: StaffRole = strawberry.field(description="What the user may do.")
    active: bool = strawberry.field(description="False once the account is disabled.")

    @classmethod
    def from_model(cls, m: models.StaffUser) -> StaffUser:
        return cls(
            model=m,
            id=strawberry.ID(to_global_id("StaffUser", m.id)),
            email=m.email,
            name=m.name,
            role=StaffRole(m.role.value),
            active=m.active,
        )

    @strawberry.field(description="The stores the user may act on (empty for admins: all).")
    async def stores(
        self, info: OmniInfo
    ) -> list[Annotated[Location, strawberry.lazy("api.stores.types")]]:
        from api.stores.types import Location

        ids = await info.context.loaders.staff_store_ids.load(self.model.id)
        locations = await info.context.loaders.location.load_many(ids)
        return [Location.from_model(loc) for loc in locations if loc is not None]


@strawberry.type(description="A kiosk or counter registered to one store and channel.")
class Device(Node):
    model: strawberry.Private[models.Device]
    name: str = strawberry.field(description='A name staff recognise, e.g. "Kiosk cửa chính".')
    channel: Channel = strawberry.field(description="KIOSK or POS.")
    created_at: datetime = strawberry.field(description="When the device was registered.")
    revoked_at: datetime | None = strawberry.field(
        description="When its key was revoked; null while it works."
    )

    @classmethod
    def from_model(cls, m: models.Device) -> Device:
        return cls(
            model=m,
            id=strawberry.ID(to_global_id("Device", m.id)),
            name=m.name,
            channel=Channel(m.channel.value),
            created_at=m.created_at,
            revoked_at=m.revoked_at,
        )

    @strawberry.field(description="The store the device belongs to.")
    async def store(
        self, info: OmniInfo
    ) -> Annotated[Location, strawberry.lazy("api.stores.types")]:
        from api.stores.types import Location

        location = await info.context.loaders.location.load(self.model.location_id)
        assert location is not None
        return Location.from_model(location)
