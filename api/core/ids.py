"""Relay global IDs: base64url("TypeName:database id"), opaque to clients."""

from __future__ import annotations

import base64
import binascii

from api.core.errors import ClientError

MAX_ID_LENGTH = 200


def to_global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def from_global_id(global_id: str, field: str = "id") -> tuple[str, int]:
    """Decode a global ID; a malformed one is a client error."""
    if len(global_id) > MAX_ID_LENGTH:
        raise ClientError(f"`{field}` is not a valid ID.", field=field)
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
        type_name, _, pk = raw.partition(":")
        value = int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ClientError(
            f"`{field}` is not a valid ID: {global_id[:60]!r}.", field=field
        ) from None
    if not type_name or value <= 0 or value >= 2**63:
        raise ClientError(f"`{field}` is not a valid ID: {global_id[:60]!r}.", field=field)
    return type_name, value


def expect_global_id(global_id: str, type_name: str, field: str = "id") -> int:
    """The database id inside a global ID that must be of `type_name`."""
    actual, pk = from_global_id(global_id, field)
    if actual != type_name:
        raise ClientError(
            f"`{field}` must be the ID of a {type_name}, not of a {actual}.", field=field
        )
    return pk
