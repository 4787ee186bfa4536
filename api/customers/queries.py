"""Customer root fields: me."""

from __future__ import annotations

import strawberry

from api.core.types import OmniInfo
from api.customers import loaders
from api.customers.types import Customer
from domain.errors import unauthenticated


@strawberry.type
class CustomersQuery:
    @strawberry.field(
        description="The signed-in customer (or the customer a kiosk session acts for). "
        "Callers without a customer get null and an UNAUTHENTICATED error."
    )
    async def me(self, info: OmniInfo) -> Customer | None:
        customer_id = info.context.actor.customer_id
        if customer_id is None:
            raise unauthenticated()
        row = await loaders.customer(info).load(customer_id)
        return Customer.from_model(row) if row else None
