"""A guest cart meets its customer: at sign-in, at claim, or when a signed-in customer
gives a guest cart their identity.

The rule (README, "Carts"): the customer's active cart absorbs the guest cart. A variant in
both gets the sum of the quantities, capped at the per-line maximum; the guest's other lines
join while the cart has fewer than the maximum number of lines (the customer's own lines
come first); the guest cart's contact fills what the customer's cart lacks; the guest cart
is closed as MERGED and points to the customer's. A customer without a cart simply adopts
the guest cart. Stock is not re-checked here: the cart's warnings and blockers say if a
merged quantity cannot be supplied.
"""

from __future__ import annotations

import hmac

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.carts.errors import CartErrorCode, cart_error
from domain.carts.models import Cart, CartLine, CartStatus
from domain.carts.service import CartLimits, customer_cart, is_counter, require_open, touch
from domain.contact import normalize_email, normalize_phone
from domain.membership.models import Membership


async def merge_into_customer(
    session: AsyncSession, guest: Cart, customer_id: int, limits: CartLimits
) -> Cart:
    """The customer's cart after absorbing `guest` (locked by the caller)."""
    if guest.status is not CartStatus.ACTIVE:
        return await _current(session, customer_id, guest)
    if guest.customer_id == customer_id:
        return guest
    await session.execute(select(func.pg_advisory_xact_lock(2, customer_id)))
    target = await customer_cart(session, customer_id)
    if target is None:
        guest.customer_id = customer_id
        await session.flush()
        return guest
    target = await session.get(Cart, target.id, with_for_update=True, populate_existing=True)
    assert target is not None
    mine = {
        line.variant_id: line
        for line in await session.scalars(select(CartLine).where(CartLine.cart_id == target.id))
    }
    theirs = list(
        await session.scalars(
            select(CartLine).where(CartLine.cart_id == guest.id).order_by(CartLine.id)
        )
    )
    for line in theirs:
        held = mine.get(line.variant_id)
        if held is not None:
            held.quantity = min(held.quantity + line.quantity, limits.max_quantity)
            await session.delete(line)
        elif len(mine) < limits.max_lines:
            line.cart_id = target.id
            mine[line.variant_id] = line
        else:
            await session.delete(line)
    target.email = target.email or guest.email
    target.phone = target.phone or guest.phone
    guest.status = CartStatus.MERGED
    guest.merged_into_id = target.id
    await session.flush()
    return target


async def _current(session: AsyncSession, customer_id: int, guest: Cart) -> Cart:
    """A closed guest cart merges nothing: the customer's own cart stands (or the closed
    cart, when they have none, so the caller sees CART_CLOSED on the next change)."""
    return await customer_cart(session, customer_id) or guest


async def set_buyer_identity(
    session: AsyncSession,
    actor: Actor,
    cart: Cart,
    email: str | None,
    phone: str | None,
    limits: CartLimits,
    card_number: str | None = None,
) -> Cart:
    """Contact for the order (a guest must give one). Sent with a customer's token on a
    guest cart, the guest cart merges into the customer's cart (domain/carts/merge.py).
    At a counter, a scanned membership card makes its member the buyer of the counter's
    own cart (prices, points and the order follow them); nothing else of theirs changes."""
    require_open(cart)
    if card_number is not None:
        if cart.device_id is None or not is_counter(actor):
            raise cart_error(
                CartErrorCode.COUNTER_ONLY,
                "A card is scanned at the store's counter.",
                "buyerIdentity.cardNumber",
            )
        member = await session.scalar(
            select(Membership.customer_id).where(Membership.card_number == card_number.strip())
        )
        if member is None:
            raise cart_error(
                CartErrorCode.UNKNOWN_CARD,
                "No membership has this card number.",
                "buyerIdentity.cardNumber",
            )
        if cart.customer_id != member:
            # Points belong to whoever redeems them: a new buyer starts with none.
            cart.points_redeemed = 0
        cart.customer_id = member
    elif actor.customer_id is not None and cart.customer_id is None and cart.device_id is None:
        cart = await merge_into_customer(session, cart, actor.customer_id, limits)
    if email is not None:
        cart.email = normalize_email(email, "buyerIdentity.email") if email.strip() else None
    if phone is not None:
        cart.phone = normalize_phone(phone, "buyerIdentity.phone") if phone.strip() else None
    touch(cart, actor)
    await session.flush()
    return cart


async def merge_at_sign_in(
    session: AsyncSession, customer_id: int, cart_id: int, token: str, limits: CartLimits
) -> None:
    """Sign-in with a guest cart: merge it. A cart that is not there, not a guest cart or
    no longer open is left alone (signing in never fails because of a cart)."""
    cart = await session.get(Cart, cart_id, with_for_update=True, populate_existing=True)
    if cart is None or not hmac.compare_digest(cart.token, token):
        return
    if cart.customer_id is not None or cart.status is not CartStatus.ACTIVE:
        return
    await merge_into_customer(session, cart, customer_id, limits)
