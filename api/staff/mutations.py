"""Devices and in-store customer sessions."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.core.ids import expect_global_id
from api.core.mutations import mutate
from api.core.node import present
from api.core.types import OmniInfo
from api.staff.inputs import CustomerIdentifyInput, DeviceRegisterInput
from api.staff.payloads import (
    CustomerIdentifyPayload,
    CustomerSessionEndPayload,
    CustomerSessionToken,
    DeviceRegisterPayload,
    DeviceRevokePayload,
)
from api.staff.types import Device
from domain.channels import Channel as DomainChannel
from domain.staff import devices, sessions
from domain.staff.models import Device as DeviceModel


@strawberry.type
class StaffMutation:
    @strawberry.mutation(
        description="Register a kiosk or counter for a store (admins, and managers of that "
        "store). The device key is returned once and stored only as a hash."
    )
    async def device_register(
        self,
        info: OmniInfo,
        input: Annotated[
            DeviceRegisterInput,
            strawberry.argument(description="The device's name, store and channel (KIOSK or POS)."),
        ],
    ) -> DeviceRegisterPayload:
        actor = info.context.actor
        location_id = expect_global_id(input.store_id, "Location", "storeId")

        def ok(result: tuple[DeviceModel, str]) -> DeviceRegisterPayload:
            device, key = result
            return DeviceRegisterPayload(device=Device.from_model(device), device_key=key)

        return await mutate(
            info,
            DeviceRegisterPayload,
            lambda s: devices.register_device(
                s,
                actor,
                name=input.name,
                location_id=location_id,
                channel=DomainChannel(input.channel.name),
            ),
            ok,
        )

    @strawberry.mutation(description="Revoke a device's key; the device is refused from now on.")
    async def device_revoke(
        self,
        info: OmniInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="A Device ID.")],
    ) -> DeviceRevokePayload:
        actor = info.context.actor
        device_id = expect_global_id(id, "Device")
        return await mutate(
            info,
            DeviceRevokePayload,
            lambda s: devices.revoke_device(s, actor, device_id),
            lambda d: DeviceRevokePayload(device=Device.from_model(d)),
            arguments=("id",),
        )

    @strawberry.mutation(
        description="At a kiosk or counter (device key required): identify a member by card or "
        "phone and get a short-lived session to act for them."
    )
    async def customer_identify(
        self,
        info: OmniInfo,
        input: Annotated[
            CustomerIdentifyInput,
            strawberry.argument(description="A scanned card number or a phone; give exactly one."),
        ],
    ) -> CustomerIdentifyPayload:
        actor, secret = info.context.actor, info.context.settings.secret_key

        def ok(started: sessions.StartedSession) -> CustomerIdentifyPayload:
            row = started.session
            if not row.limited:
                # The device may now read what the new session may read.
                info.context.grant(started.customer.id)
            return CustomerIdentifyPayload(
                session=CustomerSessionToken(
                    token=started.token, expires_at=row.expires_at, limited=row.limited
                ),
                customer=present("Customer", started.customer),
            )

        return await mutate(
            info,
            CustomerIdentifyPayload,
            lambda s: sessions.start(
                s, actor, card_number=input.card_number, phone=input.phone, secret=secret
            ),
            ok,
        )

    @strawberry.mutation(description="End the device's customer session (e.g. on “Done”).")
    async def customer_session_end(self, info: OmniInfo) -> CustomerSessionEndPayload:
        actor = info.context.actor
        return await mutate(
            info,
            CustomerSessionEndPayload,
            lambda s: sessions.end(s, actor),
            lambda _: CustomerSessionEndPayload(logged_out=True),
        )
