"""Keyset pagination of `products`: every sort, both directions, no duplicates or gaps."""

from __future__ import annotations

import pytest

from tests.conftest import gql, ok

PAGE = """query($first: Int, $after: String, $last: Int, $before: String, $sort: ProductSortKeys!,
             $reverse: Boolean!, $search: String) {
  products(first: $first, after: $after, last: $last, before: $before, sortKey: $sort,
           reverse: $reverse, search: $search) {
    totalCount
    edges { cursor node { id name createdAt priceRange { min { amount } } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

SORTS = ["RELEVANCE", "PRICE", "NAME", "CREATED_AT"]


async def walk_forward(client, size: int, **variables) -> list[str]:
    ids: list[str] = []
    after = None
    for _ in range(200):
        data = await ok(client, PAGE, {"first": size, "after": after, **variables})
        conn = data["products"]
        ids += [e["node"]["id"] for e in conn["edges"]]
        assert conn["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not conn["pageInfo"]["hasNextPage"]:
            return ids
        assert conn["pageInfo"]["endCursor"] == conn["edges"][-1]["cursor"]
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


async def walk_backward(client, size: int, **variables) -> list[str]:
    ids: list[str] = []
    before = None
    for _ in range(200):
        data = await ok(client, PAGE, {"last": size, "before": before, **variables})
        conn = data["products"]
        ids = [e["node"]["id"] for e in conn["edges"]] + ids
        if not conn["pageInfo"]["hasPreviousPage"]:
            return ids
        before = conn["pageInfo"]["startCursor"]
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("reverse", [False, True])
async def test_pages_cover_everything_once(client, sort, reverse):
    variables = {"sort": sort, "reverse": reverse}
    whole = await ok(client, PAGE, {"first": 100, **variables})
    expected = [e["node"]["id"] for e in whole["products"]["edges"]]
    assert len(expected) == whole["products"]["totalCount"]
    forward = await walk_forward(client, 7, **variables)
    assert forward == expected
    backward = await walk_backward(client, 9, **variables)
    assert backward == expected


@pytest.mark.parametrize("sort", SORTS)
async def test_search_pages(client, sort):
    variables = {"sort": sort, "reverse": False, "search": "ao"}
    whole = await ok(client, PAGE, {"first": 100, **variables})
    expected = [e["node"]["id"] for e in whole["products"]["edges"]]
    assert len(expected) > 5
    assert await walk_forward(client, 4, **variables) == expected


async def test_sort_orders(client):
    def amounts(data):
        return [float(e["node"]["priceRange"]["min"]["amount"]) for e in data["products"]["edges"]]

    base = {"first": 100, "reverse": False}
    by_price = await ok(client, PAGE, {**base, "sort": "PRICE"})
    assert amounts(by_price) == sorted(amounts(by_price))
    by_price_desc = await ok(client, PAGE, {**base, "sort": "PRICE", "reverse": True})
    assert amounts(by_price_desc) == sorted(amounts(by_price_desc), reverse=True)
    by_created = await ok(client, PAGE, {**base, "sort": "CREATED_AT"})
    created = [e["node"]["createdAt"] for e in by_created["products"]["edges"]]
    assert created == sorted(created)
    by_name = await ok(client, PAGE, {**base, "sort": "NAME"})
    import unicodedata

    def fold(name: str) -> str:
        name = name.replace("đ", "d").replace("Đ", "D")
        return "".join(
            c for c in unicodedata.normalize("NFD", name) if unicodedata.category(c) != "Mn"
        ).lower()

    names = [fold(e["node"]["name"]) for e in by_name["products"]["edges"]]
    assert names == sorted(names)


async def test_cursor_from_another_sort_is_refused(client):
    data = await ok(client, PAGE, {"first": 2, "sort": "PRICE", "reverse": False})
    cursor = data["products"]["pageInfo"]["endCursor"]
    result = await gql(
        client, PAGE, {"first": 2, "after": cursor, "sort": "NAME", "reverse": False}
    )
    assert result.error_codes() == ["INVALID_CURSOR"]


@pytest.mark.parametrize(
    ("variables", "code", "needle"),
    [
        ({"first": 101}, "PAGE_SIZE", "maximum page size is 100"),
        ({"last": 500}, "PAGE_SIZE", "maximum page size is 100"),
        ({"first": -1}, "PAGE_SIZE", "must not be negative"),
        ({"first": 2, "last": 2}, "INVALID_INPUT", "not both"),
        ({"first": 2, "after": "bm90IGpzb24"}, "INVALID_CURSOR", "cursor is not valid"),
        ({"first": 2, "after": "%%%"}, "INVALID_CURSOR", "cursor is not valid"),
    ],
)
async def test_bad_page_arguments(client, variables, code, needle):
    result = await gql(client, PAGE, {"sort": "RELEVANCE", "reverse": False, **variables})
    assert result.error_codes() == [code]
    assert needle in result.errors[0]["message"]


def forge(document: object) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "values"),
    [
        ("RELEVANCE", ["x", "x"]),
        ("RELEVANCE", [1e400, 1]),
        ("PRICE", ["abc", 1]),
        ("PRICE", ["NaN", 1]),
        ("PRICE", [100, 1]),
        ("NAME", ["ao", "1"]),
        ("NAME", ["ao", 2**70]),
        ("CREATED_AT", ["yesterday", 1]),
        ("CREATED_AT", ["2026-01-01T00:00:00", 1]),
        ("CREATED_AT", [None, 1]),
    ],
)
async def test_forged_cursors_are_client_errors(client, sort, values):
    after = forge({"s": f"{sort}:0:", "v": values})
    result = await gql(client, PAGE, {"first": 2, "after": after, "sort": sort, "reverse": False})
    assert result.error_codes() == ["INVALID_CURSOR"], result.errors


async def test_first_zero_is_an_empty_page(client):
    data = await ok(client, PAGE, {"first": 0, "sort": "RELEVANCE", "reverse": False})
    assert data["products"]["edges"] == []
    assert data["products"]["pageInfo"]["startCursor"] is None


async def test_unknown_sort_key_is_a_validation_error(client):
    result = await gql(client, PAGE, {"first": 1, "sort": "POPULARITY", "reverse": False})
    assert result.errors and "POPULARITY" in result.errors[0]["message"]


async def test_rows_added_between_pages_cause_no_duplicates_or_gaps(fresh_db):
    """Keyset cursors: a product inserted before the cursor does not shift the next page."""
    from sqlalchemy import text

    from domain.catalog.service import refresh_rollups
    from domain.db import create_engine
    from tests.conftest import client_for

    engine = create_engine(fresh_db, pool_size=2)
    try:
        async with client_for(engine) as c:
            variables = {"sort": "PRICE", "reverse": False}
            before_insert = await walk_forward(c, 100, **variables)
            first = await ok(c, PAGE, {"first": 10, **variables})
            seen = [e["node"]["id"] for e in first["products"]["edges"]]
            async with engine.begin() as conn:
                pid = (
                    await conn.execute(
                        text(
                            "INSERT INTO products (slug, name, tax_class) "
                            "VALUES ('re-nhat', 'Tất rẻ nhất', 'STANDARD') RETURNING id"
                        )
                    )
                ).scalar_one()
                await conn.execute(
                    text(
                        "INSERT INTO product_variants (product_id, sku, title, price) "
                        "VALUES (:p, 'CHEAP-1', 'Một cỡ', 1000)"
                    ),
                    {"p": pid},
                )
                from sqlalchemy.ext.asyncio import AsyncSession

                await refresh_rollups(AsyncSession(bind=conn), [pid])
            after = first["products"]["pageInfo"]["endCursor"]
            rest = await walk_forward_from(c, after, **variables)
            assert seen + rest == before_insert
    finally:
        await engine.dispose()


async def walk_forward_from(client, after: str, **variables) -> list[str]:
    ids: list[str] = []
    while True:
        data = await ok(client, PAGE, {"first": 10, "after": after, **variables})
        ids += [e["node"]["id"] for e in data["products"]["edges"]]
        if not data["products"]["pageInfo"]["hasNextPage"]:
            return ids
        after = data["products"]["pageInfo"]["endCursor"]
