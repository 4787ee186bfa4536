"""Catalogue promotions: created, changed and ended by ADMIN staff, listed for everyone.

A promotion is data: a window, a discount and targets. Nothing is scheduled: the engine
compares the window with the moment it prices, so a promotion takes effect at its start
time with no deploy or restart.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.catalog.fields import KEEP, Keep
from domain.catalog.models import Category, Product, ProductVariant
from domain.catalog.prices import MAX_PRICE
from domain.changes import events
from domain.changes.models import ChangeKind
from domain.errors import InvalidInput, NotFound
from domain.money import MINOR_UNITS, currency_code
from domain.plain_reads import Shape
from domain.pricebook import checks
from domain.pricebook.errors import PriceBookErrorCode, price_book_error
from domain.pricebook.models import Promotion
from domain.pricing import model as pricing

WHAT = "manages promotions"
MAX_TARGETS = 1000


class PromotionStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    SCHEDULED = "SCHEDULED"
    ENDED = "ENDED"


def now() -> datetime:
    return datetime.now(UTC)


def status(promotion: Promotion, at: datetime) -> PromotionStatus:
    if promotion.ended_at is not None or (
        promotion.ends_at is not None and promotion.ends_at <= at
    ):
        return PromotionStatus.ENDED
    if promotion.starts_at > at:
        return PromotionStatus.SCHEDULED
    return PromotionStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class TargetIds:
    all: bool = False
    category_ids: tuple[int, ...] = ()
    product_ids: tuple[int, ...] = ()
    variant_ids: tuple[int, ...] = ()
    exclude_product_ids: tuple[int, ...] = ()
    exclude_variant_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PromotionChanges:
    """Fields to set; None (or KEEP where null is a value) leaves a field as it is. On
    create, `name`, `discount` and `targets` are required; `startsAt` defaults to now."""

    name: pricing.Label | None = None
    description: pricing.Label | None = None
    starts_at: datetime | None = None
    ends_at: datetime | Keep | None = KEEP
    discount: pricing.Discount | None = None
    targets: TargetIds | None = None
    minimum_tier: str | Keep | None = KEEP
    combines_with_tier: bool | None = None


def _check_discount(discount: pricing.Discount) -> tuple[Decimal | None, Decimal | None]:
    percent, amount = discount.percent, discount.amount
    if (percent is None) == (amount is None):
        raise price_book_error(
            PriceBookErrorCode.INVALID_DISCOUNT,
            "Give exactly one of `percent` and `amount`.",
            "discount",
        )
    if percent is not None:
        if not percent.is_finite() or not 0 < percent <= 100 or percent != round(percent, 2):
            raise price_book_error(
                PriceBookErrorCode.INVALID_DISCOUNT,
                "`percent` must be above 0 and at most 100, with at most 2 decimals.",
                "discount.percent",
            )
        return percent, None
    assert amount is not None
    places = MINOR_UNITS.get(currency_code(), 2)
    if not amount.is_finite() or not 0 < amount <= MAX_PRICE or amount != round(amount, places):
        raise price_book_error(
            PriceBookErrorCode.INVALID_DISCOUNT,
            f"`amount` must be above 0 and at most {MAX_PRICE}, in whole {currency_code()} "
            "minor units.",
            "discount.amount",
        )
    return None, amount


async def _check_targets(session: AsyncSession, targets: TargetIds) -> dict[str, Any]:
    lists = {
        "category_ids": (targets.category_ids, Category.id, "categoryIds"),
        "product_ids": (targets.product_ids, Product.id, "productIds"),
        "variant_ids": (targets.variant_ids, ProductVariant.id, "variantIds"),
        "exclude_product_ids": (targets.exclude_product_ids, Product.id, "excludeProductIds"),
        "exclude_variant_ids": (
            targets.exclude_variant_ids,
            ProductVariant.id,
            "excludeVariantIds",
        ),
    }
    values: dict[str, Any] = {"target_all": targets.all}
    for column, (ids, id_column, field) in lists.items():
        unique = sorted(set(ids))
        if len(unique) > MAX_TARGETS:
            raise price_book_error(
                PriceBookErrorCode.TOO_MANY,
                f"At most {MAX_TARGETS} ids in `{field}`.",
                f"targets.{field}",
            )
        if unique:
            found = await session.scalar(select(func.count()).where(id_column.in_(unique)))
            if found != len(unique):
                raise price_book_error(
                    PriceBookErrorCode.UNKNOWN_TARGET,
                    f"Some of `{field}` do not exist.",
                    f"targets.{field}",
                )
        values[column] = unique
    if not (targets.all or targets.category_ids or targets.product_ids or targets.variant_ids):
        raise price_book_error(
            PriceBookErrorCode.NO_TARGETS,
            "Target `all`, or some categories, products or variants.",
            "targets",
        )
    return values


async def _apply(session: AsyncSession, promotion: Promotion, changes: PromotionChanges) -> None:
    if changes.name is not None:
        name = checks.label(changes.name, "name", 200)
        promotion.name_vi, promotion.name_en = name.vi, name.en
    if changes.description is not None:
        text = checks.label(changes.description, "description", 2000, required=False)
        promotion.description_vi, promotion.description_en = text.vi, text.en
    if changes.starts_at is not None:
        promotion.starts_at = changes.starts_at
    if not isinstance(changes.ends_at, Keep):
        promotion.ends_at = changes.ends_at
    checks.check_window(promotion.starts_at, promotion.ends_at)
    if changes.discount is not None:
        promotion.discount_percent, promotion.discount_amount = _check_discount(changes.discount)
    if changes.targets is not None:
        for column, value in (await _check_targets(session, changes.targets)).items():
            setattr(promotion, column, value)
    if not isinstance(changes.minimum_tier, Keep):
        promotion.minimum_tier_id = await checks.tier_id(
            session, changes.minimum_tier, "minimumTier"
        )
    if changes.combines_with_tier is not None:
        promotion.combines_with_tier = changes.combines_with_tier


def _payload(promotion: Promotion) -> dict[str, Any]:
    return {
        "promotionId": promotion.id,
        "startsAt": promotion.starts_at.isoformat(),
        "endsAt": promotion.ends_at.isoformat() if promotion.ends_at else None,
    }


async def create_promotion(
    session: AsyncSession, actor: Actor, changes: PromotionChanges
) -> Promotion:
    actor.require_admin(WHAT)
    if changes.name is None:
        raise InvalidInput("`name` is required.", "name")
    if changes.discount is None:
        raise price_book_error(
            PriceBookErrorCode.INVALID_DISCOUNT, "`discount` is required.", "discount"
        )
    if changes.targets is None:
        raise price_book_error(PriceBookErrorCode.NO_TARGETS, "`targets` is required.", "targets")
    promotion = Promotion(starts_at=checks.aware(changes.starts_at, "startsAt") or now())
    await _apply(session, promotion, changes)
    session.add(promotion)
    await session.flush()
    await events.record(
        session, actor.ref(), ChangeKind.PROMOTION_CREATED, promotion.id, _payload(promotion)
    )
    return promotion


async def _locked(session: AsyncSession, promotion_id: int) -> Promotion:
    found = await session.get(Promotion, promotion_id, with_for_update=True)
    if found is None:
        raise NotFound("No such promotion.", "id")
    return found


async def update_promotion(
    session: AsyncSession, actor: Actor, promotion_id: int, changes: PromotionChanges
) -> Promotion:
    actor.require_admin(WHAT)
    promotion = await _locked(session, promotion_id)
    if status(promotion, now()) is PromotionStatus.ENDED:
        raise price_book_error(
            PriceBookErrorCode.PROMOTION_ENDED, "This promotion has ended.", "id"
        )
    await _apply(session, promotion, changes)
    await session.flush()
    await events.record(
        session, actor.ref(), ChangeKind.PROMOTION_UPDATED, promotion.id, _payload(promotion)
    )
    return promotion


async def end_promotion(session: AsyncSession, actor: Actor, promotion_id: int) -> Promotion:
    """End now (a scheduled one never starts). Ending an ended promotion changes nothing."""
    actor.require_admin(WHAT)
    promotion = await _locked(session, promotion_id)
    if promotion.ended_at is not None:
        return promotion
    promotion.ended_at = now()
    await session.flush()
    await events.record(
        session, actor.ref(), ChangeKind.PROMOTION_ENDED, promotion.id, _payload(promotion)
    )
    return promotion


def _status_condition(wanted: PromotionStatus, at: datetime) -> ColumnElement[bool]:
    ended = or_(Promotion.ended_at.is_not(None), Promotion.ends_at <= at)
    if wanted is PromotionStatus.ENDED:
        return ended
    live = ~ended
    if wanted is PromotionStatus.SCHEDULED:
        return live & (Promotion.starts_at > at)
    return live & (Promotion.starts_at <= at)


async def list_promotions(
    session: AsyncSession,
    actor: Actor,
    wanted: PromotionStatus,
    limit: int,
    at: datetime | None = None,
) -> list[Promotion]:
    """ACTIVE and SCHEDULED are public (banners); ENDED ones are for staff. `at`: the
    moment the statuses are judged at (now)."""
    if wanted is PromotionStatus.ENDED:
        actor.require_staff()
    order = Promotion.starts_at.desc() if wanted is PromotionStatus.ENDED else Promotion.starts_at
    rows = await session.scalars(
        select(Promotion)
        .where(_status_condition(wanted, at or now()))
        .order_by(order, Promotion.id)
        .limit(limit)
    )
    return list(rows)


# What pricing needs of a promotion, now and to know the next change.
_ENGINE = Shape.of(
    Promotion,
    only=(
        "id",
        "name_vi",
        "name_en",
        "starts_at",
        "ends_at",
        "discount_percent",
        "discount_amount",
        "target_all",
        "category_ids",
        "product_ids",
        "variant_ids",
        "exclude_product_ids",
        "exclude_variant_ids",
        "minimum_tier_id",
        "combines_with_tier",
    ),
)
_LIVE = _ENGINE.sql("WHERE ended_at IS NULL AND (ends_at IS NULL OR ends_at > $1) ORDER BY id")


async def live_promotion_rows(session: AsyncSession, at: datetime) -> Sequence[Any]:
    """Active and scheduled promotions as plain rows, straight through the driver: this
    runs on every priced request."""
    return await _ENGINE.fetch(session, _LIVE, at)


async def promotions_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Promotion]:
    rows = await session.scalars(select(Promotion).where(Promotion.id.in_(list(ids))))
    return {p.id: p for p in rows}


def to_engine(promotion: Promotion | Any, ranks: dict[int, int]) -> pricing.Promotion:
    """The engine's view; `ranks` maps tier ids to their rank."""
    return pricing.Promotion(
        id=promotion.id,
        label=pricing.Label(promotion.name_vi, promotion.name_en),
        starts_at=promotion.starts_at,
        ends_at=promotion.ends_at,
        discount=pricing.Discount(
            percent=promotion.discount_percent, amount=promotion.discount_amount
        ),
        targets=pricing.Targets(
            all=promotion.target_all,
            category_ids=frozenset(promotion.category_ids),
            product_ids=frozenset(promotion.product_ids),
            variant_ids=frozenset(promotion.variant_ids),
            exclude_product_ids=frozenset(promotion.exclude_product_ids),
            exclude_variant_ids=frozenset(promotion.exclude_variant_ids),
        ),
        minimum_rank=None
        if promotion.minimum_tier_id is None
        else ranks[promotion.minimum_tier_id],
        combines_with_tier=promotion.combines_with_tier,
    )
