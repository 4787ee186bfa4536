"""`checkoutComplete`: a cart becomes an order in one transaction.

In order: claim the idempotency key (a duplicate waits on it and then returns the first
order), lock the cart, re-price it for its owner, choose the location (the pickup store,
or the shipping location nearest the address that holds every line), create the order
with a snapshot of every price, reserve each line's stock, consume the voucher use, redeem
the points, record the payment, the order event and the notification (the outbox), and
close the cart. Any refusal or failure rolls all of it back.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.carts import pricing as cart_pricing
from domain.carts.fulfillment import DELIVERY, IN_STORE, PICKUP
from domain.carts.models import Cart, CartLine, CartStatus
from domain.carts.provinces import PROVINCES
from domain.carts.service import CartLimits, is_counter, open_cart
from domain.catalog.models import Product, ProductVariant
from domain.catalog.visibility import variant_shown_to
from domain.customers.models import Customer
from domain.db import in_ids
from domain.errors import forbidden
from domain.inventory import stock
from domain.inventory.models import Location, StockLevel
from domain.membership.ledger import Posting, post_points
from domain.membership.models import Membership, PointsKind
from domain.notifications.models import Notification, NotificationChannel
from domain.orders import earning, payments
from domain.orders.errors import CheckoutErrorCode, checkout_error
from domain.orders.models import (
    ORDER_NUMBERS,
    IdempotencyKey,
    Order,
    OrderEvent,
    OrderKind,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from domain.pricebook import vouchers
from domain.pricebook.context import ancestry, item
from domain.pricebook.models import Voucher
from domain.pricing.breakdown import Adjustment, CartPrice
from domain.pricing.calculator import CartLine as EngineLine
from domain.pricing.calculator import price_cart

NUMBER_PREFIX = "SF"
# A duplicate checkout waits at most this long for the first one to commit.
KEY_WAIT = "5s"

# Tests set this to fail a checkout after its reservations (tests/test_checkout.py); it is
# None everywhere else.
after_reservations: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True, slots=True)
class Placed:
    """The order a checkout made, with its lines and location as written (the API answers
    from them without reading them back); only the order on a replay."""

    order: Order
    lines: list[OrderLine] | None = None
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class CheckoutSettings:
    limits: CartLimits
    delivery_fee: Decimal
    spend_per_point: Decimal = Decimal(10_000)


METHODS = {
    PICKUP: PaymentMethod.PAY_AT_STORE,
    DELIVERY: PaymentMethod.CASH_ON_DELIVERY,
    IN_STORE: PaymentMethod.AT_COUNTER,
}
KINDS = {PICKUP: OrderKind.PICKUP, DELIVERY: OrderKind.DELIVERY, IN_STORE: OrderKind.IN_STORE}


def _adjustment(a: Adjustment) -> dict[str, Any]:
    return {
        "source": a.source.value,
        "refId": a.ref_id,
        "code": a.code,
        "label": {"vi": a.label.vi, "en": a.label.en},
        "perUnit": None if a.per_unit is None else str(a.per_unit),
        "amount": str(a.per_line),
    }


async def _claim_key(session: AsyncSession, key: str, cart_id: int) -> Order | None:
    """The order an earlier checkout with this key made, or None when this one is first.
    A concurrent duplicate blocks on the key's unique index until the first commits."""
    if not 8 <= len(key) <= 255:
        raise checkout_error(
            CheckoutErrorCode.INVALID_IDEMPOTENCY_KEY,
            "An idempotency key is 8–255 characters.",
            "idempotencyKey",
        )
    await session.execute(text(f"SET LOCAL lock_timeout = '{KEY_WAIT}'"))
    claimed = await session.scalar(
        insert(IdempotencyKey)
        .values(key=key, cart_id=cart_id)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(IdempotencyKey.key)
    )
    if claimed is not None:
        return None
    earlier = await session.get(IdempotencyKey, key)
    assert earlier is not None
    if earlier.cart_id != cart_id:
        raise checkout_error(
            CheckoutErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This key was used for another cart.",
            "idempotencyKey",
        )
    return await session.get(Order, earlier.order_id) if earlier.order_id else None


def _nearest(address: dict[str, Any] | None, location: Location) -> float:
    here = PROVINCES.get((address or {}).get("province", ""))
    if here is None or location.latitude is None or location.longitude is None:
        return math.inf
    return math.dist(here, (float(location.latitude), float(location.longitude)))


async def _shipping_location(session: AsyncSession, cart: Cart, wanted: dict[int, int]) -> Location:
    """The shipping location holding every line, nearest the delivery province."""
    candidates = list(
        await session.scalars(
            select(Location).where(Location.active.is_(True), Location.ships_orders.is_(True))
        )
    )
    levels = await session.execute(
        select(
            StockLevel.location_id, StockLevel.variant_id, StockLevel.on_hand - StockLevel.reserved
        ).where(in_ids(StockLevel.variant_id, wanted))
    )
    held: dict[int, dict[int, int]] = {}
    for location_id, variant_id, available in levels:
        held.setdefault(location_id, {})[variant_id] = available
    able = [
        loc
        for loc in candidates
        if all(held.get(loc.id, {}).get(v, 0) >= q for v, q in wanted.items())
    ]
    if not able:
        raise checkout_error(
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            "No single shipping location holds every line.",
            "cartId",
        )
    return min(able, key=lambda loc: (_nearest(cart.delivery_address, loc), loc.id))


async def _pickup_location(session: AsyncSession, cart: Cart) -> Location:
    store = await session.get(Location, cart.pickup_location_id or 0)
    if store is None or not store.active:
        raise checkout_error(CheckoutErrorCode.NO_FULFILLMENT, "The store is not open.")
    if cart.fulfillment_kind == PICKUP and not store.pickup_enabled:
        raise checkout_error(
            CheckoutErrorCode.NO_FULFILLMENT, "The pickup store no longer takes pickups."
        )
    return store


async def _contact(session: AsyncSession, cart: Cart) -> tuple[str | None, str | None]:
    email, phone = cart.email, cart.phone
    if cart.customer_id is not None:
        customer = await session.get(Customer, cart.customer_id)
        if customer is not None:
            email, phone = email or customer.email, phone or customer.phone
    # A walk-in at the counter takes the goods and the receipt with them.
    if not (email or phone) and cart.fulfillment_kind != IN_STORE:
        raise checkout_error(
            CheckoutErrorCode.CONTACT_REQUIRED, "Give an email or a phone first.", "cartId"
        )
    return email, phone


async def checkout(
    session: AsyncSession,
    actor: Actor,
    *,
    cart_id: int,
    token: str,
    key: str,
    method: PaymentMethod,
    settings: CheckoutSettings,
    received: payments.Received | None = None,
) -> Placed:
    replay = await _claim_key(session, key, cart_id)
    if replay is not None:
        return Placed(replay)
    cart = await open_cart(session, actor, cart_id, token)
    if cart.status is CartStatus.ORDERED:
        done = await session.scalar(select(Order).where(Order.cart_id == cart.id))
        raise checkout_error(
            CheckoutErrorCode.CART_ALREADY_ORDERED,
            f"This cart is already order {done.number}." if done else "Already ordered.",
            "cartId",
        )
    if cart.status is not CartStatus.ACTIVE:
        raise checkout_error(CheckoutErrorCode.CART_ALREADY_ORDERED, "This cart is closed.")
    if cart.fulfillment_kind is None:
        raise checkout_error(CheckoutErrorCode.NO_FULFILLMENT, "Choose pickup or delivery.")
    expected = METHODS[cart.fulfillment_kind]
    if method is not expected:
        raise checkout_error(
            CheckoutErrorCode.INVALID_PAYMENT_METHOD,
            f"{cart.fulfillment_kind.lower().replace('_', ' ')} is paid with {expected.value}.",
            "paymentMethod",
        )
    counter_sale = cart.fulfillment_kind == IN_STORE
    if counter_sale:
        if actor.staff is None or actor.device is None or not is_counter(actor):
            raise forbidden("A counter sale needs the cashier signed in at the store's POS.")
        actor.staff.require_store(actor.device.location_id, "cartId")
    elif received is not None:
        raise checkout_error(
            CheckoutErrorCode.INVALID_PAYMENT_METHOD,
            "Money is taken with the sale only at the counter.",
            "paymentReceived",
        )
    email, phone = await _contact(session, cart)

    rows = (
        await session.execute(
            select(CartLine, ProductVariant, Product)
            .join(ProductVariant, ProductVariant.id == CartLine.variant_id)
            .join(Product, Product.id == ProductVariant.product_id)
            .where(CartLine.cart_id == cart.id)
            .order_by(CartLine.id)
        )
    ).all()
    if not rows:
        raise checkout_error(CheckoutErrorCode.EMPTY, "The cart is empty.", "cartId")
    buyer = Actor(channel=actor.channel)
    for _, variant, product in rows:
        if not variant_shown_to(variant, product, buyer):
            raise checkout_error(
                CheckoutErrorCode.UNAVAILABLE, f"{variant.sku} is no longer on sale.", "cartId"
            )

    offer, ctx = await cart_pricing.owner_pricing(session, cart, settings.limits.rules)
    parents = await cart_pricing.category_parents(session)
    tiers = offer.tiers
    voucher_row = await session.get(Voucher, cart.voucher_id) if cart.voucher_id else None
    engine_voucher = vouchers.to_engine(voucher_row, tiers.ranks) if voucher_row else None
    fee = settings.delivery_fee if cart.fulfillment_kind == DELIVERY else Decimal(0)
    price: CartPrice = price_cart(
        [
            EngineLine(str(line.id), item(v, p, ancestry(p.category_id, parents)), line.quantity)
            for line, v, p in rows
        ],
        ctx,
        voucher=engine_voucher,
        points=cart.points_redeemed,
        delivery_fee=fee,
    )

    if counter_sale:
        received = payments.check(price.total, received, "paymentReceived")
    wanted = {line.variant_id: line.quantity for line, _, _ in rows}
    location = (
        await _shipping_location(session, cart, wanted)
        if cart.fulfillment_kind == DELIVERY
        else await _pickup_location(session, cart)
    )
    number = f"{NUMBER_PREFIX}-{await session.scalar(ORDER_NUMBERS.next_value()):06d}"
    by = actor.ref(location.id)
    order = Order(
        number=number,
        status=OrderStatus.COMPLETED if counter_sale else OrderStatus.PLACED,
        kind=KINDS[cart.fulfillment_kind],
        customer_id=cart.customer_id,
        cart_id=cart.id,
        channel=actor.channel,
        device_id=actor.device.id if actor.device else None,
        location_id=location.id,
        taken_at_id=actor.device.location_id if actor.device else None,
        email=email,
        phone=phone,
        delivery_address=cart.delivery_address,
        payment_method=method,
        subtotal=price.subtotal,
        discounts=price.discounts,
        delivery=price.delivery,
        vat=price.vat_amount,
        total=price.total,
        voucher_id=voucher_row.id if voucher_row and price.voucher_applied else None,
        voucher_code=voucher_row.code if voucher_row and price.voucher_applied else None,
        points_redeemed=price.points_applied,
        breakdown=[_adjustment(a) for a in price.adjustments],
    )
    session.add(order)
    await session.flush()

    holds: list[tuple[int, str, int]] = []
    written: list[OrderLine] = []
    for position, ((line, variant, product), priced) in enumerate(
        zip(rows, price.lines, strict=True), start=1
    ):
        reference = f"{number}/{position}"
        written.append(
            OrderLine(
                order_id=order.id,
                position=position,
                variant_id=variant.id,
                sku=variant.sku,
                product_name=product.name,
                variant_title=variant.title,
                quantity=line.quantity,
                list_price=priced.unit.list_price,
                unit_price=priced.unit.price,
                subtotal=priced.subtotal,
                discounts=priced.discounts,
                total=priced.total,
                vat_rate=priced.unit.vat_rate,
                vat=priced.vat_amount,
                adjustments=[_adjustment(a) for a in priced.adjustments],
                reservation=reference,
            )
        )
        holds.append((variant.id, reference, line.quantity))
    session.add_all(written)
    payment = Payment(
        order_id=order.id, method=method.value, amount=price.total, status=PaymentStatus.PENDING
    )
    session.add(payment)
    paid = payments.settle(payment, price.total, received) if received is not None else {}
    session.add(
        OrderEvent(
            order_id=order.id,
            kind="order.completed" if counter_sale else "order.placed",
            from_status=None,
            to_status=order.status.value,
            actor_kind=by.kind,
            actor_id=by.id,
            channel=actor.channel,
            payload={
                "number": number,
                "total": str(price.total),
                "locationId": location.id,
                **({"payment": paid} if paid else {}),
            },
        )
    )
    if phone or email:
        session.add(
            Notification(
                channel=NotificationChannel.SMS if phone else NotificationChannel.EMAIL,
                recipient=phone or email or "",
                template="order_completed" if counter_sale else "order_placed",
                payload={
                    "number": number,
                    "total": str(price.total),
                    "kind": order.kind.value,
                    "store": location.name,
                },
            )
        )
    cart.status = CartStatus.ORDERED
    await session.flush()
    await session.execute(
        update(IdempotencyKey).where(IdempotencyKey.key == key).values(order_id=order.id)
    )
    # The locks come last and in one order in every checkout (voucher, member, then stock
    # rows): two checkouts sharing a voucher or a bestseller cannot deadlock, and each
    # holds them for a few statements before the commit rather than for the whole checkout.
    if voucher_row is not None and price.voucher_applied:
        goods = sum((pl.unit.price * pl.quantity for pl in price.lines), Decimal(0))
        await vouchers.consume(
            session,
            by,
            voucher_row.id,
            reference=number,
            customer_id=cart.customer_id,
            goods_total=goods,
            discount=-sum(
                (a.per_line for a in price.adjustments if a.source.value == "VOUCHER"),
                Decimal(0),
            ),
            tier=ctx.tier,
            tiers=tiers,
            at=datetime.now(UTC),
        )
    if price.points_applied:
        member = await session.scalar(
            select(Membership.id).where(Membership.customer_id == cart.customer_id)
        )
        assert member is not None  # the engine redeems points only for a member
        await post_points(
            session,
            member,
            Posting(PointsKind.REDEEM, -price.points_applied, f"order {number}", number),
            by,
        )
    if counter_sale:
        await earning.earn(session, order, by, datetime.now(UTC), settings.spend_per_point)
    # Stock rows lock in variant order (the stock service sorts them).
    await stock.reserve_many(
        session,
        by,
        [stock.Hold(ref, variant_id, location.id, quantity) for variant_id, ref, quantity in holds],
        reason=f"order {number}",
    )
    if counter_sale:  # handed over at once: the held units leave the store
        for _, ref, _ in sorted(holds):
            await stock.sell(session, by, ref, reason=f"order {number}")
    if after_reservations is not None:
        await after_reservations()
    return Placed(order, written, location)
