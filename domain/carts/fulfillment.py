"""How the cart reaches its buyer: pickup at a store, or delivery to a Vietnamese address."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.carts.errors import CartErrorCode, cart_error
from domain.carts.models import Cart
from domain.carts.provinces import province
from domain.carts.service import is_counter, require_open, touch
from domain.contact import normalize_phone
from domain.inventory.models import Location
from domain.text import clean_text

PICKUP = "PICKUP"
DELIVERY = "DELIVERY"
# Sold at the counter and handed over at once (a counter sale).
IN_STORE = "IN_STORE"


@dataclass(frozen=True, slots=True)
class DeliveryAddress:
    recipient: str
    phone: str
    street: str
    ward: str
    district: str
    province: str


def _address(address: DeliveryAddress, field: str) -> dict[str, str]:
    values = {
        name: clean_text(getattr(address, name), f"{field}.{name}", limit)
        for name, limit in (
            ("recipient", 150),
            ("street", 250),
            ("ward", 120),
            ("district", 120),
            ("province", 120),
        )
    }
    values["phone"] = normalize_phone(address.phone, f"{field}.phone")
    known = province(values["province"])
    if known is None:
        raise cart_error(
            CartErrorCode.INVALID_ADDRESS,
            f"{values['province']!r} is not one of Vietnam's 34 provinces and cities.",
            f"{field}.province",
        )
    values["province"] = known
    return values


async def set_pickup(session: AsyncSession, actor: Actor, cart: Cart, store_id: int) -> Cart:
    require_open(cart)
    store = await session.get(Location, store_id)
    if store is None or not store.active or not store.pickup_enabled:
        raise cart_error(
            CartErrorCode.PICKUP_UNAVAILABLE,
            "This store does not take pickups.",
            "fulfillment.pickup.storeId",
        )
    cart.fulfillment_kind = PICKUP
    cart.pickup_location_id = store.id
    cart.delivery_address = None
    touch(cart, actor)
    await session.flush()
    return cart


async def set_delivery(
    session: AsyncSession, actor: Actor, cart: Cart, address: DeliveryAddress
) -> Cart:
    require_open(cart)
    cart.delivery_address = _address(address, "fulfillment.delivery.address")
    cart.fulfillment_kind = DELIVERY
    cart.pickup_location_id = None
    touch(cart, actor)
    await session.flush()
    return cart


async def set_in_store(
    session: AsyncSession, actor: Actor, cart: Cart, store_id: int | None = None
) -> Cart:
    """A counter sale at the POS's own store (`store_id`, when given, must be it): the
    goods are handed over with the sale."""
    require_open(cart)
    device = actor.device
    if device is None or not is_counter(actor) or cart.device_id != device.id:
        raise cart_error(
            CartErrorCode.COUNTER_ONLY,
            "Only the store's counter sells in store, on its own cart.",
            "fulfillment.inStore",
        )
    if store_id is not None and store_id != device.location_id:
        raise cart_error(
            CartErrorCode.COUNTER_ONLY,
            "This POS belongs to another store.",
            "fulfillment.inStore.storeId",
        )
    cart.fulfillment_kind = IN_STORE
    cart.pickup_location_id = device.location_id
    cart.delivery_address = None
    touch(cart, actor)
    await session.flush()
    return cart
