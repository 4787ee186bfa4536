"""The address book of a customer: at most 20 addresses, one of them the default."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.contact import normalize_phone
from domain.customers.models import CustomerAddress
from domain.errors import InvalidInput, NotFound
from domain.text import clean_text

MAX_ADDRESSES = 20


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
            setattr(address, name, clean_text(value, name, limit, required=required))
    if fields.phone is not None or creating:
        address.phone = normalize_phone(fields.phone or "", "phone")


async def add_address(
    session: AsyncSession, actor: Actor, fields: AddressFields
) -> CustomerAddress:
    customer_id = actor.require_customer()
    count = await session.scalar(
        select(func.count()).where(CustomerAddress.customer_id == customer_id)
    )
    if (count or 0) >= MAX_ADDRESSES:
        raise InvalidInput(f"An address book holds at most {MAX_ADDRESSES}.")
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
        raise NotFound("No such address.", "id")
    return address


async def update_address(
    session: AsyncSession, actor: Actor, address_id: int, fields: AddressFields
) -> CustomerAddress:
    customer_id = actor.require_customer()
    address = await _own_address(session, customer_id, address_id)
    _apply_address(address, fields, creating=False)
    if fields.is_default:
        address.is_default = True
        await _clear_default(session, customer_id, address.id)
    await session.flush()
    return address


async def remove_address(session: AsyncSession, actor: Actor, address_id: int) -> None:
    customer_id = actor.require_customer()
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
