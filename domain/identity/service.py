"""Identity use cases: customers, sign-in and tokens, staff, devices, kiosk sessions.

Services take the session of the caller's unit of work; they flush but never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.channels import DEVICE_CHANNELS, Channel
from domain.identity import passwords, secrets, tokens
from domain.identity.access import StaffActor
from domain.identity.contact import normalize_email, normalize_phone
from domain.identity.errors import IdentityError, IdentityErrorCode
from domain.identity.models import (
    Customer,
    CustomerAddress,
    CustomerSession,
    Device,
    LoginAttempt,
    RefreshToken,
    StaffRole,
    StaffStoreScope,
    StaffUser,
    SubjectKind,
)
from domain.inventory.models import Location

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
MAX_ADDRESSES = 20


def now() -> datetime:
    return datetime.now(UTC)


def _text(value: str | None, field: str, max_length: int, *, required: bool = True) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise IdentityError(IdentityErrorCode.INVALID_INPUT, f"`{field}` is required.", field)
    if len(cleaned) > max_length:
        raise IdentityError(
            IdentityErrorCode.INVALID_INPUT,
            f"`{field}` is longer than {max_length} characters.",
            field,
        )
    return cleaned


# --- customers ---------------------------------------------------------------


async def _ensure_contact_free(
    session: AsyncSession, email: str | None, phone: str | None, exclude_id: int | None = None
) -> None:
    for column, value, code, field in (
        (Customer.email, email, IdentityErrorCode.EMAIL_TAKEN, "email"),
        (Customer.phone, phone, IdentityErrorCode.PHONE_TAKEN, "phone"),
    ):
        if value is None:
            continue
        stmt = select(Customer.id).where(column == value)
        if exclude_id is not None:
            stmt = stmt.where(Customer.id != exclude_id)
        if await session.scalar(stmt) is not None:
            raise IdentityError(code, f"An account with this {field} already exists.", field)


async def create_customer(
    session: AsyncSession,
    *,
    email: str | None,
    phone: str | None,
    first_name: str,
    last_name: str = "",
    password: str | None,
    channel: Channel,
    location_id: int | None = None,
) -> Customer:
    """A new customer (and, through membership.service, their membership)."""
    email_n = normalize_email(email) if email and email.strip() else None
    phone_n = normalize_phone(phone) if phone and phone.strip() else None
    if email_n is None and phone_n is None:
        raise IdentityError(
            IdentityErrorCode.EMAIL_OR_PHONE_REQUIRED, "Give an email or a phone number.", "email"
        )
    first = _text(first_name, "firstName", 100)
    last = _text(last_name, "lastName", 100, required=False)
    if password is not None:
        passwords.check_policy(password)
    await _ensure_contact_free(session, email_n, phone_n)
    customer = Customer(
        email=email_n,
        phone=phone_n,
        first_name=first,
        last_name=last,
        password_hash=(
            await passwords.hash_password_async(password) if password is not None else None
        ),
        enrolled_channel=channel,
        enrolled_location_id=location_id,
    )
    session.add(customer)
    await _flush_contact(session)
    from domain.membership.service import create_membership

    await create_membership(session, customer.id)
    return customer


async def _flush_contact(session: AsyncSession) -> None:
    """Flush a customer's email/phone; a concurrent request may have taken one meanwhile."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as error:
        if "uq_customers_phone" in str(error.orig):
            raise IdentityError(
                IdentityErrorCode.PHONE_TAKEN, "An account with this phone already exists.", "phone"
            ) from None
        raise IdentityError(
            IdentityErrorCode.EMAIL_TAKEN, "An account with this email already exists.", "email"
        ) from None


async def update_customer(
    session: AsyncSession,
    customer_id: int,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> Customer:
    customer = await session.get(Customer, customer_id, with_for_update=True)
    if customer is None:
        raise IdentityError(IdentityErrorCode.NOT_FOUND, "No such customer.")
    if first_name is not None:
        customer.first_name = _text(first_name, "firstName", 100)
    if last_name is not None:
        customer.last_name = _text(last_name, "lastName", 100, required=False)
    new_email = customer.email
    new_phone = customer.phone
    if email is not None:
        new_email = normalize_email(email) if email.strip() else None
    if phone is not None:
        new_phone = normalize_phone(phone) if phone.strip() else None
    if new_email is None and new_phone is None:
        raise IdentityError(
            IdentityErrorCode.EMAIL_OR_PHONE_REQUIRED,
            "A customer keeps an email or a phone number.",
            "email",
        )
    await _ensure_contact_free(session, new_email, new_phone, exclude_id=customer.id)
    customer.email, customer.phone = new_email, new_phone
    await _flush_contact(session)
    return customer


@dataclass(frozen=True, slots=True)
class AddressFields:
    recipient: str | None = None
    phone: str | None = None
    street: str | None = None
    ward: str | None = None
    district: str | None = None
    province: str | None = None
    is_default: bool | None = None


async def _clear_default(session: AsyncSession, customer_id: int, keep_id: int | None) -> None:
    stmt = update(CustomerAddress).where(
        CustomerAddress.customer_id == customer_id, CustomerAddress.is_default.is_(True)
    )
    if keep_id is not None:
        stmt = stmt.where(CustomerAddress.id != keep_id)
    await session.execute(stmt.values(is_default=False))


def _apply_address(address: CustomerAddress, fields: AddressFields, creating: bool) -> None:
    for name, limit, required in (
        ("recipient", 150, True),
        ("street", 250, True),
        ("ward", 120, False),
        ("district", 120, False),
        ("province", 120, True),
    ):
        value = getattr(fields, name)
        if value is not None or creating:
            setattr(address, name, _text(value, name, limit, required=required))
    if fields.phone is not None or creating:
        address.phone = normalize_phone(fields.phone or "", "phone")


async def add_address(
    session: AsyncSession, customer_id: int, fields: AddressFields
) -> CustomerAddress:
    count = await session.scalar(
        select(func.count()).where(CustomerAddress.customer_id == customer_id)
    )
    if (count or 0) >= MAX_ADDRESSES:
        raise IdentityError(
            IdentityErrorCode.INVALID_INPUT, f"An address book holds at most {MAX_ADDRESSES}."
        )
    address = CustomerAddress(customer_id=customer_id)
    _apply_address(address, fields, creating=True)
    # The first address is the default one.
    address.is_default = bool(fields.is_default) or not count
    session.add(address)
    await session.flush()
    if address.is_default:
        await _clear_default(session, customer_id, address.id)
    return address


async def _own_address(session: AsyncSession, customer_id: int, address_id: int) -> CustomerAddress:
    address = await session.get(CustomerAddress, address_id, with_for_update=True)
    if address is None or address.customer_id != customer_id:
        # The same answer for someone else's address and a missing one.
        raise IdentityError(IdentityErrorCode.NOT_FOUND, "No such address.", "id")
    return address


async def update_address(
    session: AsyncSession, customer_id: int, address_id: int, fields: AddressFields
) -> CustomerAddress:
    address = await _own_address(session, customer_id, address_id)
    _apply_address(address, fields, creating=False)
    if fields.is_default:
        address.is_default = True
        await _clear_default(session, customer_id, address.id)
    await session.flush()
    return address


async def remove_address(session: AsyncSession, customer_id: int, address_id: int) -> None:
    address = await _own_address(session, customer_id, address_id)
    was_default = address.is_default
    await session.delete(address)
    await session.flush()
    if was_default:
        successor = await session.scalar(
            select(CustomerAddress)
            .where(CustomerAddress.customer_id == customer_id)
            .order_by(CustomerAddress.id)
            .limit(1)
        )
        if successor is not None:
            successor.is_default = True
            await session.flush()


def _identifier_key(identifier: str) -> str:
    """One spelling per identifier, so "0901 234 567" and "+84901234567" count together."""
    ident = identifier.strip()[:254]
    if "@" in ident:
        return ident
    try:
        return normalize_phone(ident)
    except IdentityError:
        return ident


async def find_customer(session: AsyncSession, identifier: str) -> Customer | None:
    """By email (contains "@") or by phone in any usual spelling."""
    ident = identifier.strip()
    if "@" in ident:
        return await session.scalar(select(Customer).where(Customer.email == ident))
    try:
        phone = normalize_phone(ident)
    except IdentityError:
        return None
    return await session.scalar(select(Customer).where(Customer.phone == phone))


# --- sign-in, tokens ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    subject_id: int
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


async def _issue(
    session: AsyncSession,
    kind: SubjectKind,
    subject_id: int,
    secret: str,
    family_id: uuid.UUID | None = None,
) -> IssuedTokens:
    family = family_id or uuid.uuid4()
    refresh = secrets.new_token("omr_")
    refresh_expires = now() + tokens.REFRESH_TTL
    session.add(
        RefreshToken(
            family_id=family,
            subject_kind=kind,
            subject_id=subject_id,
            token_hash=secrets.digest(refresh),
            expires_at=refresh_expires,
        )
    )
    await session.flush()
    access, access_expires = tokens.issue_access_token(
        secret, kind=kind.value.lower(), subject_id=subject_id, family_id=family
    )
    return IssuedTokens(subject_id, access, access_expires, refresh, refresh_expires)


async def lock_key(session: AsyncSession, key: str) -> None:
    """Serialise attempts on one key until the transaction ends (count-then-insert is racy)."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))


async def _throttled(session: AsyncSession, key: str, limit: int) -> bool:
    failures = await session.scalar(
        select(func.count()).where(
            LoginAttempt.key == key, LoginAttempt.attempted_at > now() - THROTTLE_WINDOW
        )
    )
    return (failures or 0) >= limit


async def _login(
    session: AsyncSession,
    *,
    kind: SubjectKind,
    identifier: str,
    subject: Customer | StaffUser | None,
    password: str,
    client_address: str | None,
    secret: str,
) -> IssuedTokens:
    # Failures count per identifier whether or not an account has it, so throttling looks
    # the same for unknown identifiers and does not reveal who has an account.
    ident_key = f"{kind.value.lower()}-id:{identifier.lower()}"[:200]
    account_key = f"{kind.value.lower()}:{subject.id}" if subject is not None else None
    address_key = f"ip:{client_address}" if client_address else None
    # Concurrent guesses on one identifier wait for each other, so each sees the failures
    # committed before it; the lock is released when the failure is committed.
    await lock_key(session, ident_key)
    for key, limit in (
        (ident_key, MAX_FAILURES_PER_ACCOUNT),
        (account_key, MAX_FAILURES_PER_ACCOUNT),
        (address_key, MAX_FAILURES_PER_ADDRESS),
    ):
        if key is not None and await _throttled(session, key, limit):
            raise IdentityError(
                IdentityErrorCode.LOGIN_THROTTLED,
                "Too many failed sign-ins. Try again in 15 minutes.",
            )
    active = not isinstance(subject, StaffUser) or subject.active
    hashed = subject.password_hash if subject is not None and active else None
    if not await passwords.verify_password_async(hashed, password):
        for key in (ident_key, account_key, address_key):
            if key is not None:
                session.add(LoginAttempt(key=key))
        await session.flush()
        # The failure is counted even though the sign-in fails.
        raise IdentityError(
            IdentityErrorCode.INVALID_CREDENTIALS,
            "The sign-in details are not correct.",
            keep_changes=True,
        )
    assert subject is not None
    await session.execute(
        delete(LoginAttempt).where(LoginAttempt.key.in_([ident_key, account_key]))
    )
    return await _issue(session, kind, subject.id, secret)


async def login_customer(
    session: AsyncSession, identifier: str, password: str, client_address: str | None, secret: str
) -> IssuedTokens:
    customer = await find_customer(session, identifier[:254])
    return await _login(
        session,
        kind=SubjectKind.CUSTOMER,
        identifier=_identifier_key(identifier),
        subject=customer,
        password=password[: passwords.MAX_LENGTH + 1],
        client_address=client_address,
        secret=secret,
    )


async def issue_customer_tokens(
    session: AsyncSession, customer_id: int, secret: str
) -> IssuedTokens:
    return await _issue(session, SubjectKind.CUSTOMER, customer_id, secret)


async def refresh_tokens(
    session: AsyncSession, refresh_token: str, kind: SubjectKind, secret: str
) -> IssuedTokens:
    """Rotate: the presented token is spent and a new pair of the same family is issued.

    Presenting an already-rotated token means it was copied: the family is revoked.
    """
    invalid = IdentityError(
        IdentityErrorCode.INVALID_REFRESH_TOKEN,
        "The refresh token is not valid; sign in again.",
        "refreshToken",
    )
    row = await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == secrets.digest(refresh_token))
        .with_for_update()
    )
    if row is None or row.subject_kind is not kind:
        raise invalid
    if row.rotated_at is not None:
        await revoke_family(session, row.family_id)
        raise IdentityError(
            IdentityErrorCode.INVALID_REFRESH_TOKEN,
            "This refresh token was already used; every session of this sign-in is revoked.",
            "refreshToken",
            keep_changes=True,
        )
    if row.revoked_at is not None or row.expires_at <= now():
        raise invalid
    if kind is SubjectKind.STAFF:
        staff = await session.get(StaffUser, row.subject_id)
        if staff is None or not staff.active:
            await revoke_family(session, row.family_id)
            raise IdentityError(
                IdentityErrorCode.INVALID_REFRESH_TOKEN,
                "This staff account is disabled.",
                "refreshToken",
                keep_changes=True,
            )
    row.rotated_at = now()
    return await _issue(session, kind, row.subject_id, secret, family_id=row.family_id)


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )


async def logout(
    session: AsyncSession,
    refresh_token: str | None,
    family_id: uuid.UUID | None,
    kind: SubjectKind = SubjectKind.CUSTOMER,
) -> None:
    """Revoke the session's token family: its refresh tokens and its access tokens.

    Signing out is idempotent: an unknown or already revoked token changes nothing.
    """
    if refresh_token:
        row = await session.scalar(
            select(RefreshToken).where(
                RefreshToken.token_hash == secrets.digest(refresh_token),
                RefreshToken.subject_kind == kind,
            )
        )
        if row is not None:
            await revoke_family(session, row.family_id)
    if family_id is not None:
        await revoke_family(session, family_id)


async def family_is_active(
    session: AsyncSession, family_id: uuid.UUID, kind: SubjectKind, subject_id: int
) -> bool:
    """A sign-in is live while its family has tokens of this subject and none is revoked.

    Requiring a stored family means a token signed with a leaked secret but never issued
    here is refused too.
    """
    row = (
        await session.execute(
            select(
                func.count(),
                func.count(RefreshToken.revoked_at),
            ).where(
                RefreshToken.family_id == family_id,
                RefreshToken.subject_kind == kind,
                RefreshToken.subject_id == subject_id,
            )
        )
    ).one()
    issued, revoked = row
    return bool(issued) and not revoked


# --- staff -------------------------------------------------------------------


async def create_staff(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    password: str,
    role: StaffRole,
    store_ids: Sequence[int] = (),
) -> StaffUser:
    email_n = normalize_email(email)
    passwords.check_policy(password)
    if role is not StaffRole.ADMIN and not store_ids:
        raise IdentityError(
            IdentityErrorCode.INVALID_INPUT,
            "Store managers and staff are scoped to at least one store.",
            "storeIds",
        )
    if await session.scalar(select(StaffUser.id).where(StaffUser.email == email_n)) is not None:
        raise IdentityError(IdentityErrorCode.EMAIL_TAKEN, "A staff user has this email.", "email")
    found = set(await session.scalars(select(Location.id).where(Location.id.in_(list(store_ids)))))
    if missing := set(store_ids) - found:
        raise IdentityError(
            IdentityErrorCode.STORE_NOT_FOUND, f"No store with id {sorted(missing)[0]}.", "storeIds"
        )
    staff = StaffUser(
        email=email_n,
        name=_text(name, "name", 150),
        password_hash=await passwords.hash_password_async(password),
        role=role,
    )
    session.add(staff)
    await session.flush()
    session.add_all(StaffStoreScope(staff_id=staff.id, location_id=sid) for sid in set(store_ids))
    await session.flush()
    return staff


async def login_staff(
    session: AsyncSession, email: str, password: str, client_address: str | None, secret: str
) -> IssuedTokens:
    staff = await session.scalar(select(StaffUser).where(StaffUser.email == email.strip()[:254]))
    return await _login(
        session,
        kind=SubjectKind.STAFF,
        identifier=email.strip()[:254],
        subject=staff,
        password=password[: passwords.MAX_LENGTH + 1],
        client_address=client_address,
        secret=secret,
    )


async def load_staff_actor(session: AsyncSession, staff_id: int) -> StaffActor | None:
    staff = await session.get(StaffUser, staff_id)
    if staff is None or not staff.active:
        return None
    stores = await session.scalars(
        select(StaffStoreScope.location_id).where(StaffStoreScope.staff_id == staff_id)
    )
    return StaffActor(id=staff.id, role=staff.role, store_ids=frozenset(stores))


# --- devices -----------------------------------------------------------------


async def register_device(
    session: AsyncSession, actor: StaffActor, *, name: str, location_id: int, channel: Channel
) -> tuple[Device, str]:
    """A new kiosk or counter; returns the device and its key (shown once, stored hashed)."""
    if actor.role is StaffRole.STORE_STAFF:
        raise IdentityError(
            IdentityErrorCode.FORBIDDEN, "Only admins and store managers register devices."
        )
    actor.require_store(location_id)
    if channel not in DEVICE_CHANNELS:
        raise IdentityError(
            IdentityErrorCode.DEVICE_CHANNEL, "A device is a KIOSK or a POS.", "channel"
        )
    location = await session.get(Location, location_id)
    if location is None or not location.active:
        raise IdentityError(IdentityErrorCode.STORE_NOT_FOUND, "No such store.", "storeId")
    key = secrets.new_token("omd_")
    device = Device(
        name=_text(name, "name", 120),
        location_id=location_id,
        channel=channel,
        key_hash=secrets.digest(key),
        created_by_staff_id=actor.id,
    )
    session.add(device)
    await session.flush()
    return device, key


async def revoke_device(session: AsyncSession, actor: StaffActor, device_id: int) -> Device:
    device = await session.get(Device, device_id, with_for_update=True)
    if device is None or not actor.can_act_on_store(device.location_id):
        raise IdentityError(IdentityErrorCode.NOT_FOUND, "No such device.", "id")
    if actor.role is StaffRole.STORE_STAFF:
        raise IdentityError(
            IdentityErrorCode.FORBIDDEN, "Only admins and store managers revoke devices."
        )
    if device.revoked_at is None:
        device.revoked_at = now()
        await session.flush()
    return device


async def authenticate_device(session: AsyncSession, key: str) -> Device | None:
    if not key.startswith("omd_") or len(key) > 100:
        return None
    device = await session.scalar(select(Device).where(Device.key_hash == secrets.digest(key)))
    if device is None or device.revoked_at is not None:
        return None
    return device


# --- kiosk and counter customer sessions ----------------------------------------


async def start_customer_session(
    session: AsyncSession,
    device: Device,
    *,
    card_number: str | None,
    phone: str | None,
    secret: str,
) -> tuple[CustomerSession, Customer, str]:
    """Let a device act for a customer identified by card (full) or phone.

    Phone-only identification at an unattended kiosk gives a limited session: a phone
    number is not proof of identity, so it shows only first name and points.
    """
    from domain.membership.models import Membership

    if (card_number is None) == (phone is None):
        raise IdentityError(
            IdentityErrorCode.INVALID_INPUT,
            "Give exactly one of `cardNumber`, `phone`.",
            "cardNumber",
        )
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
        raise IdentityError(IdentityErrorCode.NOT_FOUND, "No member matches.", "cardNumber")
    limited = card_number is None and device.channel is Channel.KIOSK
    row = CustomerSession(
        device_id=device.id,
        customer_id=customer.id,
        limited=limited,
        expires_at=now() + tokens.KIOSK_SESSION_TTL,
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
    return row, customer, token


async def end_customer_session(
    session: AsyncSession, device_id: int, session_id: uuid.UUID
) -> None:
    await session.execute(
        update(CustomerSession)
        .where(
            CustomerSession.id == session_id,
            CustomerSession.device_id == device_id,
            CustomerSession.ended_at.is_(None),
        )
        .values(ended_at=now())
    )


async def active_customer_session(
    session: AsyncSession, session_id: uuid.UUID, device_id: int
) -> CustomerSession | None:
    row = await session.get(CustomerSession, session_id)
    if row is None or row.device_id != device_id or row.ended_at is not None:
        return None
    if row.expires_at <= now():
        return None
    return row
