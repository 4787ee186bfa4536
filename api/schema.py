"""The GraphQL schema: root types merged from every capability."""

from __future__ import annotations

from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.auth import schema as auth
from api.carts import schema as carts
from api.catalog import schema as catalog
from api.core.capability import Capability
from api.core.errors import ErrorPolicy
from api.core.execution import OmniExecutionContext, install_lean_resolvers
from api.core.node import NodeQuery
from api.core.scalars import SCALAR_OVERRIDES
from api.customers import schema as customers
from api.fulfilment import schema as fulfilment
from api.inventory import schema as inventory
from api.limits.extension import RequestLimits
from api.membership import schema as membership
from api.orders import schema as orders
from api.pricebook import schema as pricebook
from api.staff import schema as staff

# The capabilities the schema serves, one line each.
CAPABILITIES: tuple[Capability, ...] = (
    catalog.CAPABILITY,
    inventory.CAPABILITY,
    customers.CAPABILITY,
    auth.CAPABILITY,
    staff.CAPABILITY,
    membership.CAPABILITY,
    pricebook.CAPABILITY,
    carts.CAPABILITY,
    orders.CAPABILITY,
    fulfilment.CAPABILITY,
)

Query = merge_types("Query", (NodeQuery, *(c.query for c in CAPABILITIES if c.query)))
Query.__strawberry_definition__.description = (  # type: ignore[attr-defined]
    "Read access to the catalog, stores, stock and the caller's account. Every channel sees "
    "the same data."
)
Mutation = merge_types("Mutation", tuple(c.mutation for c in CAPABILITIES if c.mutation))
Mutation.__strawberry_definition__.description = (  # type: ignore[attr-defined]
    "Writes. Each mutation is one transaction; expected failures come back in `userErrors`."
)
# Typical lengths of the capabilities' lists, for the cost model (api/limits/cost.py).
LIST_SIZES: dict[str, int] = {k: v for c in CAPABILITIES for k, v in c.list_sizes.items()}


# The limiters build their validation rule classes when constructed. Building them once
# keeps the rule tuple identical across requests, so ValidationCache can hit; a fresh
# limiter per request would make every validation a cache miss.
LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=12).validation_rules,
    *MaxAliasesLimiter(max_alias_count=64).validation_rules,
]


class OmniSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # ErrorPolicy logs unexpected errors with the request id; client errors are not
        # server faults and are not logged as such.
        return None


def build_schema() -> strawberry.Schema:
    return OmniSchema(
        query=Query,
        mutation=Mutation,
        types=[t for c in CAPABILITIES for t in c.types],
        # Decimal and DateTime with their format described and @specifiedBy, for codegen.
        scalar_overrides=SCALAR_OVERRIDES,
        # Plain attribute fields skip graphql-core's per-field machinery (api/core/execution.py).
        execution_context_class=OmniExecutionContext,
        extensions=[
            ErrorPolicy,
            # Parses (cached, with token limits), measures, prices and spends the budget.
            RequestLimits,
            partial(AddValidationRules, LIMIT_RULES),
            # Storefronts send the same few documents over and over: validate once.
            partial(ValidationCache, maxsize=256),
        ],
    )


schema = build_schema()
install_lean_resolvers(schema._schema, schema.config.info_class, schema.config.name_converter)


def print_schema() -> str:
    return schema.as_str() + "\n"


__all__: list[Any] = ["build_schema", "print_schema", "schema"]
