"""Joining: registering online, enrolling in a store, and claiming an in-store
membership online with a one-time SMS code.

Joining creates the customer (domain/customers) and their membership in one use case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.auth import passwords, secrets, throttle
from domain.auth.families import IssuedTokens
from domain.channels import Channel
from domain.contact import normalize_phone
from domain.customers import signin
from domain.customers.models import Customer
from domain.customers.service import by_phone, create_customer
from domain.errors import InvalidInput, forbidden, unauthenticated
from domain.inventory.repository import require_location
from domain.membership import cards, tiers
from domain.membership.errors import MembershipError, MembershipErrorCode
from domain.membership.ledger import membership_of, now
from domain.membership.models import Membership, MembershipClaim, TierChange
from domain.membership.spend import all_tiers
from domain.notifications.models import Notification, NotificationChannel

CLAIM_CODE_TTL = timedelta(minutes=10)
CLAIM_MAX_ATTEMPTS = 5
# Codes per phone, member or not (the limit must not reveal membership): this stops SMS
# flooding and keeps fresh codes from multiplying the guesses.
CODES_PER_PHONE = throttle.Throttle(limit=3, window=timedelta(hours=1))


async def create_membership(session: AsyncSession, customer_id: int) -> Membership:
    base = tiers.tier_for_spend(await all_tiers(session), Decimal(0))
    for _ in range(10):
        number = cards.new_card_number()
        taken = await session.scalar(select(Membership.id).where(Membership.card_number == number))
        if taken is None:
            break
    membership = Membership(customer_id=customer_id, card_number=number, tier_id=base.id)
    session.add(membership)
    await session.flush()
    session.add(
        TierChange(membership_id=membership.id, from_tier_id=None, to_tier_id=base.id, spend_12m=0)
    )
    await session.flush()
    return membership


@dataclass(frozen=True, slots=True)
class Joined:
    """A new customer with their membership, signed in when they joined online."""

    customer: Customer
    membership: Membership
    tokens: IssuedTokens | None = None


async def _join(
    session: AsyncSession,
    *,
    email: str | None,
    phone: str | None,
    first_name: str,
    last_name: str,
    password: str | None,
    channel: Channel,
    location_id: int | None,
) -> tuple[Customer, Membership]:
    customer = await create_customer(
        session,
        email=email,
        phone=phone,
        first_name=first_name,
        last_name=last_name,
        password=password,
        channel=channel,
        location_id=location_id,
    )
    return customer, await create_membership(session, customer.id)


async def register(
    session: AsyncSession,
    actor: Actor,
    *,
    email: str | None,
    phone: str | None,
    first_name: str,
    last_name: str = "",
    password: str,
    secret: str,
) -> Joined:
    """Online registration: the customer, their membership, and a signed-in session."""
    customer, membership = await _join(
        session,
        email=email,
        phone=phone,
        first_name=first_name,
        last_name=last_name,
        password=password,
        channel=actor.channel,
        location_id=actor.device.location_id if actor.device else None,
    )
    tokens = await signin.start_session(session, customer.id, secret)
    return Joined(customer, membership, tokens)


async def _enrolment_store(session: AsyncSession, actor: Actor, store_id: int | None) -> int:
    """Where an in-store enrolment happens: a device's own store, or one of the staff
    member's stores, which they must name."""
    if actor.staff is not None:
        if store_id is None:
            raise InvalidInput("Staff give the `storeId` of the enrolment.", "storeId")
        actor.staff.require_store(store_id)
        await require_location(session, store_id)
        return store_id
    if actor.device is not None:
        return actor.device.location_id
    if actor.is_anonymous:
        raise unauthenticated()
    raise forbidden("Members are enrolled by store staff or in-store devices.")


async def enrol(
    session: AsyncSession,
    actor: Actor,
    *,
    phone: str,
    first_name: str,
    last_name: str = "",
    email: str | None = None,
    store_id: int | None = None,
) -> Joined:
    """In-store enrolment by staff or a kiosk/counter: no password until claimed online."""
    location_id = await _enrolment_store(session, actor, store_id)
    customer, membership = await _join(
        session,
        email=email,
        phone=phone,
        first_name=first_name,
        last_name=last_name,
        password=None,
        channel=actor.channel,
        location_id=location_id,
    )
    return Joined(customer, membership)


async def start_claim(session: AsyncSession, phone: str) -> None:
    """Queue a one-time code by SMS for an enrolled member without a password.

    Says nothing about whether the phone belongs to a member: the caller answers the same
    either way, so the endpoint cannot be used to find out who shops here.
    """
    normalized = normalize_phone(phone)
    # Limit codes per phone, member or not (the limit must not reveal membership): this
    # stops SMS flooding and keeps fresh codes from multiplying the guesses.
    key = f"claim:{normalized}"
    await throttle.lock(session, key)
    if await CODES_PER_PHONE.exceeded(session, key):
        raise MembershipError(
            MembershipErrorCode.CLAIM_TOO_MANY_ATTEMPTS,
            "Too many codes asked for this phone; try again in an hour.",
            "phone",
        )
    throttle.record(session, [key])
    customer = await by_phone(session, normalized)
    if customer is None or customer.password_hash is not None:
        await session.flush()
        return
    await session.execute(
        update(MembershipClaim)
        .where(MembershipClaim.customer_id == customer.id, MembershipClaim.consumed_at.is_(None))
        .values(consumed_at=now())
    )
    code = secrets.new_numeric_code(6)
    session.add(
        MembershipClaim(
            customer_id=customer.id,
            code_hash=secrets.digest(f"{customer.id}:{code}"),
            expires_at=now() + CLAIM_CODE_TTL,
        )
    )
    session.add(
        Notification(
            channel=NotificationChannel.SMS,
            recipient=normalized,
            template="membership_claim_code",
            payload={"code": code, "first_name": customer.first_name, "ttl_minutes": 10},
        )
    )
    await session.flush()


async def complete_claim(
    session: AsyncSession, phone: str, code: str, password: str, secret: str
) -> Joined:
    """Set the password with the SMS code; the member is then signed in."""
    invalid = MembershipError(
        MembershipErrorCode.CLAIM_INVALID, "The code is not correct.", "code", keep_changes=True
    )
    normalized = normalize_phone(phone)
    passwords.check_policy(password)
    customer = await by_phone(session, normalized, lock=True)
    if customer is None:
        raise invalid
    if customer.password_hash is not None:
        raise MembershipError(
            MembershipErrorCode.ALREADY_CLAIMED, "This account already has a password.", "phone"
        )
    claim = await session.scalar(
        select(MembershipClaim)
        .where(MembershipClaim.customer_id == customer.id, MembershipClaim.consumed_at.is_(None))
        .order_by(MembershipClaim.id.desc())
        .limit(1)
        .with_for_update()
    )
    if claim is None:
        raise invalid
    if claim.expires_at <= now():
        raise MembershipError(
            MembershipErrorCode.CLAIM_EXPIRED, "The code has expired; ask for a new one.", "code"
        )
    if claim.attempts >= CLAIM_MAX_ATTEMPTS:
        raise MembershipError(
            MembershipErrorCode.CLAIM_TOO_MANY_ATTEMPTS,
            "Too many wrong codes; ask for a new one.",
            "code",
        )
    if not secrets.same(claim.code_hash, secrets.digest(f"{customer.id}:{code.strip()}")):
        claim.attempts += 1
        await session.flush()
        raise invalid
    claim.consumed_at = now()
    customer.password_hash = await passwords.hash_password_async(password)
    await session.flush()
    membership = await membership_of(session, customer.id)
    return Joined(customer, membership, await signin.start_session(session, customer.id, secret))
