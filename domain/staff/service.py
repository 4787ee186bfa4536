"""Staff users: creating them, their store scope, and signing them in."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import StaffRole, StaffScope
from domain.auth import families, passwords, signin
from domain.auth.families import IssuedTokens
from domain.auth.models import SubjectKind
from domain.contact import normalize_email
from domain.db import in_ids
from domain.errors import InvalidInput
from domain.inventory.models import Location
from domain.staff.errors import StaffError, StaffErrorCode
from domain.staff.models import StaffStoreScope, StaffUser
from domain.text import clean_text


async def create_staff(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    password: str,
    role: StaffRole,
    store_ids: Sequence[int] = (),
) -> StaffUser:
    """A new staff user (the first admin comes from `omni staff create`)."""
    email_n = normalize_email(email)
    passwords.check_policy(password)
    if role is not StaffRole.ADMIN and not store_ids:
        raise InvalidInput("Store managers and staff are scoped to at least one store.", "storeIds")
    if await session.scalar(select(StaffUser.id).where(StaffUser.email == email_n)) is not None:
        raise StaffError(StaffErrorCode.EMAIL_TAKEN, "A staff user has this email.", "email")
    found = set(await session.scalars(select(Location.id).where(in_ids(Location.id, store_ids))))
    if missing := set(store_ids) - found:
        raise StaffError(
            StaffErrorCode.STORE_NOT_FOUND, f"No store with id {sorted(missing)[0]}.", "storeIds"
        )
    staff = StaffUser(
        email=email_n,
        name=clean_text(name, "name", 150),
        password_hash=await passwords.hash_password_async(password),
        role=role,
    )
    session.add(staff)
    await session.flush()
    session.add_all(StaffStoreScope(staff_id=staff.id, location_id=sid) for sid in set(store_ids))
    await session.flush()
    return staff


async def load_scope(session: AsyncSession, staff_id: int) -> StaffScope | None:
    """What an active staff user may act on; None once the account is disabled."""
    staff = await session.get(StaffUser, staff_id)
    if staff is None or not staff.active:
        return None
    stores = await session.scalars(
        select(StaffStoreScope.location_id).where(StaffStoreScope.staff_id == staff_id)
    )
    return StaffScope(id=staff.id, role=staff.role, store_ids=frozenset(stores))


async def login(
    session: AsyncSession, email: str, password: str, client_address: str | None, secret: str
) -> tuple[StaffUser | None, IssuedTokens]:
    staff = await session.scalar(select(StaffUser).where(StaffUser.email == email.strip()[:254]))
    tokens = await signin.sign_in(
        session,
        kind=SubjectKind.STAFF,
        identifier=email.strip()[:254],
        subject=(
            signin.Subject(staff.id, staff.password_hash, staff.active)
            if staff is not None
            else None
        ),
        password=password,
        client_address=client_address,
        secret=secret,
    )
    return staff, tokens


async def refresh(session: AsyncSession, refresh_token: str, secret: str) -> IssuedTokens:
    async def active(staff_id: int) -> bool:
        staff = await session.get(StaffUser, staff_id)
        return staff is not None and staff.active

    return await families.rotate(
        session, refresh_token, SubjectKind.STAFF, secret, still_allowed=active
    )
