"""Password policy and argon2 hashing."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.auth.errors import AuthError, AuthErrorCode

MIN_LENGTH = 8
MAX_LENGTH = 128
POLICY = f"{MIN_LENGTH} to {MAX_LENGTH} characters with at least one letter and one digit"

_hasher = PasswordHasher()
# Verifying against this when an account does not exist keeps the response time the same,
# so timing does not reveal which emails and phones have accounts.
_DUMMY_HASH = _hasher.hash("dummy-password-1")


def check_policy(password: str, field: str = "password") -> None:
    ok = (
        MIN_LENGTH <= len(password) <= MAX_LENGTH
        and any(c.isalpha() for c in password)
        and any(c.isdigit() for c in password)
    )
    if not ok:
        raise AuthError(AuthErrorCode.WEAK_PASSWORD, f"The password must have {POLICY}.", field)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


# argon2 is deliberately slow (tens of ms); run it in a thread so that a burst of sign-ins
# does not stall every other request on the worker's event loop.
async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)
