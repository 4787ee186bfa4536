"""Price book reads: promotions (public while active or scheduled), vouchers and price
history (staff)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.core.connections import After, Before, First, Last, connection, page_request
from api.core.errors import ClientError
from api.core.ids import expect_global_id
from api.core.types import OmniInfo, PageInfo
from api.pricebook.types import PriceChange as PriceChangeType
from api.pricebook.types import (
    PriceChangeConnection,
    PriceChangeEdge,
    Promotion,
    PromotionStatus,
    Voucher,
)
from api.pricing import loaders as pricing
from domain.pricebook import prices, promotions
from domain.pricebook.promotions import PromotionStatus as Status
from domain.pricebook.voucher_list import VoucherFilter, list_vouchers

MAX_PROMOTIONS = 100


@strawberry.type(description="A voucher and its cursor.")
class VoucherEdge:
    cursor: str = strawberry.field(description="Pass to `after` or `before` to page from here.")
    node: Voucher = strawberry.field(description="The voucher.")


@strawberry.type(description="A page of vouchers, newest first.")
class VoucherConnection:
    edges: list[VoucherEdge] = strawberry.field(description="The vouchers of this page.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")

    @strawberry.field(description="The vouchers of this page, without cursors.")
    def nodes(self) -> list[Voucher]:
        return [edge.node for edge in self.edges]


@strawberry.input(description="Which vouchers to list; every field narrows the list.")
class VoucherFilterInput:
    code: str | None = strawberry.field(default=None, description="This code (any case).")
    batch: str | None = strawberry.field(default=None, description="This generated batch.")
    active: bool | None = strawberry.field(default=None, description="Active or deactivated.")


@strawberry.type
class PriceBookQuery:
    @strawberry.field(
        description="Promotions by status, soonest first (ENDED: latest first). ACTIVE and "
        "SCHEDULED are public, for banners; ENDED ones are for staff. At most 100."
    )
    async def promotions(
        self,
        info: OmniInfo,
        status: Annotated[
            PromotionStatus, strawberry.argument(description="Which promotions.")
        ] = PromotionStatus.ACTIVE,
        first: Annotated[
            int, strawberry.argument(description="How many (1–100, default 20).")
        ] = 20,
    ) -> list[Promotion]:
        if not 1 <= first <= MAX_PROMOTIONS:
            raise ClientError(f"`first` must be 1 to {MAX_PROMOTIONS}.", field="first")
        actor, wanted = info.context.actor, Status[status.name]
        at = None
        if wanted is not Status.ENDED:
            # Which promotions are active or scheduled changes when any of them starts or
            # ends: the offer notes that moment for the response cache, and the list is
            # judged at the offer's moment, so that nothing starts in between.
            at = (await pricing.offer(info).load(None)).at
        rows = await info.context.db.run(
            lambda s: promotions.list_promotions(s, actor, wanted, first, at)
        )
        return [Promotion.from_model(p) for p in rows]

    @strawberry.field(description="Vouchers, newest first (staff).")
    async def vouchers(
        self,
        info: OmniInfo,
        filter: Annotated[
            VoucherFilterInput | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> VoucherConnection:
        f = filter or VoucherFilterInput()
        query = VoucherFilter(code=f.code, batch=f.batch, active=f.active)
        request = page_request(info, first, after, last, before)
        actor = info.context.actor
        page = await info.context.db.run(lambda s: list_vouchers(s, actor, query, request))
        return connection(
            VoucherConnection,
            page,
            lambda cursor, v: VoucherEdge(cursor=cursor, node=Voucher.from_model(v)),
        )

    @strawberry.field(
        description="A variant's list price changes, newest first (staff): who, when, old "
        "and new prices, through which channel."
    )
    async def price_history(
        self,
        info: OmniInfo,
        variant_id: Annotated[strawberry.ID, strawberry.argument(description="The variant.")],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> PriceChangeConnection:
        pk = expect_global_id(variant_id, "ProductVariant", "variantId")
        request = page_request(info, first, after, last, before)
        actor = info.context.actor
        page = await info.context.db.run(lambda s: prices.price_history(s, actor, pk, request))
        return connection(
            PriceChangeConnection,
            page,
            lambda cursor, c: PriceChangeEdge(cursor=cursor, node=PriceChangeType.from_model(c)),
        )
