"""Errors the domain raises for expected failures; the API maps them to client errors.

Every capability has its own code enum (`CustomerErrorCode`, `MembershipErrorCode`, …) built
on `ErrorCode`, whose members carry the description the API documents them with. Codes any
capability can raise (bad input, not found, not allowed) are in `CommonErrorCode`.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    """A machine-readable code and what it means, for the API's enum descriptions."""

    description: str

    def __new__(cls, value: str, description: str = "") -> ErrorCode:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member


class CommonErrorCode(ErrorCode):
    INVALID_INPUT = "INVALID_INPUT", "An input field is not valid; `message` says why."
    NOT_FOUND = "NOT_FOUND", "Nothing with this ID or key (or nothing the caller may see)."
    UNAUTHENTICATED = "UNAUTHENTICATED", "Sign in (or use a device key) first."
    FORBIDDEN = "FORBIDDEN", "The caller is signed in but may not do this."
    INVALID_PHONE = "INVALID_PHONE", "Not a valid phone number."
    INVALID_EMAIL = "INVALID_EMAIL", "Not a valid email address."
    TOO_LONG = "TOO_LONG", "A list or text is longer than allowed."


class DomainError(Exception):
    """An expected failure with a machine-readable code and an optional input field.

    The unit of work rolls back on a DomainError, unless `keep_changes` says that what the
    use case wrote before failing must be committed (a failed sign-in is counted; a reused
    refresh token revokes its family).
    """

    def __init__(
        self, code: ErrorCode, message: str, field: str | None = None, *, keep_changes: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.keep_changes = keep_changes


class InvalidInput(DomainError):
    def __init__(
        self,
        message: str,
        field: str | None = None,
        code: ErrorCode = CommonErrorCode.INVALID_INPUT,
    ) -> None:
        super().__init__(code, message, field)


class NotFound(DomainError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(CommonErrorCode.NOT_FOUND, message, field)


class AccessDenied(DomainError):
    def __init__(self, code: CommonErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(code, message, field)


def unauthenticated(message: str = "Sign in first.") -> AccessDenied:
    return AccessDenied(CommonErrorCode.UNAUTHENTICATED, message)


def forbidden(
    message: str = "You are not allowed to do this.", field: str | None = None
) -> AccessDenied:
    return AccessDenied(CommonErrorCode.FORBIDDEN, message, field)
