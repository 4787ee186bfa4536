"""The executor's fast path for plain attribute fields (api/core/execution.py): it answers
exactly what graphql-core answers, errors included, and it is really taken. If an upgrade
of graphql-core or strawberry changes what the fast path relies on, these fail."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pytest

from api.core.execution import OmniExecutionContext
from api.core.fields import Irregular, plain_fields, read_plain
from api.schema import schema
from domain.actors import StaffRole
from tests.conftest import client_for, gql
from tests.people import gid, make_staff, register

STORE = gid("Location", 1)

DOCUMENTS: list[tuple[str, dict[str, Any]]] = [
    (
        """query($store: ID!) { products(first: 10) { totalCount edges { cursor node {
            id name slug description __typename
            priceRange { min { amount currencyCode } max { amount } }
            category { id name slug ancestors { name } }
            variants { id sku barcode price { amount } compareAtPrice { amount }
                       availableAt(storeId: $store) { available } totalAvailableForDelivery
                       priceBreakdown { vatRate adjustments { source code amount { amount } } } }
            availableForSale } } pageInfo { hasNextPage endCursor } } }""",
        {"store": STORE},
    ),
    (
        """query($s: String!, $with: Boolean!) { product(slug: $s) {
            ...P  alias: name  sku: slug @include(if: $with)  gone: id @skip(if: $with)
        } }
        fragment P on Product { id name variants { ... on ProductVariant { sku } } }""",
        {"s": "ao-thun-cotton-co-tron", "with": True},
    ),
    (
        """{ stores(first: 5) { nodes { id code name kind pickupEnabled isOpenNow
            address { street province } coordinates { latitude longitude }
            openingHours { day intervals { opens closes } } specialDays { date } } } }""",
        {},
    ),
    ("{ categories { id name slug children { name } } }", {}),
    ("{ promotions { id name status startsAt endsAt discount { percent } } }", {}),
    # Errors: a bad ID, a missing product, a type mismatch in a variable.
    ('{ product(id: "nope") { name } }', {}),
    ('{ product(id: "UHJvZHVjdDo5OTk5OTk") { name } }', {}),
    ("query($n: Int!) { products(first: $n) { nodes { name } } }", {"n": "many"}),
    (
        "query($store: ID!) { products(first: 2) { nodes { name variants { "
        "availableAt(storeId: $store) { available } } } } }",
        {"store": "bad"},
    ),
    ('{ __typename node(id: "UHJvZHVjdDox") { __typename id ... on Product { name } } }', {}),
]


@pytest.fixture
def generic(monkeypatch):
    # These compare the generic executor with and without its fast path: no plans.
    monkeypatch.setattr(OmniExecutionContext, "compiled_plans", False)
    monkeypatch.setattr(OmniExecutionContext, "check_plans", False)

    def use(fast: bool) -> None:
        monkeypatch.setattr(OmniExecutionContext, "fast_fields", fast)

    return use


async def _answers(client, headers: dict[str, str] | None = None) -> list[Any]:
    answers = []
    for query, variables in DOCUMENTS:
        result = await gql(client, query, variables, headers)
        answers.append({k: v for k, v in result.items() if k != "extensions"})
    return answers


async def test_fast_path_answers_as_graphql_core(engine, generic):
    async with client_for(engine, secret_key="test-secret-" + "x" * 32) as client:
        admin = await make_staff(engine, client, StaffRole.ADMIN)
        customer = await register(client)
        for headers in (None, admin.headers, customer.headers):
            generic(True)
            fast = await _answers(client, headers)
            generic(False)
            slow = await _answers(client, headers)
            assert fast == slow
            # The documents do reach data and errors.
            assert any(a.get("errors") for a in fast) and all("data" in a for a in fast)
        me = "{ me { id email phone membership { tier { code } points } } }"
        generic(True)
        fast_me = await gql(client, me, headers=customer.headers)
        generic(False)
        assert fast_me.data == (await gql(client, me, headers=customer.headers)).data


async def test_fast_path_is_taken(client, monkeypatch, generic):
    calls = {"n": 0}
    original = OmniExecutionContext.execute_field

    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(OmniExecutionContext, "execute_field", counted)
    query, variables = DOCUMENTS[0]
    generic(False)
    await gql(client, query, variables)
    every, calls["n"] = calls["n"], 0
    generic(True)
    await gql(client, query, variables)
    # Most fields of a listing are plain attributes and never reach `execute_field`.
    assert calls["n"] < every / 2, (calls["n"], every)
    product = schema._schema.get_type("Product")
    variant = schema._schema.get_type("ProductVariant")
    assert {"name", "slug"} <= set(plain_fields(product))  # type: ignore[arg-type]
    assert "sku" in plain_fields(variant)  # type: ignore[arg-type]
    # Fields with a resolver or arguments are never read directly.
    assert "variants" not in plain_fields(product)  # type: ignore[arg-type]
    assert "availableAt" not in plain_fields(variant)  # type: ignore[arg-type]


def test_pinned_versions():
    """The fast path replaces graphql-core's `execute_fields`: upgrade both on purpose, with
    the tests above, and move these pins along (pyproject.toml)."""
    assert version("graphql-core") == "3.3.2"
    assert version("strawberry-graphql") == "0.341.2"


def test_plain_reads_serialise_as_graphql_core():
    """A plain read gives a value of the scalar's own type back as it is, and anything else
    what the scalar's serialiser gives, or an Irregular for the generic path to report."""
    product = plain_fields(schema._schema.get_type("Product"))  # type: ignore[arg-type]
    attribute, serialize, non_null, same = product["name"]
    assert same is str and non_null

    class Source:
        def __init__(self, value: Any) -> None:
            self.name = value

    assert read_plain(Source("Áo"), attribute, serialize, non_null, same) == "Áo"
    assert read_plain(Source(7), attribute, serialize, non_null, same) == "7"
    assert read_plain(Source(True), attribute, serialize, non_null, same) == "true"
    assert read_plain(Source(None), attribute, serialize, non_null, same) == Irregular(None, None)
    missing = read_plain(object(), attribute, serialize, non_null, same)
    assert isinstance(missing, Irregular) and isinstance(missing.error, AttributeError)
    assert read_plain(Source([1]), attribute, serialize, non_null, same) == Irregular([1], None)
