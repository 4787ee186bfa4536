"""Cart mutations: create, add, change and remove lines."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from api.carts.types import Cart
from api.core.cart_ids import cart_limits, parse_cart_id
from api.core.ids import expect_global_id
from api.core.mutations import error_type, mutate
from api.core.types import OmniInfo
from domain.carts import fulfillment as fulfillments
from domain.carts import merge, models, savings, service
from domain.carts.errors import CartErrorCode
from domain.pricing.vouchers import VoucherErrorCode

CartError = error_type("CartError", "Why a cart change failed.", CartErrorCode, VoucherErrorCode)


@strawberry.type(description="Result of a cart mutation.")
class CartPayload:
    cart: Cart | None = strawberry.field(
        default=None, description="The cart after the change; null on failure."
    )
    user_errors: list[CartError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did; then nothing changed."
    )


@strawberry.input(description="A variant to put in the cart.")
class CartLineInput:
    variant_id: strawberry.ID = strawberry.field(description="The ProductVariant.")
    quantity: int = strawberry.field(
        default=1, description="Units to add (1–99; added to a line of the same variant)."
    )


@strawberry.input(description="A new quantity for a line.")
class CartLineUpdateInput:
    id: strawberry.ID = strawberry.field(description="The CartLine.")
    quantity: int = strawberry.field(description="The new quantity (1–99).")


@strawberry.input(description="A new cart.")
class CartCreateInput:
    lines: list[CartLineInput] = strawberry.field(
        default_factory=list, description="Lines to start with (at most 100)."
    )


def _limits(info: OmniInfo) -> service.CartLimits:
    return cart_limits(info.context.settings)


def _lines(lines: list[CartLineInput]) -> list[service.LineInput]:
    return [
        service.LineInput(
            expect_global_id(line.variant_id, "ProductVariant", f"lines.{i}.variantId"),
            line.quantity,
        )
        for i, line in enumerate(lines)
    ]


def _ok(cart: models.Cart) -> CartPayload:
    return CartPayload(cart=Cart.from_model(cart))


@strawberry.input(description="Who the order is for: how to reach them.")
class CartBuyerIdentityInput:
    email: str | None = strawberry.field(
        default=None, description="Email for the order (empty string clears it)."
    )
    phone: str | None = strawberry.field(
        default=None, description="Phone for the order, Vietnamese forms accepted."
    )
    card_number: str | None = strawberry.field(
        default=None,
        description="At the store's counter only (a POS device, on its own cart): the "
        "scanned membership card, whose member becomes the buyer (their prices, points and "
        "order history). Their own online cart is not touched. UNKNOWN_CARD when no "
        "membership has it; COUNTER_ONLY anywhere else.",
    )


@strawberry.input(
    description="A counter sale at the POS's own store: paid and handed over at once. Send "
    "`{inStore: {}}`."
)
class InStoreInput:
    store_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The counter's store, to double-check; it must be the POS device's.",
    )


@strawberry.input(description="Pickup at a store.")
class PickupInput:
    store_id: strawberry.ID = strawberry.field(
        description="An active store that takes pickups (`Location.pickupEnabled`)."
    )


@strawberry.input(description="A Vietnamese delivery address; every field is required.")
class DeliveryAddressInput:
    recipient: str = strawberry.field(description="Who receives it (≤ 150).")
    phone: str = strawberry.field(description="Their phone, Vietnamese forms accepted.")
    street: str = strawberry.field(description="House number and street (≤ 250).")
    ward: str = strawberry.field(description="Ward (phường/xã).")
    district: str = strawberry.field(description="District (quận/huyện).")
    province: str = strawberry.field(
        description='Province or city, current or former name ("TP. Hồ Chí Minh", "Bình Dương").'
    )


@strawberry.input(description="Delivery to an address.")
class DeliveryInput:
    address: DeliveryAddressInput = strawberry.field(description="Where to.")


@strawberry.input(
    one_of=True, description="Exactly one of `pickup`, `delivery` and (at a counter) `inStore`."
)
class CartFulfillmentInput:
    pickup: PickupInput | None = strawberry.field(
        default=strawberry.UNSET, description="Collect at a store."
    )
    delivery: DeliveryInput | None = strawberry.field(
        default=strawberry.UNSET, description="Deliver to an address."
    )
    in_store: InStoreInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="Sell at the counter (a POS device's own cart): checkoutComplete then "
        "completes the order at once with `paymentMethod: AT_COUNTER` and `paymentReceived`.",
    )


CartIdArg = Annotated[strawberry.ID, strawberry.argument(description="The Cart.")]


async def _change(
    info: OmniInfo,
    cart_id: strawberry.ID,
    change: Callable[[AsyncSession, models.Cart], Awaitable[models.Cart]],
) -> CartPayload:
    pk, token = parse_cart_id(cart_id)
    actor = info.context.actor

    async def work(session: AsyncSession) -> models.Cart:
        cart = await service.open_cart(session, actor, pk, token)
        return await change(session, cart)

    return await mutate(
        info,
        CartPayload,
        work,
        _ok,
        arguments=("cartId", "lines", "lineIds", "buyerIdentity", "fulfillment", "code", "points"),
    )


@strawberry.type
class CartMutation:
    @strawberry.mutation(
        description="Start a cart. Signed in (or identified at a kiosk or counter), this is "
        "your one cart on every channel: an existing one is returned with the lines added."
    )
    async def cart_create(
        self,
        info: OmniInfo,
        input: Annotated[
            CartCreateInput | None, strawberry.argument(description="The first lines.")
        ] = None,
    ) -> CartPayload:
        actor, limits = info.context.actor, _limits(info)
        lines = _lines(input.lines if input else [])
        return await mutate(
            info, CartPayload, lambda s: service.create_cart(s, actor, lines, limits), _ok
        )

    @strawberry.mutation(description="Add variants; a variant already in the cart adds up.")
    async def cart_lines_add(
        self,
        info: OmniInfo,
        cart_id: CartIdArg,
        lines: Annotated[list[CartLineInput], strawberry.argument(description="What to add.")],
    ) -> CartPayload:
        actor, limits, wanted = info.context.actor, _limits(info), _lines(lines)
        return await _change(
            info, cart_id, lambda s, c: service.add_lines(s, actor, c, wanted, limits)
        )

    @strawberry.mutation(description="Change line quantities (remove lines with cartLinesRemove).")
    async def cart_lines_update(
        self,
        info: OmniInfo,
        cart_id: CartIdArg,
        lines: Annotated[
            list[CartLineUpdateInput], strawberry.argument(description="The new quantities.")
        ],
    ) -> CartPayload:
        actor, limits = info.context.actor, _limits(info)
        changes = [
            service.LineChange(
                expect_global_id(line.id, "CartLine", f"lines.{i}.id"), line.quantity
            )
            for i, line in enumerate(lines)
        ]
        return await _change(
            info, cart_id, lambda s, c: service.update_lines(s, actor, c, changes, limits)
        )

    @strawberry.mutation(description="Remove lines.")
    async def cart_lines_remove(
        self,
        info: OmniInfo,
        cart_id: CartIdArg,
        line_ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="The CartLines to remove.")
        ],
    ) -> CartPayload:
        actor = info.context.actor
        ids = [expect_global_id(i, "CartLine", f"lineIds.{n}") for n, i in enumerate(line_ids)]
        return await _change(info, cart_id, lambda s, c: service.remove_lines(s, actor, c, ids))

    @strawberry.mutation(
        description="Set the order's contact. Sent with a customer's token on a guest cart, "
        "the guest cart merges into the customer's cart, which is returned (README, "
        '"Carts").'
    )
    async def cart_buyer_identity_update(
        self,
        info: OmniInfo,
        cart_id: CartIdArg,
        buyer_identity: Annotated[
            CartBuyerIdentityInput, strawberry.argument(description="The contact.")
        ],
    ) -> CartPayload:
        actor, limits = info.context.actor, _limits(info)
        email, phone = buyer_identity.email, buyer_identity.phone
        card = buyer_identity.card_number
        return await _change(
            info,
            cart_id,
            lambda s, c: merge.set_buyer_identity(s, actor, c, email, phone, limits, card),
        )

    @strawberry.mutation(
        description="Choose pickup at a store or delivery to an address. Delivery costs the "
        "configured fee, free from the configured goods total or with a free-delivery voucher."
    )
    async def cart_fulfillment_update(
        self,
        info: OmniInfo,
        cart_id: CartIdArg,
        fulfillment: Annotated[
            CartFulfillmentInput, strawberry.argument(description="Pickup or delivery.")
        ],
    ) -> CartPayload:
        actor = info.context.actor
        pickup, delivery = fulfillment.pickup, fulfillment.delivery
        if fulfillment.in_store:
            given = fulfillment.in_store.store_id
            here = (
                expect_global_id(given, "Location", "fulfillment.inStore.storeId")
                if given is not None
                else None
            )
            return await _change(
                info, cart_id, lambda s, c: fulfillments.set_in_store(s, actor, c, here)
            )
        if pickup:
            store = expect_global_id(pickup.store_id, "Location", "fulfillment.pickup.storeId")
            return await _change(
                info, cart_id, lambda s, c: fulfillments.set_pickup(s, actor, c, store)
            )
        assert delivery
        a = delivery.address
        address = fulfillments.DeliveryAddress(
            a.recipient, a.phone, a.street, a.ward, a.district, a.province
        )
        return await _change(
            info, cart_id, lambda s, c: fulfillments.set_delivery(s, actor, c, address)
        )

    @strawberry.mutation(
        description="Apply a voucher code (any case). Refused with the voucher's code when it "
        "does not apply (UNKNOWN_CODE, NOT_STARTED, EXPIRED, MIN_SUBTOTAL_NOT_MET, "
        "USAGE_LIMIT_REACHED, ALREADY_USED_BY_CUSTOMER, TIER_TOO_LOW, INACTIVE, "
        "SIGN_IN_REQUIRED). One voucher per cart: a new one replaces the old."
    )
    async def cart_voucher_apply(
        self,
        info: OmniInfo,
        cart_id: CartIdArg,
        code: Annotated[str, strawberry.argument(description="The voucher code.")],
    ) -> CartPayload:
        actor, limits = info.context.actor, _limits(info)
        return await _change(
            info, cart_id, lambda s, c: savings.apply_voucher(s, actor, c, code, limits)
        )

    @strawberry.mutation(description="Take the voucher off the cart.")
    async def cart_voucher_remove(self, info: OmniInfo, cart_id: CartIdArg) -> CartPayload:
        actor = info.context.actor
        return await _change(info, cart_id, lambda s, c: savings.remove_voucher(s, actor, c))

    @strawberry.mutation(
        description="Redeem membership points at checkout (0 clears): the member's own cart, "
        "within the balance and the cap. They are spent only when the order is placed."
    )
    async def cart_points_redeem(
        self,
        info: OmniInfo,
        cart_id: CartIdArg,
        points: Annotated[int, strawberry.argument(description="Points to redeem.")],
    ) -> CartPayload:
        actor, limits = info.context.actor, _limits(info)
        return await _change(
            info, cart_id, lambda s, c: savings.redeem_points(s, actor, c, points, limits)
        )
