"""Error codes of the identity capability (customers, staff, devices, sign-in)."""

from __future__ import annotations

import enum

from domain.errors import DomainError


class IdentityErrorCode(enum.StrEnum):
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_EMAIL = "INVALID_EMAIL"
    EMAIL_OR_PHONE_REQUIRED = "EMAIL_OR_PHONE_REQUIRED"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    PHONE_TAKEN = "PHONE_TAKEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    LOGIN_THROTTLED = "LOGIN_THROTTLED"
    INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"
    NOT_FOUND = "NOT_FOUND"
    INVALID_INPUT = "INVALID_INPUT"
    FORBIDDEN = "FORBIDDEN"
    DEVICE_CHANNEL = "DEVICE_CHANNEL"
    STORE_NOT_FOUND = "STORE_NOT_FOUND"


class IdentityError(DomainError):
    def __init__(
        self,
        code: IdentityErrorCode,
        message: str,
        field: str | None = None,
        *,
        keep_changes: bool = False,
    ) -> None:
        super().__init__(code, message, field, keep_changes=keep_changes)
