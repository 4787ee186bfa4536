"""Customer accounts: creating, changing and finding them.

Creating a customer is part of joining (domain/membership/enrolment.py), which also opens
the membership; this module knows nothing of memberships.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.auth import passwords
from domain.channels import Channel
from domain.contact import normalize_email, normalize_phone
from domain.customers.errors import CustomerError, CustomerErrorCode
from domain.customers.models import Customer
from domain.errors import InvalidInput, NotFound
from domain.text import clean_text


def _taken(field: str) -> CustomerError:
    code = CustomerErrorCode.PHONE_TAKEN if field == "phone" else CustomerErrorCode.EMAIL_TAKEN
    return CustomerError(code, f"An account with this {field} already exists.", field)


async def _ensure_contact_free(
    session: AsyncSession, email: str | None, phone: str | None, exclude_id: int | None = None
) -> None:
    for column, value, field in (
        (Customer.email, email, "email"),
        (Customer.phone, phone, "phone"),
    ):
        if value is None:
            continue
        stmt = select(Customer.id).where(column == value)
        if exclude_id is not None:
            stmt = stmt.where(Customer.id != exclude_id)
        if await session.scalar(stmt) is not None:
            raise _taken(field)


async def _flush_contact(session: AsyncSession) -> None:
    """Flush a customer's email/phone; a concurrent request may have taken one meanwhile."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as error:
        raise _taken("phone" if "uq_customers_phone" in str(error.orig) else "email") from None


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
    email_n = normalize_email(email) if email and email.strip() else None
    phone_n = normalize_phone(phone) if phone and phone.strip() else None
    if email_n is None and phone_n is None:
        raise CustomerError(
            CustomerErrorCode.EMAIL_OR_PHONE_REQUIRED, "Give an email or a phone number.", "email"
        )
    first = clean_text(first_name, "firstName", 100)
    last = clean_text(last_name, "lastName", 100, required=False)
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
    return customer


async def update_customer(
    session: AsyncSession,
    actor: Actor,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> Customer:
    """The signed-in customer changes their profile (not through an in-store session)."""
    customer_id = actor.require_customer(contact=True)
    customer = await session.get(Customer, customer_id, with_for_update=True)
    if customer is None:
        raise NotFound("No such customer.")
    if first_name is not None:
        customer.first_name = clean_text(first_name, "firstName", 100)
    if last_name is not None:
        customer.last_name = clean_text(last_name, "lastName", 100, required=False)
    new_email = customer.email
    new_phone = customer.phone
    if email is not None:
        new_email = normalize_email(email) if email.strip() else None
    if phone is not None:
        new_phone = normalize_phone(phone) if phone.strip() else None
    if new_email is None and new_phone is None:
        raise CustomerError(
            CustomerErrorCode.EMAIL_OR_PHONE_REQUIRED,
            "A customer keeps an email or a phone number.",
            "email",
        )
    await _ensure_contact_free(session, new_email, new_phone, exclude_id=customer.id)
    customer.email, customer.phone = new_email, new_phone
    await _flush_contact(session)
    return customer


def identifier_key(identifier: str) -> str:
    """One spelling per identifier, so "0901 234 567" and "+84901234567" count together."""
    ident = identifier.strip()[:254]
    if "@" in ident:
        return ident
    try:
        return normalize_phone(ident)
    except InvalidInput:
        return ident


async def find_customer(session: AsyncSession, identifier: str) -> Customer | None:
    """By email (contains "@") or by phone in any usual spelling."""
    ident = identifier.strip()
    if "@" in ident:
        return await session.scalar(select(Customer).where(Customer.email == ident))
    try:
        phone = normalize_phone(ident)
    except InvalidInput:
        return None
    return await session.scalar(select(Customer).where(Customer.phone == phone))


async def by_phone(session: AsyncSession, phone: str, *, lock: bool = False) -> Customer | None:
    stmt = select(Customer).where(Customer.phone == phone)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)
