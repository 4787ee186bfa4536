"""A listing reads its products without their description, attributes and images unless it
selects them; reached another way, they are loaded in one batched statement."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Limits
from domain.catalog.models import Product
from domain.catalog.repository import has_details, products_by_ids
from tests.conftest import client_for, gql

pytestmark = pytest.mark.asyncio

DETAILS = "description attributes { name value } images { url altText }"


@pytest.fixture(scope="module")
async def client(catalog_engine):
    async with client_for(catalog_engine, limits=Limits(max_query_cost=100_000)) as c:
        yield c


def listing(node: str, extra: str = "") -> str:
    return (
        f"query($n: Int!) {{ products(first: $n) {{ edges {{ node {{ id {node} }} }} }} }}{extra}"
    )


async def product_pages(client, ids: list[str]) -> dict[str, dict]:
    """Each product's details, read one by one through `product(id:)` (full rows)."""
    pages = {}
    for product_id in ids:
        result = await gql(
            client, f"query($id: ID!) {{ product(id: $id) {{ {DETAILS} }} }}", {"id": product_id}
        )
        assert not result.errors
        pages[product_id] = result.data["product"]
    return pages


async def test_a_listing_that_shows_details_reads_them_with_its_page(client):
    plain = await gql(client, listing("name"), {"n": 20})
    detailed = await gql(client, listing(f"name {DETAILS}"), {"n": 20})
    assert not plain.errors and not detailed.errors
    # The same statements: the page's rows carry the details when it selects them.
    assert detailed.sql_statements == plain.sql_statements
    nodes = [e["node"] for e in detailed.data["products"]["edges"]]
    assert len(nodes) == 20
    pages = await product_pages(client, [n["id"] for n in nodes])
    assert any(n["description"] for n in nodes)
    assert any(n["attributes"] for n in nodes) and any(n["images"] for n in nodes)
    for node in nodes:
        assert {k: node[k] for k in ("description", "attributes", "images")} == pages[node["id"]]


async def test_details_selected_through_a_fragment_come_with_the_page(client):
    plain = await gql(client, listing("name"), {"n": 5})
    spread = await gql(
        client, listing("...Shown", " fragment Shown on Product { images { url } }"), {"n": 5}
    )
    inline = await gql(client, listing("... on Product { description }"), {"n": 5})
    assert not spread.errors and not inline.errors
    assert spread.sql_statements == inline.sql_statements == plain.sql_statements


async def test_details_reached_through_a_variant_are_loaded_in_one_statement(client):
    plain = await gql(client, listing("variants { id }"), {"n": 20})
    through = await gql(client, listing(f"variants {{ id product {{ id {DETAILS} }} }}"), {"n": 20})
    assert not plain.errors and not through.errors
    # One statement for the details of the whole page (the products are already loaded).
    assert through.sql_statements == plain.sql_statements + 1
    edges = through.data["products"]["edges"]
    pages = await product_pages(client, [e["node"]["id"] for e in edges])
    for edge in edges:
        for variant in edge["node"]["variants"]:
            product = variant["product"]
            assert product["id"] == edge["node"]["id"]
            assert {k: product[k] for k in ("description", "attributes", "images")} == pages[
                product["id"]
            ]


async def test_only_rows_and_entities_holding_all_details_count_as_having_them(engine):
    async with AsyncSession(engine) as session:
        row = (await products_by_ids(session, [1]))[1]
        entity = (await session.scalars(select(Product).where(Product.id == 1))).one()
        assert has_details(row) and has_details(entity)
        session.expire(entity, ["images"])
        assert not has_details(entity)
