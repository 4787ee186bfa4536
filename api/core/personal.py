"""Personal fields: what a limited in-store session may not read."""

from __future__ import annotations

from api.core.types import OmniInfo
from domain.errors import forbidden


def personal(description: str) -> str:
    """The description of a field a limited in-store session may not read."""
    return description + " Null, with a FORBIDDEN error, for a limited in-store session."


def guard_personal(info: OmniInfo, customer_id: int) -> None:
    """Refuse a field that a limited in-store session may not read; the field is nullable,
    so the rest of the customer still comes back."""
    if not info.context.sees_personal_data(customer_id):
        raise forbidden(
            "This customer session shows only the first name and points "
            "(identified by phone at an unattended kiosk)."
        )
