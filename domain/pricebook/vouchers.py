"""Vouchers: managed by ADMIN staff, checked for a cart, consumed by checkout and given back
by a cancellation.

Limits hold under concurrency because consuming a use takes the voucher's row lock
(`SELECT … FOR UPDATE`) before it counts: twenty checkouts racing for a single-use code
queue on that lock, and each sees the uses committed before it. A use is recorded per
order reference, so giving it back twice, or consuming twice for one order, is refused.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor, ActorRef
from domain.catalog.fields import KEEP, Keep
from domain.catalog.prices import MAX_PRICE, check_price
from domain.changes import events
from domain.changes.models import ChangeKind
from domain.errors import DomainError, InvalidInput, NotFound
from domain.pricebook import checks
from domain.pricebook.context import TierBook
from domain.pricebook.errors import PriceBookErrorCode, price_book_error
from domain.pricebook.models import Voucher, VoucherRedemption
from domain.pricing import model as pricing
from domain.pricing.vouchers import VoucherErrorCode, voucher_problem

WHAT = "manages vouchers"
CODE = re.compile(r"[A-Z0-9_-]{3,40}")
# No 0/O or 1/I/L: generated codes are read aloud at counters and typed from receipts.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GENERATED_LENGTH = 8
MAX_GENERATE = 10_000


def now() -> datetime:
    return datetime.now(UTC)


def normalize_code(code: str) -> str:
    return code.strip().upper()


def voucher_error(code: VoucherErrorCode, message: str, field: str = "code") -> DomainError:
    return DomainError(code, message, field)


@dataclass(frozen=True, slots=True)
class VoucherChanges:
    """Fields to set; None (or KEEP where null is a value) leaves a field as it is. On
    create, `code`, `kind` and `value` are required (`value` is ignored for FREE_DELIVERY)."""

    code: str | None = None
    kind: pricing.VoucherKind | None = None
    value: Decimal | None = None
    description: pricing.Label | None = None
    minimum_subtotal: Decimal | None = None
    starts_at: datetime | Keep | None = KEEP
    ends_at: datetime | Keep | None = KEEP
    usage_limit: int | Keep | None = KEEP
    usage_limit_per_customer: int | Keep | None = KEEP
    minimum_tier: str | Keep | None = KEEP


def _check_code(code: str) -> str:
    normal = normalize_code(code)
    if not CODE.fullmatch(normal):
        raise price_book_error(
            PriceBookErrorCode.INVALID_CODE, "A code is 3–40 letters, digits, - or _.", "code"
        )
    return normal


def _check_value(kind: pricing.VoucherKind, value: Decimal | None) -> Decimal:
    if kind is pricing.VoucherKind.FREE_DELIVERY:
        return Decimal(0)
    if value is None or not value.is_finite():
        raise price_book_error(PriceBookErrorCode.INVALID_VALUE, "`value` is required.", "value")
    if kind is pricing.VoucherKind.PERCENT:
        if not 0 < value <= 100 or value != round(value, 2):
            raise price_book_error(
                PriceBookErrorCode.INVALID_VALUE,
                "A PERCENT voucher's `value` is above 0 and at most 100.",
                "value",
            )
        return value
    if not 0 < value <= MAX_PRICE:
        raise price_book_error(
            PriceBookErrorCode.INVALID_VALUE,
            f"A FIXED voucher's `value` is an amount above 0 and at most {MAX_PRICE}.",
            "value",
        )
    return _money(value, "value")


def _money(value: Decimal, field: str) -> Decimal:
    try:
        return check_price(value, field)
    except DomainError as error:
        raise price_book_error(PriceBookErrorCode.INVALID_VALUE, error.message, field) from None


def _limit(value: int | None, field: str) -> int | None:
    if value is not None and not 1 <= value <= 1_000_000_000:
        raise price_book_error(
            PriceBookErrorCode.INVALID_LIMIT, f"`{field}` must be at least 1.", field
        )
    return value


async def _apply(session: AsyncSession, voucher: Voucher, changes: VoucherChanges) -> None:
    if changes.kind is not None:
        voucher.kind = changes.kind
    if changes.value is not None or changes.kind is not None:
        voucher.value = _check_value(
            voucher.kind, changes.value if changes.value is not None else voucher.value
        )
    if changes.description is not None:
        text = checks.label(changes.description, "description", 2000, required=False)
        voucher.description_vi, voucher.description_en = text.vi, text.en
    if changes.minimum_subtotal is not None:
        voucher.minimum_subtotal = _money(changes.minimum_subtotal, "minimumSubtotal")
    if not isinstance(changes.starts_at, Keep):
        voucher.starts_at = changes.starts_at
    if not isinstance(changes.ends_at, Keep):
        voucher.ends_at = changes.ends_at
    checks.check_window(voucher.starts_at, voucher.ends_at)
    if not isinstance(changes.usage_limit, Keep):
        voucher.usage_limit = _limit(changes.usage_limit, "usageLimit")
        if voucher.usage_limit is not None and voucher.usage_limit < (voucher.times_used or 0):
            raise price_book_error(
                PriceBookErrorCode.INVALID_LIMIT,
                f"The voucher was already used {voucher.times_used} times.",
                "usageLimit",
            )
    if not isinstance(changes.usage_limit_per_customer, Keep):
        voucher.usage_limit_per_customer = _limit(
            changes.usage_limit_per_customer, "usageLimitPerCustomer"
        )
    if not isinstance(changes.minimum_tier, Keep):
        voucher.minimum_tier_id = await checks.tier_id(session, changes.minimum_tier, "minimumTier")


def _payload(voucher: Voucher) -> dict[str, Any]:
    return {"voucherId": voucher.id, "code": voucher.code, "active": voucher.active}


async def _refuse_taken(session: AsyncSession, codes: list[str]) -> None:
    taken = await session.scalar(select(Voucher.code).where(Voucher.code.in_(codes)).limit(1))
    if taken is not None:
        raise price_book_error(PriceBookErrorCode.CODE_TAKEN, f"The code {taken} is taken.", "code")


async def create_voucher(session: AsyncSession, actor: Actor, changes: VoucherChanges) -> Voucher:
    actor.require_admin(WHAT)
    if changes.code is None or changes.kind is None:
        raise InvalidInput("`code` and `kind` are required.", "code")
    code = _check_code(changes.code)
    # Two admins creating the same code at once queue here, so the second gets CODE_TAKEN
    # rather than a unique-index violation.
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(code))))
    await _refuse_taken(session, [code])
    voucher = Voucher(
        code=code, kind=changes.kind, value=Decimal(0), minimum_subtotal=Decimal(0), times_used=0
    )
    await _apply(session, voucher, changes)
    session.add(voucher)
    await session.flush()
    await events.record(
        session, actor.ref(), ChangeKind.VOUCHER_CREATED, voucher.id, _payload(voucher)
    )
    return voucher


async def _locked(session: AsyncSession, voucher_id: int) -> Voucher:
    found = await session.get(Voucher, voucher_id, with_for_update=True, populate_existing=True)
    if found is None:
        raise NotFound("No such voucher.", "id")
    return found


async def update_voucher(
    session: AsyncSession, actor: Actor, voucher_id: int, changes: VoucherChanges
) -> Voucher:
    """Everything but the code can change; a deactivated voucher stays deactivated."""
    actor.require_admin(WHAT)
    voucher = await _locked(session, voucher_id)
    await _apply(session, voucher, changes)
    await session.flush()
    await events.record(
        session, actor.ref(), ChangeKind.VOUCHER_UPDATED, voucher.id, _payload(voucher)
    )
    return voucher


async def deactivate_voucher(session: AsyncSession, actor: Actor, voucher_id: int) -> Voucher:
    actor.require_admin(WHAT)
    voucher = await _locked(session, voucher_id)
    if not voucher.active:
        return voucher
    voucher.active = False
    await session.flush()
    await events.record(
        session, actor.ref(), ChangeKind.VOUCHER_DEACTIVATED, voucher.id, _payload(voucher)
    )
    return voucher


async def generate_vouchers(
    session: AsyncSession, actor: Actor, prefix: str, count: int, changes: VoucherChanges
) -> list[Voucher]:
    """`count` unique single-use codes PREFIX-XXXXXXXX sharing the other settings: one use
    each, one per customer, all in one batch named by the prefix."""
    actor.require_admin(WHAT)
    if not 1 <= count <= MAX_GENERATE:
        raise price_book_error(
            PriceBookErrorCode.TOO_MANY, f"`count` must be 1 to {MAX_GENERATE}.", "count"
        )
    normal = normalize_code(prefix)
    if not re.fullmatch(r"[A-Z0-9_-]{1,30}", normal):
        raise price_book_error(
            PriceBookErrorCode.INVALID_CODE, "A prefix is 1–30 letters, digits, - or _.", "prefix"
        )
    if changes.kind is None:
        raise InvalidInput("`kind` is required.", "kind")
    template = Voucher(
        code=normal, kind=changes.kind, value=Decimal(0), minimum_subtotal=Decimal(0), times_used=0
    )
    await _apply(session, template, VoucherChanges(**{**_fields(changes), "code": None}))
    columns = {
        c: getattr(template, c)
        for c in (
            "kind",
            "value",
            "description_vi",
            "description_en",
            "minimum_subtotal",
            "starts_at",
            "ends_at",
            "minimum_tier_id",
        )
    }
    made: list[int] = []
    while len(made) < count:
        rows = [
            {
                **columns,
                "code": _random_code(normal),
                "usage_limit": 1,
                "usage_limit_per_customer": 1,
                "batch": normal,
            }
            for _ in range(count - len(made))
        ]
        # A clash with an existing code (31^8 codes: rare) is skipped and drawn again.
        result = await session.execute(
            insert(Voucher).on_conflict_do_nothing(index_elements=["code"]).returning(Voucher.id),
            rows,
        )
        made += [row[0] for row in result]
    vouchers = list(
        await session.scalars(select(Voucher).where(Voucher.id.in_(made)).order_by(Voucher.id))
    )
    await events.record_many(
        session,
        actor.ref(),
        [(ChangeKind.VOUCHER_CREATED, v.id, _payload(v)) for v in vouchers],
    )
    return vouchers


def _random_code(prefix: str) -> str:
    return prefix + "-" + "".join(secrets.choice(ALPHABET) for _ in range(GENERATED_LENGTH))


def _fields(changes: VoucherChanges) -> dict[str, Any]:
    return {name: getattr(changes, name) for name in VoucherChanges.__dataclass_fields__}


async def find(session: AsyncSession, code: str) -> Voucher | None:
    return await session.scalar(select(Voucher).where(Voucher.code == normalize_code(code)))


def to_engine(voucher: Voucher, ranks: dict[int, int]) -> pricing.Voucher:
    return pricing.Voucher(
        id=voucher.id,
        code=voucher.code,
        kind=voucher.kind,
        value=voucher.value,
        label=pricing.Label(vi=f"Mã giảm giá {voucher.code}", en=f"Voucher {voucher.code}"),
        starts_at=voucher.starts_at,
        ends_at=voucher.ends_at,
        minimum_subtotal=voucher.minimum_subtotal,
        minimum_rank=None if voucher.minimum_tier_id is None else ranks[voucher.minimum_tier_id],
        active=voucher.active,
    )


async def _uses_by(session: AsyncSession, voucher_id: int, customer_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(VoucherRedemption)
        .where(
            VoucherRedemption.voucher_id == voucher_id,
            VoucherRedemption.customer_id == customer_id,
            VoucherRedemption.released_at.is_(None),
        )
    )
    return int(count or 0)


async def check(
    session: AsyncSession,
    voucher: Voucher | None,
    *,
    customer_id: int | None,
    goods_total: Decimal,
    tier: pricing.Tier | None,
    tiers: TierBook,
    at: datetime,
) -> pricing.Voucher:
    """The engine's voucher when this order may use it now; else a DomainError with the
    VoucherErrorCode saying why (the checks a cart shows, and checkout repeats under lock)."""
    if voucher is None:
        raise voucher_error(VoucherErrorCode.UNKNOWN_CODE, "No voucher has this code.")
    engine = to_engine(voucher, tiers.ranks)
    problem = voucher_problem(engine, goods_total, tier, at)
    if problem is not None:
        raise voucher_error(problem, problem.description)
    if voucher.usage_limit is not None and voucher.times_used >= voucher.usage_limit:
        raise voucher_error(
            VoucherErrorCode.USAGE_LIMIT_REACHED, VoucherErrorCode.USAGE_LIMIT_REACHED.description
        )
    if voucher.usage_limit_per_customer is not None:
        if customer_id is None:
            raise voucher_error(
                VoucherErrorCode.SIGN_IN_REQUIRED, VoucherErrorCode.SIGN_IN_REQUIRED.description
            )
        if await _uses_by(session, voucher.id, customer_id) >= voucher.usage_limit_per_customer:
            raise voucher_error(
                VoucherErrorCode.ALREADY_USED_BY_CUSTOMER,
                VoucherErrorCode.ALREADY_USED_BY_CUSTOMER.description,
            )
    return engine


async def consume(
    session: AsyncSession,
    by: ActorRef,
    voucher_id: int,
    *,
    reference: str,
    customer_id: int | None,
    goods_total: Decimal,
    discount: Decimal,
    tier: pricing.Tier | None,
    tiers: TierBook,
    at: datetime,
) -> VoucherRedemption:
    """Take one use of the voucher for the order `reference`, atomically: under the
    voucher's row lock, re-check every rule, then record the use."""
    # FOR NO KEY UPDATE: the order row referencing the voucher holds a KEY SHARE lock on it,
    # which a plain FOR UPDATE would wait on (two checkouts of one code would deadlock).
    voucher = await session.get(
        Voucher, voucher_id, with_for_update={"key_share": True}, populate_existing=True
    )
    await check(
        session,
        voucher,
        customer_id=customer_id,
        goods_total=goods_total,
        tier=tier,
        tiers=tiers,
        at=at,
    )
    assert voucher is not None
    live = await session.scalar(
        select(VoucherRedemption.id).where(
            VoucherRedemption.voucher_id == voucher_id,
            VoucherRedemption.reference == reference,
            VoucherRedemption.released_at.is_(None),
        )
    )
    if live is not None:
        raise voucher_error(
            VoucherErrorCode.USAGE_LIMIT_REACHED, "This order already uses the voucher."
        )
    redemption = VoucherRedemption(
        voucher_id=voucher_id,
        customer_id=customer_id,
        reference=reference,
        discount=discount,
        channel=by.channel,
    )
    session.add(redemption)
    voucher.times_used += 1
    await session.flush()
    return redemption


async def give_back(session: AsyncSession, voucher_id: int, reference: str) -> bool:
    """Release the order's use of the voucher; False (nothing changes) when it holds none,
    for instance because it was already given back."""
    redemption = await session.scalar(
        select(VoucherRedemption)
        .where(
            VoucherRedemption.voucher_id == voucher_id,
            VoucherRedemption.reference == reference,
            VoucherRedemption.released_at.is_(None),
        )
        .with_for_update()
    )
    if redemption is None:
        return False
    redemption.released_at = now()
    await session.execute(
        update(Voucher).where(Voucher.id == voucher_id).values(times_used=Voucher.times_used - 1)
    )
    await session.flush()
    return True
