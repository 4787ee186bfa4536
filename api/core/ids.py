"""Relay global IDs: base64url("TypeName:database id"), opaque to clients."""

from __future__ import annotations

import base64
import binascii
import functools
import re

from api.core.errors import ClientError

MAX_ID_LENGTH = 200
_CANONICAL_B64 = re.compile(r"[A-Za-z0-9_-]+")
_CANONICAL_RAW = re.compile(r"([A-Z][A-Za-z]*):([1-9][0-9]*)")


def to_global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


# Cached: a listing asks for the stock at the same store once per variant, with one ID.
@functools.lru_cache(maxsize=8192)
def from_global_id(global_id: str, field: str = "id") -> tuple[str, int]:
    """Decode a global ID; anything but the exact form `to_global_id` makes is refused.

    One entity has one ID: `Product:1_0`, `Product: 1`, `Product:01`, non-ASCII digits or
    padded base64 would otherwise all decode to some product, which breaks caching by ID and
    lets clients probe with forms Omni never issued.
    """
    invalid = ClientError(f"`{field}` is not a valid ID: {global_id[:60]!r}.", field=field)
    if len(global_id) > MAX_ID_LENGTH or not _CANONICAL_B64.fullmatch(global_id):
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid from None
    match = _CANONICAL_RAW.fullmatch(raw)
    if match is None:
        raise invalid
    type_name, value = match.group(1), int(match.group(2))
    if value >= 2**63 or to_global_id(type_name, value) != global_id:
        raise invalid
    return type_name, value


def expect_global_id(global_id: str, type_name: str, field: str = "id") -> int:
    """The database id inside a global ID that must be of `type_name`."""
    actual, pk = from_global_id(global_id, field)
    if actual != type_name:
        raise ClientError(
            f"`{field}` must be the ID of a {type_name}, not of a {actual}.", field=field
        )
    return pk
