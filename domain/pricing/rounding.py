"""How amounts are rounded. VND has no minor unit, so every amount is whole đồng.

The rules, in the order the engine applies them:

1. A discounted unit price (after a promotion, after the tier discount) is rounded half up
   to the rounding unit: 1 đồng by default, 100 or 1,000 when a deployment sets
   `OMNI_PRICE_ROUNDING_UNIT`. Rounding happens per unit and per step, never on a line:
   a line is unit price × quantity, exact, so a receipt's lines can be checked by hand.
   An undiscounted list price is never rounded.
2. A rounded price stays between 0 and the price before the step: a discount can round to
   nothing but never to a surcharge, and a fixed discount larger than the price makes the
   price 0, never negative (the discount is capped at what it discounts).
3. A percent voucher's discount on the order is rounded half up to the rounding unit and
   capped at the goods total; a fixed voucher is capped at the goods total.
4. An order-level discount (voucher, points) is allocated to the lines in proportion to
   their amounts, in whole minor units, by the largest-remainder method: the shares add up
   exactly to the whole, and no line gets more than its own amount.
5. VAT is computed per line from the line's final VAT-inclusive amount, half up to the minor
   unit; the order's VAT is the sum of its lines' VAT (and the delivery fee's).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal


def round_half_up(amount: Decimal, unit: Decimal) -> Decimal:
    """`amount` to the nearest multiple of `unit`, halves away from zero (for amounts ≥ 0)."""
    return (amount / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit


def clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(value, high))


def allocate(total: Decimal, weights: Sequence[Decimal], minor: Decimal) -> list[Decimal]:
    """Split `total` over `weights` in proportion, in multiples of `minor`, so that the parts
    add up exactly to `total` (largest remainder; ties go to the earlier weight).

    `total` must not exceed the sum of the weights; then no part exceeds its weight either,
    since a part is its exact share rounded down, plus at most one minor unit where the
    exact share had a remainder."""
    whole = sum(weights, Decimal(0))
    if total == 0 or whole == 0:
        return [Decimal(0) * minor for _ in weights]
    if total > whole:
        raise ValueError("cannot allocate more than the weights hold")
    exact = [total * w / whole for w in weights]
    parts = [(e / minor).quantize(Decimal(1), rounding=ROUND_FLOOR) * minor for e in exact]
    left = int(((total - sum(parts, Decimal(0))) / minor).to_integral_value())
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += minor
    return parts
