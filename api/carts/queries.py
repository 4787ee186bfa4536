"""Cart reads: `cart(id:)` (and `me.cart` on the customer)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.carts.types import Cart
from api.core.cart_ids import parse_cart_id
from api.core.errors import NotFound
from api.core.types import OmniInfo
from domain.carts import service
from domain.errors import DomainError


@strawberry.type
class CartQuery:
    @strawberry.field(
        description="A cart by its ID: a guest cart for whoever holds the ID; a customer's "
        "cart only for that customer (also at a kiosk or counter that identified them) and "
        "staff. Anyone else gets null and NOT_FOUND, as for an ID that does not exist."
    )
    async def cart(
        self,
        info: OmniInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The Cart.")],
    ) -> Cart | None:
        pk, token = parse_cart_id(id, "id")
        actor = info.context.actor
        try:
            model = await info.context.db.run(
                lambda s: service.open_cart(s, actor, pk, token, lock=False)
            )
        except DomainError:
            raise NotFound("No such cart.", "id") from None
        return Cart.from_model(model)


async def customer_cart(info: OmniInfo, customer_id: int) -> Cart | None:
    model = await info.context.db.run(lambda s: service.customer_cart(s, customer_id))
    return Cart.from_model(model) if model else None
