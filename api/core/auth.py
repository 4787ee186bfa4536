"""Who is calling: channel, device, and the customer or staff behind the token.

Resolved once per request before execution. Bad credentials are refused for the whole
request (401), as is an unknown `X-Omni-Channel` (400): a client must not get answers
computed for an identity or channel it did not ask for.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from domain.channels import Channel
from domain.identity import service as identity
from domain.identity.access import Actor, DeviceActor, StaffActor
from domain.identity.models import SubjectKind
from domain.identity.tokens import AccessClaims, InvalidToken, decode_access_token
from domain.membership.models import ActorKind

CHANNEL_HEADER = "x-omni-channel"
DEVICE_HEADER = "x-omni-device-key"


class RequestRejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Viewer:
    channel: Channel
    client_address: str | None = None
    device: DeviceActor | None = None
    customer_id: int | None = None
    staff: StaffActor | None = None
    family_id: uuid.UUID | None = None
    kiosk_session_id: uuid.UUID | None = None
    limited: bool = False  # a phone-only kiosk session: first name and points only
    # Customers this request created or identified (an enrolment at a counter shows the
    # new member to the device that enrolled them).
    granted: set[int] = field(default_factory=set)

    @property
    def is_anonymous(self) -> bool:
        return self.customer_id is None and self.staff is None and self.device is None

    def actor(self) -> Actor:
        """Who a write is recorded against: staff first, then device, then customer."""
        location = self.device.location_id if self.device else None
        if self.staff is not None:
            return Actor(ActorKind.STAFF, self.staff.id, self.channel, location)
        if self.device is not None:
            return Actor(ActorKind.DEVICE, self.device.id, self.channel, location)
        return Actor(ActorKind.CUSTOMER, self.customer_id, self.channel, None)

    def sees_customer(self, customer_id: int) -> bool:
        """The customer themself (also through a kiosk session), or any active staff."""
        return (
            self.staff is not None or self.customer_id == customer_id or customer_id in self.granted
        )

    def sees_personal_data(self, customer_id: int) -> bool:
        if self.staff is not None or customer_id in self.granted:
            return True
        return self.customer_id == customer_id and not self.limited


def _channel(request: Request) -> Channel:
    raw = request.headers.get(CHANNEL_HEADER)
    if raw is None or not raw.strip():
        return Channel.WEB
    try:
        return Channel(raw.strip().upper())
    except ValueError:
        allowed = ", ".join(c.value for c in Channel)
        raise RequestRejected(
            400, "BAD_CHANNEL", f"X-Omni-Channel must be one of {allowed}; got {raw[:30]!r}."
        ) from None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise RequestRejected(401, "UNAUTHENTICATED", "Authorization must be `Bearer <token>`.")
    return token.strip()


async def resolve_viewer(request: Request, session: AsyncSession, secret: str) -> Viewer:
    channel = _channel(request)
    address = request.client.host if request.client else None
    device: DeviceActor | None = None
    device_key = request.headers.get(DEVICE_HEADER)
    if device_key:
        row = await identity.authenticate_device(session, device_key.strip())
        if row is None:
            raise RequestRejected(
                401, "UNAUTHENTICATED", "The device key is not valid or was revoked."
            )
        device = DeviceActor(id=row.id, location_id=row.location_id, channel=row.channel)
        channel = row.channel  # a device's channel is its own, whatever the header says
    token = _bearer(request)
    if token is None:
        return Viewer(channel=channel, client_address=address, device=device)
    try:
        claims = decode_access_token(secret, token)
    except InvalidToken:
        raise RequestRejected(
            401, "UNAUTHENTICATED", "The access token is invalid or expired; refresh it."
        ) from None
    return await _viewer_for(session, claims, channel, address, device)


async def _viewer_for(
    session: AsyncSession,
    claims: AccessClaims,
    channel: Channel,
    address: str | None,
    device: DeviceActor | None,
) -> Viewer:
    revoked = RequestRejected(401, "UNAUTHENTICATED", "This session has ended; sign in again.")
    if claims.kind == "kiosk":
        if device is None or device.id != claims.device_id or claims.session_id is None:
            raise RequestRejected(
                401, "UNAUTHENTICATED", "A customer session works only on the device that began it."
            )
        row = await identity.active_customer_session(session, claims.session_id, device.id)
        if row is None:
            raise revoked
        return Viewer(
            channel=channel,
            client_address=address,
            device=device,
            customer_id=row.customer_id,
            kiosk_session_id=row.id,
            limited=row.limited,
        )
    kinds = {"customer": SubjectKind.CUSTOMER, "staff": SubjectKind.STAFF}
    kind = kinds.get(claims.kind)
    if (
        kind is None
        or claims.family_id is None
        or not await identity.family_is_active(session, claims.family_id, kind, claims.subject_id)
    ):
        raise revoked
    if claims.kind == "customer":
        return Viewer(
            channel=channel,
            client_address=address,
            device=device,
            customer_id=claims.subject_id,
            family_id=claims.family_id,
        )
    if claims.kind == "staff":
        staff = await identity.load_staff_actor(session, claims.subject_id)
        if staff is None:
            raise revoked
        return Viewer(
            channel=channel,
            client_address=address,
            device=device,
            staff=staff,
            family_id=claims.family_id,
        )
    raise revoked
