"""Why a cart change was refused."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode


class CartErrorCode(ErrorCode):
    INVALID_VARIANT = (
        "INVALID_VARIANT",
        "No such variant on sale (unknown, unpublished or archived).",
    )
    INVALID_QUANTITY = "INVALID_QUANTITY", "A quantity is 1 to the per-line maximum (99)."
    TOO_MANY_LINES = "TOO_MANY_LINES", "A cart holds at most 100 distinct variants."
    INSUFFICIENT_STOCK = (
        "INSUFFICIENT_STOCK",
        "No single store or warehouse can supply this quantity; `message` says how many can.",
    )
    LINE_NOT_FOUND = "LINE_NOT_FOUND", "No such line in this cart."
    PICKUP_UNAVAILABLE = "PICKUP_UNAVAILABLE", "The store is closed or does not take pickups."
    INVALID_ADDRESS = "INVALID_ADDRESS", "The delivery address is not valid; `message` says why."
    MEMBER_REQUIRED = "MEMBER_REQUIRED", "Only a signed-in or identified member redeems points."
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS", "The points balance is too low."
    POINTS_ABOVE_LIMIT = (
        "POINTS_ABOVE_LIMIT",
        "Points may pay at most part of the order (50 % after discounts by default).",
    )
    INVALID_POINTS = "INVALID_POINTS", "Points are a whole number, 0 or more."
    CART_CLOSED = "CART_CLOSED", "The cart was ordered or merged into another; use that one."
    UNKNOWN_CARD = "UNKNOWN_CARD", "No membership has this card number."
    COUNTER_ONLY = (
        "COUNTER_ONLY",
        "Only the store's counter (a POS device, on its own cart) does this: scan a card, "
        "sell in store.",
    )


def cart_error(code: CartErrorCode, message: str, field: str | None = None) -> DomainError:
    return DomainError(code, message, field)
