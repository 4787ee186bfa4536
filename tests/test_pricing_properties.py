"""Properties of the pricing engine over random catalogues, promotions, tiers and vouchers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.pricing.breakdown import Source
from domain.pricing.calculator import CartLine, price_cart, unit_price
from domain.pricing.model import (
    Context,
    Discount,
    Item,
    Label,
    Promotion,
    Rules,
    Targets,
    Tier,
    Voucher,
    VoucherKind,
)
from domain.pricing.rounding import allocate
from tests.pricing_data import NOW

D = Decimal
RATES = [D("0.10"), D("0.08"), D("0.05"), D(0)]
CATEGORIES = st.frozensets(st.integers(1, 6), max_size=3)
IDS = st.frozensets(st.integers(1, 8), max_size=3)

items = st.builds(
    Item,
    variant_id=st.integers(1, 8),
    product_id=st.integers(1, 8),
    list_price=st.integers(0, 5_000_000).map(D),
    tax_rate=st.sampled_from(RATES),
    category_ids=CATEGORIES,
)

discounts = st.one_of(
    st.builds(
        Discount, percent=st.decimals(0, 100, places=2, allow_nan=False, allow_infinity=False)
    ),
    st.builds(Discount, amount=st.integers(0, 2_000_000).map(D)),
)

targets = st.builds(
    Targets,
    all=st.booleans(),
    category_ids=CATEGORIES,
    product_ids=IDS,
    variant_ids=IDS,
    exclude_product_ids=st.frozensets(st.integers(1, 8), max_size=1),
    exclude_variant_ids=st.frozensets(st.integers(1, 8), max_size=1),
)


@st.composite
def promotions(draw: st.DrawFn, pid: int) -> Promotion:
    start = NOW + timedelta(hours=draw(st.integers(-48, 12)))
    length = draw(st.one_of(st.none(), st.integers(1, 72)))
    return Promotion(
        id=pid,
        label=Label(f"KM {pid}", f"Promo {pid}"),
        starts_at=start,
        ends_at=None if length is None else start + timedelta(hours=length),
        discount=draw(discounts),
        targets=draw(targets),
        minimum_rank=draw(st.one_of(st.none(), st.integers(0, 2))),
        combines_with_tier=draw(st.booleans()),
    )


@st.composite
def tier_ladders(draw: st.DrawFn) -> list[Tier]:
    """Three tiers; a higher rank never has a smaller discount."""
    percents = sorted(draw(st.lists(st.integers(0, 30), min_size=3, max_size=3)))
    return [
        Tier(i + 1, f"T{i}", i, D(p), Label(f"Hạng {i}", f"Tier {i}"))
        for i, p in enumerate(percents)
    ]


vouchers = st.builds(
    Voucher,
    id=st.just(1),
    code=st.just("V"),
    kind=st.sampled_from(list(VoucherKind)),
    value=st.integers(0, 100).map(D),
    label=st.just(Label("Mã V", "Voucher V")),
    minimum_subtotal=st.integers(0, 3_000_000).map(D),
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Context, list[CartLine], Voucher | None, int, Decimal]:
    ladder = draw(tier_ladders())
    tier = draw(st.one_of(st.none(), st.sampled_from(ladder)))
    promos = tuple(draw(promotions(i)) for i in range(draw(st.integers(0, 4))))
    unit = draw(st.sampled_from([D(1), D(100), D(1000)]))
    ctx = Context(at=NOW, tier=tier, promotions=promos, rules=Rules(rounding_unit=unit))
    lines = [
        CartLine(str(i), draw(items), draw(st.integers(1, 99)))
        for i in range(draw(st.integers(1, 6)))
    ]
    voucher = draw(st.one_of(st.none(), vouchers))
    if voucher is not None and voucher.kind is VoucherKind.FIXED:
        voucher = Voucher(**{**_fields(voucher), "value": voucher.value * 10_000})
    return ctx, lines, voucher, draw(st.integers(0, 5_000)), D(draw(st.integers(0, 60_000)))


def _fields(voucher: Voucher) -> dict[str, object]:
    return {name: getattr(voucher, name) for name in Voucher.__dataclass_fields__}


def _vat_ok(total: Decimal, rate: Decimal, vat: Decimal) -> bool:
    exact = total * rate / (1 + rate)
    return abs(vat - exact) <= D("0.5") and vat >= 0


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_the_totals_add_up_and_nothing_is_negative(
    scenario: tuple[Context, list[CartLine], Voucher | None, int, Decimal],
) -> None:
    ctx, lines, voucher, points, fee = scenario
    cart = price_cart(lines, ctx, voucher=voucher, points=points, delivery_fee=fee)

    assert cart.total == cart.subtotal - cart.discounts + cart.delivery
    assert cart.total == sum((line.total for line in cart.lines), D(0)) + cart.delivery
    assert sum(a.per_line for a in cart.adjustments) == cart.total - cart.subtotal
    for amount in (cart.total, cart.subtotal, cart.discounts, cart.delivery, cart.vat_amount):
        assert amount >= 0
    for line in cart.lines:
        assert 0 <= line.unit.price <= line.unit.list_price
        assert 0 <= line.total <= line.subtotal
        assert line.total == line.subtotal + sum(a.per_line for a in line.adjustments)
        assert all(a.per_line < 0 for a in line.adjustments)
        assert _vat_ok(line.total, line.unit.vat_rate, line.vat_amount)
        assert line.total == line.total.to_integral_value()  # whole đồng

    # The voucher's and the points' shares add up exactly to the order-level discounts.
    order_level = -sum(
        (
            a.per_line
            for a in cart.adjustments
            if a.source is Source.POINTS or (a.source is Source.VOUCHER and a.ref_id is not None)
        ),
        D(0),
    )
    waived = fee - cart.delivery
    assert sum((line.order_discounts for line in cart.lines), D(0)) == order_level - waived
    # The order's VAT is the sum of its lines' VAT and the delivery fee's.
    delivery_vat = cart.vat_amount - sum((line.vat_amount for line in cart.lines), D(0))
    assert _vat_ok(cart.delivery, ctx.rules.delivery_tax_rate, delivery_vat)
    # Points: never more than asked, never past half the order after the voucher.
    assert 0 <= cart.points_applied <= points
    goods = sum((line.unit.price * line.quantity for line in cart.lines), D(0))
    assert cart.points_applied * ctx.rules.point_value <= goods * ctx.rules.points_cap
    if ctx.tier is None:
        assert cart.points_applied == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(items, min_size=1, max_size=5), scenarios(), promotions(99))
def test_adding_a_promotion_never_raises_any_price(
    catalogue: list[Item],
    scenario: tuple[Context, list[CartLine], Voucher | None, int, Decimal],
    extra: Promotion,
) -> None:
    ctx = scenario[0]
    more = Context(at=ctx.at, tier=ctx.tier, promotions=(*ctx.promotions, extra), rules=ctx.rules)
    for item in catalogue:
        assert unit_price(item, more).price <= unit_price(item, ctx).price


@settings(max_examples=300, deadline=None)
@given(st.lists(items, min_size=1, max_size=5), scenarios(), tier_ladders())
def test_a_higher_tier_never_pays_more(
    catalogue: list[Item],
    scenario: tuple[Context, list[CartLine], Voucher | None, int, Decimal],
    ladder: list[Tier],
) -> None:
    base = scenario[0]
    for item in catalogue:
        prices = [
            unit_price(
                item, Context(at=base.at, tier=tier, promotions=base.promotions, rules=base.rules)
            ).price
            for tier in [None, *ladder]
        ]
        assert prices == sorted(prices, reverse=True), prices


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.integers(0, 10_000_000), min_size=1, max_size=20),
    st.floats(0, 1),
    st.sampled_from([D(1), D("0.01")]),
)
def test_allocations_add_up_exactly_and_stay_within_each_part(
    weights: list[int], fraction: float, minor: Decimal
) -> None:
    amounts = [D(w) * minor for w in weights]
    whole = sum(amounts, D(0))
    total = (whole * D(str(fraction)) / minor).to_integral_value() * minor
    total = min(total, whole)
    parts = allocate(total, amounts, minor)
    assert sum(parts, D(0)) == total
    assert all(0 <= p <= a for p, a in zip(parts, amounts, strict=True))
