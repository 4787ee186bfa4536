"""A request's objects are freed by reference counting, not left to the cycle collector.

A served worker collects its young generation only every 20,000 allocations (api/app.py),
which is cheap only while requests leave few reference cycles behind: a cycle per DataLoader
key (as a future that kept its batch once made) costs about 0.5 ms of collection per page.
"""

from __future__ import annotations

import gc

from api.core.execution import OmniExecutionContext
from tests.conftest import ok
from tests.test_query_counts import LISTING, store_id

# Found in a compiled listing of 20 products: 74 (the request's context, session and
# response objects). The bound leaves room for those, not for anything per product or key.
MOST_GARBAGE = 150


async def test_a_listing_leaves_little_for_the_cycle_collector(client, monkeypatch):
    # The check mode runs every query twice; the second run's garbage is not a request's.
    monkeypatch.setattr(OmniExecutionContext, "check_plans", False)
    variables = {"n": 20, "store": store_id()}
    for _ in range(2):  # plans compiled, per-process caches filled
        await ok(client, LISTING, variables)
    gc.collect()
    gc.disable()
    try:
        data = await ok(client, LISTING, variables)
        found = gc.collect()
    finally:
        gc.enable()
    assert len(data["products"]["edges"]) == 20
    assert found < MOST_GARBAGE, f"{found} objects in reference cycles after one listing"
