"""graphql-core's executor with a fast path for plain attribute fields, and lean resolvers.

Most fields of a catalog answer (829 of 954 on a listing page) only read an attribute of
their object: `name`, `sku`, `amount`. graphql-core builds a ResolveInfo and a Path for
each, and strawberry wraps the read in its resolver layers and an awaitable check. Here, a
field whose strawberry definition is "basic" (no resolver, no arguments, no extensions or
permissions, the default `getattr`) and whose type is a scalar or an enum is read and
serialised directly. Whenever that read is not plainly fine (the attribute is missing, a
non-null field is None, serialising fails or gives nothing), the field takes the generic
path, which produces exactly graphql-core's value or error.

Fields with a resolver of their own (a method taking `self`, `info` and arguments of the
built-in scalar types) are called through a lean resolver installed on the schema, which
builds strawberry's `Info` and calls the method, rather than through strawberry's general
wrapper (argument conversion, extension chain, exception handlers: none of which such a
field has). Anything else keeps strawberry's resolver.

It replaces `execute_fields` of graphql-core's executor, so both libraries are pinned to
the versions it was written against (pyproject.toml), and tests/test_execution.py fails if
an upgrade changes what it relies on or what it answers.
"""

from __future__ import annotations

import inspect
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry import ID
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

# (attribute, serialize, non-null) by field name, per object type.
Plain = tuple[str, Any, bool]
_MISSING: Any = object()
_plans: dict[GraphQLObjectType, dict[str, Plain]] = {}


def _plain(field: Any) -> Plain | None:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    if definition.arguments or definition.permission_classes or field.args:
        return None
    if definition.default_resolver is not getattr:
        return None
    kind = field.type
    non_null = isinstance(kind, GraphQLNonNull)
    if non_null:
        kind = kind.of_type
    if not isinstance(kind, GraphQLScalarType | GraphQLEnumType):
        return None
    return definition.python_name, kind.serialize, non_null


def plain_fields(parent_type: GraphQLObjectType) -> dict[str, Plain]:
    """The fields of a type that can be read directly, worked out once per type."""
    plans = _plans.get(parent_type)
    if plans is None:
        plans = _plans[parent_type] = {}
        for name, field in parent_type.fields.items():
            plain = _plain(field)
            if plain is not None:
                plans[name] = plain
    return plans


class OmniExecutionContext(StrawberryGraphQLCoreExecutionContext):
    # Off: every field takes graphql-core's path (the differential test compares both).
    fast_fields = True

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        # strawberry passes a manager per request; only its middlewares (extensions with a
        # `resolve` hook: Omni has none) would need to see every field.
        manager = self.middleware_manager
        if not self.fast_fields or (manager is not None and manager.middlewares):
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        plain = plain_fields(parent_type)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                fast = plain.get(field_details_list[0].node.name.value)
                if fast is not None:
                    attribute, serialize, non_null = fast
                    try:
                        value = getattr(source_value, attribute, _MISSING)
                    except Exception:  # the generic path reports it, located
                        value = _MISSING
                    if value is None and not non_null:
                        results[response_name] = None
                        continue
                    if value is not None and value is not _MISSING:
                        try:
                            serialized = serialize(value)
                        except Exception:  # the generic path reports it, located
                            serialized = None
                        if serialized is not None and serialized is not Undefined:
                            results[response_name] = serialized
                            continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gather(results, awaitable_fields)

    async def _gather(self, results: dict[str, Any], awaitable_fields: list[str]) -> Any:
        # As graphql-core's own `execute_fields` ends.
        if len(awaitable_fields) == 1:
            field = awaitable_fields[0]
            results[field] = await results[field]
        else:
            awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results


# Arguments whose value graphql-core already gives as the resolver wants it.
_PLAIN_ARGUMENTS = (str, int, float, bool, ID)


def _plain_argument(kind: Any) -> bool:
    if isinstance(kind, StrawberryOptional):
        kind = kind.of_type
    return kind in _PLAIN_ARGUMENTS


def _lean(field: GraphQLField, info_class: Any, names_of: Any) -> Any:
    """A resolver calling the field's method directly, or None when it needs strawberry's."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.base_resolver is None:
        return None
    resolver = definition.base_resolver
    if definition.extensions or definition.permission_classes or field.resolve is None:
        return None
    if resolver.parent_parameter is not None or resolver.root_parameter is not None:
        return None
    if not all(_plain_argument(a.type) for a in definition.arguments):
        return None
    names = {names_of.from_argument(a): a.python_name for a in definition.arguments}
    if set(names) != set(field.args):
        return None
    func = resolver.wrapped_func
    if not inspect.isfunction(func):  # a classmethod or staticmethod: strawberry binds it
        return None
    takes_self = resolver.self_parameter is not None
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    general = field.resolve

    def lean(source: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        if not OmniExecutionContext.fast_fields:
            return general(source, info, **kwargs)
        arguments = {names[name]: value for name, value in kwargs.items()}
        if info_name is not None:
            arguments[info_name] = info_class(_raw_info=info, _field=definition)
        return func(source, **arguments) if takes_self else func(**arguments)

    return lean


def install_lean_resolvers(schema: GraphQLSchema, info_class: Any, names_of: Any) -> int:
    """Give every eligible field a lean resolver; returns how many got one. `names_of` is
    strawberry's name converter (the GraphQL names of arguments)."""
    count = 0
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for field in graphql_type.fields.values():
            lean = _lean(field, info_class, names_of)
            if lean is not None:
                field.resolve = lean
                count += 1
    return count
