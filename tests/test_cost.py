"""Query cost: the published model, `extensions.cost`, and the maximum per query."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from graphql import parse

from api.core.ids import to_global_id
from api.limits.cost import CostModel
from api.schema import LIST_SIZES, schema
from tests.conftest import gql

MODEL = CostModel(schema._schema, max_page_size=100, list_sizes=LIST_SIZES)


def requested(query: str, variables: dict | None = None) -> int:
    document = parse(query)
    return MODEL.requested(document, document.definitions[0], variables)  # type: ignore[arg-type]


def bench_listing_query() -> str:
    path = Path(__file__).resolve().parents[1] / "bench" / "catalog.py"
    spec = importlib.util.spec_from_file_location("omni_bench_catalog", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return str(module.LISTING_QUERY)


@pytest.mark.parametrize(
    ("query", "cost"),
    [
        ("{ __typename }", 0),
        ('{ product(slug: "x") { name } }', 1),  # an object: 1; scalars: 0
        ('{ product(slug: "x") { name category { name } } }', 2),
        # a connection: 1, its edges x first, each edge 1 + node 1
        ("{ products(first: 20) { edges { node { name } } } }", 1 + 20 * 2),
        ("{ products(last: 3) { nodes { name } pageInfo { hasNextPage } } }", 1 + 3 + 1),
        # no first/last: the maximum page size
        ("{ products { edges { cursor } } }", 1 + 100),
        # a plain list: its typical size (Product.variants: 5), else 10
        ('{ product(slug: "x") { variants { price { amount } } } }', 1 + 5 * 2),
        ('{ product(slug: "x") { variants { availability { available } } } }', 1 + 5 * 11),
        # nodes(ids:) counts its ids
        ('{ nodes(ids: ["a", "b", "c"]) { id } }', 3),
        # a mutation's root field costs 10 more
        ("mutation { customerLogout { userErrors { code } } }", 10 + 1 + 10),
        # the schema's size, whatever is selected inside
        ("{ __schema { types { fields { name } } } }", 100),
    ],
)
def test_published_cost_model(query, cost):
    assert requested(query) == cost


def test_page_size_from_variables_and_fragments():
    query = (
        "query($n: Int) { products(first: $n) { ...Page } } "
        "fragment Page on ProductConnection { edges { node { name } } }"
    )
    assert requested(query, {"n": 7}) == 1 + 7 * 2
    assert requested(query, {}) == 1 + 100 * 2
    assert requested(query, {"n": 10_000}) == 1 + 100 * 2  # refused by validation anyway


def test_typical_sizes_name_real_list_fields():
    for key in LIST_SIZES:
        type_name, field = key.split(".")
        definition = schema._schema.get_type(type_name).fields[field]  # type: ignore[union-attr]
        assert "[" in str(definition.type), key


def test_benchmark_listing_page_is_well_under_the_maximum():
    cost = requested(bench_listing_query(), {"first": 20, "store": "x"})
    assert cost <= 600, cost


async def test_every_response_carries_its_cost(client):
    result = await gql(
        client,
        "{ products(first: 3) { edges { node { name variants { sku } } } } }",
    )
    cost = result["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 1 + 3 * (1 + 1 + 5 * 1)
    # Actual cost counts what came back: 3 products and their real variants.
    edges = result.data["products"]["edges"]
    variants = sum(len(e["node"]["variants"]) for e in edges)
    assert cost["actualQueryCost"] == 1 + 3 * 2 + variants
    status = cost["throttleStatus"]
    assert set(status) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}
    refused = await gql(client, "{ nope }")
    assert refused["extensions"]["cost"]["requestedQueryCost"] == 0


async def test_over_the_maximum_is_refused_before_execution(client):
    aliases = " ".join(
        f"a{i}: products(first: 100) {{ edges {{ node {{ id name variants {{ sku "
        f"availability {{ location {{ name }} available }} }} }} }} }}"
        for i in range(64)
    )
    result = await gql(client, "{ " + aliases + " }")
    assert result.data is None
    [error] = result.errors
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["extensions"]["maxCost"] == 1000
    assert error["extensions"]["cost"] > 1000
    assert result.sql_statements == 0
    assert len(result.response.content) < 2000


async def test_actual_cost_counts_null_and_missing(client):
    result = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Product { name category { name } } } }",
        {"id": to_global_id("Product", 999_999)},
    )
    assert result["extensions"]["cost"]["actualQueryCost"] <= 2
