"""Why a change to the price book was refused."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode


class PriceBookErrorCode(ErrorCode):
    UNKNOWN_VARIANT = "UNKNOWN_VARIANT", "No variant has this ID or SKU."
    DUPLICATE_VARIANT = "DUPLICATE_VARIANT", "The same variant is listed twice in one request."
    INVALID_WINDOW = "INVALID_WINDOW", "`endsAt` must be after `startsAt`."
    INVALID_DISCOUNT = (
        "INVALID_DISCOUNT",
        "Give exactly one of `percent` (above 0, at most 100) and `amount` (above 0).",
    )
    NO_TARGETS = (
        "NO_TARGETS",
        "A promotion needs `all: true` or at least one category, product or variant.",
    )
    UNKNOWN_TARGET = (
        "UNKNOWN_TARGET",
        "A category, product or variant in the targets does not exist.",
    )
    UNKNOWN_TIER = "UNKNOWN_TIER", "No membership tier has this code."
    PROMOTION_ENDED = "PROMOTION_ENDED", "The promotion has ended; it can no longer change."
    CODE_TAKEN = "CODE_TAKEN", "Another voucher has this code (codes ignore case)."
    INVALID_CODE = "INVALID_CODE", "A voucher code is 3–40 letters, digits, - or _."
    INVALID_VALUE = "INVALID_VALUE", "A voucher value or amount is not valid; `message` says why."
    INVALID_LIMIT = "INVALID_LIMIT", "A usage limit must be at least 1."
    TOO_MANY = "TOO_MANY", "The request asks for more items than allowed at once."


def price_book_error(
    code: PriceBookErrorCode, message: str, field: str | None = None
) -> DomainError:
    return DomainError(code, message, field)
