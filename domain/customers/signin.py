"""Customers signing in with email or phone and a password."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.auth import families, signin
from domain.auth.families import IssuedTokens
from domain.auth.models import SubjectKind
from domain.customers.service import find_customer, identifier_key


async def login(
    session: AsyncSession, actor: Actor, identifier: str, password: str, secret: str
) -> IssuedTokens:
    customer = await find_customer(session, identifier[:254])
    return await signin.sign_in(
        session,
        kind=SubjectKind.CUSTOMER,
        identifier=identifier_key(identifier),
        subject=(
            signin.Subject(customer.id, customer.password_hash) if customer is not None else None
        ),
        password=password,
        client_address=actor.client_address,
        secret=secret,
    )


async def refresh(session: AsyncSession, refresh_token: str, secret: str) -> IssuedTokens:
    return await families.rotate(session, refresh_token, SubjectKind.CUSTOMER, secret)


async def logout(session: AsyncSession, actor: Actor, refresh_token: str | None) -> None:
    await families.sign_out(session, actor, refresh_token, SubjectKind.CUSTOMER)


async def start_session(session: AsyncSession, customer_id: int, secret: str) -> IssuedTokens:
    """Sign in a customer who just proved who they are (registered, claimed)."""
    return await families.issue(session, SubjectKind.CUSTOMER, customer_id, secret)
