"""When prices next change, so that a cache of prices can expire exactly then."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from domain.pricing.model import Promotion


def next_change(promotions: Iterable[Promotion], at: datetime) -> datetime | None:
    """The first start or end of a promotion after `at`; None when none is ahead.

    Price edits, new promotions and tier changes are not scheduled: they record change
    events, which is how a cache learns of them."""
    moments = [
        moment
        for p in promotions
        for moment in (p.starts_at, p.ends_at)
        if moment is not None and moment > at
    ]
    return min(moments, default=None)
