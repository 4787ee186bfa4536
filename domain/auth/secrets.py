"""Random secrets (refresh tokens, device keys, one-time codes) and their digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(prefix: str) -> str:
    """A 256-bit URL-safe secret with a readable prefix (e.g. "omd_" for device keys)."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_numeric_code(digits: int = 6) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(digits))


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
