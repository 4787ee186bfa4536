"""The pricing engine: a variant's unit price, and a cart's lines and totals.

Several promotions may match one variant: they never stack. The engine prices the variant
under each of them (and under none) with the tier discount on top where the promotion
allows it, and the buyer gets the lowest result; on a tie, the promotion with the larger
discount, then the older one (lower id), so the choice is stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.pricing.breakdown import Adjustment, CartPrice, LinePrice, Source, UnitPrice
from domain.pricing.model import Context, Discount, Item, Label, Promotion, Voucher
from domain.pricing.rounding import allocate, clamp, round_half_up
from domain.pricing.tax import vat_part
from domain.pricing.vouchers import VoucherKind, voucher_problem

DELIVERY_LABEL = Label(vi="Phí giao hàng", en="Delivery fee")
ZERO = Decimal(0)


def _discounted(price: Decimal, discount: Discount, ctx: Context) -> Decimal:
    """`price` after `discount`, rounded per unit and kept within 0..price (rounding.py)."""
    if discount.percent is not None:
        target = price * (100 - discount.percent) / 100
    else:
        target = price - (discount.amount or ZERO)
    return clamp(round_half_up(target, ctx.rules.rounding_unit), ZERO, price)


@dataclass(frozen=True, slots=True)
class _Option:
    price: Decimal
    promotion: Promotion | None
    after_promotion: Decimal
    tier_applies: bool


def _option(item: Item, promotion: Promotion | None, ctx: Context) -> _Option:
    after = (
        item.list_price
        if promotion is None
        else _discounted(item.list_price, promotion.discount, ctx)
    )
    tier = ctx.tier
    tier_applies = (
        tier is not None
        and tier.discount_percent > 0
        and (promotion is None or promotion.combines_with_tier)
    )
    final = after
    if tier_applies and tier is not None:
        final = _discounted(after, Discount(percent=tier.discount_percent), ctx)
    return _Option(final, promotion, after, tier_applies)


def eligible_promotions(item: Item, ctx: Context) -> list[Promotion]:
    return [p for p in ctx.live if p.targets.matches(item)]


def unit_price(item: Item, ctx: Context) -> UnitPrice:
    options = [_option(item, None, ctx)]
    options += [_option(item, p, ctx) for p in eligible_promotions(item, ctx)]
    best = min(
        options,
        key=lambda o: (
            o.price,
            o.promotion is None,
            o.after_promotion,
            o.promotion.id if o.promotion else 0,
        ),
    )
    adjustments: list[Adjustment] = []
    if best.promotion is not None and best.after_promotion < item.list_price:
        off = best.after_promotion - item.list_price
        adjustments.append(
            Adjustment(Source.PROMOTION, best.promotion.id, None, best.promotion.label, off, off)
        )
    if best.tier_applies and ctx.tier is not None and best.price < best.after_promotion:
        off = best.price - best.after_promotion
        adjustments.append(
            Adjustment(Source.TIER, ctx.tier.id, ctx.tier.code, ctx.tier.label, off, off)
        )
    return UnitPrice(
        item=item,
        list_price=item.list_price,
        price=best.price,
        adjustments=tuple(adjustments),
        vat_amount=vat_part(best.price, item.tax_rate, ctx.rules.minor_unit),
    )


@dataclass(frozen=True, slots=True)
class CartLine:
    key: str
    item: Item
    quantity: int


def _voucher_discount(voucher: Voucher, goods: Decimal, ctx: Context) -> Decimal:
    if voucher.kind is VoucherKind.PERCENT:
        off = round_half_up(goods * voucher.value / 100, ctx.rules.rounding_unit)
    elif voucher.kind is VoucherKind.FIXED:
        off = voucher.value
    else:
        return ZERO
    return clamp(off, ZERO, goods)


def max_points(after_discounts: Decimal, ctx: Context) -> int:
    """The most points an order of this amount (after discounts) may redeem."""
    if ctx.tier is None or ctx.rules.point_value <= 0:
        return 0
    cap = after_discounts * ctx.rules.points_cap
    return int(cap // ctx.rules.point_value)


def points_label(points: int) -> Label:
    return Label(vi=f"Đổi {points} điểm", en=f"{points} points redeemed")


def price_cart(
    lines: Sequence[CartLine],
    ctx: Context,
    *,
    voucher: Voucher | None = None,
    points: int = 0,
    delivery_fee: Decimal = ZERO,
) -> CartPrice:
    """Lines → order-level voucher → points → delivery fee → total.

    A voucher the order does not qualify for (see `vouchers.voucher_problem`) is left out
    (`voucher_applied` is False) rather than failing the cart; points above what the
    order allows are capped (`points_applied` says how many count). Points need a member:
    a buyer without a tier redeems none."""
    minor = ctx.rules.minor_unit
    units = [unit_price(line.item, ctx) for line in lines]
    amounts = [u.price * line.quantity for u, line in zip(units, lines, strict=True)]
    goods = sum(amounts, ZERO)

    applied = voucher is not None and voucher_problem(voucher, goods, ctx.tier, ctx.at) is None
    voucher_off = _voucher_discount(voucher, goods, ctx) if applied and voucher else ZERO
    voucher_shares = allocate(voucher_off, amounts, minor)

    after_voucher = goods - voucher_off
    points_used = max(0, min(points, max_points(after_voucher, ctx)))
    points_off = Decimal(points_used) * ctx.rules.point_value
    remaining = [a - v for a, v in zip(amounts, voucher_shares, strict=True)]
    points_shares = allocate(points_off, remaining, minor)

    priced: list[LinePrice] = []
    for line, unit, amount, v_share, p_share in zip(
        lines, units, amounts, voucher_shares, points_shares, strict=True
    ):
        adjustments = [
            Adjustment(a.source, a.ref_id, a.code, a.label, a.per_unit, a.per_line * line.quantity)
            for a in unit.adjustments
        ]
        if v_share and voucher is not None:
            adjustments.append(
                Adjustment(Source.VOUCHER, voucher.id, voucher.code, voucher.label, None, -v_share)
            )
        if p_share:
            adjustments.append(
                Adjustment(Source.POINTS, None, None, points_label(points_used), None, -p_share)
            )
        subtotal = unit.list_price * line.quantity
        total = amount - v_share - p_share
        priced.append(
            LinePrice(
                key=line.key,
                quantity=line.quantity,
                unit=unit,
                subtotal=subtotal,
                adjustments=tuple(adjustments),
                discounts=subtotal - total,
                total=total,
                vat_amount=vat_part(total, unit.vat_rate, minor),
            )
        )

    breakdown = _summed([a for line in priced for a in line.adjustments])
    threshold = ctx.rules.free_delivery_from
    if threshold is not None and goods >= threshold:
        delivery_fee = ZERO
    delivery = delivery_fee
    if delivery_fee > 0:
        breakdown.append(
            Adjustment(Source.DELIVERY, None, None, DELIVERY_LABEL, None, delivery_fee)
        )
        if applied and voucher is not None and voucher.kind is VoucherKind.FREE_DELIVERY:
            breakdown.append(
                Adjustment(
                    Source.VOUCHER, voucher.id, voucher.code, voucher.label, None, -delivery_fee
                )
            )
            delivery = ZERO
    subtotal = sum((line.subtotal for line in priced), ZERO)
    discounts = sum((line.discounts for line in priced), ZERO)
    vat = sum((line.vat_amount for line in priced), ZERO)
    vat += vat_part(delivery, ctx.rules.delivery_tax_rate, minor)
    return CartPrice(
        lines=tuple(priced),
        subtotal=subtotal,
        discounts=discounts,
        delivery=delivery,
        vat_amount=vat,
        total=subtotal - discounts + delivery,
        adjustments=tuple(breakdown),
        points_applied=points_used,
        voucher_applied=applied,
    )


def _summed(adjustments: Sequence[Adjustment]) -> list[Adjustment]:
    """The lines' adjustments added up per source and origin, in first-seen order."""
    totals: dict[tuple[Source, int | None, str | None], Adjustment] = {}
    for a in adjustments:
        key = (a.source, a.ref_id, a.code)
        seen = totals.get(key)
        totals[key] = (
            Adjustment(a.source, a.ref_id, a.code, a.label, None, a.per_line)
            if seen is None
            else Adjustment(a.source, a.ref_id, a.code, a.label, None, seen.per_line + a.per_line)
        )
    return list(totals.values())
