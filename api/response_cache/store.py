"""The per-process cache of public catalog answers.

An entry is the `data` of an answer without errors (as JSON), keyed by the document, the variables,
the response format and the price context. It lives until a change event evicts it, until
the first moment it may stop being true by the clock alone (a promotion starting, a store
opening: api/core/reads.py), or until the TTL, whichever is first.

Eviction: a stock change evicts the answers that read that variant's (or product's) stock
or were filtered by stock; any other change (catalog, price, promotion, location, voucher
edits: back-office actions, a few an hour) empties the cache.

Never stale: an answer computed while a change arrived is not stored, whatever its timing.
Each computation takes a ticket (the number of changes seen so far) before it reads
anything; storing it checks the changes applied since against what it read. Changes arrive
only after they committed, so anything that starts reading after one has arrived sees it.

While the change feed is down (`live` false) the cache is empty and stores nothing.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from api.core.reads import Reads
from domain.changes.models import ChangeKind

# Enough to judge every computation in flight; one older than this is simply not stored.
CHANGE_LOG = 4096


@dataclass(frozen=True, slots=True)
class Change:
    """What one committed change event may have altered, as the cache sees it: a stock
    change names its variant (and its product when known); anything else alters all."""

    variant_id: int | None = None
    product_id: int | None = None

    @classmethod
    def of(cls, kind: str, entity_id: int, product_id: int | None = None) -> Change:
        if kind == ChangeKind.STOCK_CHANGED.value:
            return cls(variant_id=entity_id, product_id=product_id)
        return EVERYTHING

    def alters(self, reads: Reads) -> bool:
        if self.variant_id is None:
            return True
        if reads.any_stock or self.variant_id in reads.stock_variants:
            return True
        if self.product_id is None:
            return bool(reads.stock_products)
        return self.product_id in reads.stock_products


EVERYTHING = Change()


@dataclass(slots=True)
class Entry:
    # The answer's `data` as JSON: what it takes in memory is what is counted, and every
    # hit gets objects of its own.
    body: bytes
    # What the query was priced at when computed (reported again, never charged).
    cost: int
    expires_at: float  # on the monotonic clock
    reads: Reads
    size: int


# A computation under way; it ends with the entry it stored, or None.
Flight = asyncio.Future[Entry | None]


class ResponseCache:
    def __init__(
        self,
        max_entries: int = 5000,
        max_bytes: int = 32 * 1024 * 1024,
        ttl_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._bytes = 0
        # Who read what, so a stock change finds its entries without a scan.
        self._by_variant: dict[int, set[Hashable]] = {}
        self._by_product: dict[int, set[Hashable]] = {}
        self._product_readers: set[Hashable] = set()
        self._any_stock: set[Hashable] = set()
        # Changes applied so far, and the latest of them.
        self._seen = 0
        self._log: deque[Change] = deque(maxlen=CHANGE_LOG)
        self._flights: dict[Hashable, Flight] = {}
        # Events this process applied at its own commit, so their NOTIFY is not applied again
        # (it would only evict what was computed since, from data that already had them).
        self._applied_here: OrderedDict[int, None] = OrderedDict()
        self.live = False
        self.hits = 0
        self.misses = 0
        _caches.add(self)

    def __len__(self) -> int:
        return len(self._entries)

    # -- the feed ------------------------------------------------------------------------

    def set_live(self, live: bool) -> None:
        """The change feed came up or went down: either way nothing held can be trusted."""
        self.apply([EVERYTHING])
        self.live = live

    def apply_committed(self, events: Iterable[tuple[int, Change]]) -> None:
        """Changes this process just committed, by event id."""
        events = list(events)
        for event_id, _ in events:
            self._applied_here[event_id] = None
        while len(self._applied_here) > CHANGE_LOG:
            self._applied_here.popitem(last=False)
        self.apply(change for _, change in events)

    def already_applied(self, event_id: int) -> bool:
        """True once for an event `apply_committed` took (its NOTIFY is then skipped)."""
        return self._applied_here.pop(event_id, 0) is None

    def apply(self, changes: Iterable[Change]) -> None:
        for change in changes:
            self._seen += 1
            self._log.append(change)
            if change.variant_id is None:
                self._clear()
                continue
            keys = set(self._any_stock)
            keys.update(self._by_variant.get(change.variant_id, ()))
            if change.product_id is None:
                keys.update(self._product_readers)
            else:
                keys.update(self._by_product.get(change.product_id, ()))
            for key in keys:
                self._remove(key)

    # -- reading and storing -------------------------------------------------------------

    def get(self, key: Hashable) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= self._clock():
            self._remove(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def ticket(self) -> int:
        """Taken before a computation reads anything; `put` needs it."""
        return self._seen

    def put(
        self,
        key: Hashable,
        ticket: int,
        data: dict[str, Any],
        reads: Reads,
        cost: int,
        now: datetime | None = None,
    ) -> Entry | None:
        """Store an answer computed since `ticket`, unless a change since may have altered it."""
        if not self.live:
            return None
        missed = self._seen - ticket
        if missed > len(self._log):
            return None
        if missed and any(c.alters(reads) for c in list(self._log)[-missed:]):
            return None
        ttl = self.ttl_s
        if reads.expires_at is not None:
            ttl = min(ttl, (reads.expires_at - (now or datetime.now(UTC))).total_seconds())
        if ttl <= 0:
            return None
        body = orjson.dumps(data)
        size = len(body) + 300  # the body, and roughly the entry and key around it
        if size > self.max_bytes:
            return None
        self._remove(key)
        entry = Entry(body, cost, self._clock() + ttl, reads, size)
        self._entries[key] = entry
        self._bytes += size
        for variant_id in reads.stock_variants:
            self._by_variant.setdefault(variant_id, set()).add(key)
        for product_id in reads.stock_products:
            self._by_product.setdefault(product_id, set()).add(key)
        if reads.stock_products:
            self._product_readers.add(key)
        if reads.any_stock:
            self._any_stock.add(key)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            self._remove(next(iter(self._entries)))
        return entry

    # -- one computation per key ---------------------------------------------------------

    def flight(self, key: Hashable) -> Flight | None:
        """The computation of `key` already under way, if any."""
        return self._flights.get(key)

    def lead(self, key: Hashable) -> Flight:
        """Announce a computation of `key`; others wait for it rather than compute it too."""
        future: Flight = asyncio.get_running_loop().create_future()
        self._flights.setdefault(key, future)
        return future

    def land(
        self, key: Hashable, future: asyncio.Future[Entry | None], entry: Entry | None
    ) -> None:
        if self._flights.get(key) is future:
            del self._flights[key]
        if not future.done():
            future.set_result(entry)

    # -- bookkeeping ---------------------------------------------------------------------

    def _remove(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self._bytes -= entry.size
        for variant_id in entry.reads.stock_variants:
            _discard(self._by_variant, variant_id, key)
        for product_id in entry.reads.stock_products:
            _discard(self._by_product, product_id, key)
        self._product_readers.discard(key)
        self._any_stock.discard(key)

    def _clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
        self._by_variant.clear()
        self._by_product.clear()
        self._product_readers.clear()
        self._any_stock.clear()


def _discard(index: dict[int, set[Hashable]], id_: int, key: Hashable) -> None:
    keys = index.get(id_)
    if keys is not None:
        keys.discard(key)
        if not keys:
            del index[id_]


# Every cache of this process, for the changes this process itself commits.
_caches: weakref.WeakSet[ResponseCache] = weakref.WeakSet()


def apply_everywhere(events: list[tuple[int, Change]]) -> None:
    """Changes this process committed: evict now, without waiting for their NOTIFY."""
    for cache in list(_caches):
        cache.apply_committed(events)
