"""SQL statements per query are bounded by the query's shape, not the page size."""

from __future__ import annotations

import base64

import pytest

from api.config import Limits
from tests.conftest import client_for, gql


@pytest.fixture(scope="module")
async def client(catalog_engine):
    """Pages of 50 products with all their variants cost more than the public maximum
    query cost; the statement counts are about SQL, so these tests lift the cost limit."""
    async with client_for(catalog_engine, limits=Limits(max_query_cost=100_000)) as c:
        yield c


LISTING = """query($n: Int!, $store: ID!) {
  products(first: $n) {
    totalCount
    edges { cursor node {
      id name slug
      priceRange { min { amount currencyCode } max { amount currencyCode } }
      category { id name }
      variants {
        id sku price { amount currencyCode } compareAtPrice { amount }
        availableAt(storeId: $store) { available }
      }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""

PRODUCT_PAGE = """query($n: Int!) {
  products(first: $n) { edges { node {
    name category { name ancestors { name } }
    variants { sku availability { available location { id code name } } totalAvailableForDelivery }
    availableForSale
  } } }
}"""


def store_id() -> str:
    return base64.urlsafe_b64encode(b"Location:1").decode().rstrip("=")


async def test_listing_statements_do_not_grow_with_page_size(client):
    small = await gql(client, LISTING, {"n": 5, "store": store_id()})
    large = await gql(client, LISTING, {"n": 50, "store": store_id()})
    assert not small.errors and not large.errors
    assert len(large.data["products"]["edges"]) == 50
    # count, page, categories, variants, stock at the store; tiers and live promotions
    # (once per request, not per variant: tests/test_prices_api.py has a signed-in member).
    assert small.sql_statements == large.sql_statements == 7


async def test_product_page_statements_do_not_grow_with_page_size(client):
    small = await gql(client, PRODUCT_PAGE, {"n": 5})
    large = await gql(client, PRODUCT_PAGE, {"n": 50})
    assert not small.errors and not large.errors
    # page, categories, variants, stock, locations, delivery totals, sellable.
    assert small.sql_statements == large.sql_statements == 7


async def test_many_aliased_siblings_share_the_session_safely(client):
    fields = "\n".join(
        f'p{i}: products(first: 3, search: "{term}") {{ totalCount edges {{ node {{ name '
        f"variants {{ sku availability {{ available }} }} category {{ name }} }} }} }}"
        for i, term in enumerate(["ao", "quan", "dam", "tui", "giay", "vay", "non", "that"] * 4)
    )
    stores = "\n".join(
        f"s{i}: stores(first: 3) {{ edges {{ node {{ code isOpenNow }} }} }}" for i in range(8)
    )
    result = await gql(client, f"{{ {fields}\n{stores} }}")
    assert not result.errors, result.errors[:3]
    assert len(result.data) == 40


async def test_concurrent_requests(client):
    import asyncio

    results = await asyncio.gather(
        *(gql(client, LISTING, {"n": 20, "store": store_id()}) for _ in range(20))
    )
    assert all(not r.errors for r in results)
    assert len({str(r.data) for r in results}) == 1
