"""Errors the domain raises for expected failures; the API maps them to client errors."""

from __future__ import annotations

import enum


class DomainError(Exception):
    """An expected failure with a machine-readable code and an optional input field.

    The unit of work rolls back on a DomainError, unless `keep_changes` says that what the
    service wrote before failing must be committed (a failed sign-in is counted; a reused
    refresh token revokes its family).
    """

    def __init__(
        self, code: enum.Enum, message: str, field: str | None = None, *, keep_changes: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.keep_changes = keep_changes


class InputErrorCode(enum.StrEnum):
    INVALID = "INVALID"
    INVALID_CURSOR = "INVALID_CURSOR"
    PAGE_SIZE = "PAGE_SIZE"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"


class InvalidInput(DomainError):
    def __init__(
        self, message: str, field: str | None = None, code: InputErrorCode = InputErrorCode.INVALID
    ) -> None:
        super().__init__(code, message, field)


class AccessErrorCode(enum.StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"


class AccessDenied(DomainError):
    def __init__(self, code: AccessErrorCode, message: str) -> None:
        super().__init__(code, message)
