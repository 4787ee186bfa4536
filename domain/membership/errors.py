"""Error codes of the membership capability."""

from __future__ import annotations

import enum

from domain.errors import DomainError


class MembershipErrorCode(enum.StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    REASON_REQUIRED = "REASON_REQUIRED"
    CLAIM_INVALID = "CLAIM_INVALID"
    CLAIM_EXPIRED = "CLAIM_EXPIRED"
    CLAIM_TOO_MANY_ATTEMPTS = "CLAIM_TOO_MANY_ATTEMPTS"
    ALREADY_CLAIMED = "ALREADY_CLAIMED"


class MembershipError(DomainError):
    def __init__(
        self,
        code: MembershipErrorCode,
        message: str,
        field: str | None = None,
        *,
        keep_changes: bool = False,
    ) -> None:
        super().__init__(code, message, field, keep_changes=keep_changes)
