"""Error codes of sign-in, tokens and passwords."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode


class AuthErrorCode(ErrorCode):
    WEAK_PASSWORD = "WEAK_PASSWORD", "The password does not meet the policy."
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS", "The sign-in details are wrong."
    LOGIN_THROTTLED = "LOGIN_THROTTLED", "Too many failed sign-ins; wait 15 minutes."
    INVALID_REFRESH_TOKEN = (
        "INVALID_REFRESH_TOKEN",
        "The refresh token is unknown, spent, revoked or expired: sign in again.",
    )


class AuthError(DomainError):
    def __init__(
        self,
        code: AuthErrorCode,
        message: str,
        field: str | None = None,
        *,
        keep_changes: bool = False,
    ) -> None:
        super().__init__(code, message, field, keep_changes=keep_changes)
