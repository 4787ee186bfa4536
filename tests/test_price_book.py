"""The price book's services on a real database: voucher limits under concurrency, giving
a use back, promotions and price changes refused or recorded, tier overrides."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.actors import Actor, StaffRole, StaffScope
from domain.catalog.models import PriceChange, ProductVariant
from domain.channels import Channel
from domain.customers.models import Customer
from domain.errors import DomainError
from domain.membership import overrides
from domain.membership.enrolment import create_membership
from domain.membership.errors import MembershipErrorCode
from domain.membership.models import Membership, TierChange
from domain.pricebook import prices, promotions, vouchers
from domain.pricebook.context import load_tier_book
from domain.pricebook.errors import PriceBookErrorCode
from domain.pricebook.models import Voucher
from domain.pricebook.promotions import PromotionChanges, PromotionStatus, TargetIds
from domain.pricing.model import Discount, Label, VoucherKind
from domain.pricing.vouchers import VoucherErrorCode
from domain.unit_of_work import transaction

ADMIN = Actor(channel=Channel.WEB, staff=StaffScope(1, StaffRole.ADMIN))
STORE_STAFF = Actor(channel=Channel.POS, staff=StaffScope(2, StaffRole.STORE_STAFF))
NOW = datetime.now(UTC)
D = Decimal


async def run(engine: AsyncEngine, work: Any) -> Any:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        return await transaction(session, work)


async def refused(engine: AsyncEngine, work: Any) -> Any:
    with pytest.raises(DomainError) as caught:
        await run(engine, work)
    return caught.value.code


async def new_customer(engine: AsyncEngine, phone: str) -> int:
    async def make(s: AsyncSession) -> int:
        customer = Customer(phone=phone, first_name="Lan", enrolled_channel=Channel.WEB)
        s.add(customer)
        await s.flush()
        return customer.id

    return int(await run(engine, make))


def consume(voucher_id: int, reference: str, customer_id: int | None = None) -> Any:
    async def work(s: AsyncSession) -> Any:
        return await vouchers.consume(
            s,
            ADMIN.ref(),
            voucher_id,
            reference=reference,
            customer_id=customer_id,
            goods_total=D(500_000),
            discount=D(50_000),
            tier=None,
            tiers=await load_tier_book(s),
            at=datetime.now(UTC),
        )

    return work


async def make_voucher(engine: AsyncEngine, code: str, **fields: Any) -> Voucher:
    changes = vouchers.VoucherChanges(
        code=code, kind=fields.pop("kind", VoucherKind.PERCENT), value=D(10), **fields
    )
    result: Voucher = await run(engine, lambda s: vouchers.create_voucher(s, ADMIN, changes))
    return result


async def times_used(engine: AsyncEngine, voucher_id: int) -> int:
    async with engine.connect() as conn:
        return int(
            (
                await conn.execute(
                    text("SELECT times_used FROM vouchers WHERE id = :id"), {"id": voucher_id}
                )
            ).scalar_one()
        )


async def test_a_single_use_voucher_is_used_once_by_twenty_concurrent_checkouts(
    engine: AsyncEngine,
) -> None:
    voucher = await make_voucher(engine, "once", usage_limit=1)
    outcomes = await asyncio.gather(
        *(run(engine, consume(voucher.id, f"order-{i}")) for i in range(20)),
        return_exceptions=True,
    )
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    lost = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(won) == 1
    assert len(lost) == 19
    assert {e.code for e in lost} == {VoucherErrorCode.USAGE_LIMIT_REACHED}
    assert await times_used(engine, voucher.id) == 1


async def test_one_use_per_customer_holds_across_ten_concurrent_transactions(
    engine: AsyncEngine,
) -> None:
    voucher = await make_voucher(engine, "WELCOME", usage_limit_per_customer=1)
    lan = await new_customer(engine, "+84901000001")
    outcomes = await asyncio.gather(
        *(run(engine, consume(voucher.id, f"lan-{i}", lan)) for i in range(10)),
        return_exceptions=True,
    )
    codes = [o.code for o in outcomes if isinstance(o, DomainError)]
    assert sum(1 for o in outcomes if not isinstance(o, BaseException)) == 1
    assert codes == [VoucherErrorCode.ALREADY_USED_BY_CUSTOMER] * 9
    # Another customer still may; a guest may not (the limit needs to know who).
    mai = await new_customer(engine, "+84901000002")
    await run(engine, consume(voucher.id, "mai-1", mai))
    code = await refused(engine, consume(voucher.id, "guest-1"))
    assert code is VoucherErrorCode.SIGN_IN_REQUIRED


async def test_a_use_given_back_can_be_taken_again_but_only_once(engine: AsyncEngine) -> None:
    voucher = await make_voucher(engine, "BACK", usage_limit=1)
    await run(engine, consume(voucher.id, "order-1"))
    code = await refused(engine, consume(voucher.id, "order-2"))
    assert code is VoucherErrorCode.USAGE_LIMIT_REACHED
    assert await run(engine, lambda s: vouchers.give_back(s, voucher.id, "order-1")) is True
    assert await run(engine, lambda s: vouchers.give_back(s, voucher.id, "order-1")) is False
    assert await times_used(engine, voucher.id) == 0
    await run(engine, consume(voucher.id, "order-2"))
    assert await times_used(engine, voucher.id) == 1


async def test_one_order_cannot_consume_a_voucher_twice(engine: AsyncEngine) -> None:
    voucher = await make_voucher(engine, "TWICE")
    await run(engine, consume(voucher.id, "order-1"))
    assert await refused(engine, consume(voucher.id, "order-1")) is (
        VoucherErrorCode.USAGE_LIMIT_REACHED
    )


async def test_voucher_validation_answers_with_codes(engine: AsyncEngine) -> None:
    later = await make_voucher(engine, "LATER", starts_at=NOW + timedelta(days=1))
    over = await make_voucher(
        engine, "OVER", starts_at=NOW - timedelta(days=2), ends_at=NOW - timedelta(days=1)
    )
    big = await make_voucher(engine, "BIG", minimum_subtotal=D(1_000_000))
    gold = await make_voucher(engine, "GOLDONLY", minimum_tier="gold")
    off = await make_voucher(engine, "OFF")
    await run(engine, lambda s: vouchers.deactivate_voucher(s, ADMIN, off.id))
    expected = {
        later.id: VoucherErrorCode.NOT_STARTED,
        over.id: VoucherErrorCode.EXPIRED,
        big.id: VoucherErrorCode.MIN_SUBTOTAL_NOT_MET,
        gold.id: VoucherErrorCode.TIER_TOO_LOW,
        off.id: VoucherErrorCode.INACTIVE,
    }
    for voucher_id, code in expected.items():
        assert await refused(engine, consume(voucher_id, "x")) is code
    async with AsyncSession(engine) as s:
        assert (await vouchers.find(s, " later ")) is not None  # codes ignore case
        with pytest.raises(DomainError) as caught:
            await vouchers.check(
                s,
                None,
                customer_id=None,
                goods_total=D(0),
                tier=None,
                tiers=await load_tier_book(s),
                at=NOW,
            )
        assert caught.value.code is VoucherErrorCode.UNKNOWN_CODE


async def count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_bad_vouchers_are_refused_and_nothing_is_written(engine: AsyncEngine) -> None:
    await make_voucher(engine, "SALE29")
    before = await count(engine, "vouchers")
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"code": "sale29"}, PriceBookErrorCode.CODE_TAKEN),
        ({"code": "a b"}, PriceBookErrorCode.INVALID_CODE),
        ({"value": D(101)}, PriceBookErrorCode.INVALID_VALUE),
        ({"value": D(-5)}, PriceBookErrorCode.INVALID_VALUE),
        ({"kind": VoucherKind.FIXED, "value": D("0.5")}, PriceBookErrorCode.INVALID_VALUE),
        ({"usage_limit": 0}, PriceBookErrorCode.INVALID_LIMIT),
        (
            {"starts_at": NOW, "ends_at": NOW - timedelta(hours=1)},
            PriceBookErrorCode.INVALID_WINDOW,
        ),
        ({"minimum_tier": "DIAMOND"}, PriceBookErrorCode.UNKNOWN_TIER),
    ]
    for fields, code in cases:
        changes = vouchers.VoucherChanges(
            **{"code": "NEW1", "kind": VoucherKind.PERCENT, "value": D(10), **fields}
        )
        assert await refused(engine, lambda s, c=changes: vouchers.create_voucher(s, ADMIN, c)) is (
            code
        ), fields
    assert await count(engine, "vouchers") == before


async def test_generated_codes_are_unique_single_use_and_in_one_batch(engine: AsyncEngine) -> None:
    made = await run(
        engine,
        lambda s: vouchers.generate_vouchers(
            s,
            ADMIN,
            "tet",
            300,
            vouchers.VoucherChanges(kind=VoucherKind.FIXED, value=D(50_000)),
        ),
    )
    codes = [v.code for v in made]
    assert len(set(codes)) == 300
    assert all(c.startswith("TET-") and len(c) == 12 for c in codes)
    assert {(v.usage_limit, v.usage_limit_per_customer, v.batch) for v in made} == {(1, 1, "TET")}


async def test_only_an_admin_manages_the_price_book(engine: AsyncEngine) -> None:
    changes = vouchers.VoucherChanges(code="STAFF1", kind=VoucherKind.PERCENT, value=D(5))
    for actor in (STORE_STAFF, Actor()):
        await refused(engine, lambda s, a=actor: vouchers.create_voucher(s, a, changes))
        await refused(
            engine, lambda s, a=actor: prices.set_prices(s, a, [prices.PriceEntry(D(1), 1)])
        )


def promo(**fields: Any) -> PromotionChanges:
    values: dict[str, Any] = {
        "name": Label("Lễ 2/9", "National Day sale"),
        "discount": Discount(percent=D(20)),
        "targets": TargetIds(all=True),
        **fields,
    }
    return PromotionChanges(**values)


async def test_promotions_are_refused_with_codes_and_change_nothing(engine: AsyncEngine) -> None:
    before = await count(engine, "promotions")
    cases: list[tuple[PromotionChanges, Any]] = [
        (promo(discount=Discount(percent=D(120))), PriceBookErrorCode.INVALID_DISCOUNT),
        (promo(discount=Discount(percent=D(0))), PriceBookErrorCode.INVALID_DISCOUNT),
        (promo(discount=Discount(amount=D(-1))), PriceBookErrorCode.INVALID_DISCOUNT),
        (
            promo(discount=Discount(percent=D(5), amount=D(1000))),
            PriceBookErrorCode.INVALID_DISCOUNT,
        ),
        (
            promo(starts_at=NOW, ends_at=NOW - timedelta(days=1)),
            PriceBookErrorCode.INVALID_WINDOW,
        ),
        (promo(targets=TargetIds()), PriceBookErrorCode.NO_TARGETS),
        (promo(targets=TargetIds(product_ids=(99_999,))), PriceBookErrorCode.UNKNOWN_TARGET),
        (promo(minimum_tier="DIAMOND"), PriceBookErrorCode.UNKNOWN_TIER),
    ]
    for changes, code in cases:
        got = await refused(engine, lambda s, c=changes: promotions.create_promotion(s, ADMIN, c))
        assert got is code, changes
    assert await count(engine, "promotions") == before


async def test_a_promotion_lives_through_scheduled_active_and_ended(engine: AsyncEngine) -> None:
    scheduled = await run(
        engine,
        lambda s: promotions.create_promotion(
            s, ADMIN, promo(starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=3))
        ),
    )
    assert promotions.status(scheduled, NOW) is PromotionStatus.SCHEDULED
    assert promotions.status(scheduled, NOW + timedelta(days=2)) is PromotionStatus.ACTIVE
    ended = await run(engine, lambda s: promotions.end_promotion(s, ADMIN, scheduled.id))
    assert promotions.status(ended, NOW) is PromotionStatus.ENDED
    code = await refused(
        engine,
        lambda s: promotions.update_promotion(
            s, ADMIN, scheduled.id, PromotionChanges(combines_with_tier=False)
        ),
    )
    assert code is PriceBookErrorCode.PROMOTION_ENDED
    async with AsyncSession(engine) as s:
        assert scheduled.id not in [p.id for p in await promotions.live_promotion_rows(s, NOW)]
        kinds = (
            await s.execute(
                text("SELECT kind FROM change_events WHERE entity_id = :id ORDER BY id"),
                {"id": scheduled.id},
            )
        ).scalars()
        assert [k for k in kinds if k.startswith("promotion.")] == [
            "promotion.created",
            "promotion.ended",
        ]


async def test_price_set_is_all_or_nothing_and_writes_the_history(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as s:
        first, second = (
            await s.scalars(select(ProductVariant).order_by(ProductVariant.id).limit(2))
        ).all()
    bad = [
        prices.PriceEntry(D(150_000), variant_id=first.id),
        prices.PriceEntry(D(99_000), sku="NO-SUCH-SKU"),
    ]
    assert await refused(engine, lambda s: prices.set_prices(s, ADMIN, bad)) is (
        PriceBookErrorCode.UNKNOWN_VARIANT
    )
    twice = [prices.PriceEntry(D(1), variant_id=first.id), prices.PriceEntry(D(2), sku=first.sku)]
    assert await refused(engine, lambda s: prices.set_prices(s, ADMIN, twice)) is (
        PriceBookErrorCode.DUPLICATE_VARIANT
    )
    absurd = [prices.PriceEntry(D("1e15"), variant_id=first.id)]
    with pytest.raises(DomainError) as caught:
        await run(engine, lambda s: prices.set_prices(s, ADMIN, absurd))
    assert caught.value.field == "prices.0.price"
    good = [
        prices.PriceEntry(D(150_000), variant_id=first.id),
        prices.PriceEntry(D(99_000), sku=second.sku, compare_at_price=D(120_000)),
    ]
    await run(engine, lambda s: prices.set_prices(s, ADMIN, good))
    async with AsyncSession(engine) as s:
        history = (
            await s.scalars(
                select(PriceChange)
                .where(PriceChange.variant_id.in_([first.id, second.id]))
                .order_by(PriceChange.id)
            )
        ).all()
    # The seed's first prices, then one row per change.
    assert [(h.variant_id, h.old_price, h.new_price, h.reason) for h in history] == [
        (first.id, None, first.price, "seed"),
        (second.id, None, second.price, "seed"),
        (first.id, first.price, D(150_000), "priceSet"),
        (second.id, second.price, D(99_000), "priceSet"),
    ]
    assert history[-1].actor_id == 1 and history[-1].channel is Channel.WEB


async def test_an_admin_overrides_a_tier_until_a_date(engine: AsyncEngine) -> None:
    customer_id = await new_customer(engine, "+84901000003")
    membership = await run(engine, lambda s: create_membership(s, customer_id))
    until = NOW + timedelta(days=30)
    for kwargs, code in [
        ({"tier_code": "GOLD", "reason": "", "until": until}, MembershipErrorCode.REASON_REQUIRED),
        (
            {"tier_code": "GOLD", "reason": "VIP", "until": NOW - timedelta(days=1)},
            MembershipErrorCode.INVALID_UNTIL,
        ),
        (
            {"tier_code": "DIAMOND", "reason": "VIP", "until": until},
            MembershipErrorCode.UNKNOWN_TIER,
        ),
    ]:
        got = await refused(
            engine, lambda s, k=kwargs: overrides.override_tier(s, ADMIN, membership.id, **k)
        )
        assert got is code
    assert await refused(
        engine,
        lambda s: overrides.override_tier(s, STORE_STAFF, membership.id, "GOLD", "VIP", until),
    )
    await run(
        engine,
        lambda s: overrides.override_tier(s, ADMIN, membership.id, "gold", "Nhân viên", until),
    )
    async with AsyncSession(engine) as s:
        row = await s.get(Membership, membership.id)
        assert row is not None
        gold = await s.scalar(text("SELECT id FROM tiers WHERE code = 'GOLD'"))
        assert row.tier_at(NOW) == gold
        assert row.tier_at(until) == row.tier_id  # the earned tier after the end date
        change = (
            await s.scalars(
                select(TierChange)
                .where(TierChange.membership_id == membership.id)
                .order_by(TierChange.id.desc())
            )
        ).first()
        assert change is not None
        assert (change.to_tier_id, change.reason, change.override_until) == (
            gold,
            "Nhân viên",
            until,
        )
