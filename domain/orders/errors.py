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


class OrderErrorCode(ErrorCode):
    WRONG_PICKUP_CODE = (
        "WRONG_PICKUP_CODE",
        "The pickup code does not match; `message` says how many tries are left.",
    )
    PICKUP_LOCKED = (
        "PICKUP_LOCKED",
        "Too many wrong pickup codes: store staff must check the customer's identity and "
        "unlock the order (`orderPickupUnlock`).",
    )
    NOT_LOCKED = "NOT_LOCKED", "The order's pickup code entry is not locked."
    PAYMENT_REQUIRED = (
        "PAYMENT_REQUIRED",
        "This order is paid at the store: give `paymentReceived` with the method and amount.",
    )
    PAYMENT_SHORT = "PAYMENT_SHORT", "The amount received is less than the order's total."
    ALREADY_PAID = "ALREADY_PAID", "This order is already paid; do not take money again."


def order_error(
    code: ErrorCode, message: str, field: str | None = None, *, keep_changes: bool = False
) -> DomainError:
    return DomainError(code, message, field, keep_changes=keep_changes)


class ReturnErrorCode(ErrorCode):
    NOT_RETURNABLE = (
        "NOT_RETURNABLE",
        "Only a collected, delivered or completed order can be returned; `message` names "
        "its state.",
    )
    RETURN_WINDOW_CLOSED = (
        "RETURN_WINDOW_CLOSED",
        "The return window (OMNI_RETURN_DAYS after collection, delivery or sale) is over.",
    )
    RETURN_EXCEEDS_PURCHASE = (
        "RETURN_EXCEEDS_PURCHASE",
        "More units than were bought on the line, less what was already returned.",
    )
