"""Input checks shared by promotions and vouchers: time windows, tiers, labels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import InvalidInput
from domain.membership.models import Tier
from domain.pricebook.errors import PriceBookErrorCode, price_book_error
from domain.pricing.model import Label
from domain.text import clean_text


def aware(moment: datetime | None, field: str) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise InvalidInput(f"`{field}` needs a time zone, e.g. 2026-09-02T00:00:00+07:00.", field)
    return moment


def check_window(starts_at: datetime | None, ends_at: datetime | None) -> None:
    aware(starts_at, "startsAt")
    aware(ends_at, "endsAt")
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise price_book_error(
            PriceBookErrorCode.INVALID_WINDOW, "`endsAt` must be after `startsAt`.", "endsAt"
        )


def label(value: Label, field: str, max_length: int, *, required: bool = True) -> Label:
    """Vietnamese is required; English falls back to it."""
    vi = clean_text(value.vi, f"{field}.vi", max_length, required=required)
    en = clean_text(value.en, f"{field}.en", max_length, required=False)
    return Label(vi=vi, en=en or vi)


async def tier_id(session: AsyncSession, code: str | None, field: str) -> int | None:
    if code is None:
        return None
    found = await session.scalar(select(Tier.id).where(Tier.code == code.strip().upper()))
    if found is None:
        raise price_book_error(PriceBookErrorCode.UNKNOWN_TIER, f"No tier {code!r}.", field)
    return found
