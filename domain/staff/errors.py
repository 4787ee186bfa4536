"""Error codes of staff users, devices and in-store customer sessions."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode


class StaffErrorCode(ErrorCode):
    EMAIL_TAKEN = "EMAIL_TAKEN", "A staff user has this email."
    DEVICE_CHANNEL = "DEVICE_CHANNEL", "A device is a KIOSK or a POS."
    STORE_NOT_FOUND = "STORE_NOT_FOUND", "No such store, or it is closed for good."


class StaffError(DomainError):
    def __init__(self, code: StaffErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(code, message, field)
