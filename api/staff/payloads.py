"""Payloads of devices and in-store customer sessions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.core.mutations import error_type
from api.staff.types import Device
from domain.staff.errors import StaffErrorCode

if TYPE_CHECKING:
    from api.customers.types import Customer

StaffError = error_type(
    "StaffError", "Why a device or in-store session change failed.", StaffErrorCode
)


@strawberry.type(description="Result of `deviceRegister`.")
class DeviceRegisterPayload:
    device: Device | None = strawberry.field(
        default=None, description="The device; null on failure."
    )
    device_key: str | None = strawberry.field(
        default=None,
        description="The key for `X-Omni-Device-Key`. Shown only now: store it on the device.",
    )
    user_errors: list[StaffError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of `deviceRevoke`.")
class DeviceRevokePayload:
    device: Device | None = strawberry.field(default=None, description="The revoked device.")
    user_errors: list[StaffError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="A device's session acting for one customer.")
class CustomerSessionToken:
    token: str = strawberry.field(
        description="Send as `Authorization: Bearer <token>` together with the device key."
    )
    expires_at: datetime = strawberry.field(description="When the session times out.")
    limited: bool = strawberry.field(
        description="True when only first name and points may be shown (phone at a kiosk)."
    )


@strawberry.type(description="Result of `customerIdentify`.")
class CustomerIdentifyPayload:
    session: CustomerSessionToken | None = strawberry.field(
        default=None, description="The session."
    )
    customer: Annotated[Customer, strawberry.lazy("api.customers.types")] | None = strawberry.field(
        default=None, description="Who was identified."
    )
    user_errors: list[StaffError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of `customerSessionEnd`.")
class CustomerSessionEndPayload:
    logged_out: bool = strawberry.field(
        default=False, description="True when the session has ended."
    )
    user_errors: list[StaffError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )
