"""The request's view of the price book, loaded once: the offer (tiers and live promotions)
and the viewer's pricing context (their tier). Never per variant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from api.core import reads
from api.core.loaders import Loader, ViewerLoader
from api.membership import loaders as membership
from domain.pricebook.context import Offer, load_offer
from domain.pricing import model as pricing

if TYPE_CHECKING:
    from api.config import Pricing
    from api.context import Context


async def _offer(session: AsyncSession, keys: Sequence[None]) -> dict[None, Offer]:
    offer = await load_offer(session, datetime.now(UTC))
    reads.true_until(offer.next_change)
    return {None: offer}


@cache
def rules(settings: Pricing) -> pricing.Rules:
    return settings.rules()


async def _viewer(context: Context, keys: Sequence[None]) -> dict[None, pricing.Context]:
    """The viewer's tier: a signed-in customer's, or the member a kiosk or counter has
    identified; anonymous viewers and staff price without a tier. The channel plays no part."""
    current = await offer.on(context).load(None)
    tier = None
    customer_id = context.actor.customer_id
    if customer_id is not None:
        member = await membership.membership_by_customer.on(context).load(customer_id)
        tier = current.tiers.for_membership(member, current.at)
    return {None: current.context(tier, rules(context.settings.pricing))}


offer: Loader[None, Offer] = Loader(_offer)
viewer: ViewerLoader[None, pricing.Context] = ViewerLoader(_viewer)
