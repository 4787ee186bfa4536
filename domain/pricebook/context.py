"""What pricing needs from the database, loaded once per request: the tier ladder, the live
promotions and the buyer's tier, turned into the engine's plain data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import TAX_RATES, Product, ProductVariant
from domain.membership.models import Membership, Tier
from domain.plain_reads import Shape
from domain.pricebook import promotions
from domain.pricing import model as pricing
from domain.pricing.schedule import next_change


@dataclass(frozen=True, slots=True)
class TierBook:
    """The tiers as pricing sees them, ranked by spend threshold (0 = the lowest)."""

    by_id: dict[int, pricing.Tier]

    @property
    def ranks(self) -> dict[int, int]:
        return {tier_id: tier.rank for tier_id, tier in self.by_id.items()}

    @classmethod
    def of(cls, tiers: Sequence[TierRow]) -> TierBook:
        ordered = sorted(tiers, key=lambda t: t.min_spend)
        return cls(
            {
                t.id: pricing.Tier(
                    id=t.id,
                    code=t.code,
                    rank=rank,
                    discount_percent=t.discount_percent,
                    label=pricing.Label(
                        vi=f"Ưu đãi hạng {t.name}", en=f"{t.code.title()} member discount"
                    ),
                )
                for rank, t in enumerate(ordered)
            }
        )

    def for_membership(self, membership: Membership | None, at: datetime) -> pricing.Tier | None:
        if membership is None:
            return None
        return self.by_id.get(membership.tier_at(at))


class TierRow(Protocol):
    id: int
    code: str
    name: str
    min_spend: Decimal
    discount_percent: Decimal


# Plain rows straight through the driver: the offer is loaded on every priced request.
_TIER = Shape.of(Tier, only=("id", "code", "name", "min_spend", "discount_percent"))
_ALL_TIERS = _TIER.sql("ORDER BY id")


async def load_tier_book(session: AsyncSession) -> TierBook:
    return TierBook.of(await _TIER.fetch(session, _ALL_TIERS))


@dataclass(frozen=True, slots=True)
class Offer:
    """The price book at one moment: tiers and the live (active or scheduled) promotions."""

    at: datetime
    tiers: TierBook
    promotions: tuple[pricing.Promotion, ...]

    @property
    def next_change(self) -> datetime | None:
        return next_change(self.promotions, self.at)

    def context(self, tier: pricing.Tier | None, rules: pricing.Rules) -> pricing.Context:
        return pricing.Context(at=self.at, tier=tier, promotions=self.promotions, rules=rules)


async def load_offer(session: AsyncSession, at: datetime) -> Offer:
    """Two statements: the tiers and the live promotions."""
    book = await load_tier_book(session)
    live = await promotions.live_promotion_rows(session, at)
    ranks = book.ranks
    return Offer(at, book, tuple(promotions.to_engine(p, ranks) for p in live))


def ancestry(category_id: int | None, parents: Mapping[int, int | None]) -> frozenset[int]:
    """A category and all its ancestors (what a promotion on a category reaches)."""
    chain: set[int] = set()
    cursor = category_id
    while cursor is not None and cursor not in chain and cursor in parents:
        chain.add(cursor)
        cursor = parents[cursor]
    return frozenset(chain)


def item(variant: ProductVariant, product: Product, category_ids: frozenset[int]) -> pricing.Item:
    """`category_ids`: the product's category and its ancestors."""
    return pricing.Item(
        variant_id=variant.id,
        product_id=product.id,
        list_price=variant.price,
        tax_rate=TAX_RATES[product.tax_class],
        category_ids=category_ids,
        compare_at_price=variant.compare_at_price,
    )
