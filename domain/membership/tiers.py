"""Tier rules: which tier a 12-month spend earns, and the progress to the next one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, Protocol, TypeVar


class TierLike(Protocol):
    @property
    def min_spend(self) -> Decimal: ...


T = TypeVar("T", bound=TierLike)


@dataclass(frozen=True, slots=True)
class Progress(Generic[T]):
    current: T
    next: T | None
    spend: Decimal
    remaining: Decimal  # 0 at the top tier


def tier_for_spend(tiers: Sequence[T], spend: Decimal) -> T:
    """The highest tier whose threshold the spend reaches (tiers need not be sorted)."""
    ordered = sorted(tiers, key=lambda t: t.min_spend)
    eligible = [t for t in ordered if t.min_spend <= max(spend, Decimal(0))]
    return eligible[-1] if eligible else ordered[0]


def progress(tiers: Sequence[T], spend: Decimal) -> Progress[T]:
    current = tier_for_spend(tiers, spend)
    higher = sorted(
        (t for t in tiers if t.min_spend > current.min_spend), key=lambda t: t.min_spend
    )
    nxt = higher[0] if higher else None
    remaining = max(Decimal(0), nxt.min_spend - spend) if nxt is not None else Decimal(0)
    return Progress(current=current, next=nxt, spend=spend, remaining=remaining)
