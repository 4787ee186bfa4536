"""The size of a document after fragment expansion, measured in linear time.

A fragment that spreads another fragment twice doubles the work of every rule that
expands spreads; forty such levels are 2^40 spreads in a 1.3 KB document. Here each
fragment is measured once and its counts reused at every spread (memoised), so measuring
costs one pass over the document whatever it expands to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

# Counts are capped so a fan-out document does not build huge integers; anything at the
# cap is far over every limit.
_CAP = 10**12


@dataclass(frozen=True, slots=True)
class Size:
    spreads: int = 0
    fields: int = 0

    def __add__(self, other: Size) -> Size:
        return Size(min(self.spreads + other.spreads, _CAP), min(self.fields + other.fields, _CAP))


@dataclass(frozen=True, slots=True)
class Shape:
    """Expanded sizes of each operation, and the largest expanded fragment definition."""

    operations: dict[str | None, Size]
    operation_count: int
    largest_fragment: Size = field(default_factory=Size)
    introspection: bool = False  # asks for __schema or __type somewhere

    def operation(self, name: str | None) -> Size | None:
        if name is None and self.operation_count == 1:
            return next(iter(self.operations.values()))
        return self.operations.get(name)


def measure(document: DocumentNode) -> Shape:
    try:
        return _measure(document)
    except RecursionError:
        raise GraphQLError(
            "The document nests fragments too deeply.", extensions={"code": "QUERY_TOO_COMPLEX"}
        ) from None


def _measure(document: DocumentNode) -> Shape:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    memo: dict[str, Size] = {}
    visiting: set[str] = set()
    introspection = False

    def fragment_size(name: str) -> Size:
        known = memo.get(name)
        if known is not None:
            return known
        definition = fragments.get(name)
        if definition is None:
            return Size()  # validation reports the unknown fragment
        if name in visiting:
            raise GraphQLError(
                f"Fragment {name[:60]!r} spreads itself (directly or through others).",
                extensions={"code": "GRAPHQL_VALIDATION_FAILED"},
            )
        visiting.add(name)
        size = selection_size(definition.selection_set)
        visiting.discard(name)
        memo[name] = size
        return size

    def selection_size(selection_set: SelectionSetNode | None) -> Size:
        nonlocal introspection
        total = Size()
        if selection_set is None:
            return total
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in ("__schema", "__type"):
                    introspection = True
                total = total + Size(0, 1) + selection_size(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                total = total + selection_size(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total = total + Size(1, 0) + fragment_size(selection.name.value)
        return total

    operations: dict[str | None, Size] = {}
    count = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            count += 1
            name = definition.name.value if definition.name else None
            operations[name] = selection_size(definition.selection_set)
    largest = Size()
    for name in fragments:
        size = fragment_size(name)
        largest = Size(max(largest.spreads, size.spreads), max(largest.fields, size.fields))
    return Shape(operations, count, largest, introspection)
