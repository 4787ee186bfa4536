"""Password sign-in with throttling, for any kind of subject (customers, staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth import families, passwords, throttle
from domain.auth.errors import AuthError, AuthErrorCode
from domain.auth.models import SubjectKind

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = throttle.Throttle(limit=5, window=WINDOW)
PER_ADDRESS = throttle.Throttle(limit=20, window=WINDOW)


@dataclass(frozen=True, slots=True)
class Subject:
    """Who an identifier names, as the subject's capability found it."""

    id: int
    password_hash: str | None
    may_sign_in: bool = True


async def sign_in(
    session: AsyncSession,
    *,
    kind: SubjectKind,
    identifier: str,
    subject: Subject | None,
    password: str,
    client_address: str | None,
    secret: str,
) -> families.IssuedTokens:
    """Check `password` for `subject` (found by `identifier`) and start a sign-in."""
    # Failures count per identifier whether or not an account has it, so throttling looks
    # the same for unknown identifiers and does not reveal who has an account.
    prefix = kind.value.lower()
    ident_key = f"{prefix}-id:{identifier.lower()}"[:200]
    account_key = f"{prefix}:{subject.id}" if subject is not None else None
    address_key = f"ip:{client_address}" if client_address else None
    # The lock is released when the failure is committed.
    await throttle.lock(session, ident_key)
    for key, limit in (
        (ident_key, PER_ACCOUNT),
        (account_key, PER_ACCOUNT),
        (address_key, PER_ADDRESS),
    ):
        if key is not None and await limit.exceeded(session, key):
            raise AuthError(
                AuthErrorCode.LOGIN_THROTTLED, "Too many failed sign-ins. Try again in 15 minutes."
            )
    hashed = subject.password_hash if subject is not None and subject.may_sign_in else None
    if not await passwords.verify_password_async(hashed, password[: passwords.MAX_LENGTH + 1]):
        throttle.record(session, (ident_key, account_key, address_key))
        await session.flush()
        # The failure is counted even though the sign-in fails.
        raise AuthError(
            AuthErrorCode.INVALID_CREDENTIALS,
            "The sign-in details are not correct.",
            keep_changes=True,
        )
    assert subject is not None
    await throttle.forget(session, (ident_key, account_key))
    return await families.issue(session, kind, subject.id, secret)
