"""Error codes of memberships, claims and the points ledger."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode


class MembershipErrorCode(ErrorCode):
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS", "The points balance is too low."
    INVALID_AMOUNT = "INVALID_AMOUNT", "The amount is not allowed."
    REASON_REQUIRED = "REASON_REQUIRED", "Give a reason."
    CLAIM_INVALID = "CLAIM_INVALID", "The one-time code is wrong."
    CLAIM_EXPIRED = "CLAIM_EXPIRED", "The one-time code expired."
    CLAIM_TOO_MANY_ATTEMPTS = (
        "CLAIM_TOO_MANY_ATTEMPTS",
        "Too many wrong codes, or too many codes asked for; wait, then request a new one.",
    )
    ALREADY_CLAIMED = "ALREADY_CLAIMED", "The account already has a password."
    UNKNOWN_TIER = "UNKNOWN_TIER", "No membership tier has this code."
    INVALID_UNTIL = "INVALID_UNTIL", "The end date must be in the future, with a time zone."


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
