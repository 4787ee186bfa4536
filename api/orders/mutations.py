"""`checkoutComplete`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.core.cart_ids import cart_limits, parse_cart_id
from api.core.mutations import error_type, mutate
from api.core.types import OmniInfo
from api.inventory import loaders as locations
from api.orders import loaders
from api.orders.types import Order, PaymentMethod, PaymentReceivedInput
from domain.carts.errors import CartErrorCode
from domain.inventory.errors import StockErrorCode
from domain.membership.errors import MembershipErrorCode
from domain.orders import checkout, models, payments
from domain.orders.errors import CheckoutErrorCode, OrderErrorCode
from domain.pricing.vouchers import VoucherErrorCode

CheckoutError = error_type(
    "CheckoutError",
    "Why a checkout failed; then nothing was written (no order, reservation, voucher use "
    "or points).",
    CheckoutErrorCode,
    OrderErrorCode,
    VoucherErrorCode,
    CartErrorCode,
    StockErrorCode,
    MembershipErrorCode,
)


@strawberry.input(description="Place the cart as an order.")
class CheckoutCompleteInput:
    cart_id: strawberry.ID = strawberry.field(description="The Cart.")
    idempotency_key: str = strawberry.field(
        description="8–255 characters, new for each checkout (a UUID): sending the same key "
        "again for the same cart returns the same order, even concurrently."
    )
    payment_method: PaymentMethod = strawberry.field(
        description="PAY_AT_STORE for pickup, CASH_ON_DELIVERY for delivery, AT_COUNTER for "
        "a counter sale."
    )
    payment_received: PaymentReceivedInput | None = strawberry.field(
        default=None,
        description="A counter sale only (the POS with its cashier signed in): the money "
        "taken, at least the total. The order is then COMPLETED at once.",
    )


@strawberry.type(description="Result of `checkoutComplete`.")
class CheckoutCompletePayload:
    order: Order | None = strawberry.field(default=None, description="The order; null on failure.")
    user_errors: list[CheckoutError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type
class OrderMutation:
    @strawberry.mutation(
        description="Place the cart: re-priced, stock reserved, voucher used, points "
        "redeemed, order created and the cart closed, all in one transaction. Idempotent by "
        "`idempotencyKey`."
    )
    async def checkout_complete(
        self,
        info: OmniInfo,
        input: Annotated[CheckoutCompleteInput, strawberry.argument(description="The checkout.")],
    ) -> CheckoutCompletePayload:
        pk, token = parse_cart_id(input.cart_id)
        actor = info.context.actor
        settings = checkout.CheckoutSettings(
            limits=cart_limits(info.context.settings),
            delivery_fee=info.context.settings.pricing.delivery_fee,
            spend_per_point=info.context.settings.spend_per_point,
        )
        method = models.PaymentMethod[input.payment_method.name]
        paid = input.payment_received
        received = payments.Received(models.Tender[paid.method.name], paid.amount) if paid else None

        def ok(placed: checkout.Placed) -> CheckoutCompletePayload:
            if placed.lines is not None:
                loaders.lines(info).prime(placed.order.id, placed.lines)
            if placed.location is not None:
                locations.location(info).prime(placed.location.id, placed.location)
            return CheckoutCompletePayload(order=Order.from_model(placed.order))

        return await mutate(
            info,
            CheckoutCompletePayload,
            lambda s: checkout.checkout(
                s,
                actor,
                cart_id=pk,
                token=token,
                key=input.idempotency_key,
                method=method,
                settings=settings,
                received=received,
            ),
            ok,
        )
