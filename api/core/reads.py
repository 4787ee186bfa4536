"""What an answer read that changes often or with time, for the response cache.

Most of the catalog changes by back-office edits, which empty the whole cache. Stock changes
at every sale, so a cached answer remembers whose stock it read and is evicted only by those
variants' stock events; and some answers change with the clock alone (a promotion starting,
a store opening), so they remember when they stop being true. Resolvers and loaders note
both here through a context variable, which costs nothing when no cache is listening.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(slots=True)
class Reads:
    stock_variants: set[int] = field(default_factory=set)
    stock_products: set[int] = field(default_factory=set)
    # A stock filter (in stock at a store, pickup available): any stock change may move it.
    any_stock: bool = False
    # The first moment the answer may no longer be true without any change being recorded.
    expires_at: datetime | None = None

    def until(self, moment: datetime | None) -> None:
        if moment is not None and (self.expires_at is None or moment < self.expires_at):
            self.expires_at = moment


current_reads: ContextVar[Reads | None] = ContextVar("omni_reads", default=None)


def stock_of(
    variant_ids: Iterable[int] = (), product_ids: Iterable[int] = (), any_stock: bool = False
) -> None:
    """The answer shows (or was filtered by) the stock of these variants or products."""
    reads = current_reads.get()
    if reads is None:
        return
    reads.stock_variants.update(variant_ids)
    reads.stock_products.update(product_ids)
    reads.any_stock = reads.any_stock or any_stock


def true_until(moment: datetime | None) -> None:
    """The answer depends on the clock and may change at `moment` (None: never)."""
    reads = current_reads.get()
    if reads is not None:
        reads.until(moment)


def next_minute(now: datetime) -> datetime:
    """Opening hours are kept to the minute, so "open now" can change only on one."""
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)
