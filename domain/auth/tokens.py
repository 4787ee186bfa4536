"""Signed access tokens (JWT, HS256) for customers, staff and kiosk customer sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=30)
KIOSK_SESSION_TTL = timedelta(minutes=10)
ISSUER = "omni"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    kind: str  # "customer", "staff" or "kiosk"
    subject_id: int
    family_id: uuid.UUID | None = None  # customer and staff tokens
    session_id: uuid.UUID | None = None  # kiosk sessions
    device_id: int | None = None
    limited: bool = False
    expires_at: datetime | None = None


class InvalidToken(Exception):
    pass


def issue_access_token(
    secret: str,
    *,
    kind: str,
    subject_id: int,
    family_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
    device_id: int | None = None,
    limited: bool = False,
    ttl: timedelta = ACCESS_TTL,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    issued = now or datetime.now(UTC)
    expires = issued + ttl
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": f"{kind}:{subject_id}",
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    if family_id is not None:
        claims["fam"] = str(family_id)
    if session_id is not None:
        claims["sid"] = str(session_id)
        claims["dev"] = device_id
        claims["lim"] = limited
    return jwt.encode(claims, secret, algorithm="HS256"), expires


def decode_access_token(secret: str, token: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
        kind, _, raw_id = str(claims["sub"]).partition(":")
        return AccessClaims(
            kind=kind,
            subject_id=int(raw_id),
            family_id=uuid.UUID(claims["fam"]) if "fam" in claims else None,
            session_id=uuid.UUID(claims["sid"]) if "sid" in claims else None,
            device_id=int(claims["dev"]) if claims.get("dev") is not None else None,
            limited=bool(claims.get("lim", False)),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as error:
        raise InvalidToken(str(error)) from None
