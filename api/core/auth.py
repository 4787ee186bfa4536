"""Who is calling: channel, device, and the customer or staff behind the token.

Resolved once per request before execution. Bad credentials are refused for the whole
request (401), as is an unknown `X-Omni-Channel` (400): a client must not get answers
computed for an identity or channel it did not ask for.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from domain.actors import Actor, DeviceScope
from domain.auth import families
from domain.auth.models import SubjectKind
from domain.auth.tokens import AccessClaims, InvalidToken, decode_access_token
from domain.channels import Channel
from domain.staff import devices, sessions
from domain.staff.service import load_scope

CHANNEL_HEADER = "x-omni-channel"
DEVICE_HEADER = "x-omni-device-key"


class RequestRejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


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


def anonymous_actor(request: Request) -> Actor:
    """The caller of a request without a token or device key."""
    return Actor(
        channel=_channel(request), client_address=request.client.host if request.client else None
    )


async def resolve_actor(request: Request, session: AsyncSession, secret: str) -> Actor:
    channel = _channel(request)
    address = request.client.host if request.client else None
    device: DeviceScope | None = None
    device_key = request.headers.get(DEVICE_HEADER)
    if device_key:
        row = await devices.authenticate(session, device_key.strip())
        if row is None:
            raise RequestRejected(
                401, "UNAUTHENTICATED", "The device key is not valid or was revoked."
            )
        device = DeviceScope(id=row.id, location_id=row.location_id, channel=row.channel)
        channel = row.channel  # a device's channel is its own, whatever the header says
    token = _bearer(request)
    if token is None:
        return Actor(channel=channel, client_address=address, device=device)
    try:
        claims = decode_access_token(secret, token)
    except InvalidToken:
        raise RequestRejected(
            401, "UNAUTHENTICATED", "The access token is invalid or expired; refresh it."
        ) from None
    return await _actor_for(session, claims, channel, address, device)


async def _actor_for(
    session: AsyncSession,
    claims: AccessClaims,
    channel: Channel,
    address: str | None,
    device: DeviceScope | None,
) -> Actor:
    revoked = RequestRejected(401, "UNAUTHENTICATED", "This session has ended; sign in again.")
    if claims.kind == "kiosk":
        if device is None or device.id != claims.device_id or claims.session_id is None:
            raise RequestRejected(
                401, "UNAUTHENTICATED", "A customer session works only on the device that began it."
            )
        row = await sessions.active(session, claims.session_id, device.id)
        if row is None:
            raise revoked
        return Actor(
            channel=channel,
            client_address=address,
            device=device,
            customer_id=row.customer_id,
            in_store_session=row.id,
            limited=row.limited,
        )
    kinds = {"customer": SubjectKind.CUSTOMER, "staff": SubjectKind.STAFF}
    kind = kinds.get(claims.kind)
    if (
        kind is None
        or claims.family_id is None
        or not await families.is_active(session, claims.family_id, kind, claims.subject_id)
    ):
        raise revoked
    if claims.kind == "customer":
        return Actor(
            channel=channel,
            client_address=address,
            device=device,
            customer_id=claims.subject_id,
            sign_in=claims.family_id,
        )
    if claims.kind == "staff":
        staff = await load_scope(session, claims.subject_id)
        if staff is None:
            raise revoked
        return Actor(
            channel=channel,
            client_address=address,
            device=device,
            staff=staff,
            sign_in=claims.family_id,
        )
    raise revoked
