"""Builders for the pricing engine's plain data, shared by its tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

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

NOW = datetime(2026, 9, 2, 10, 0, tzinfo=UTC)

MEMBER = Tier(1, "MEMBER", 0, Decimal(0), Label("Ưu đãi hạng Thành viên", "Member discount"))
SILVER = Tier(2, "SILVER", 1, Decimal(3), Label("Ưu đãi hạng Bạc", "Silver member discount"))
GOLD = Tier(3, "GOLD", 2, Decimal(5), Label("Ưu đãi hạng Vàng", "Gold member discount"))


def item(
    price: int | str,
    *,
    variant_id: int = 1,
    product_id: int = 10,
    categories: tuple[int, ...] = (),
    rate: str = "0.10",
    compare_at: int | None = None,
) -> Item:
    return Item(
        variant_id=variant_id,
        product_id=product_id,
        list_price=Decimal(price),
        tax_rate=Decimal(rate),
        category_ids=frozenset(categories),
        compare_at_price=None if compare_at is None else Decimal(compare_at),
    )


def promotion(
    pid: int = 1,
    *,
    percent: int | str | None = None,
    amount: int | None = None,
    targets: Targets | None = None,
    starts: datetime = NOW - timedelta(days=1),
    ends: datetime | None = NOW + timedelta(days=1),
    minimum_rank: int | None = None,
    combines: bool = True,
) -> Promotion:
    return Promotion(
        id=pid,
        label=Label(f"Khuyến mãi {pid}", f"Promotion {pid}"),
        starts_at=starts,
        ends_at=ends,
        discount=Discount(
            percent=None if percent is None else Decimal(percent),
            amount=None if amount is None else Decimal(amount),
        ),
        targets=targets or Targets(all=True),
        minimum_rank=minimum_rank,
        combines_with_tier=combines,
    )


def voucher(
    kind: VoucherKind = VoucherKind.PERCENT,
    value: int | str = 10,
    *,
    minimum: int = 0,
    minimum_rank: int | None = None,
    vid: int = 1,
) -> Voucher:
    return Voucher(
        id=vid,
        code="SALE29",
        kind=kind,
        value=Decimal(value),
        label=Label("Mã SALE29", "Voucher SALE29"),
        minimum_subtotal=Decimal(minimum),
        minimum_rank=minimum_rank,
    )


def ctx(
    *promotions: Promotion, tier: Tier | None = None, unit: int = 1, at: datetime = NOW
) -> Context:
    return Context(
        at=at, tier=tier, promotions=promotions, rules=Rules(rounding_unit=Decimal(unit))
    )
