"""The strawberry extension that applies the guard at each step of an operation.

- parse: the guard's own parser (token count and length limits, cached), then the shape
  check, so graphql-core never validates a document that expands beyond the limits;
- execute: the requested cost is checked against the maximum and spent from the client's
  budget before anything runs; afterwards the unused part is given back;
- results: `extensions.cost` on every response.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from api.core.errors import UNAVAILABLE_MESSAGE, ErrorCode, is_unavailable
from api.limits.budget import client_of
from api.limits.guard import Guard, RequestCost


def _operation(document: Any, name: str | None) -> OperationDefinitionNode | None:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            name is None or (definition.name is not None and definition.name.value == name)
        ):
            return definition
    return None


def refuse(context: Any, message: str, extensions: dict[str, Any]) -> None:
    """Answer with one error instead of executing: strawberry skips execution when the
    result is already set before the execute hook yields."""
    context.result = ExecutionResult(
        data=None, errors=[GraphQLError(message, extensions=extensions)]
    )


class RequestLimits(SchemaExtension):
    def _guard(self) -> Guard | None:
        return getattr(self.execution_context.context, "guard", None)

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        guard = self._guard()
        if guard is not None and context.query and context.graphql_document is None:
            try:
                parsed = guard.documents.get(context.query)
            except GraphQLSyntaxError as error:
                raise GraphQLError(
                    error.message,
                    source=error.source,
                    positions=error.positions,
                    extensions={"code": ErrorCode.GRAPHQL_PARSE_FAILED.value},
                ) from None
            context.graphql_document = parsed.document
            # The name the client sent: strawberry's `operation_name` falls back to the first
            # operation's, which would run the first of several instead of refusing.
            guard.check_shape(parsed.shape, context._provided_operation_name)
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        guard = self._guard()
        request = context.context
        document = context.graphql_document
        operation = _operation(document, context.operation_name) if document is not None else None
        if guard is None or document is None or operation is None:
            yield
            return
        cost = RequestCost(client_of(request.actor, guard.settings.budgets))
        request.cost = cost
        cost.requested = guard.costs.requested(document, operation, context.variables)
        limit = guard.limits.max_query_cost
        if cost.requested > limit:
            cost.actual = 0
            refuse(
                context,
                f"This query costs {cost.requested:,} points; the maximum is {limit:,}. "
                "Ask for fewer items per page or fewer fields.",
                {
                    "code": ErrorCode.MAX_COST_EXCEEDED.value,
                    "cost": cost.requested,
                    "maxCost": limit,
                },
            )
            yield
            return
        try:
            spent = await guard.budgets.spend(cost.client, cost.requested)
        except Exception as error:
            if not is_unavailable(error):
                raise
            request.unavailable = True
            refuse(
                context,
                UNAVAILABLE_MESSAGE,
                {"code": ErrorCode.SERVICE_UNAVAILABLE.value, "requestId": request.request_id},
            )
            yield
            return
        cost.available = spent.available
        if not spent.allowed:
            cost.actual = 0
            cost.retry_after_s = spent.retry_after_s
            refuse(
                context,
                f"Throttled: this query costs {cost.requested:,} points and "
                f"{spent.available:,.0f} are available; retry in {spent.retry_after_s:g} s.",
                {
                    "code": ErrorCode.THROTTLED.value,
                    "cost": cost.requested,
                    "retryAfterSeconds": spent.retry_after_s,
                },
            )
            yield
            return
        yield
        result = context.result
        data = getattr(result, "data", None)
        cost.actual = min(cost.requested, guard.costs.actual(document, operation, data))
        unused = cost.requested - cost.actual
        if unused > 0:
            guard.budgets.give_back(cost.client, unused)
            # What the bucket holds once the credit is applied.
            cost.available = min(cost.client.budget.maximum, (cost.available or 0) + unused)

    def get_results(self) -> dict[str, Any]:
        request = self.execution_context.context
        cost: RequestCost | None = getattr(request, "cost", None)
        guard = self._guard()
        if cost is None and guard is not None:
            # Refused before it was priced (syntax, shape, validation): nothing was spent.
            cost = RequestCost(
                client_of(request.actor, guard.settings.budgets), requested=0, actual=0
            )
        return {"cost": cost.report()} if cost is not None else {}
