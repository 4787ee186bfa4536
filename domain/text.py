"""Cleaning free-text input fields."""

from __future__ import annotations

from domain.errors import InvalidInput


def clean_text(value: str | None, field: str, max_length: int, *, required: bool = True) -> str:
    """Stripped text of at most `max_length` characters; refused when empty and required."""
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInput(f"`{field}` is required.", field)
    if len(cleaned) > max_length:
        raise InvalidInput(f"`{field}` is longer than {max_length} characters.", field)
    return cleaned
