"""Payloads of sign-in, token refresh and sign-out."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.core.mutations import error_type
from api.staff.types import StaffUser
from domain.auth.errors import AuthErrorCode
from domain.auth.families import IssuedTokens

AuthError = error_type(
    "AuthError", "Why a sign-in, token refresh or sign-out failed.", AuthErrorCode
)


@strawberry.type(description="Tokens of a signed-in customer or staff user.")
class AccessToken:
    access_token: str = strawberry.field(
        description="Send as `Authorization: Bearer <accessToken>`. Short-lived."
    )
    access_token_expires_at: datetime = strawberry.field(description="When it stops working.")
    refresh_token: str = strawberry.field(
        description="Trade it once for new tokens (`…TokenRefresh`); keep it secret."
    )
    refresh_token_expires_at: datetime = strawberry.field(description="When it stops working.")

    @classmethod
    def of(cls, issued: IssuedTokens) -> AccessToken:
        return cls(
            access_token=issued.access_token,
            access_token_expires_at=issued.access_expires_at,
            refresh_token=issued.refresh_token,
            refresh_token_expires_at=issued.refresh_expires_at,
        )


@strawberry.type(description="Result of a sign-in or token refresh.")
class AccessTokenPayload:
    token: AccessToken | None = strawberry.field(
        default=None, description="New tokens; null on failure."
    )
    user_errors: list[AuthError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of `staffLogin`.")
class StaffLoginPayload:
    token: AccessToken | None = strawberry.field(
        default=None, description="New tokens; null on failure."
    )
    staff: StaffUser | None = strawberry.field(default=None, description="Who signed in.")
    user_errors: list[AuthError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of a sign-out.")
class LogoutPayload:
    logged_out: bool = strawberry.field(
        default=False, description="True when the session is revoked."
    )
    user_errors: list[AuthError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )
