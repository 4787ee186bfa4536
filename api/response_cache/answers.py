"""Which requests the response cache answers, under what key, and what a hit returns.

Cacheable: a query whose root fields all read the public catalog (the rule of HTTP caching,
api/http_cache.py), asked by anyone but staff: what it returns depends only on the
document, its variables and the price context, never on the channel. The price context is
no tier for anonymous callers and devices without a member, and the member's tier for a
signed-in customer or a member identified at a kiosk or counter (looked up first, through
the request's pricing loader, which the execution then reuses): two members of one tier
share an entry. Staff (who see archived products) are not cached. Only answers without
errors are stored.

A hit costs nothing from the caller's budget (it costs the database nothing): its
`extensions.cost` reports the price of the query and an actual cost of 0.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import orjson
from graphql import OperationDefinitionNode
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from api.core.reads import Reads
from api.http_cache import selects_only_the_catalog
from api.limits.budget import client_of
from api.limits.guard import RequestCost
from api.response_cache.store import Entry, ResponseCache

if TYPE_CHECKING:
    from api.context import Context

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


async def key_of(
    request_data: Any,
    operation: OperationDefinitionNode | None,
    context: Context,
    cache: ResponseCache | None,
) -> Hashable | None:
    """`operation`: the request's query operation, None for anything else."""
    if cache is None or operation is None or not isinstance(request_data, GraphQLRequestData):
        return None
    actor = context.actor
    if actor.staff is not None:
        return None
    query, name = request_data.query, request_data.operation_name
    if not isinstance(query, str) or not selects_only_the_catalog(operation):
        return None
    tier = None
    if actor.customer_id is not None:
        from api.pricing import loaders as pricing_loaders

        try:
            viewer = await pricing_loaders.viewer.on(context).load(None)
        except Exception:
            # Not cached, then: the execution meets the same failure (the loader keeps it)
            # where the error policy answers it, e.g. 503 while the database is down.
            return None
        tier = viewer.tier.id if viewer.tier is not None else None
    return (
        hashlib.sha256(query.encode()).digest(),
        name,
        orjson.dumps(request_data.variables or {}, option=orjson.OPT_SORT_KEYS),
        GRAPHQL_RESPONSE_JSON in context.request.headers.get("accept", ""),
        tier,  # the price context
    )


def answer(entry: Entry, context: Context) -> ExecutionResult:
    client = client_of(context.actor, context.settings.budgets)
    cost = RequestCost(client, requested=entry.cost, actual=0)
    context.cost = cost
    data = orjson.loads(entry.body)
    return ExecutionResult(data=data, errors=None, extensions={"cost": cost.report()})


def store(
    cache: ResponseCache,
    key: Hashable,
    ticket: int,
    result: Any,
    reads: Reads,
    context: Context,
) -> Entry | None:
    if not isinstance(result, ExecutionResult) or result.errors or result.data is None:
        return None
    if context.unavailable:
        return None
    cost = context.cost.requested if context.cost is not None else None
    return cache.put(key, ticket, result.data, reads, cost or 0)
