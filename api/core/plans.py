"""Compiled plans: a known query document turned into nested functions that build its answer.

graphql-core executes a document by walking it afresh for every object of every request:
it collects the fields of each selection set (memoised per request only), looks up each
field's definition, decides how to complete its value from the return type, and builds a
Path and a ResolveInfo for every field, even the ones that only read an attribute. Here the
operation is compiled once per document (its text, the operation chosen and the values of
the variables that `@include`/`@skip` read) into a plan: per selection set, the response
names in order with, for each, what to do with it: read an attribute and serialise it (as
the fast path of api/core/execution.py does), give a constant (`__typename`), or call the
field's resolver with its arguments (worked out once when they are constant, once per
request when they use variables) and complete the value with a function made for its
return type. Sub-selections are compiled the first time a value of their type is met.

The plan calls graphql-core's own pieces wherever a rule of the specification is decided:
`collect_fields`/`collect_subfields` (fragments, `@include`/`@skip`, field merging),
`get_argument_values`, `handle_field_error` (located errors, null propagation), and the
executor's messages for wrong values. Whatever the compiler does not handle is left to
the generic executor, which then answers exactly as it always has:

- the whole operation, for mutations and subscriptions, documents using `@defer` or
  `@stream`, root introspection fields (`__schema`, `__type`), middlewares, an abort
  signal, selections too deeply nested to collect, and documents without source text;
- one field, when its selection carries fragment variables or a defer usage, or when a
  plain attribute read is not plainly fine (missing attribute, null in a non-null field,
  a value that does not serialise): graphql-core's `execute_field` reports it;
- one value, when a list is an async iterable, a list item is awaitable, `is_type_of` or
  `resolve_type` answers with an awaitable (the latter is awaited here), or collecting a
  sub-selection fails: graphql-core's completion functions take over from there.

`OmniExecutionContext.check_plans` (on in the test suite) executes every compiled query a
second time with graphql-core's generic executor and records any difference in data or
errors in `MISMATCHES` (errors in order within each root field: across root fields, the
order is the database's timing); tests/conftest.py fails the test that caused one.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from copy import copy
from types import CoroutineType, GeneratorType
from typing import TYPE_CHECKING, Any, NamedTuple

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLAbstractType,
    GraphQLError,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    VariableNode,
)
from graphql.execution.collect_fields import collect_fields, collect_subfields
from graphql.execution.executor import (
    CollectedErrors,
    Executor,
    collect_iterator_awaitables,
    invalid_return_type_error,
    to_nodes,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, RefMap, gather_with_cancel, is_iterable

from api.core.fields import (
    Direct,
    Irregular,
    basic_attribute,
    ignores_info,
    plain_fields,
    plain_value,
    remembered,
    strawberry_wrappers,
)
from api.core.loaders import KeyFuture
from domain.db import current_counter

if TYPE_CHECKING:
    from api.core.execution import OmniExecutionContext

# What a field of a plan does with its source: (executor, source, parent path) -> value.
Execute = Callable[[Any, Any, Path | None], Any]
# How a value of one return type is completed: (executor, info, path, result) -> value.
Complete = Callable[[Any, Any, Path, Any], Any]

# Kinds of field entries in a plan.
_PLAIN, _CONSTANT, _CALL = 0, 1, 2
_UNSUPPORTED: Any = object()
_MAX_DOCUMENTS = 500
_MAX_VARIANTS = 16  # plans per document, one per combination of @include/@skip values
# A ResolveInfo starts with the field's name, nodes, return type, parent type and path; the
# rest is the same for every field of a request (tests/test_plans.py checks it is).
_INFO_SHARED = 5
# Types whose values are never awaitable, whatever the executor's `is_awaitable` (a subset of
# strawberry's fast path, joined by the plain classes met: `_awaitable`), and the
# DataLoaders' futures, which always are: checked inline.
_NEVER_AWAITABLE: set[type] = {type(None), bool, int, float, str, list, tuple, dict}
_MAX_NEVER_AWAITABLE = 2048
_FUTURES = frozenset({asyncio.Future, KeyFuture})

# Differences the check mode found: (document, variables, compiled, generic).
MISMATCHES: list[tuple[str, dict[str, Any], Any, Any]] = []


class ObjectPlan:
    """The fields of one selection set on one object type, in response order."""

    __slots__ = ("fields", "type")

    def __init__(self, parent_type: GraphQLObjectType, fields: list[tuple[Any, ...]]) -> None:
        self.type = parent_type
        self.fields = fields


class _Family:
    """The plans of one operation of one document, by the values its conditions read."""

    __slots__ = ("conditions", "plans")

    def __init__(self, conditions: tuple[str, ...]) -> None:
        self.conditions = conditions
        self.plans: dict[tuple[Any, ...], Any] = {}


_families: OrderedDict[tuple[int, str, str | None], Any] = OrderedDict()


def clear() -> None:
    """Forget every plan (tests; a schema change in a running process has no other use)."""
    _families.clear()


def plan_for(ex: OmniExecutionContext) -> ObjectPlan | None:
    """The root plan for this executor's operation, compiled on first use; None when the
    generic executor must run it."""
    operation = ex.operation
    if operation.operation is not OperationType.QUERY or operation.loc is None:
        return None
    key = (
        id(ex.schema),
        operation.loc.source.body,
        operation.name.value if operation.name else None,
    )
    family = _families.get(key)
    if family is None:
        family = _scan(ex)
        _families[key] = family
        if len(_families) > _MAX_DOCUMENTS:
            _families.popitem(last=False)
    else:
        _families.move_to_end(key)
    if family is _UNSUPPORTED:
        return None
    coerced = ex.variable_values.coerced
    values = tuple(coerced.get(name) for name in family.conditions)
    plan = family.plans.get(values)
    if plan is None:
        plan = _compile_root(ex)
        if len(family.plans) < _MAX_VARIANTS:
            family.plans[values] = plan
    return None if plan is _UNSUPPORTED else plan


def _scan(ex: OmniExecutionContext) -> Any:
    """The variables the operation's conditions read, or _UNSUPPORTED."""
    conditions: set[str] = set()
    sets: list[SelectionSetNode | None] = [ex.operation.selection_set]
    sets.extend(fragment.selection_set for fragment in ex.fragment_definitions.values())
    while sets:
        selection_set = sets.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            for directive in selection.directives or ():
                name = directive.name.value
                if name in ("defer", "stream"):
                    return _UNSUPPORTED
                if name in ("include", "skip"):
                    for argument in directive.arguments or ():
                        if isinstance(argument.value, VariableNode):
                            conditions.add(argument.value.name.value)
            if isinstance(selection, FieldNode | InlineFragmentNode):
                sets.append(selection.selection_set)
            elif getattr(selection, "arguments", None):  # fragment arguments (experimental)
                return _UNSUPPORTED
    return _Family(tuple(sorted(conditions)))


def _compile_root(ex: OmniExecutionContext) -> Any:
    root_type = ex.schema.get_root_type(OperationType.QUERY)
    if root_type is None:
        return _UNSUPPORTED
    try:
        grouped, defer_usages, _ = collect_fields(
            ex.schema,
            ex.fragments,
            ex.variable_values,
            root_type,
            ex.operation,
            ex.hide_suggestions,
        )
    except (RecursionError, GraphQLError):  # the generic executor reports it
        return _UNSUPPORTED
    if defer_usages:
        return _UNSUPPORTED
    for details in grouped.values():
        if details[0].node.name.value in ("__schema", "__type"):
            return _UNSUPPORTED
    return _object_plan(ex, root_type, grouped)


def _object_plan(ex: Any, parent_type: GraphQLObjectType, grouped: Any) -> ObjectPlan:
    fields = []
    for response_name, details in grouped.items():
        entry = _field(ex, parent_type, response_name, details)
        if entry is not None:
            fields.append(entry)
    return ObjectPlan(parent_type, fields)


def _field(
    ex: Any, parent_type: GraphQLObjectType, response_name: str, details: Any
) -> tuple[Any, ...] | None:
    node: FieldNode = details[0].node
    field_name = node.name.value
    type_name = parent_type.name
    if field_name == "__typename":
        return (response_name, _CONSTANT, type_name)
    field_def = ex.schema.get_field(parent_type, field_name)
    if field_def is None:  # graphql-core leaves it out of the answer
        return None

    def generic(ex: Any, source: Any, path: Path | None) -> Any:
        return ex.execute_field(
            parent_type, source, details, Path(path, response_name, type_name), None
        )

    if any(d.fragment_variable_values is not None or d.defer_usage is not None for d in details):
        return (response_name, _CALL, generic)
    plain = plain_fields(parent_type).get(field_name)
    if plain is not None:
        attribute, serialize, non_null, same = plain

        def complete_read(ex: Any, path: Path | None, read: Irregular) -> Any:
            field_path = Path(path, response_name, type_name)
            return ex.complete_read(parent_type, details, field_path, read)

        return (response_name, _PLAIN, attribute, serialize, non_null, complete_read, same)

    return_type = field_def.type
    nodes = to_nodes(details)
    resolve = field_def.resolve
    site = Site(parent_type, field_def, nodes)
    complete = _completer(return_type, details, site)
    static_args: dict[str, Any] | None = None
    if not (field_def.args or node.arguments):
        static_args = {}
    elif not _uses_variables(node):
        try:
            static_args = get_argument_values(
                field_def, node, ex.variable_values, None, ex.hide_suggestions
            )
        except Exception:  # raised again, located, at execution
            static_args = None
    # Per request, by field node and parent type: runtime types of one abstract selection
    # share the node but may define the field's arguments differently.
    arguments_key = (type_name, id(node))
    # How the resolver is called: an attribute read (strawberry's basic fields of object and
    # list types), the method of a lean resolver (api/core/execution.py), or the resolver.
    read = basic_attribute(field_def)
    direct: Direct | None = getattr(resolve, "direct", None)
    if read is not None or direct is None:
        direct_static = None
    else:
        direct_static = _renamed(static_args, direct.names)
    # A ResolveInfo is built only for whoever reads it: the resolver, a type resolver or an
    # is_type_of of the user's; strawberry's basic fields and methods without `info` do not.
    takes_info = read is None and (direct is None or direct.info_name is not None)
    # A method of (self, info) alone, as most of the catalog's are, is called by position:
    # a call by keyword, and the dict it needs, cost more than the call itself.
    self_and_info = read is None and direct is not None and _self_and_info(direct)
    needs_info = takes_info or _completion_reads_info(return_type)

    async def await_result(ex: Any, result: Any, info: Any, path: Path) -> Any:
        # As graphql-core's `complete_awaitable_value`, without an abort signal.
        try:
            completed = complete(ex, info, path, await result)
            if ex.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            ex.handle_field_error(raw_error, return_type, details, path)
            completed = None
        return completed

    async def await_completed(ex: Any, completed: Awaitable[Any], path: Path) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            ex.handle_field_error(raw_error, return_type, details, path)
            return None

    info_head = (field_name, nodes, return_type, parent_type)

    def execute(ex: Any, source: Any, parent_path: Path | None) -> Any:
        # As graphql-core's `execute_field`.
        path = Path(parent_path, response_name, type_name)
        info = None
        if needs_info:
            # The executor's ResolveInfo, without calling it for every field: what does not
            # depend on the field is taken from the first one it builds in this request.
            shared = ex.plan_info
            if shared is None:
                info = ex.build_resolve_info(field_def, nodes, parent_type, path)
                ex.plan_info = (type(info), info[_INFO_SHARED:])
            else:
                info = tuple.__new__(shared[0], info_head + (path,) + shared[1])
        try:
            if read is not None:
                result = getattr(source, read)
            elif self_and_info:
                assert direct is not None
                result = direct.func(source, direct.info_class(info, direct.definition))
            else:
                args = static_args
                if args is None:
                    cache = ex.plan_arguments
                    args = cache.get(arguments_key)
                    if args is None:
                        args = cache[arguments_key] = get_argument_values(
                            field_def, node, ex.variable_values, None, ex.hide_suggestions
                        )
                if direct is None:
                    result = (resolve or ex.field_resolver)(source, info, **args)
                else:
                    names = direct.names
                    arguments = direct_static
                    if arguments is None:
                        arguments = {names[name]: value for name, value in args.items()}
                    if direct.info_name is not None:
                        arguments = dict(arguments)
                        arguments[direct.info_name] = direct.info_class(
                            _raw_info=info, _field=direct.definition
                        )
                    if direct.takes_self:
                        result = direct.func(source, **arguments)
                    else:
                        result = direct.func(**arguments)
            kind = type(result)
            if kind in _FUTURES or (kind not in _NEVER_AWAITABLE and _awaitable(ex, result)):
                return await_result(ex, result, info, path)
            completed = complete(ex, info, path, result)
            kind = type(completed)
            if kind in _FUTURES or (kind not in _NEVER_AWAITABLE and ex.is_awaitable(completed)):
                return await_completed(ex, completed, path)
        except Exception as raw_error:
            ex.handle_field_error(raw_error, return_type, details, path)
            return None
        return completed

    return (response_name, _CALL, execute)


def _awaitable(ex: Any, value: Any) -> bool:
    """The executor's `is_awaitable`, remembering the classes it says no to whose every
    instance it would say no to (`_plain_class`), so their next values skip it."""
    if ex.is_awaitable(value):
        return True
    kind = type(value)
    if len(_NEVER_AWAITABLE) < _MAX_NEVER_AWAITABLE and _plain_class(kind):
        _NEVER_AWAITABLE.add(kind)
    return False


def _plain_class(kind: type) -> bool:
    """Whether graphql-core's test (a coroutine, a generator-based coroutine, or an object
    with `__await__`) is false for every instance of `kind` whatever its state: not a
    coroutine or generator class, no `__await__` on the class, and no `__getattr__`,
    `__getattribute__` or `__class__` of its own to answer differently per instance. (An
    `__await__` set on one instance is not honoured, as `await` itself ignores it.)"""
    if issubclass(kind, CoroutineType | GeneratorType) or hasattr(kind, "__await__"):
        return False
    if kind.__getattribute__ is not object.__getattribute__ or hasattr(kind, "__getattr__"):
        return False
    return all("__class__" not in vars(base) for base in kind.__mro__[:-1])


class Site(NamedTuple):
    """The field a completion belongs to: for messages, and for a ResolveInfo made late."""

    parent_type: GraphQLObjectType
    field_def: Any
    nodes: list[FieldNode]

    def info(self, ex: Any, info: Any, path: Path) -> Any:
        if info is not None:
            return info
        return ex.build_resolve_info(self.field_def, self.nodes, self.parent_type, path)

    def __str__(self) -> str:
        return f"{self.parent_type}.{self.nodes[0].name.value}"


def _self_and_info(direct: Direct) -> bool:
    """Whether a lean resolver's method takes exactly `self` and strawberry's Info, in that
    order, as plain parameters (so that `func(source, info)` is the same call)."""
    code = getattr(direct.func, "__code__", None)
    if code is None or not direct.takes_self or direct.names or direct.info_name is None:
        return False
    if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) or code.co_kwonlyargcount:
        return False
    return bool(code.co_argcount == 2 and code.co_varnames[1] == direct.info_name)


def _renamed(args: dict[str, Any] | None, names: dict[str, str]) -> dict[str, Any] | None:
    return None if args is None else {names[name]: value for name, value in args.items()}


def _completion_reads_info(return_type: Any) -> bool:
    """Whether completing a value of this type hands the ResolveInfo to the schema's code:
    a type resolver, or an `is_type_of` that is not strawberry's."""
    while isinstance(return_type, GraphQLNonNull | GraphQLList):
        return_type = return_type.of_type
    if isinstance(return_type, GraphQLAbstractType):
        return True
    if isinstance(return_type, GraphQLObjectType) and return_type.is_type_of is not None:
        return not ignores_info(return_type.is_type_of)
    return False


def _uses_variables(node: Any) -> bool:
    stack = [argument.value for argument in node.arguments or ()]
    while stack:
        value = stack.pop()
        if isinstance(value, VariableNode):
            return True
        stack.extend(getattr(value, "values", None) or ())
        stack.extend(field.value for field in getattr(value, "fields", None) or ())
    return False


def run_object(ex: Any, plan: ObjectPlan, source: Any, path: Path | None) -> Any:
    """Execute a plan's fields on one source: as graphql-core's `execute_fields`."""
    results: dict[str, Any] = {}
    is_awaitable = ex.is_awaitable
    awaitable_fields: list[str] = []
    try:
        for entry in plan.fields:
            response_name, kind = entry[0], entry[1]
            if kind == _PLAIN:
                # `read_plain`, written out: this runs for most fields of an answer.
                try:
                    value = getattr(source, entry[2])
                except Exception as error:
                    value = Irregular(None, error)
                else:
                    if type(value) is entry[6]:
                        results[response_name] = value
                        continue
                    value = plain_value(value, entry[3], entry[4])
                    if type(value) is not Irregular:
                        results[response_name] = value
                        continue
                result = entry[5](ex, path, value)
            elif kind == _CONSTANT:
                results[response_name] = entry[2]
                continue
            else:
                result = entry[2](ex, source, path)
            if result is not Undefined:
                results[response_name] = result
                if type(result) not in _NEVER_AWAITABLE and is_awaitable(result):
                    awaitable_fields.append(response_name)
    except Exception:
        if awaitable_fields:
            ex.settle_in_background([results[field] for field in awaitable_fields])
        raise
    if not awaitable_fields:
        return results
    return gather_fields(results, awaitable_fields)


async def gather_fields(results: dict[str, Any], awaitable_fields: list[str]) -> Any:
    """The fields' values with the awaitable ones awaited: as `execute_fields` ends."""
    if len(awaitable_fields) == 1:
        field = awaitable_fields[0]
        results[field] = await results[field]
    else:
        awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
        results.update(zip(awaitable_fields, awaited, strict=True))
    return results


def _completer(return_type: GraphQLOutputType, details: Any, site: Site) -> Complete:
    """A function completing values of `return_type`: graphql-core's `complete_value`,
    with the choice by type made once. `info` may be None where nothing reads it."""
    # A non-null type is completed by its inner type's function, told to refuse null: as
    # graphql-core's two steps, whose inner one gives None only for a null result.
    non_null = None
    if isinstance(return_type, GraphQLNonNull):
        return_type, non_null = return_type.of_type, site
    if isinstance(return_type, GraphQLList):
        return _list(return_type, details, site, non_null)
    if isinstance(return_type, GraphQLAbstractType):
        return _abstract(return_type, details, non_null)
    if isinstance(return_type, GraphQLObjectType):
        return _object(return_type, details, non_null)
    return _leaf(return_type, non_null)


def _null(non_null: Site | None) -> None:
    """What a null result completes to: null, or for a non-null field graphql-core's error."""
    if non_null is not None:
        msg = f"Cannot return null for non-nullable field {non_null}."
        raise TypeError(msg)


def _leaf(return_type: GraphQLLeafType, non_null: Site | None) -> Complete:
    coerce = remembered(return_type, return_type.coerce_output_value)

    def complete(ex: Any, info: Any, path: Path, result: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return _null(non_null)
        coerced = coerce(result)
        if coerced is Undefined or coerced is None:
            return Executor.complete_leaf_value(return_type, result)  # raises its error
        return coerced

    return complete


def _list(
    return_type: GraphQLList[Any], details: Any, site: Site, non_null: Site | None
) -> Complete:
    item_type = return_type.of_type
    complete_item = _completer(item_type, details, site)

    async def await_item(ex: Any, completed: Awaitable[Any], item_path: Path) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            ex.handle_field_error(raw_error, item_type, details, item_path)
            return None

    def complete(ex: Any, info: Any, path: Path, result: Any) -> Any:
        # As graphql-core's `complete_list_value` and `complete_iterable_value`.
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return _null(non_null)
        if ex.is_async_iterable(result):
            info = site.info(ex, info, path)
            return ex.complete_list_value(return_type, details, info, path, result, None)
        if not is_iterable(result):
            msg = f"Expected Iterable, but did not find one for field '{site}'."
            raise GraphQLError(msg)
        is_awaitable = ex.is_awaitable
        completed_results: list[Any] = []
        append = completed_results.append
        awaitable_indices: list[int] = []
        iterator = iter(result)
        index = 0
        try:
            for item in iterator:
                item_path = path.add_key(index, None)
                if type(item) not in _NEVER_AWAITABLE and _awaitable(ex, item):
                    append(
                        ex.complete_awaitable_list_item_value(
                            item, item_type, details, site.info(ex, info, path), item_path, None
                        )
                    )
                    awaitable_indices.append(index)
                else:
                    try:
                        completed = complete_item(ex, info, item_path, item)
                        if type(completed) not in _NEVER_AWAITABLE and is_awaitable(completed):
                            append(await_item(ex, completed, item_path))
                            awaitable_indices.append(index)
                        else:
                            append(completed)
                    except Exception as raw_error:
                        ex.handle_field_error(raw_error, item_type, details, item_path)
                        append(None)
                index += 1
        except Exception:
            pending = [completed_results[i] for i in awaitable_indices]
            pending.extend(collect_iterator_awaitables(iterator, is_awaitable))
            if pending:
                ex.settle_in_background(pending)
            raise
        if not awaitable_indices:
            return completed_results
        return _gather_items(completed_results, awaitable_indices)

    return complete


async def _gather_items(results: list[Any], indices: list[int]) -> list[Any]:
    if len(indices) == 1:
        results[indices[0]] = await results[indices[0]]
    else:
        awaited = await gather_with_cancel(*(results[i] for i in indices))
        for index, value in zip(indices, awaited, strict=True):
            results[index] = value
    return results


def _object(return_type: GraphQLObjectType, details: Any, non_null: Site | None = None) -> Complete:
    plans: list[ObjectPlan] = []  # compiled on the first value

    def sub_plan(ex: Any) -> ObjectPlan | None:
        if plans:
            return plans[0]
        try:
            grouped, defer_usages, _ = collect_subfields(
                ex.schema,
                ex.fragments,
                ex.variable_values,
                ex.operation,
                return_type,
                details,
                ex.hide_suggestions,
            )
        except Exception:  # graphql-core raises it again, for this value
            return None
        if defer_usages:  # pragma: no cover (documents with @defer are not compiled)
            return None
        plan = _object_plan(ex, return_type, grouped)
        plans.append(plan)
        return plan

    def run(ex: Any, path: Path, result: Any) -> Any:
        plan = plans[0] if plans else sub_plan(ex)
        if plan is None:
            return ex.collect_and_execute_subfields(return_type, details, path, result, None)
        return run_object(ex, plan, result, path)

    async def checked_async(ex: Any, path: Path, result: Any, is_type_of: Any) -> Any:
        if not await is_type_of:
            raise invalid_return_type_error(return_type, result, details)
        value = run(ex, path, result)
        return await value if ex.is_awaitable(value) else value

    def complete(ex: Any, info: Any, path: Path, result: Any) -> Any:
        # As graphql-core's `complete_object_value`.
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return _null(non_null)
        if return_type.is_type_of:
            is_type_of = return_type.is_type_of(result, info)
            if type(is_type_of) is not bool and ex.is_awaitable(is_type_of):
                return checked_async(ex, path, result, is_type_of)
            if not is_type_of:
                raise invalid_return_type_error(return_type, result, details)
        if plans:  # `run`, written out for the usual case
            return run_object(ex, plans[0], result, path)
        return run(ex, path, result)

    return complete


def _abstract(return_type: GraphQLAbstractType, details: Any, non_null: Site | None) -> Complete:
    by_type: dict[GraphQLObjectType, Complete] = {}

    def complete_as(ex: Any, info: Any, path: Path, result: Any, runtime: Any) -> Any:
        runtime_type = ex.ensure_valid_runtime_type(runtime, return_type, details, info, result)
        complete_object = by_type.get(runtime_type)
        if complete_object is None:
            complete_object = by_type[runtime_type] = _object(runtime_type, details)
        return complete_object(ex, info, path, result)

    async def complete_async(ex: Any, info: Any, path: Path, result: Any, runtime: Any) -> Any:
        value = complete_as(ex, info, path, result, await runtime)
        return await value if ex.is_awaitable(value) else value

    def complete(ex: Any, info: Any, path: Path, result: Any) -> Any:
        # As graphql-core's `complete_abstract_value`.
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return _null(non_null)
        resolve_type = return_type.resolve_type or ex.type_resolver
        runtime = resolve_type(result, info, return_type)
        if ex.is_awaitable(runtime):
            return complete_async(ex, info, path, result, runtime)
        return complete_as(ex, info, path, result, runtime)

    return complete


def execute_plan(ex: OmniExecutionContext, plan: ObjectPlan) -> Any:
    """Run a root plan and build the response: as graphql-core's `execute_operation`."""
    try:
        result = run_object(ex, plan, ex.root_value, None)
        if ex.is_awaitable(result):

            async def await_result() -> ExecutionResult:
                try:
                    data = await result
                except GraphQLError as error:
                    ex.collected_errors.add(error, None)
                    return ex.build_response(None)  # type: ignore[return-value]
                except Exception:
                    await ex.cancel_incremental_work()
                    ex.run_async_work_finished_hook()
                    raise
                return ex.build_response(data)  # type: ignore[return-value]

            return await_result()
        data = result
    except GraphQLError as error:
        ex.collected_errors.add(error, None)
        return ex.finish(ex.build_response(None))
    return ex.finish(ex.build_response(data))


def generic_clone(ex: OmniExecutionContext) -> OmniExecutionContext:
    """A fresh executor for the same request that runs graphql-core's generic path."""
    clone = copy(ex)
    clone.collected_errors = CollectedErrors()
    clone._relevant_sub_fields = {}
    clone._stream_usages = RefMap()
    clone.plan_info = None
    clone.fast_fields = False
    clone.compiled_plans = False
    clone.check_plans = False
    return clone


async def checked(ex: OmniExecutionContext, compiled: Any) -> Any:
    """The compiled answer, after comparing it with the generic executor's."""
    if ex.is_awaitable(compiled):
        compiled = await compiled
    clone = generic_clone(ex)
    second_run = getattr(ex.context_value, "second_run", None)
    if second_run is not None:
        clone.context_value = second_run()
    token = current_counter.set(None)  # the second run is not the request's
    wrappers = strawberry_wrappers.set(True)  # and it calls resolvers as strawberry does
    try:
        generic = clone.execute_operation()
        if ex.is_awaitable(generic):
            generic = await generic
    finally:
        strawberry_wrappers.reset(wrappers)
        current_counter.reset(token)
        if second_run is not None:
            await clone.context_value.close_second_run()
    mine, theirs = _answer(compiled), _answer(generic)
    if mine != theirs:
        body = ex.operation.loc.source.body if ex.operation.loc else ""
        MISMATCHES.append((body, dict(ex.variable_values.coerced), mine, theirs))
    return compiled


def _answer(result: ExecutionResult) -> str:
    """Keys in order and errors in order, as a client reads the answer, except for one thing
    timing decides: a query's root fields run concurrently, so the errors of two of them
    that wait on the database arrive in whichever order the database answers. Errors are
    compared in order within each root field, the root fields taken in response order."""
    errors = [e.formatted for e in result.errors or ()]
    position: dict[Any, int] = {key: i for i, key in enumerate(result.data or {})}

    def root(error: Any) -> int:
        path = error.get("path")
        return position.get(path[0], -1) if path else -1

    errors.sort(key=root)
    return json.dumps([result.data, errors])
