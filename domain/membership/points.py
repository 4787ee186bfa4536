"""Pure rules of the points ledger: earning and expiry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

# One point per 10,000 đồng of qualifying spend, times the tier's multiplier.
SPEND_PER_POINT = Decimal(10_000)


def points_for_spend(
    amount: Decimal, multiplier: Decimal, per_point: Decimal = SPEND_PER_POINT
) -> int:
    """Whole points for `amount` paid: one per `per_point` đồng, times the multiplier,
    rounded down."""
    if amount <= 0:
        return 0
    return int((amount / per_point * multiplier).to_integral_value(rounding=ROUND_FLOOR))


def points_to_expire(entries: Iterable[tuple[int, datetime]], cutoff: datetime) -> int:
    """How many points are older than `cutoff` and still unspent.

    Spending uses the oldest points first (FIFO), so the unspent part of credits made before
    the cutoff is what those credits added minus every debit so far. Running expiry again
    right after finds 0, because the EXPIRE entry it wrote is itself a debit.
    """
    old_credits = 0
    debits = 0
    for amount, created_at in entries:
        if amount > 0 and created_at < cutoff:
            old_credits += amount
        elif amount < 0:
            debits += -amount
    return max(0, old_credits - debits)
