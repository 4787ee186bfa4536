"""Money taken at a store (the counter, or a pickup paid there): enough of it, recorded
on the order's payment row with the tender, and the change on the order's event."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.errors import InvalidInput
from domain.orders.errors import OrderErrorCode, order_error
from domain.orders.models import Payment, PaymentStatus, Tender

# Far above any till, and within NUMERIC(14, 2).
MAX_AMOUNT = Decimal(999_999_999_999)


@dataclass(frozen=True, slots=True)
class Received:
    method: Tender
    amount: Decimal


def check(total: Decimal, received: Received | None, field: str) -> Received:
    """PAYMENT_REQUIRED without money, PAYMENT_SHORT when it is less than the total."""
    if received is None:
        raise order_error(OrderErrorCode.PAYMENT_REQUIRED, f"Take {total} đồng first.", field)
    if not received.amount.is_finite() or received.amount > MAX_AMOUNT:
        raise InvalidInput(f"An amount is at most {MAX_AMOUNT} đồng.", f"{field}.amount")
    if received.amount < total:
        raise order_error(
            OrderErrorCode.PAYMENT_SHORT,
            f"The total is {total} đồng; {received.amount} is short.",
            f"{field}.amount",
        )
    return received


def settle(payment: Payment, total: Decimal, received: Received) -> dict[str, str]:
    """Mark the payment paid with its tender; what the event records of it."""
    payment.status = PaymentStatus.PAID
    payment.method = received.method.value
    return {
        "method": received.method.value,
        "received": str(received.amount),
        "change": str(received.amount - total),
    }
