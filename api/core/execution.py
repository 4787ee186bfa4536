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
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    Undefined,
)
from graphql.pyutils import Path
from strawberry import ID
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryMaybe, StrawberryOptional
from strawberry.types.field import StrawberryField

from api.core import plans
from api.core.fields import Direct, Irregular, plain_fields, read_plain, strawberry_wrappers


class OmniExecutionContext(StrawberryGraphQLCoreExecutionContext):
    # Off: every field takes graphql-core's path (the differential test compares both).
    fast_fields = True
    # Off: no compiled plans (api/core/plans.py); `Settings.compiled_plans` is the setting.
    compiled_plans = True
    # On: every compiled query also runs generically and differences are recorded (tests).
    check_plans = False
    # Arguments using variables, worked out once per request per field node of a plan.
    plan_arguments: dict[tuple[str, int], dict[str, Any]]
    # The ResolveInfo class and what its instances share in a request (plans.py), once built.
    plan_info: tuple[type, tuple[Any, ...]] | None

    def execute_operation(self, serially: bool | None = None) -> Any:
        plan = self._plan() if serially is None else None
        if plan is None:
            return super().execute_operation(serially)
        self.plan_arguments = {}
        self.plan_info = None
        result = plans.execute_plan(self, plan)
        return plans.checked(self, result) if self.check_plans else result

    def _plan(self) -> plans.ObjectPlan | None:
        manager = self.middleware_manager
        if not (self.compiled_plans and self.fast_fields) or self.abort_signal is not None:
            return None
        if manager is not None and manager.middlewares:
            return None
        settings = getattr(self.context_value, "settings", None)
        if settings is not None and not settings.compiled_plans:
            return None
        return plans.plan_for(self)

    def complete_read(
        self, parent_type: GraphQLObjectType, details: Any, path: Path, read: Irregular
    ) -> Any:
        """A plain field whose read was irregular, completed as `execute_field` completes
        what a resolver returned or raised: graphql-core's value or located error."""
        field_def = self.schema.get_field(parent_type, details[0].node.name.value)
        assert field_def is not None  # a plain field is one of the type's
        return_type = field_def.type
        info = self.build_resolve_info(field_def, [d.node for d in details], parent_type, path)
        try:
            if read.error is not None:
                raise read.error
            # A scalar or an enum: completing it is never awaitable.
            return self.complete_value(return_type, details, info, path, read.value, None)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None

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
                    value = read_plain(source_value, *fast)
                    if type(value) is not Irregular:
                        results[response_name] = value
                        continue
                    field_path = Path(path, response_name, parent_type.name)
                    result = self.complete_read(parent_type, field_details_list, field_path, value)
                else:
                    field_path = Path(path, response_name, parent_type.name)
                    result = self.execute_field(
                        parent_type, source_value, field_details_list, field_path, position_context
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
        return plans.gather_fields(results, awaitable_fields)


# Arguments whose value graphql-core already gives as the resolver wants it.
_PLAIN_ARGUMENTS = (str, int, float, bool, ID)


def _plain_argument(kind: Any) -> bool:
    if isinstance(kind, StrawberryMaybe):  # strawberry wraps the value in Some()
        return False
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
        if not OmniExecutionContext.fast_fields or strawberry_wrappers.get():
            return general(source, info, **kwargs)
        arguments = {names[name]: value for name, value in kwargs.items()}
        if info_name is not None:
            arguments[info_name] = info_class(_raw_info=info, _field=definition)
        return func(source, **arguments) if takes_self else func(**arguments)

    # What a compiled plan needs to make the same call itself (api/core/plans.py).
    lean.direct = Direct(func, takes_self, names, info_name, info_class, definition)  # type: ignore[attr-defined]
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
