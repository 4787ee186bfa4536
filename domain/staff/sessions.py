"""A kiosk or counter acting for one identified customer, for a few minutes.

Phone-only identification at an unattended kiosk gives a limited session: a phone number
is not proof of identity, so it shows only first name and points.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.auth import tokens
from domain.channels import Channel
from domain.contact import normalize_phone
from domain.customers.models import Customer
from domain.errors import InvalidInput, NotFound, unauthenticated
from domain.membership.models import Membership
from domain.staff.models import CustomerSession


@dataclass(frozen=True, slots=True)
class StartedSession:
    session: CustomerSession
    customer: Customer
    token: str


async def start(
    session: AsyncSession,
    actor: Actor,
    *,
    card_number: str | None,
    phone: str | None,
    secret: str,
) -> StartedSession:
    """Identify a member by card (a full session) or phone, at the caller's device."""
    device = actor.require_device("identify customers")
    if (card_number is None) == (phone is None):
        raise InvalidInput("Give exactly one of `cardNumber`, `phone`.", "cardNumber")
    customer: Customer | None
    if card_number is not None:
        customer = await session.scalar(
            select(Customer)
            .join(Membership, Membership.customer_id == Customer.id)
            .where(Membership.card_number == card_number.strip()[:20])
        )
    else:
        customer = await session.scalar(
            select(Customer).where(Customer.phone == normalize_phone(phone or ""))
        )
    if customer is None:
        raise NotFound("No member matches.", "cardNumber")
    limited = card_number is None and device.channel is Channel.KIOSK
    row = CustomerSession(
        device_id=device.id,
        customer_id=customer.id,
        limited=limited,
        expires_at=datetime.now(UTC) + tokens.KIOSK_SESSION_TTL,
    )
    session.add(row)
    await session.flush()
    token, _ = tokens.issue_access_token(
        secret,
        kind="kiosk",
        subject_id=customer.id,
        session_id=row.id,
        device_id=device.id,
        limited=limited,
        ttl=tokens.KIOSK_SESSION_TTL,
    )
    return StartedSession(row, customer, token)


async def end(session: AsyncSession, actor: Actor) -> None:
    """End the caller's in-store session (the customer pressed "Done")."""
    if actor.device is None or actor.in_store_session is None:
        raise unauthenticated()
    await session.execute(
        update(CustomerSession)
        .where(
            CustomerSession.id == actor.in_store_session,
            CustomerSession.device_id == actor.device.id,
            CustomerSession.ended_at.is_(None),
        )
        .values(ended_at=datetime.now(UTC))
    )


async def active(
    session: AsyncSession, session_id: uuid.UUID, device_id: int
) -> CustomerSession | None:
    row = await session.get(CustomerSession, session_id)
    if row is None or row.device_id != device_id or row.ended_at is not None:
        return None
    if row.expires_at <= datetime.now(UTC):
        return None
    return row
