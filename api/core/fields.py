"""Which fields of an object type are plain attribute reads, worked out once per type.

A field whose strawberry definition is "basic" (no resolver, no arguments, no extensions or
permissions, the default `getattr`) and whose type is a scalar or an enum can be read and
serialised directly by the executor (api/core/execution.py, api/core/plans.py).
"""

from __future__ import annotations

import enum
from contextvars import ContextVar
from typing import Any, NamedTuple

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLString,
    Undefined,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# (attribute, serialize, non-null, same) by field name, per object type: `same` is the type
# whose values the scalar serialises as they are (graphql-core's String and ID give a str
# back unchanged, Boolean a bool), so a read of that exact type needs no call to serialise.
Plain = tuple[str, Any, bool, type | None]
_plans: dict[GraphQLObjectType, dict[str, Plain]] = {}
_UNCHANGED = (
    (GraphQLString.serialize, str),
    (GraphQLID.serialize, str),
    (GraphQLBoolean.serialize, bool),
)


def basic_attribute(field: Any) -> str | None:
    """The attribute a field of any type reads when it is strawberry's basic field (no
    resolver, no arguments, the default `getattr`): strawberry then calls
    `getattr(source, name)` without looking at the ResolveInfo."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    if definition.arguments or definition.permission_classes or field.args:
        return None
    if definition.default_resolver is not getattr:
        return None
    # strawberry's `_get_basic_result`: with exception handlers it wraps the read instead.
    if getattr(field.resolve, "__name__", None) != "_get_basic_result":
        return None
    return definition.python_name


def _plain(field: Any) -> Plain | None:
    attribute = basic_attribute(field)
    if attribute is None:
        return None
    kind = field.type
    non_null = isinstance(kind, GraphQLNonNull)
    if non_null:
        kind = kind.of_type
    if not isinstance(kind, GraphQLScalarType | GraphQLEnumType):
        return None
    same = next((kept for serialize, kept in _UNCHANGED if kind.serialize is serialize), None)
    return attribute, remembered(kind, kind.serialize), non_null, same


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


# Set while the check of compiled plans runs a query again: lean resolvers then take
# strawberry's own wrappers, so that the second run is graphql-core and strawberry alone.
strawberry_wrappers: ContextVar[bool] = ContextVar("strawberry_wrappers", default=False)


class Irregular(NamedTuple):
    """A plain read that is not plainly fine: what the attribute gave, or what it raised.
    The executor completes it the generic way (`OmniExecutionContext.complete_read`), so
    the field answers graphql-core's value or error without reading the attribute again."""

    value: Any
    error: Exception | None


def read_plain(source: Any, attribute: str, serialize: Any, non_null: bool, same: Any) -> Any:
    """The field's serialised value, or an Irregular when the read is not plainly fine (the
    attribute is missing or raises, a non-null field is None, serialising fails or gives
    nothing)."""
    try:
        value = getattr(source, attribute)
    except Exception as error:  # strawberry's basic resolver would raise the same
        return Irregular(None, error)
    if type(value) is same:
        return value
    return plain_value(value, serialize, non_null)


def plain_value(value: Any, serialize: Any, non_null: bool) -> Any:
    """What `read_plain` gives for a value read: its serialised form, or an Irregular."""
    if value is None:
        return Irregular(None, None) if non_null else None
    try:
        serialized = serialize(value)
    except Exception:  # completing it again reports the error, located
        return Irregular(value, None)
    if serialized is None or serialized is Undefined:
        return Irregular(value, None)
    return serialized


def ignores_info(is_type_of: Any) -> bool:
    """Whether an object type's `is_type_of` is strawberry's own, which never reads the
    ResolveInfo it is given (an isinstance check on the type's class)."""
    return getattr(is_type_of, "__module__", "") == GraphQLCoreConverter.__module__ and (
        getattr(is_type_of, "__name__", "") == "is_type_of"
    )


class Direct(NamedTuple):
    """How a lean resolver calls its method: `func(source, **arguments)` when `takes_self`,
    arguments renamed by `names` (GraphQL name to Python name), and strawberry's Info under
    `info_name` when the method takes one."""

    func: Any
    takes_self: bool
    names: dict[str, str]
    info_name: str | None
    info_class: Any
    definition: StrawberryField


def remembered(kind: Any, coerce: Any) -> Any:
    """`coerce` (an output coercion of `kind`), remembering what it gave for each member of
    an enum: strawberry's enum types look a member up by scanning all their values, once
    per field of every answer. Anything else is coerced every time."""
    if not isinstance(kind, GraphQLEnumType):
        return coerce
    # By the member's identity: members are singletons, and hashing one calls Enum.__hash__
    # (Python code) where id() does not. The member is kept with its name, so an id is never
    # taken for another object's.
    names: dict[int, tuple[Any, Any]] = {}

    def coerce_enum(value: Any) -> Any:
        known = names.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        name = coerce(value)
        if isinstance(value, enum.Enum):
            names[id(value)] = (value, name)
        return name

    return coerce_enum
