"""Sign-ins as refresh token families: issue, rotate, revoke, and check.

A sign-in is a family of refresh tokens. Each refresh spends the presented token and issues
the next one of the same family; presenting an already-spent token means it was copied,
and the whole family is revoked. Access tokens name their family, so revoking it ends them.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.auth import secrets, tokens
from domain.auth.errors import AuthError, AuthErrorCode
from domain.auth.models import RefreshToken, SubjectKind
from domain.errors import unauthenticated


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    subject_id: int
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


async def issue(
    session: AsyncSession,
    kind: SubjectKind,
    subject_id: int,
    secret: str,
    family_id: uuid.UUID | None = None,
) -> IssuedTokens:
    """A new access and refresh token pair: a new sign-in, or the next of `family_id`."""
    family = family_id or uuid.uuid4()
    refresh = secrets.new_token("omr_")
    refresh_expires = _now() + tokens.REFRESH_TTL
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


async def rotate(
    session: AsyncSession,
    refresh_token: str,
    kind: SubjectKind,
    secret: str,
    *,
    still_allowed: Callable[[int], Awaitable[bool]] | None = None,
) -> IssuedTokens:
    """Spend `refresh_token` for the next pair of its family.

    `still_allowed(subject_id)` lets the subject's capability refuse a subject that may no
    longer sign in (a disabled staff account); its family is then revoked.
    """
    invalid = AuthError(
        AuthErrorCode.INVALID_REFRESH_TOKEN,
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
        await revoke(session, row.family_id)
        raise AuthError(
            AuthErrorCode.INVALID_REFRESH_TOKEN,
            "This refresh token was already used; every session of this sign-in is revoked.",
            "refreshToken",
            keep_changes=True,
        )
    if row.revoked_at is not None or row.expires_at <= _now():
        raise invalid
    if still_allowed is not None and not await still_allowed(row.subject_id):
        await revoke(session, row.family_id)
        raise AuthError(
            AuthErrorCode.INVALID_REFRESH_TOKEN,
            "This account is disabled.",
            "refreshToken",
            keep_changes=True,
        )
    row.rotated_at = _now()
    return await issue(session, kind, row.subject_id, secret, family_id=row.family_id)


async def revoke(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=_now())
    )


async def sign_out(
    session: AsyncSession,
    actor: Actor,
    refresh_token: str | None,
    kind: SubjectKind = SubjectKind.CUSTOMER,
) -> None:
    """Revoke a sign-in: the family of `refresh_token`, and the caller's own.

    Idempotent: an unknown or already revoked token changes nothing. A caller with neither
    a refresh token nor a signed-in token is not signed in.
    """
    if refresh_token is None and actor.sign_in is None:
        raise unauthenticated()
    if refresh_token:
        row = await session.scalar(
            select(RefreshToken).where(
                RefreshToken.token_hash == secrets.digest(refresh_token),
                RefreshToken.subject_kind == kind,
            )
        )
        if row is not None:
            await revoke(session, row.family_id)
    if actor.sign_in is not None:
        await revoke(session, actor.sign_in)


async def is_active(
    session: AsyncSession, family_id: uuid.UUID, kind: SubjectKind, subject_id: int
) -> bool:
    """A sign-in is live while its family has tokens of this subject and none is revoked.

    Requiring a stored family means a token signed with a leaked secret but never issued
    here is refused too.
    """
    issued, revoked = (
        await session.execute(
            select(func.count(), func.count(RefreshToken.revoked_at)).where(
                RefreshToken.family_id == family_id,
                RefreshToken.subject_kind == kind,
                RefreshToken.subject_id == subject_id,
            )
        )
    ).one()
    return bool(issued) and not revoked
