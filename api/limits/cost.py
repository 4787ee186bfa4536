"""Query cost, as public GraphQL APIs publish it (README, "Query cost").

Requested cost, before execution, from the document alone:
- every field that returns an object costs 1, plus the cost of what is selected inside it;
  scalars and enums cost 0;
- a connection's `edges` and `nodes` count as many times as its `first`/`last` asks (or the
  maximum page size when neither is given);
- any other list counts the typical size its capability declares (`list_sizes`), else 10;
  `nodes(ids:)` counts the number of IDs;
- each root field of a mutation costs 10 more: writes are dearer than reads;
- `__schema` and `__type` cost 100 each, the schema's size, whatever is selected inside.
Actual cost, after execution, walks the data returned with the same rules, counting lists
at their real length. The difference is given back to the client's budget.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    is_composite_type,
)
from graphql.type.definition import GraphQLInterfaceType, GraphQLNamedType, GraphQLOutputType

DEFAULT_LIST_SIZE = 10
MUTATION_COST = 10
INTROSPECTION_COST = 100

# Lists whose usual length is far from 10, by `Type.field`. The figures follow the demo
# retailer: a product has a handful of variants, a week has seven opening days.

_PAGED_LISTS = frozenset({"edges", "nodes"})


def _unwrap(type_: GraphQLOutputType) -> tuple[GraphQLNamedType, bool]:
    is_list = False
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        if isinstance(type_, GraphQLList):
            is_list = True
        type_ = type_.of_type
    return type_, is_list


def _is_connection(type_: GraphQLNamedType) -> bool:
    return (
        isinstance(type_, GraphQLObjectType)
        and type_.name.endswith("Connection")
        and "edges" in type_.fields
    )


class CostModel:
    """Prices documents against one schema."""

    def __init__(
        self,
        schema: GraphQLSchema,
        max_page_size: int,
        list_sizes: Mapping[str, int] | None = None,
        cache_size: int = 256,
    ) -> None:
        self.list_sizes: Mapping[str, int] = list_sizes or {}
        self.schema = schema
        self.max_page_size = max_page_size
        # Storefronts send a few documents over and over, so prices and plans are kept per
        # document. Entries hold the document itself, so its id() cannot be reused meanwhile.
        self._cache_size = cache_size
        self._requested: OrderedDict[tuple[Any, ...], tuple[DocumentNode, int]] = OrderedDict()
        self._plans: OrderedDict[tuple[int, int], tuple[DocumentNode, _Plan]] = OrderedDict()

    # -- requested cost ----------------------------------------------------------------

    def requested(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None,
    ) -> int:
        variables = variables or {}
        # Only whole numbers (page sizes) and list lengths (`nodes(ids:)`) change a price.
        key = (
            id(document),
            id(operation),
            tuple(
                (name, len(value) if isinstance(value, list) else value)
                for name, value in sorted(variables.items())
                if isinstance(value, int | list) and not isinstance(value, bool)
            ),
        )
        cached = self._requested.get(key)
        if cached is not None and cached[0] is document:
            self._requested.move_to_end(key)
            return cached[1]
        cost = _Requested(self, document, variables).operation(operation)
        _remember(self._requested, key, (document, cost), self._cache_size)
        return cost

    def actual(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        data: Mapping[str, Any] | None,
    ) -> int:
        if not data:
            return 0
        key = (id(document), id(operation))
        cached = self._plans.get(key)
        if cached is not None and cached[0] is document:
            plan = cached[1]
        else:
            plan = _Actual(self, document).root_plan(operation)
            _remember(self._plans, key, (document, plan), self._cache_size)
        extra = MUTATION_COST if operation.operation is OperationType.MUTATION else 0
        total = 0
        for key_, introspection, child in plan:
            if key_ in data:
                cost = INTROSPECTION_COST if introspection else _value_cost(child, data[key_])
                total += cost + (extra if cost else 0)
        return total

    def root_type(self, operation: OperationDefinitionNode) -> GraphQLObjectType | None:
        if operation.operation is OperationType.MUTATION:
            return self.schema.mutation_type
        if operation.operation is OperationType.SUBSCRIPTION:
            return self.schema.subscription_type
        return self.schema.query_type

    def field_type(
        self, parent: GraphQLNamedType, node: FieldNode
    ) -> tuple[GraphQLNamedType, bool] | None:
        """The named type a field returns and whether it is a list; None for scalars,
        introspection and fields the schema does not have (validation reports those)."""
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return None
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return None
        named, is_list = _unwrap(definition.type)
        if not is_composite_type(named):
            return None
        return named, is_list

    def fragment_type(self, name: str | None, parent: GraphQLNamedType) -> GraphQLNamedType:
        if name is None:
            return parent
        found = self.schema.get_type(name)
        return found if found is not None else parent


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any, size: int) -> None:
    cache[key] = value
    if len(cache) > size:
        cache.popitem(last=False)


class _Requested:
    def __init__(
        self, model: CostModel, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        self.model = model
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        # A fragment costs the same at every spread (given the page size around it), so
        # each is priced once: linear in the document, like the shape check.
        self.memo: dict[tuple[str, int | None], int] = {}

    def operation(self, operation: OperationDefinitionNode) -> int:
        root = self.model.root_type(operation)
        if root is None:
            return 0
        extra = MUTATION_COST if operation.operation is OperationType.MUTATION else 0
        total = 0
        for selection in operation.selection_set.selections:
            cost = self.selection(selection, root, None)
            total += cost + (extra if isinstance(selection, FieldNode) and cost else 0)
        return total

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, page: int | None
    ) -> int:
        if selection_set is None:
            return 0
        return sum(self.selection(s, parent, page) for s in selection_set.selections)

    def selection(self, selection: Any, parent: GraphQLNamedType, page: int | None) -> int:
        if isinstance(selection, FieldNode):
            return self.field(selection, parent, page)
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            return self.selections(
                selection.selection_set, self.model.fragment_type(condition, parent), page
            )
        if isinstance(selection, FragmentSpreadNode):
            return self.spread(selection.name.value, parent, page)
        return 0

    def spread(self, name: str, parent: GraphQLNamedType, page: int | None) -> int:
        key = (name, page)
        if key in self.memo:
            return self.memo[key]
        definition = self.fragments.get(name)
        if definition is None:
            return 0
        self.memo[key] = 0  # a cycle (refused earlier anyway) must not recurse forever
        cost = self.selections(
            definition.selection_set,
            self.model.fragment_type(definition.type_condition.name.value, parent),
            page,
        )
        self.memo[key] = cost
        return cost

    def field(self, node: FieldNode, parent: GraphQLNamedType, page: int | None) -> int:
        name = node.name.value
        if name in ("__schema", "__type"):
            return INTROSPECTION_COST
        found = self.model.field_type(parent, node)
        if found is None:
            return 0
        named, is_list = found
        child_page = self.page_size(node) if _is_connection(named) else None
        one = 1 + self.selections(node.selection_set, named, child_page)
        if not is_list:
            return one
        if page is not None and name in _PAGED_LISTS:
            return one * page
        return one * self.list_size(parent, node)

    def argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                value = argument.value
                if isinstance(value, VariableNode):
                    return self.variables.get(value.name.value)
                if isinstance(value, IntValueNode):
                    return int(value.value)
                if isinstance(value, ListValueNode):
                    return value.values
                return None
        return None

    def page_size(self, node: FieldNode) -> int:
        for name in ("first", "last"):
            value = self.argument(node, name)
            if isinstance(value, int) and not isinstance(value, bool):
                return max(0, min(value, self.model.max_page_size))
        return self.model.max_page_size

    def list_size(self, parent: GraphQLNamedType, node: FieldNode) -> int:
        if parent.name == "Query" and node.name.value == "nodes":
            ids = self.argument(node, "ids")
            if isinstance(ids, list | tuple):
                return len(ids)
        return self.model.list_sizes.get(f"{parent.name}.{node.name.value}", DEFAULT_LIST_SIZE)


# A plan of what the actual cost walk looks at below one selection set: for each response
# key that holds objects, whether it is introspection, and the plan below it. Scalars are
# left out, so the walk over a response touches only its objects.
_Plan = list[tuple[str, bool, "_Plan"]]


class _Actual:
    """The same rules over the data returned: lists count at their real length."""

    def __init__(self, model: CostModel, document: DocumentNode) -> None:
        self.model = model
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def plan(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType) -> _Plan:
        plan: _Plan = []
        for node, node_parent in self.fields(selection_set, parent, set()):
            key = node.alias.value if node.alias else node.name.value
            if node.name.value in ("__schema", "__type"):
                plan.append((key, True, []))
                continue
            found = self.model.field_type(node_parent, node)
            if found is not None:
                plan.append((key, False, self.plan(node.selection_set, found[0])))
        return plan

    def root_plan(self, operation: OperationDefinitionNode) -> _Plan:
        root = self.model.root_type(operation)
        return [] if root is None else self.plan(operation.selection_set, root)

    def fields(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType,
        seen: set[str],
    ) -> list[tuple[FieldNode, GraphQLNamedType]]:
        """The fields a selection set asks for, fragments flattened, one per response key
        (a key asked twice is returned once, as the data holds it once). A field of an
        abstract type may hold any implementation; fragments on the others find no keys."""
        found: list[tuple[FieldNode, GraphQLNamedType]] = []
        if selection_set is None:
            return found
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                if key not in seen:
                    seen.add(key)
                    found.append((selection, parent))
            elif isinstance(selection, InlineFragmentNode):
                condition = (
                    selection.type_condition.name.value if selection.type_condition else None
                )
                found += self.fields(
                    selection.selection_set, self.model.fragment_type(condition, parent), seen
                )
            elif isinstance(selection, FragmentSpreadNode):
                definition = self.fragments.get(selection.name.value)
                if definition is not None:
                    found += self.fields(
                        definition.selection_set,
                        self.model.fragment_type(definition.type_condition.name.value, parent),
                        seen,
                    )
        return found


def _plan_cost(plan: _Plan, data: Mapping[str, Any]) -> int:
    total = 0
    for key, introspection, child in plan:
        if key in data:
            total += INTROSPECTION_COST if introspection else _value_cost(child, data[key])
    return total


def _value_cost(plan: _Plan, value: Any) -> int:
    # Runs for every object of every answer: the executor's dicts and lists are checked by
    # exact type first, and a list's objects are counted without a call per item.
    if type(value) is dict:
        return 1 + _plan_cost(plan, value) if plan else 1
    if isinstance(value, list):
        total = 0
        for item in value:
            if type(item) is dict:
                total += 1 + _plan_cost(plan, item) if plan else 1
            else:
                total += _value_cost(plan, item)
        return total
    if not isinstance(value, Mapping):
        return 1  # null: the field was still resolved
    return 1 + _plan_cost(plan, value)
