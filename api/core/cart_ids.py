"""Cart IDs carry the cart's secret token: holding the ID is what lets a guest use the
cart, and no other cart's ID can be derived from it. Here rather than in api/carts because
sign-in (api/auth, api/membership) takes a guest cart's ID too; so does the merge hook."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.core.errors import ClientError
from domain.carts import merge
from domain.carts.service import CartLimits

_RAW = re.compile(r"Cart:([1-9][0-9]{0,18}):([A-Za-z0-9_-]{43})")


def cart_global_id(pk: int, token: str) -> str:
    return base64.urlsafe_b64encode(f"Cart:{pk}:{token}".encode()).decode().rstrip("=")


def parse_cart_id(global_id: str, field: str = "cartId") -> tuple[int, str]:
    """(database id, token); anything but the form `cart_global_id` makes is refused."""
    invalid = ClientError(f"`{field}` is not a cart ID.", field=field)
    if len(global_id) > 200:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid from None
    match = _RAW.fullmatch(raw)
    if match is None or cart_global_id(int(match.group(1)), match.group(2)) != global_id:
        raise invalid
    return int(match.group(1)), match.group(2)


def cart_limits(settings: Settings) -> CartLimits:
    return CartLimits(
        max_lines=settings.cart_max_lines,
        max_quantity=settings.cart_max_quantity,
        rules=settings.pricing.rules(),
    )


def merge_after_sign_in(
    settings: Settings, cart_id: str | None
) -> Callable[[AsyncSession, int], Awaitable[None]] | None:
    """For `customerLogin(cartId)` and `membershipClaimComplete(cartId)`: merge the guest
    cart into the customer's in the sign-in's transaction."""
    if cart_id is None:
        return None
    pk, token = parse_cart_id(cart_id)
    limits = cart_limits(settings)

    async def merged(session: AsyncSession, customer_id: int) -> None:
        await merge.merge_at_sign_in(session, customer_id, pk, token, limits)

    return merged
