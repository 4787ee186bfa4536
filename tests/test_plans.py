"""Compiled plans (api/core/plans.py) answer exactly what graphql-core's generic executor
answers: for generated documents over the catalog, stores, membership, carts and orders
(aliases, fragments, inline fragments, merged fields, `@include`/`@skip`, variables, and
the errors of fields the viewer may not read), and they are really used, once compiled.
Every query of the rest of the suite is compared too (tests/conftest.py)."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest
from graphql import (
    FieldNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
    parse,
)
from graphql.pyutils import Path
from strawberry.types.info import Info

from api.core import plans
from api.core.execution import OmniExecutionContext
from api.schema import schema
from tests.conftest import client_for, gql
from tests.people import gid, register
from tests.test_checkout import store_with_stock
from tests.test_pickup import place

SCHEMA = schema._schema
SECRET = "test-secret-" + "x" * 32


class Document:
    """One generated operation: its selections, fragments and the variables it uses."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.fragments: list[str] = []
        self.used: set[str] = set()

    def arguments(self, field: Any) -> str | None:
        """Values for the field's required arguments, or None when it needs one we cannot
        make up (the generator then leaves the field out)."""
        given = []
        for name, argument in field.args.items():
            if not isinstance(argument.type, GraphQLNonNull) or argument.default_value is not None:
                continue
            kind = argument.type.of_type
            if kind is GraphQLID and ("store" in name.lower() or "location" in name.lower()):
                self.used.add("store")
                given.append(f"{name}: $store")
            elif kind is GraphQLInt:
                given.append(f"{name}: 2")
            elif kind is GraphQLBoolean:
                given.append(f"{name}: true")
            elif isinstance(kind, GraphQLEnumType):
                given.append(f"{name}: {next(iter(kind.values))}")
            else:
                return None
        if "first" in field.args and "first" not in " ".join(given) and self.rng.random() < 0.7:
            given.append("first: 2")
        return f"({', '.join(given)})" if given else ""

    def condition(self) -> str:
        roll = self.rng.random()
        if roll < 0.08:
            self.used.add("yes")
            return " @include(if: $yes)"
        if roll < 0.14:
            self.used.add("no")
            return " @skip(if: $no)"
        if roll < 0.18:
            self.used.add("no")
            return " @include(if: $no)"
        if roll < 0.20:
            return " @skip(if: true)"
        return ""

    def select(self, kind: Any, depth: int) -> str:
        named = get_named_type(kind)
        rng = self.rng
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            parts = ["__typename"]
            for possible in SCHEMA.get_possible_types(named)[:4]:
                parts.append(f"... on {possible.name} {{ {self.select(possible, depth)} }}")
            return " ".join(parts)
        assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
        fields = list(named.fields.items())
        rng.shuffle(fields)
        parts = []
        for name, field in fields:
            if len(parts) >= rng.randint(2, 6):
                break
            arguments = self.arguments(field)
            if arguments is None:
                continue
            inner = get_named_type(field.type)
            if is_leaf_type(inner):
                sub = ""
            elif depth >= 3:
                continue
            else:
                sub = " { " + self.select(inner, depth + 1) + " }"
            alias = f"a{len(parts)}_{name}: " if rng.random() < 0.25 else ""
            part = f"{alias}{name}{arguments}{self.condition()}{sub}"
            if sub and rng.random() < 0.1:  # the same field again: its selections merge
                part += f" {alias}{name}{arguments} {{ __typename }}"
            roll = rng.random()
            if roll < 0.12:
                part = f"... on {named.name}{self.condition()} {{ {part} }}"
            elif roll < 0.24:
                fragment = f"F{len(self.fragments)}"
                self.fragments.append(f"fragment {fragment} on {named.name} {{ {part} }}")
                part = f"...{fragment}"
            parts.append(part)
        if rng.random() < 0.2:
            parts.append("__typename")
        return " ".join(parts) or "__typename"

    def text(self, root: str, variables: dict[str, str]) -> str:
        declared = ", ".join(f"${name}: {variables[name]}" for name in sorted(self.used))
        head = f"query Generated({declared})" if declared else "query Generated"
        return "\n".join([f"{head} {{ {root} }}", *self.fragments])


VARIABLE_TYPES = {"store": "ID!", "yes": "Boolean!", "no": "Boolean!", "cart": "ID!"}
VARIABLE_TYPES |= {"order": "ID!", "slug": "String!", "node": "ID!"}

# Root fields, the type under them, and the variables they need.
ROOTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("products(first: 3) { totalCount nodes { SEL } }", "Product", ()),
    ("product(slug: $slug) { SEL }", "Product", ("slug",)),
    ('productVariant(sku: "none") { SEL }', "ProductVariant", ()),
    ("stores(first: 3) { edges { cursor node { SEL } } }", "Location", ()),
    ("categories(topLevelOnly: true) { SEL }", "Category", ()),
    ("membershipTiers { SEL }", "MembershipTier", ()),
    ("promotions { SEL }", "Promotion", ()),
    ("me { SEL }", "Customer", ()),
    ("cart(id: $cart) { SEL }", "Cart", ("cart",)),
    ("order(id: $order) { SEL }", "Order", ("order",)),
    ("node(id: $node) { SEL }", "Node", ("node",)),
]


def generated(seed: int, per_root: int) -> list[tuple[str, set[str]]]:
    rng = random.Random(seed)
    documents = []
    for root, type_name, needs in ROOTS:
        for _ in range(per_root):
            document = Document(rng)
            document.used.update(needs)
            selection = document.select(SCHEMA.get_type(type_name), 1)
            text = document.text(root.replace("SEL", selection), VARIABLE_TYPES)
            documents.append((text, document.used))
    return documents


@pytest.fixture
def executors(monkeypatch):
    """Switch between compiled plans and the generic executor; count plan executions."""
    monkeypatch.setattr(OmniExecutionContext, "check_plans", False)
    runs = {"compiled": 0}
    original = plans.execute_plan

    def counted(ex: Any, plan: Any) -> Any:
        runs["compiled"] += 1
        return original(ex, plan)

    monkeypatch.setattr(plans, "execute_plan", counted)

    def use(compiled: bool) -> dict[str, int]:
        monkeypatch.setattr(OmniExecutionContext, "compiled_plans", compiled)
        return runs

    return use


async def test_generated_documents_answer_as_graphql_core(engine, executors):
    async with client_for(engine, secret_key=SECRET) as client:
        customer = await register(client)
        variant, store, _ = await store_with_stock(engine)
        order = await place(client, variant, store, customer)
        cart = await gql(
            client,
            """mutation($l: [CartLineInput!]!) { cartCreate(input: {lines: $l}) {
                cart { id } } }""",
            {"l": [{"variantId": gid("ProductVariant", variant), "quantity": 1}]},
            customer.headers,
        )
        values = {
            "store": gid("Location", store),
            "yes": True,
            "no": False,
            "cart": cart["data"]["cartCreate"]["cart"]["id"],
            "order": order["id"],
            "slug": "ao-thun-cotton-co-tron",
            "node": gid("Product", 1),
        }
        documents = generated(seed=13, per_root=7)
        answered = errors = 0
        for text, used in documents:
            variables = {name: values[name] for name in used}
            for headers in (customer.headers, None):
                answers = []
                for compiled in (True, False):
                    runs = executors(compiled)
                    before = runs["compiled"]
                    result = await gql(client, text, variables, headers)
                    if "data" in result and not compiled:
                        assert runs["compiled"] == before  # off means off
                    answers.append({k: v for k, v in result.items() if k != "extensions"})
                assert answers[0] == answers[1], text
                answered += answers[0].get("data") is not None
                errors += bool(answers[0].get("errors"))
        # The generated set exercises answers and errors alike, through the plans.
        assert answered > len(documents), (answered, len(documents))
        assert errors > 10, errors
        assert runs["compiled"] >= answered


async def test_plans_are_compiled_once_and_the_setting_turns_them_off(
    engine, executors, monkeypatch
):
    query = """query($s: String!, $with: Boolean!) { product(slug: $s) {
        name sku: slug @include(if: $with) variants { sku } } }"""
    variables = {"s": "ao-thun-cotton-co-tron", "with": True}
    plans.clear()
    async with client_for(engine) as client:
        runs = executors(True)
        compiled: list[Any] = []
        original = plans._compile_root

        def counted(ex: Any) -> Any:
            compiled.append(ex)
            return original(ex)

        monkeypatch.setattr(plans, "_compile_root", counted)
        first = await gql(client, query, variables)
        second = await gql(client, query, variables)
        # Another value of a condition is another plan; other variables are not.
        without = await gql(client, query, {**variables, "with": False})
        await gql(client, query, {"s": "khong-co", "with": True})
        assert first == second and "sku" in first["data"]["product"]
        assert "sku" not in without["data"]["product"]
        assert len(compiled) == 2
        assert runs["compiled"] == 4
    async with client_for(engine, compiled_plans=False) as client:
        assert await gql(client, query, variables) == first
        assert runs["compiled"] == 4


@pytest.mark.parametrize(
    "query",
    [
        "mutation { __typename }",
        "{ __schema { queryType { name } } }",
        '{ __type(name: "Product") { name } }',
    ],
)
async def test_what_is_not_compiled_runs_generically(engine, executors, query):
    async with client_for(engine) as client:
        runs = executors(True)
        await gql(client, query)
        assert runs["compiled"] == 0


def test_errors_are_compared_in_order_within_each_root_field():
    from graphql import ExecutionResult, GraphQLError

    def result(*paths: list[Any]) -> ExecutionResult:
        errors = [GraphQLError(f"at {path}", path=path) for path in paths]
        return ExecutionResult({"a": None, "b": [None, None]}, errors)

    # Root fields run concurrently: which one's error comes first is timing.
    assert plans._answer(result(["b", 0], ["a"])) == plans._answer(result(["a"], ["b", 0]))
    # Within one root field the order is the executor's, and it is compared.
    assert plans._answer(result(["b", 0], ["b", 1])) != plans._answer(result(["b", 1], ["b", 0]))


def test_a_plan_builds_the_resolve_info_the_executor_builds():
    """A plan builds each field's ResolveInfo from the field's own entries and the rest of the
    first one the executor built in the request (`plans._INFO_SHARED`). If an upgrade of
    strawberry or graphql-core reorders the entries or adds one per field, this fails."""
    document = parse("{ products(first: 1) { nodes { name } } categories { name } }")
    ex = OmniExecutionContext.build(SCHEMA, document, context_value=object(), root_value=None)
    assert isinstance(ex, OmniExecutionContext)
    root = SCHEMA.query_type
    assert root is not None
    built = []
    for node in ex.operation.selection_set.selections:
        assert isinstance(node, FieldNode)
        field_def = root.fields[node.name.value]
        path = Path(None, node.name.value, root.name)
        built.append((node, field_def, path, ex.build_resolve_info(field_def, [node], root, path)))
    first = built[0][3]
    assert first._fields[: plans._INFO_SHARED] == (
        "field_name",
        "field_nodes",
        "return_type",
        "parent_type",
        "path",
    )
    for node, field_def, path, info in built:
        head = (node.name.value, [node], field_def.type, root, path)
        made = tuple.__new__(type(first), head + first[plans._INFO_SHARED :])
        assert type(made) is type(info) and made == info


def test_methods_of_self_and_info_are_called_by_position():
    """Such a method gets strawberry's Info built by position: its dataclass fields must stay
    in this order, and the plan must recognise the catalog's methods."""
    assert [field.name for field in dataclasses.fields(Info)] == ["_raw_info", "_field"]
    price = SCHEMA.get_type("ProductVariant").fields["price"]  # type: ignore[union-attr]
    available_at = SCHEMA.get_type("ProductVariant").fields["availableAt"]  # type: ignore[union-attr]
    assert plans._self_and_info(price.resolve.direct)  # type: ignore[union-attr]
    assert not plans._self_and_info(available_at.resolve.direct)  # type: ignore[union-attr]


class _Plain:
    pass


@dataclasses.dataclass(slots=True)
class _Slotted:
    value: int = 0


class _Awaits:
    def __await__(self) -> Any:
        yield None


class _Dynamic:
    def __getattr__(self, name: str) -> Any:
        return lambda: iter(())


class _Looks:
    def __getattribute__(self, name: str) -> Any:
        return object.__getattribute__(self, name)


class _Disguised:
    @property
    def __class__(self) -> Any:  # type: ignore[override]
        return type(_coroutine())


async def _noop() -> None:
    return None


def _coroutine() -> Any:
    coroutine = _noop()
    coroutine.close()
    return coroutine


def test_only_classes_that_cannot_be_awaitable_are_remembered_as_never() -> None:
    """Compiled plans skip the awaitability test for the classes remembered; a class joins
    only when no instance of it could pass graphql-core's test."""
    for kind in (_Plain, _Slotted):
        assert plans._plain_class(kind), kind
    generator = type(x for x in ())
    for kind in (_Awaits, _Dynamic, _Looks, _Disguised, type(_coroutine()), generator):
        assert not plans._plain_class(kind), kind

    class Executor:
        is_awaitable = staticmethod(OmniExecutionContext.is_awaitable)

    ex = Executor()
    assert not plans._awaitable(ex, _Plain()) and _Plain in plans._NEVER_AWAITABLE
    assert plans._awaitable(ex, _Awaits()) and _Awaits not in plans._NEVER_AWAITABLE
    # `__getattr__` answers `__await__` (graphql-core's test says yes), or might one day.
    assert plans._awaitable(ex, _Dynamic()) and _Dynamic not in plans._NEVER_AWAITABLE
    assert not plans._awaitable(ex, _Looks()) and _Looks not in plans._NEVER_AWAITABLE
    coroutine = _noop()
    assert plans._awaitable(ex, coroutine)
    coroutine.close()
