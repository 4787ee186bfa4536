"""The pricing engine on worked examples: each rounding rule, VAT and the breakdown."""

from __future__ import annotations

import inspect
from datetime import timedelta
from decimal import Decimal

import pytest

import domain.pricing.calculator as calculator
from domain.pricing.breakdown import Source
from domain.pricing.calculator import CartLine, price_cart, unit_price
from domain.pricing.model import Targets, VoucherKind
from domain.pricing.rounding import allocate, round_half_up
from domain.pricing.schedule import next_change
from domain.pricing.tax import vat_part
from domain.pricing.vouchers import VoucherErrorCode, voucher_problem
from tests.pricing_data import GOLD, NOW, SILVER, ctx, item, promotion, voucher

D = Decimal


def test_the_list_price_stands_without_promotion_or_tier() -> None:
    price = unit_price(item(199_000, compare_at=249_000), ctx())
    assert price.price == D(199_000)
    assert price.adjustments == ()
    assert price.compare_at_price == D(249_000)  # the merchant's reference price


def test_a_percent_promotion_on_an_odd_amount_rounds_half_up_per_unit() -> None:
    # 10% off 199,995 is 179,995.5: half up to 179,996 at 1 đồng.
    price = unit_price(item(199_995), ctx(promotion(percent=10)))
    assert price.price == D(179_996)
    assert [(a.source, a.per_unit) for a in price.adjustments] == [(Source.PROMOTION, D(-19_999))]
    assert price.compare_at_price == D(199_995)  # the list price is struck through


@pytest.mark.parametrize(
    ("unit", "expected"),
    [(1, 139_650), (100, 139_700), (1000, 140_000)],
)
def test_the_rounding_unit_is_a_deployment_setting(unit: int, expected: int) -> None:
    # 30% off 199,500 = 139,650.
    assert unit_price(item(199_500), ctx(promotion(percent=30), unit=unit)).price == D(expected)


def test_rounding_never_turns_a_discount_into_a_surcharge() -> None:
    # 0.05% off 199,600 = 199,500.2, which rounds up to 200,000 at 1,000 đồng: capped.
    assert unit_price(item(199_600), ctx(promotion(percent="0.05"), unit=1000)).price == D(199_600)


def test_a_fixed_discount_larger_than_the_price_makes_it_zero_not_negative() -> None:
    price = unit_price(item(30_000), ctx(promotion(amount=50_000)))
    assert price.price == D(0)
    assert price.adjustments[0].per_unit == D(-30_000)  # never more than it discounts


def test_the_tier_discount_applies_on_top_of_the_promotion() -> None:
    # 20% off 100,000 = 80,000; SILVER 3% off that = 77,600.
    price = unit_price(item(100_000), ctx(promotion(percent=20), tier=SILVER))
    assert price.price == D(77_600)
    assert [(a.source, a.per_unit) for a in price.adjustments] == [
        (Source.PROMOTION, D(-20_000)),
        (Source.TIER, D(-2_400)),
    ]
    assert price.adjustments[1].label.vi == "Ưu đãi hạng Bạc"


def test_a_promotion_that_excludes_the_tier_is_taken_only_when_better() -> None:
    no_stack = promotion(percent=4, combines=False)
    # GOLD alone (5%) beats 4% without the tier.
    assert unit_price(item(100_000), ctx(no_stack, tier=GOLD)).price == D(95_000)
    assert unit_price(item(100_000), ctx(no_stack, tier=GOLD)).promotion_id is None
    # Anonymous: the 4% promotion.
    assert unit_price(item(100_000), ctx(no_stack)).price == D(96_000)


def test_promotions_never_stack_the_best_one_wins() -> None:
    price = unit_price(
        item(100_000), ctx(promotion(1, percent=10), promotion(2, amount=15_000), promotion(3))
    )
    assert price.price == D(85_000)
    assert price.promotion_id == 2
    assert sum(1 for a in price.adjustments if a.source is Source.PROMOTION) == 1


def test_targets_categories_include_descendants_and_exclusions_win() -> None:
    # The item's ancestry holds its category (7) and the parents (3, 1).
    shoes = item(500_000, variant_id=5, product_id=50, categories=(7, 3, 1))
    on_parent = promotion(percent=10, targets=Targets(category_ids=frozenset({3})))
    assert unit_price(shoes, ctx(on_parent)).price == D(450_000)
    excluded = promotion(
        percent=10,
        targets=Targets(category_ids=frozenset({3}), exclude_product_ids=frozenset({50})),
    )
    assert unit_price(shoes, ctx(excluded)).price == D(500_000)
    other = promotion(percent=10, targets=Targets(category_ids=frozenset({99})))
    assert unit_price(shoes, ctx(other)).price == D(500_000)
    by_variant = promotion(percent=10, targets=Targets(variant_ids=frozenset({5})))
    assert unit_price(shoes, ctx(by_variant)).price == D(450_000)


def test_a_members_week_promotion_needs_the_minimum_tier() -> None:
    members_week = promotion(percent=15, minimum_rank=SILVER.rank, combines=False)
    assert unit_price(item(100_000), ctx(members_week)).price == D(100_000)
    assert unit_price(item(100_000), ctx(members_week, tier=SILVER)).price == D(85_000)
    assert unit_price(item(100_000), ctx(members_week, tier=GOLD)).price == D(85_000)


def test_a_promotion_counts_only_inside_its_window() -> None:
    later = promotion(percent=50, starts=NOW + timedelta(hours=2), ends=NOW + timedelta(days=2))
    assert unit_price(item(100_000), ctx(later)).price == D(100_000)
    at_start = ctx(later, at=NOW + timedelta(hours=2))
    assert unit_price(item(100_000), at_start).price == D(50_000)
    at_end = ctx(later, at=NOW + timedelta(days=2))  # the end is exclusive
    assert unit_price(item(100_000), at_end).price == D(100_000)


def test_the_engine_knows_when_any_price_next_changes() -> None:
    running = promotion(1, percent=10, ends=NOW + timedelta(days=3))
    scheduled = promotion(2, percent=20, starts=NOW + timedelta(hours=5), ends=None)
    over = promotion(3, percent=20, starts=NOW - timedelta(days=9), ends=NOW - timedelta(days=1))
    assert next_change([running, scheduled, over], NOW) == NOW + timedelta(hours=5)
    assert next_change([running], NOW) == NOW + timedelta(days=3)
    assert next_change([over], NOW) is None


def test_vat_is_taken_per_line_from_the_vat_inclusive_amount() -> None:
    assert vat_part(D(110_000), D("0.10"), D(1)) == D(10_000)
    assert vat_part(D(108_000), D("0.08"), D(1)) == D(8_000)
    assert vat_part(D(99_999), D("0.05"), D(1)) == D(4_762)  # 4,761.857… half up
    assert vat_part(D(99_999), D(0), D(1)) == D(0)
    cart = price_cart([CartLine("a", item(10_001), 3)], ctx())
    # 3 × 10,001 = 30,003: the line's VAT is 2,727.5… → 2,728, not 3 × 909.
    assert cart.lines[0].vat_amount == D(2_728)
    assert cart.vat_amount == D(2_728)


def test_an_order_discount_is_allocated_so_the_parts_add_up() -> None:
    assert allocate(D(100), [D(500), D(500), D(500)], D(1)) == [D(34), D(33), D(33)]
    assert allocate(D(0), [D(5)], D(1)) == [D(0)]
    assert allocate(D("0.10"), [D(1), D(2)], D("0.01")) == [D("0.03"), D("0.07")]
    assert round_half_up(D("2.5"), D(1)) == D(3)
    with pytest.raises(ValueError):
        allocate(D(10), [D(3)], D(1))


def test_a_cart_runs_lines_voucher_points_and_delivery_in_order() -> None:
    lines = [
        CartLine("shirt", item(199_000, variant_id=1), 2),
        CartLine("tea", item(85_000, variant_id=2, product_id=20, rate="0.08"), 1),
    ]
    sale = promotion(percent=10, targets=Targets(variant_ids=frozenset({1})))
    cart = price_cart(
        lines, ctx(sale, tier=SILVER), voucher=voucher(value=10), points=50, delivery_fee=D(30_000)
    )
    shirt, tea = cart.lines
    # Shirt: 199,000 → 10% 179,100 → SILVER 3% 173,727; tea: 85,000 → 3% 82,450.
    assert shirt.unit.price == D(173_727)
    assert tea.unit.price == D(82_450)
    goods = D(173_727 * 2 + 82_450)  # 429,904
    voucher_off = D(42_990)  # 10%: 42,990.4 → 42,990
    points_off = D(50_000)  # 50 points × 1,000 (the cap would allow 193)
    assert cart.points_applied == 50
    assert cart.subtotal == D(199_000 * 2 + 85_000)
    assert cart.discounts == cart.subtotal - goods + voucher_off + points_off
    assert cart.delivery == D(30_000)
    assert cart.total == goods - voucher_off - points_off + D(30_000)
    assert sum(line.total for line in cart.lines) + cart.delivery == cart.total
    assert sum(line.order_discounts for line in cart.lines) == voucher_off + points_off
    assert cart.vat_amount == shirt.vat_amount + tea.vat_amount + D(2_727)  # delivery's 10%
    assert [a.source for a in cart.adjustments] == [
        Source.PROMOTION,
        Source.TIER,
        Source.VOUCHER,
        Source.POINTS,
        Source.DELIVERY,
    ]
    assert sum(a.per_line for a in cart.adjustments) == cart.total - cart.subtotal


def test_points_are_capped_at_half_the_order_and_need_a_member() -> None:
    lines = [CartLine("a", item(99_000), 1)]
    member = price_cart(lines, ctx(tier=SILVER), points=1_000)
    # SILVER: 96,030; half is 48,015 → 48 whole points.
    assert member.points_applied == 48
    assert member.total == D(96_030 - 48_000)
    assert price_cart(lines, ctx(), points=10).points_applied == 0


def test_a_free_delivery_voucher_waives_the_fee_and_shows_it() -> None:
    cart = price_cart(
        [CartLine("a", item(50_000), 1)],
        ctx(),
        voucher=voucher(VoucherKind.FREE_DELIVERY, 0),
        delivery_fee=D(30_000),
    )
    assert cart.delivery == D(0)
    assert cart.total == D(50_000)
    assert [(a.source, a.per_line) for a in cart.adjustments] == [
        (Source.DELIVERY, D(30_000)),
        (Source.VOUCHER, D(-30_000)),
    ]


def test_a_fixed_voucher_never_exceeds_the_goods() -> None:
    cart = price_cart(
        [CartLine("a", item(40_000), 1)], ctx(), voucher=voucher(VoucherKind.FIXED, 100_000)
    )
    assert cart.total == D(0)
    assert cart.lines[0].total == D(0)


def test_an_order_below_the_voucher_minimum_keeps_its_price() -> None:
    lines = [CartLine("a", item(40_000), 1)]
    cart = price_cart(lines, ctx(), voucher=voucher(minimum=500_000))
    assert not cart.voucher_applied
    assert cart.total == D(40_000)
    code = voucher_problem(voucher(minimum=500_000), D(40_000), None, NOW)
    assert code is VoucherErrorCode.MIN_SUBTOTAL_NOT_MET
    assert (
        voucher_problem(voucher(minimum_rank=2), D(0), SILVER, NOW) is VoucherErrorCode.TIER_TOO_LOW
    )
    assert voucher_problem(voucher(minimum_rank=2), D(0), GOLD, NOW) is None


def test_the_channel_is_not_a_parameter_anywhere_in_the_engine() -> None:
    import domain.pricing.model as model

    for module in (calculator, model):
        for _, fn in inspect.getmembers(module, inspect.isfunction):
            assert "channel" not in inspect.signature(fn).parameters, fn
    assert "channel" not in {f for f in model.Context.__dataclass_fields__}
