"""Error codes of customer accounts and address books."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode


class CustomerErrorCode(ErrorCode):
    EMAIL_OR_PHONE_REQUIRED = (
        "EMAIL_OR_PHONE_REQUIRED",
        "A customer needs an email or a phone number.",
    )
    EMAIL_TAKEN = "EMAIL_TAKEN", "Another account has this email."
    PHONE_TAKEN = "PHONE_TAKEN", "Another account has this phone."


class CustomerError(DomainError):
    def __init__(self, code: CustomerErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(code, message, field)
