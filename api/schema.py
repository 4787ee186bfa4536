"""The GraphQL schema: root types merged from every capability."""

from __future__ import annotations

from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.catalog.queries import CatalogQuery
from api.catalog.types import Category, Product, ProductVariant
from api.core.errors import ErrorPolicy
from api.core.node import NodeQuery
from api.stores.queries import StoresQuery
from api.stores.types import Location

Query = merge_types("Query", (NodeQuery, CatalogQuery, StoresQuery))
Query.__strawberry_definition__.description = (  # type: ignore[attr-defined]
    "Read access to the catalog, stores and stock. Every channel sees the same data."
)


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
        types=[Product, ProductVariant, Category, Location],
        extensions=[
            ErrorPolicy,
            partial(QueryDepthLimiter, max_depth=12),
            partial(MaxAliasesLimiter, max_alias_count=64),
            partial(MaxTokensLimiter, max_token_count=4000),
        ],
    )


schema = build_schema()


def print_schema() -> str:
    return schema.as_str() + "\n"


__all__: list[Any] = ["build_schema", "print_schema", "schema"]
