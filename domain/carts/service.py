"""Cart use cases: create, add, change and remove lines.

Who may touch a cart: anyone who holds a guest cart's id (it carries an unguessable
token); a customer's cart, only that customer (also through a kiosk or counter session
identifying them) and staff. A signed-in customer has one active online cart on every
channel; creating a cart while signed in returns it with the new lines added.
"""

from __future__ import annotations

import dataclasses
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.carts import pricing as cart_pricing
from domain.carts.errors import CartErrorCode, cart_error
from domain.carts.models import Cart, CartLine, CartStatus
from domain.catalog.models import Product, ProductVariant
from domain.catalog.visibility import variant_shown_to
from domain.channels import Channel
from domain.db import in_ids
from domain.errors import NotFound
from domain.inventory.repository import supply_by_variant
from domain.pricing import model as pricing

MAX_LINES = 100
MAX_QUANTITY = 99


@dataclass(frozen=True, slots=True)
class LineInput:
    variant_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class LineChange:
    line_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class CartLimits:
    max_lines: int = MAX_LINES
    max_quantity: int = MAX_QUANTITY
    rules: pricing.Rules = dataclasses.field(default_factory=pricing.Rules)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _not_found() -> NotFound:
    return NotFound("No such cart.", "cartId")


async def open_cart(
    session: AsyncSession, actor: Actor, cart_id: int, token: str, *, lock: bool = True
) -> Cart:
    """The cart, locked for a change, if the caller may use it; NOT_FOUND otherwise (a
    wrong token and someone else's cart look the same)."""
    cart = await session.get(Cart, cart_id, with_for_update=lock, populate_existing=lock)
    if cart is None or not hmac.compare_digest(cart.token, token):
        raise _not_found()
    if cart.device_id is not None:
        # A counter's cart stays at its counter, also once a member's card is scanned.
        if not (is_counter(actor) and actor.device and actor.device.id == cart.device_id):
            raise _not_found()
        return cart
    if cart.customer_id is not None and not (
        actor.staff is not None or actor.customer_id == cart.customer_id
    ):
        raise _not_found()
    return cart


def is_counter(actor: Actor) -> bool:
    """A store's POS device (with or without its cashier signed in)."""
    return actor.device is not None and actor.device.channel is Channel.POS


def require_open(cart: Cart) -> None:
    if cart.status is not CartStatus.ACTIVE:
        raise cart_error(
            CartErrorCode.CART_CLOSED, f"This cart is {cart.status.value.lower()}.", "cartId"
        )


async def customer_cart(session: AsyncSession, customer_id: int) -> Cart | None:
    return await session.scalar(
        select(Cart).where(
            Cart.customer_id == customer_id,
            Cart.status == CartStatus.ACTIVE,
            Cart.device_id.is_(None),
        )
    )


async def create_cart(
    session: AsyncSession, actor: Actor, lines: Sequence[LineInput], limits: CartLimits
) -> Cart:
    """A new guest cart, or the signed-in (or identified) customer's one cart. A store's
    counter always gets a cart of its own: a member's card is attached to it later, and
    their online cart is never touched."""
    counter = is_counter(actor)
    customer_id = None if counter else actor.customer_id
    cart: Cart | None = None
    if customer_id is not None:
        # Two first carts of one customer at once: the second waits and finds the first.
        await session.execute(select(func.pg_advisory_xact_lock(2, customer_id)))
        cart = await customer_cart(session, customer_id)
    if cart is None:
        moment = datetime.now(UTC)
        cart = Cart(
            token=new_token(),
            created_at=moment,
            updated_at=moment,
            status=CartStatus.ACTIVE,
            customer_id=customer_id,
            device_id=actor.device.id if counter and actor.device else None,
            channel=actor.channel,
            last_channel=actor.channel,
            points_redeemed=0,
        )
        session.add(cart)
        await session.flush()
    await add_lines(session, actor, cart, lines, limits)
    return cart


async def _on_sale(
    session: AsyncSession, actor: Actor, variant_ids: Sequence[int], field: str
) -> dict[int, tuple[ProductVariant, Product]]:
    """Variants a customer may buy, keyed by id; any other id is INVALID_VARIANT. Staff
    rules do not apply here: an archived variant cannot be bought by anyone."""
    rows = (
        await session.execute(
            select(ProductVariant, Product)
            .join(Product, Product.id == ProductVariant.product_id)
            .where(in_ids(ProductVariant.id, variant_ids))
        )
    ).all()
    buyer = Actor(channel=actor.channel, customer_id=actor.customer_id)
    found = {v.id: (v, p) for v, p in rows if variant_shown_to(v, p, buyer)}
    for i, variant_id in enumerate(variant_ids):
        if variant_id not in found:
            raise cart_error(
                CartErrorCode.INVALID_VARIANT,
                "This variant is not on sale.",
                f"{field}.{i}.variantId",
            )
    return found


def _check_quantity(quantity: int, limits: CartLimits, field: str) -> None:
    if not 1 <= quantity <= limits.max_quantity:
        raise cart_error(
            CartErrorCode.INVALID_QUANTITY,
            f"A quantity is 1 to {limits.max_quantity}.",
            field,
        )


async def _check_supply(session: AsyncSession, wanted: dict[int, tuple[int, str]]) -> None:
    """`wanted`: variant id → (quantity, field)."""
    supply = await supply_by_variant(session, list(wanted))
    for variant_id, (quantity, field) in wanted.items():
        available = supply.get(variant_id, 0)
        if quantity > available:
            raise cart_error(
                CartErrorCode.INSUFFICIENT_STOCK,
                f"Only {available} available." if available else "Out of stock everywhere.",
                field,
            )


async def _lines(session: AsyncSession, cart: Cart) -> list[CartLine]:
    return list(
        await session.scalars(
            select(CartLine).where(CartLine.cart_id == cart.id).order_by(CartLine.id)
        )
    )


async def _prices(
    session: AsyncSession,
    cart: Cart,
    variants: list[tuple[ProductVariant, Product]],
    limits: CartLimits,
) -> dict[int, Decimal]:
    """What the owner pays now per unit: remembered on the line, for PRICE_CHANGED."""
    ctx = await cart_pricing.owner_context(session, cart, limits.rules)
    return await cart_pricing.unit_prices(session, ctx, variants)


def touch(cart: Cart, actor: Actor) -> None:
    cart.last_channel = actor.channel
    cart.updated_at = datetime.now(UTC)


async def add_lines(
    session: AsyncSession,
    actor: Actor,
    cart: Cart,
    lines: Sequence[LineInput],
    limits: CartLimits,
    field: str = "lines",
) -> Cart:
    """Add quantities; a variant already in the cart adds to its line."""
    require_open(cart)
    for i, line in enumerate(lines):
        _check_quantity(line.quantity, limits, f"{field}.{i}.quantity")
    variants = await _on_sale(session, actor, [line.variant_id for line in lines], field)
    existing = {row.variant_id: row for row in await _lines(session, cart)}
    totals: dict[int, tuple[int, str]] = {}
    for i, line in enumerate(lines):
        held = existing.get(line.variant_id)
        before = totals[line.variant_id][0] if line.variant_id in totals else 0
        if not before and held is not None:
            before = held.quantity
        quantity = before + line.quantity
        _check_quantity(quantity, limits, f"{field}.{i}.quantity")
        totals[line.variant_id] = (quantity, f"{field}.{i}.quantity")
    if len(set(existing) | set(totals)) > limits.max_lines:
        raise cart_error(CartErrorCode.TOO_MANY_LINES, f"At most {limits.max_lines} lines.", field)
    await _check_supply(session, totals)
    seen = await _prices(session, cart, list(variants.values()), limits)
    for variant_id, (quantity, _) in totals.items():
        row = existing.get(variant_id)
        if row is None:
            session.add(
                CartLine(
                    cart_id=cart.id,
                    variant_id=variant_id,
                    quantity=quantity,
                    seen_price=seen[variant_id],
                )
            )
        else:
            row.quantity, row.seen_price = quantity, seen[variant_id]
    touch(cart, actor)
    await session.flush()
    return cart


async def update_lines(
    session: AsyncSession,
    actor: Actor,
    cart: Cart,
    changes: Sequence[LineChange],
    limits: CartLimits,
) -> Cart:
    require_open(cart)
    by_id = {line.id: line for line in await _lines(session, cart)}
    wanted: dict[int, tuple[int, str]] = {}
    for i, change in enumerate(changes):
        _check_quantity(change.quantity, limits, f"lines.{i}.quantity")
        line = by_id.get(change.line_id)
        if line is None:
            raise cart_error(CartErrorCode.LINE_NOT_FOUND, "No such line.", f"lines.{i}.id")
        wanted[line.variant_id] = (change.quantity, f"lines.{i}.quantity")
    variants = await _on_sale(session, actor, list(wanted), "lines")
    await _check_supply(session, wanted)
    seen = await _prices(session, cart, list(variants.values()), limits)
    for change in changes:
        line = by_id[change.line_id]
        line.quantity, line.seen_price = change.quantity, seen[line.variant_id]
    touch(cart, actor)
    await session.flush()
    return cart


async def remove_lines(
    session: AsyncSession, actor: Actor, cart: Cart, line_ids: Sequence[int]
) -> Cart:
    require_open(cart)
    by_id = {line.id: line for line in await _lines(session, cart)}
    for i, line_id in enumerate(line_ids):
        if line_id not in by_id:
            raise cart_error(CartErrorCode.LINE_NOT_FOUND, "No such line.", f"lineIds.{i}")
    for line_id in set(line_ids):
        await session.delete(by_id[line_id])
    touch(cart, actor)
    await session.flush()
    return cart
