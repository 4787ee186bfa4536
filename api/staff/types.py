"""GraphQL types of staff users and in-store devices."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.core.ids import to_global_id
from api.core.loaders import load_all
from api.core.node import node_resolver
from api.core.types import Channel, Node, OmniInfo
from api.inventory import loaders as locations
from api.staff import loaders
from domain.staff import models

if TYPE_CHECKING:
    from api.inventory.types import Location


@strawberry.enum(description="What a staff user may do.")
class StaffRole(enum.Enum):
    ADMIN = strawberry.enum_value("ADMIN", description="Everything, in every store.")
    STORE_MANAGER = strawberry.enum_value(
        "STORE_MANAGER", description="Runs their stores: devices, members, points."
    )
    STORE_STAFF = strawberry.enum_value(
        "STORE_STAFF", description="Serves customers in their stores: enrolment, points."
    )


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
    ) -> list[Annotated[Location, strawberry.lazy("api.inventory.types")]]:
        from api.inventory.types import Location

        ids = await loaders.store_ids(info).load(self.model.id)
        rows = await load_all(locations.location(info), ids)
        return [Location.from_model(loc) for loc in rows if loc is not None]


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
    ) -> Annotated[Location, strawberry.lazy("api.inventory.types")]:
        from api.inventory.types import Location

        location = await locations.location(info).load(self.model.location_id)
        assert location is not None
        return Location.from_model(location)


@node_resolver("StaffUser")
async def _staff_node(info: OmniInfo, pk: int) -> Node | None:
    staff = info.context.actor.staff
    if staff is None or not (staff.is_admin or staff.id == pk):
        return None
    row = await loaders.staff(info).load(pk)
    return StaffUser.from_model(row) if row else None


@node_resolver("Device")
async def _device_node(info: OmniInfo, pk: int) -> Node | None:
    row = await loaders.device(info).load(pk)
    if row is None:
        return None
    actor = info.context.actor
    own = actor.device is not None and actor.device.id == pk
    if not own and (actor.staff is None or not actor.staff.can_act_on_store(row.location_id)):
        return None
    return Device.from_model(row)
