"""Price book mutations (ADMIN): prices, promotions and vouchers."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.catalog.types import ProductVariant
from api.core.ids import expect_global_id
from api.core.mutations import error_type, mutate
from api.core.types import OmniInfo
from api.pricebook.inputs import (
    PriceSetInput,
    PromotionInput,
    VoucherGenerateInput,
    VoucherInput,
)
from api.pricebook.types import Promotion, Voucher
from domain.catalog import models as catalog
from domain.catalog.errors import CatalogErrorCode
from domain.pricebook import models, prices, promotions, vouchers
from domain.pricebook.errors import PriceBookErrorCode

PriceBookError = error_type(
    "PriceBookError",
    "Why a change to prices, promotions or vouchers failed.",
    PriceBookErrorCode,
    CatalogErrorCode,
)


@strawberry.type(description="Result of `priceSet`.")
class PriceSetPayload:
    variants: list[ProductVariant] = strawberry.field(
        default_factory=list,
        description="The variants in the order given, with their new prices; empty on failure.",
    )
    user_errors: list[PriceBookError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did; then nothing changed."
    )


@strawberry.type(description="Result of a promotion mutation.")
class PromotionPayload:
    promotion: Promotion | None = strawberry.field(
        default=None, description="The promotion as saved; null on failure."
    )
    user_errors: list[PriceBookError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of a voucher mutation.")
class VoucherPayload:
    voucher: Voucher | None = strawberry.field(
        default=None, description="The voucher as saved; null on failure."
    )
    user_errors: list[PriceBookError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of `voucherGenerate`.")
class VoucherGeneratePayload:
    codes: list[str] = strawberry.field(
        default_factory=list, description="The new codes, to print or send; empty on failure."
    )
    batch: str | None = strawberry.field(
        default=None, description="The batch (the prefix, upper-case); filter `vouchers` by it."
    )
    user_errors: list[PriceBookError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did; then no code was made."
    )


def _promotion(p: models.Promotion) -> PromotionPayload:
    return PromotionPayload(promotion=Promotion.from_model(p))


def _voucher(v: models.Voucher) -> VoucherPayload:
    return VoucherPayload(voucher=Voucher.from_model(v))


IdArg = Annotated[strawberry.ID, strawberry.argument(description="The ID.")]


@strawberry.type
class PriceBookMutation:
    @strawberry.mutation(
        description="Set the list price (and compare-at price) of one or many variants, by "
        "ID or SKU (ADMIN). All or nothing; each change is kept in `priceHistory` and "
        "announced as a `variant.price_changed` change event."
    )
    async def price_set(
        self,
        info: OmniInfo,
        input: Annotated[PriceSetInput, strawberry.argument(description="The new prices.")],
    ) -> PriceSetPayload:
        actor = info.context.actor
        entries = [entry.entry(i) for i, entry in enumerate(input.prices)]

        def ok(changed: list[catalog.ProductVariant]) -> PriceSetPayload:
            return PriceSetPayload(variants=[ProductVariant.from_model(v) for v in changed])

        return await mutate(
            info, PriceSetPayload, lambda s: prices.set_prices(s, actor, entries), ok
        )

    @strawberry.mutation(description="Create a promotion (ADMIN).")
    async def promotion_create(
        self,
        info: OmniInfo,
        input: Annotated[PromotionInput, strawberry.argument(description="The promotion.")],
    ) -> PromotionPayload:
        actor, changes = info.context.actor, input.changes()
        return await mutate(
            info,
            PromotionPayload,
            lambda s: promotions.create_promotion(s, actor, changes),
            _promotion,
        )

    @strawberry.mutation(
        description="Change a promotion that has not ended (ADMIN); prices follow at once."
    )
    async def promotion_update(
        self,
        info: OmniInfo,
        id: IdArg,
        input: Annotated[PromotionInput, strawberry.argument(description="What to change.")],
    ) -> PromotionPayload:
        actor, pk = info.context.actor, expect_global_id(id, "Promotion", "id")
        changes = input.changes()
        return await mutate(
            info,
            PromotionPayload,
            lambda s: promotions.update_promotion(s, actor, pk, changes),
            _promotion,
            arguments=("id",),
        )

    @strawberry.mutation(
        description="End a promotion now (ADMIN); a scheduled one never starts. Ending an "
        "ended promotion changes nothing."
    )
    async def promotion_end(self, info: OmniInfo, id: IdArg) -> PromotionPayload:
        actor, pk = info.context.actor, expect_global_id(id, "Promotion", "id")
        return await mutate(
            info,
            PromotionPayload,
            lambda s: promotions.end_promotion(s, actor, pk),
            _promotion,
            arguments=("id",),
        )

    @strawberry.mutation(description="Create a voucher code (ADMIN). Codes ignore case.")
    async def voucher_create(
        self,
        info: OmniInfo,
        input: Annotated[VoucherInput, strawberry.argument(description="The voucher.")],
    ) -> VoucherPayload:
        actor, changes = info.context.actor, input.changes()
        return await mutate(
            info, VoucherPayload, lambda s: vouchers.create_voucher(s, actor, changes), _voucher
        )

    @strawberry.mutation(description="Change a voucher (ADMIN); its code stays.")
    async def voucher_update(
        self,
        info: OmniInfo,
        id: IdArg,
        input: Annotated[VoucherInput, strawberry.argument(description="What to change.")],
    ) -> VoucherPayload:
        actor, pk = info.context.actor, expect_global_id(id, "Voucher", "id")
        changes = input.changes(with_code=False)
        return await mutate(
            info,
            VoucherPayload,
            lambda s: vouchers.update_voucher(s, actor, pk, changes),
            _voucher,
            arguments=("id",),
        )

    @strawberry.mutation(
        description="Deactivate a voucher (ADMIN): carts can no longer apply it. Uses "
        "already made stand."
    )
    async def voucher_deactivate(self, info: OmniInfo, id: IdArg) -> VoucherPayload:
        actor, pk = info.context.actor, expect_global_id(id, "Voucher", "id")
        return await mutate(
            info,
            VoucherPayload,
            lambda s: vouchers.deactivate_voucher(s, actor, pk),
            _voucher,
            arguments=("id",),
        )

    @strawberry.mutation(description="Generate unique single-use voucher codes (ADMIN).")
    async def voucher_generate(
        self,
        info: OmniInfo,
        input: Annotated[VoucherGenerateInput, strawberry.argument(description="The batch.")],
    ) -> VoucherGeneratePayload:
        actor, changes = info.context.actor, input.changes()

        def ok(made: list[models.Voucher]) -> VoucherGeneratePayload:
            return VoucherGeneratePayload(
                codes=[v.code for v in made], batch=made[0].batch if made else None
            )

        return await mutate(
            info,
            VoucherGeneratePayload,
            lambda s: vouchers.generate_vouchers(s, actor, input.prefix, input.count, changes),
            ok,
        )
