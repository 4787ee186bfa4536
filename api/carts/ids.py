"""Cart IDs carry the cart's secret token: holding the ID is what lets a guest use the
cart, and no other cart's ID can be derived from it."""

from __future__ import annotations

import base64
import binascii
import re

from api.core.errors import ClientError

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
