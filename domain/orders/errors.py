"""Why a checkout was refused."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode


class CheckoutErrorCode(ErrorCode):
    INVALID_IDEMPOTENCY_KEY = "INVALID_IDEMPOTENCY_KEY", "An idempotency key is 8–255 characters."
    IDEMPOTENCY_KEY_REUSED = (
        "IDEMPOTENCY_KEY_REUSED",
        "This idempotency key was used for another cart; use a new key per checkout.",
    )
    CART_ALREADY_ORDERED = (
        "CART_ALREADY_ORDERED",
        "This cart was already ordered; `message` names the order.",
    )
    EMPTY = "EMPTY", "The cart has no lines."
    NO_FULFILLMENT = "NO_FULFILLMENT", "Choose pickup or delivery first."
    CONTACT_REQUIRED = "CONTACT_REQUIRED", "A guest checkout needs an email or a phone."
    UNAVAILABLE = "UNAVAILABLE", "A line's variant is no longer on sale."
    INVALID_PAYMENT_METHOD = (
        "INVALID_PAYMENT_METHOD",
        "PAY_AT_STORE goes with pickup, CASH_ON_DELIVERY with delivery.",
    )
    INSUFFICIENT_STOCK = (
        "INSUFFICIENT_STOCK",
        "Some lines cannot be supplied from one location; `message` lists them.",
    )


def checkout_error(code: ErrorCode, message: str, field: str | None = None) -> DomainError:
    return DomainError(code, message, field)
