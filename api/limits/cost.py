"""Query cost, as public GraphQL APIs publish it (README, "Query cost").

Requested cost, before execution, from the document alone:
- every field that returns an object costs 1, plus the cost of what is selected inside it;
  scalars and enums cost 0;
- a connection's `edges` and `nodes` count as many times as its `first`/`last` asks (or the
  maximum page size when neither is given);
- any other list counts its declared typical size (TYPICAL_SIZES, else 10); `nodes(ids:)`
  counts the number of IDs;
- each root field of a mutation costs 10 more: writes are dearer than reads;
- `__schema` and `__type` cost 100 each, the schema's size, whatever is selected inside.
Actual cost, after execution, walks the data returned with the same rules, counting lists
at their real length. The difference is given back to the client's budget.
"""

from __future__ import annotations

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
TYPICAL_SIZES: dict[str, int] = {
    "Product.variants": 5,
    "Product.images": 5,
    "Product.attributes": 5,
    "ProductVariant.selectedOptions": 3,
    "Category.ancestors": 3,
    "Location.openingHours": 7,
    "OpeningDay.intervals": 2,
    "Customer.addresses": 5,
    "StaffUser.stores": 5,
    "Query.categories": 50,
    "Query.membershipTiers": 5,
}

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

    def __init__(self, schema: GraphQLSchema, max_page_size: int) -> None:
        self.schema = schema
        self.max_page_size = max_page_size

    # -- requested cost ----------------------------------------------------------------

    def requested(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None,
    ) -> int:
        return _Requested(self, document, variables or {}).operation(operation)

    def actual(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        data: Mapping[str, Any] | None,
    ) -> int:
        if not data:
            return 0
        return _Actual(self, document).operation(operation, data)

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
        return TYPICAL_SIZES.get(f"{parent.name}.{node.name.value}", DEFAULT_LIST_SIZE)


class _Actual:
    """The same rules over the data returned: lists count at their real length."""

    def __init__(self, model: CostModel, document: DocumentNode) -> None:
        self.model = model
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def operation(self, operation: OperationDefinitionNode, data: Mapping[str, Any]) -> int:
        root = self.model.root_type(operation)
        if root is None:
            return 0
        extra = MUTATION_COST if operation.operation is OperationType.MUTATION else 0
        total = 0
        for node in self.fields(operation.selection_set, root, set()):
            field, parent = node
            cost = self.field(field, parent, data)
            total += cost + (extra if cost else 0)
        return total

    def fields(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType,
        seen: set[str],
    ) -> list[tuple[FieldNode, GraphQLNamedType]]:
        """The fields a selection set asks for, fragments flattened, one per response key
        (a key asked twice is returned once, as the data holds it once)."""
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

    def field(self, node: FieldNode, parent: GraphQLNamedType, data: Mapping[str, Any]) -> int:
        name = node.name.value
        key = node.alias.value if node.alias else name
        if key not in data:
            return 0
        if name in ("__schema", "__type"):
            return INTROSPECTION_COST
        found = self.model.field_type(parent, node)
        if found is None:
            return 0
        named, _ = found
        return self.value(node, named, data[key])

    def value(self, node: FieldNode, named: GraphQLNamedType, value: Any) -> int:
        if isinstance(value, list):
            return sum(self.value(node, named, item) for item in value)
        if not isinstance(value, Mapping):
            return 1  # null: the field was still resolved
        total = 1
        # A field of an abstract type may hold any of its implementations; fragments on
        # the other ones simply find no keys in this object.
        for child, parent in self.fields(node.selection_set, named, set()):
            total += self.field(child, parent, value)
        return total
