"""The per-application guard: documents, prices and budgets, and what one request spent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graphql import GraphQLError, GraphQLSchema
from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import Settings
from api.core.errors import ErrorCode, clip
from api.limits.budget import BudgetBook, Client
from api.limits.cost import CostModel
from api.limits.parsing import DocumentCache
from api.limits.shape import Shape


@dataclass(slots=True)
class RequestCost:
    """What one request was priced at and spent; reported in `extensions.cost`."""

    client: Client
    requested: int | None = None
    actual: int | None = None
    available: float | None = None
    retry_after_s: float | None = None

    def report(self) -> dict[str, object]:
        budget = self.client.budget
        return {
            "requestedQueryCost": self.requested,
            "actualQueryCost": self.actual,
            "throttleStatus": {
                "maximumAvailable": budget.maximum,
                "currentlyAvailable": (
                    round(self.available, 1) if self.available is not None else None
                ),
                "restoreRate": budget.restore_rate,
            },
        }


class Guard:
    def __init__(
        self,
        settings: Settings,
        schema: GraphQLSchema,
        engine: AsyncEngine,
        list_sizes: Mapping[str, int] | None = None,
    ) -> None:
        self.settings = settings
        self.limits = settings.limits
        self.documents = DocumentCache(
            max_tokens=self.limits.max_tokens, max_token_length=self.limits.max_token_length
        )
        self.costs = CostModel(schema, settings.max_page_size, list_sizes)
        self.budgets = BudgetBook(engine)

    def check_shape(self, shape: Shape, operation_name: str | None) -> None:
        """Refuse, before validation, what validation would take too long to look at."""
        if operation_name is None and shape.operation_count > 1:
            raise GraphQLError(
                f"The document holds {shape.operation_count} operations; "
                "`operationName` must say which one to run.",
                extensions={"code": ErrorCode.OPERATION_NOT_FOUND.value},
            )
        size = shape.operation(operation_name)
        if size is None:
            name = clip(repr(operation_name), self.limits.max_echo_length)
            raise GraphQLError(
                f"The document has no operation named {name}.",
                extensions={"code": ErrorCode.OPERATION_NOT_FOUND.value},
            )
        limits = self.limits
        for what, count, limit in (
            (
                "fragment spreads",
                max(size.spreads, shape.largest_fragment.spreads),
                limits.max_fragment_spreads,
            ),
            ("fields", max(size.fields, shape.largest_fragment.fields), limits.max_fields),
        ):
            if count > limit:
                shown = f"{count:,}" if count < 10**12 else "over 10^12"
                raise GraphQLError(
                    f"The document expands to {shown} {what}; the limit is {limit:,}.",
                    extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value, "limit": limit},
                )
        if shape.introspection and not self.settings.introspection_enabled:
            raise GraphQLError(
                "Introspection is turned off on this server.",
                extensions={"code": ErrorCode.INTROSPECTION_DISABLED.value},
            )
