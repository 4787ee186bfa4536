"""A voucher and membership points on a cart. The cart only remembers them: checkout
consumes the voucher use and redeems the points, under lock, when the order is placed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.carts import pricing as cart_pricing
from domain.carts.errors import CartErrorCode, cart_error
from domain.carts.models import Cart
from domain.carts.service import CartLimits, require_open, touch
from domain.membership.models import Membership
from domain.pricebook import vouchers
from domain.pricing.calculator import max_points


async def apply_voucher(
    session: AsyncSession, actor: Actor, cart: Cart, code: str, limits: CartLimits
) -> Cart:
    """Checked now as checkout will check it (window, minimum, tier, limits); a code that
    does not apply is refused with the voucher's code and the cart keeps its voucher."""
    require_open(cart)
    offer, ctx = await cart_pricing.owner_pricing(session, cart, limits.rules)
    goods = await cart_pricing.goods_total(session, cart, ctx)
    voucher = await vouchers.find(session, code[:64])
    await vouchers.check(
        session,
        voucher,
        customer_id=cart.customer_id,
        goods_total=goods,
        tier=ctx.tier,
        tiers=offer.tiers,
        at=datetime.now(UTC),
    )
    assert voucher is not None
    cart.voucher_id = voucher.id
    touch(cart, actor)
    await session.flush()
    return cart


async def remove_voucher(session: AsyncSession, actor: Actor, cart: Cart) -> Cart:
    require_open(cart)
    cart.voucher_id = None
    touch(cart, actor)
    await session.flush()
    return cart


async def redeem_points(
    session: AsyncSession, actor: Actor, cart: Cart, points: int, limits: CartLimits
) -> Cart:
    """Points to spend at checkout (0 clears): a member's own cart only, within their
    balance and the cap (half the order after discounts, by default)."""
    require_open(cart)
    if points < 0:
        raise cart_error(CartErrorCode.INVALID_POINTS, "Points cannot be negative.", "points")
    if points == 0:
        cart.points_redeemed = 0
        await session.flush()
        return cart
    member = None
    if cart.customer_id is not None and actor.customer_id == cart.customer_id:
        member = await session.scalar(
            select(Membership).where(Membership.customer_id == cart.customer_id)
        )
    if member is None or actor.limited:
        raise cart_error(
            CartErrorCode.MEMBER_REQUIRED,
            "Sign in, or be identified at a kiosk or counter, to redeem points.",
            "points",
        )
    if points > member.points_balance:
        raise cart_error(
            CartErrorCode.INSUFFICIENT_POINTS,
            f"The balance is {member.points_balance} points.",
            "points",
        )
    ctx = await cart_pricing.owner_context(session, cart, limits.rules)
    goods = await cart_pricing.goods_total(session, cart, ctx)
    allowed = max_points(goods, ctx)
    if points > allowed:
        raise cart_error(
            CartErrorCode.POINTS_ABOVE_LIMIT,
            f"This order can take at most {allowed} points.",
            "points",
        )
    cart.points_redeemed = points
    touch(cart, actor)
    await session.flush()
    return cart
