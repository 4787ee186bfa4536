"""Inputs of devices and in-store customer sessions."""

from __future__ import annotations

import strawberry

from api.core.types import Channel


@strawberry.input(description="A kiosk or counter to register.")
class DeviceRegisterInput:
    name: str = strawberry.field(description="A name staff recognise.")
    store_id: strawberry.ID = strawberry.field(description="The store (Location ID).")
    channel: Channel = strawberry.field(description="KIOSK or POS.")


@strawberry.input(description="Identify a member at a kiosk or counter: card or phone.")
class CustomerIdentifyInput:
    card_number: str | None = strawberry.field(default=None, description="Scanned card number.")
    phone: str | None = strawberry.field(
        default=None,
        description="Phone number. At an unattended kiosk this gives a limited session.",
    )
