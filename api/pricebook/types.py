"""GraphQL types of the price book for staff and banners: promotions, vouchers, price history."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import strawberry

from api.core import reads
from api.core.ids import to_global_id
from api.core.node import node_resolver
from api.core.types import ActorKind, Channel, Money, Node, OmniInfo, PageInfo
from api.membership import loaders as membership
from api.membership.types import MembershipTier
from api.pricing.breakdown import Language, LanguageArg
from domain.catalog import models as catalog
from domain.pricebook import models
from domain.pricebook import promotions as promotion_rules


@strawberry.enum(description="Where a promotion stands now.")
class PromotionStatus(enum.Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Running: prices include it now.")
    SCHEDULED = strawberry.enum_value("SCHEDULED", description="Starts at `startsAt`.")
    ENDED = strawberry.enum_value("ENDED", description="Over, or ended early by an ADMIN.")


@strawberry.type(description="A promotion's discount: a percent or an amount off each unit.")
class PromotionDiscount:
    percent: Decimal | None = strawberry.field(description="Percent off; null for an amount.")
    amount: Money | None = strawberry.field(description="Amount off each unit; null for a percent.")


@strawberry.type(
    description="What a promotion applies to: everything (`all`), or the union of the "
    "categories (with their sub-categories), products and variants, minus the exclusions. "
    "Fetch the objects with `nodes(ids:)`."
)
class PromotionTargets:
    all: bool = strawberry.field(description="True when it applies to the whole catalogue.")
    category_ids: list[strawberry.ID] = strawberry.field(description="Category IDs.")
    product_ids: list[strawberry.ID] = strawberry.field(description="Product IDs.")
    variant_ids: list[strawberry.ID] = strawberry.field(description="ProductVariant IDs.")
    exclude_product_ids: list[strawberry.ID] = strawberry.field(description="Product IDs left out.")
    exclude_variant_ids: list[strawberry.ID] = strawberry.field(
        description="ProductVariant IDs left out."
    )


def _ids(type_name: str, ids: list[int]) -> list[strawberry.ID]:
    return [strawberry.ID(to_global_id(type_name, i)) for i in ids]


@strawberry.type(
    description="A catalogue promotion. When several match a variant, the one that gives "
    "the buyer the lowest price wins; promotions never stack. Public while ACTIVE or "
    "SCHEDULED, so storefronts can show banners with the targets and the end time."
)
class Promotion(Node):
    model: strawberry.Private[models.Promotion]
    starts_at: datetime = strawberry.field(description="When it takes effect (inclusive).")
    ends_at: datetime | None = strawberry.field(
        description="When it stops (exclusive); null when open-ended."
    )
    ended_at: datetime | None = strawberry.field(
        description="When an ADMIN ended it early; null otherwise."
    )
    discount: PromotionDiscount = strawberry.field(description="The discount.")
    targets: PromotionTargets = strawberry.field(description="What it applies to.")
    combines_with_tier: bool = strawberry.field(
        description="True when the member's tier discount applies on top of it."
    )

    @classmethod
    def from_model(cls, m: models.Promotion) -> Promotion:
        return cls(
            model=m,
            id=strawberry.ID(to_global_id("Promotion", m.id)),
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            ended_at=m.ended_at,
            discount=PromotionDiscount(
                percent=m.discount_percent,
                amount=Money.of(m.discount_amount) if m.discount_amount is not None else None,
            ),
            targets=PromotionTargets(
                all=m.target_all,
                category_ids=_ids("Category", m.category_ids),
                product_ids=_ids("Product", m.product_ids),
                variant_ids=_ids("ProductVariant", m.variant_ids),
                exclude_product_ids=_ids("Product", m.exclude_product_ids),
                exclude_variant_ids=_ids("ProductVariant", m.exclude_variant_ids),
            ),
            combines_with_tier=m.combines_with_tier,
        )

    @strawberry.field(description="Its name for banners and receipts.")
    def name(self, language: LanguageArg = Language.VI) -> str:
        return self.model.name_en if language is Language.EN else self.model.name_vi

    @strawberry.field(description="Its description; may be empty.")
    def description(self, language: LanguageArg = Language.VI) -> str:
        return self.model.description_en if language is Language.EN else self.model.description_vi

    @strawberry.field(description="ACTIVE, SCHEDULED or ENDED, now.")
    def status(self) -> PromotionStatus:
        now = promotion_rules.now()
        m = self.model
        reads.true_until(min((t for t in (m.starts_at, m.ends_at) if t and t > now), default=None))
        return PromotionStatus[promotion_rules.status(m, now).value]

    @strawberry.field(
        description="Only members of this tier or above get it (a members' week); null: "
        "everyone, anonymous shoppers included."
    )
    async def minimum_tier(self, info: OmniInfo) -> MembershipTier | None:
        if self.model.minimum_tier_id is None:
            return None
        tier = await membership.tier(info).load(self.model.minimum_tier_id)
        return MembershipTier.from_model(tier) if tier else None


@strawberry.enum(description="What a voucher takes off.")
class VoucherKind(enum.Enum):
    PERCENT = strawberry.enum_value("PERCENT", description="`value` percent off the goods.")
    FIXED = strawberry.enum_value("FIXED", description="`value` off the goods (an amount).")
    FREE_DELIVERY = strawberry.enum_value(
        "FREE_DELIVERY", description="The delivery fee is waived; `value` is 0."
    )


@strawberry.type(description="An order-level voucher code (staff only).")
class Voucher(Node):
    model: strawberry.Private[models.Voucher]
    code: str = strawberry.field(description="The code, upper-case; entry ignores case.")
    kind: VoucherKind = strawberry.field(description="What it takes off.")
    value: Decimal = strawberry.field(description="Percent (PERCENT) or amount (FIXED); 0 else.")
    minimum_subtotal: Money = strawberry.field(
        description="The goods total (after promotions and tier) an order needs."
    )
    starts_at: datetime | None = strawberry.field(description="Valid from; null: at once.")
    ends_at: datetime | None = strawberry.field(description="Valid until; null: no end.")
    usage_limit: int | None = strawberry.field(description="Uses in all; null: unlimited.")
    usage_limit_per_customer: int | None = strawberry.field(
        description="Uses per customer; null: unlimited. Needs a signed-in or identified buyer."
    )
    times_used: int = strawberry.field(description="Uses so far (cancelled orders give back).")
    active: bool = strawberry.field(description="False once deactivated.")
    batch: str | None = strawberry.field(
        description="The prefix of the `voucherGenerate` batch it belongs to; null otherwise."
    )

    @classmethod
    def from_model(cls, m: models.Voucher) -> Voucher:
        return cls(
            model=m,
            id=strawberry.ID(to_global_id("Voucher", m.id)),
            code=m.code,
            kind=VoucherKind[m.kind.value],
            value=m.value,
            minimum_subtotal=Money.of(m.minimum_subtotal),
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            usage_limit=m.usage_limit,
            usage_limit_per_customer=m.usage_limit_per_customer,
            times_used=m.times_used,
            active=m.active,
            batch=m.batch,
        )

    @strawberry.field(description="Its description; may be empty.")
    def description(self, language: LanguageArg = Language.VI) -> str:
        return self.model.description_en if language is Language.EN else self.model.description_vi

    @strawberry.field(description="Only members of this tier or above may use it; null: anyone.")
    async def minimum_tier(self, info: OmniInfo) -> MembershipTier | None:
        if self.model.minimum_tier_id is None:
            return None
        tier = await membership.tier(info).load(self.model.minimum_tier_id)
        return MembershipTier.from_model(tier) if tier else None


@strawberry.type(description="One change of a variant's list price: the audit trail.")
class PriceChange:
    old_price: Money | None = strawberry.field(description="Before; null for the first price.")
    new_price: Money = strawberry.field(description="After.")
    old_compare_at_price: Money | None = strawberry.field(description="Compare-at before.")
    new_compare_at_price: Money | None = strawberry.field(description="Compare-at after.")
    actor_kind: ActorKind = strawberry.field(description="Who made it.")
    actor_id: strawberry.ID | None = strawberry.field(
        description="The StaffUser (or device) that made it; null for SYSTEM."
    )
    channel: Channel = strawberry.field(description="Through which channel.")
    reason: str = strawberry.field(
        description='What made it: "priceSet", "variantCreate", "import", "seed" or "opening".'
    )
    changed_at: datetime = strawberry.field(description="When.")

    @classmethod
    def from_model(cls, m: catalog.PriceChange) -> PriceChange:
        owner = {"STAFF": "StaffUser", "DEVICE": "Device", "CUSTOMER": "Customer"}
        kind = m.actor_kind.value
        return cls(
            old_price=Money.of(m.old_price) if m.old_price is not None else None,
            new_price=Money.of(m.new_price),
            old_compare_at_price=(
                Money.of(m.old_compare_at_price) if m.old_compare_at_price is not None else None
            ),
            new_compare_at_price=(
                Money.of(m.new_compare_at_price) if m.new_compare_at_price is not None else None
            ),
            actor_kind=ActorKind[kind],
            actor_id=(
                strawberry.ID(to_global_id(owner[kind], m.actor_id))
                if m.actor_id is not None and kind in owner
                else None
            ),
            channel=Channel[m.channel.value],
            reason=m.reason,
            changed_at=m.changed_at,
        )


@strawberry.type(description="A price change and its cursor.")
class PriceChangeEdge:
    cursor: str = strawberry.field(description="Pass to `after` or `before` to page from here.")
    node: PriceChange = strawberry.field(description="The change.")


@strawberry.type(description="A page of a variant's price history, newest first.")
class PriceChangeConnection:
    edges: list[PriceChangeEdge] = strawberry.field(description="The changes of this page.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")

    @strawberry.field(description="The changes of this page, without cursors.")
    def nodes(self) -> list[PriceChange]:
        return [edge.node for edge in self.edges]


@node_resolver("Promotion")
async def _promotion_node(info: OmniInfo, pk: int) -> Node | None:
    """Active and scheduled promotions are public; ended ones are for staff."""
    found = await info.context.db.run(lambda s: promotion_rules.promotions_by_ids(s, [pk]))
    promotion = found.get(pk)
    if promotion is None:
        return None
    ended = promotion_rules.status(promotion, promotion_rules.now()).value == "ENDED"
    if ended and info.context.actor.staff is None:
        return None
    return Promotion.from_model(promotion)


@node_resolver("Voucher")
async def _voucher_node(info: OmniInfo, pk: int) -> Node | None:
    if info.context.actor.staff is None:
        return None
    voucher = await info.context.db.run(lambda s: s.get(models.Voucher, pk))
    return Voucher.from_model(voucher) if voucher else None
