"""Catalog API: look-ups, categories, search, filters, shapes and bad input."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.conftest import gql, ok


def gid(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


@pytest.fixture
async def sql(catalog_engine):
    async def run(statement: str, **params):
        async with catalog_engine.connect() as conn:
            return (await conn.execute(text(statement), params)).all()

    return run


PRODUCT_FIELDS = """
  id name slug description brand taxClass createdAt availableForSale
  attributes { name value } images { url altText }
  priceRange { min { amount currencyCode } max { amount currencyCode } }
  category { id name slug }
  variants {
    id sku barcode title selectedOptions { name value }
    price { amount currencyCode } compareAtPrice { amount }
    totalAvailableForDelivery
    availability { location { id code name } available }
  }
"""


async def test_product_by_id_and_slug(client, sql):
    (pid, slug) = (await sql("SELECT id, slug FROM products WHERE published ORDER BY id LIMIT 1"))[
        0
    ]
    by_id = await ok(client, f'{{ product(id: "{gid("Product", pid)}") {{ {PRODUCT_FIELDS} }} }}')
    by_slug = await ok(client, f'{{ product(slug: "{slug}") {{ {PRODUCT_FIELDS} }} }}')
    assert by_id == by_slug
    product = by_id["product"]
    assert product["id"] == gid("Product", pid)
    assert product["variants"], "demo products have variants"
    prices = [Decimal(v["price"]["amount"]) for v in product["variants"]]
    assert Decimal(product["priceRange"]["min"]["amount"]) == min(prices)
    assert Decimal(product["priceRange"]["max"]["amount"]) == max(prices)
    assert product["priceRange"]["min"]["currencyCode"] == "VND"
    # VND has no minor unit: amounts are whole-đồng decimal strings.
    assert all("." not in v["price"]["amount"] for v in product["variants"])


async def test_variant_shapes_match_the_database(client, sql):
    (vid,) = (await sql("SELECT min(id) FROM product_variants"))[0]
    stock = await sql(
        "SELECT l.code, s.on_hand - s.reserved, l.ships_orders FROM stock_levels s "
        "JOIN locations l ON l.id = s.location_id WHERE s.variant_id = :v ORDER BY l.id",
        v=vid,
    )
    data = await ok(
        client,
        f"""{{ productVariant(id: "{gid("ProductVariant", vid)}") {{
            totalAvailableForDelivery
            availability {{ location {{ code }} available }}
            product {{ id }}
        }} }}""",
    )
    variant = data["productVariant"]
    locations = await sql("SELECT count(*) FROM locations")
    assert len(variant["availability"]) == locations[0][0], "every location is listed"
    assert {(a["location"]["code"], a["available"]) for a in variant["availability"]} == {
        (code, available) for code, available, _ in stock
    }
    assert variant["totalAvailableForDelivery"] == sum(a for _, a, ships in stock if ships)


async def test_available_at_store(client, sql):
    rows = await sql(
        "SELECT s.variant_id, s.location_id, s.on_hand - s.reserved FROM stock_levels s "
        "ORDER BY s.variant_id, s.location_id LIMIT 12"
    )
    for vid, lid, available in rows:
        data = await ok(
            client,
            f"""{{ productVariant(id: "{gid("ProductVariant", vid)}") {{
                availableAt(storeId: "{gid("Location", lid)}") {{ available location {{ id }} }}
            }} }}""",
        )
        assert data["productVariant"]["availableAt"] == {
            "available": available,
            "location": {"id": gid("Location", lid)},
        }


async def test_available_at_unknown_store_is_not_found(client, sql):
    (vid,) = (await sql("SELECT min(id) FROM product_variants"))[0]
    result = await gql(
        client,
        f"""{{ productVariant(id: "{gid("ProductVariant", vid)}") {{
            availableAt(storeId: "{gid("Location", 999999)}") {{ available }} }} }}""",
    )
    assert result.error_codes() == ["NOT_FOUND"]


async def test_available_for_sale(client, sql):
    rows = await sql(
        """SELECT p.id, EXISTS (
             SELECT 1 FROM product_variants v JOIN stock_levels s ON s.variant_id = v.id
             JOIN locations l ON l.id = s.location_id
             WHERE v.product_id = p.id AND s.on_hand > s.reserved AND l.active
               AND (l.pickup_enabled OR l.ships_orders))
           FROM products p WHERE p.published"""
    )
    expected = {gid("Product", pid): sellable for pid, sellable in rows}
    data = await ok(client, "{ products(first: 100) { edges { node { id availableForSale } } } }")
    got = {e["node"]["id"]: e["node"]["availableForSale"] for e in data["products"]["edges"]}
    assert got == expected


async def test_variant_by_sku_and_barcode(client, sql):
    (vid, sku, barcode) = (await sql("SELECT id, sku, barcode FROM product_variants LIMIT 1"))[0]
    for arg in (f'sku: "{sku}"', f'barcode: "{barcode}"', f'id: "{gid("ProductVariant", vid)}"'):
        data = await ok(client, f"{{ productVariant({arg}) {{ id sku barcode }} }}")
        assert data["productVariant"] == {
            "id": gid("ProductVariant", vid),
            "sku": sku,
            "barcode": barcode,
        }


async def test_unknown_lookups_are_not_found_errors(client):
    for query in (
        '{ product(slug: "khong-ton-tai") { id } }',
        f'{{ product(id: "{gid("Product", 987654)}") {{ id }} }}',
        '{ productVariant(barcode: "0000000000000") { id } }',
        '{ productVariant(sku: "NOPE") { id } }',
        '{ category(slug: "nope") { id } }',
        f'{{ node(id: "{gid("Product", 987654)}") {{ id }} }}',
    ):
        result = await gql(client, query)
        assert result.error_codes() == ["NOT_FOUND"], (query, result)
        assert next(iter(result.data.values())) is None


async def test_unpublished_products_are_hidden(client, sql):
    rows = await sql("SELECT id, slug FROM products WHERE NOT published")
    assert rows, "the demo data has unpublished products"
    pid, slug = rows[0]
    result = await gql(client, f'{{ product(slug: "{slug}") {{ id }} }}')
    assert result.error_codes() == ["NOT_FOUND"]
    data = await ok(client, "{ products(first: 100) { totalCount edges { node { id } } } }")
    ids = {e["node"]["id"] for e in data["products"]["edges"]}
    assert gid("Product", pid) not in ids
    (published,) = (await sql("SELECT count(*) FROM products WHERE published"))[0]
    assert data["products"]["totalCount"] == published


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ('{ product(id: "!!!") { id } }', "not a valid ID"),
        (f'{{ product(id: "{gid("Category", 1)}") {{ id }} }}', "must be the ID of a Product"),
        ("{ product { id } }", "exactly one"),
        ('{ product(id: "x", slug: "y") { id } }', "exactly one"),
        ("{ productVariant { id } }", "exactly one"),
        ('{ node(id: "' + gid("Bogus", 1) + '") { id } }', "unknown type"),
        ('{ node(id: "' + "A" * 5000 + '") { id } }', "not a valid ID"),
    ],
)
async def test_bad_ids_get_clear_errors(client, query, needle):
    result = await gql(client, query)
    assert result.errors
    assert needle in result.errors[0]["message"]
    assert result.error_codes() == ["BAD_USER_INPUT"]


async def test_node_and_nodes(client, sql):
    (pid,) = (await sql("SELECT min(id) FROM products WHERE published"))[0]
    (vid,) = (await sql("SELECT min(id) FROM product_variants"))[0]
    (cid,) = (await sql("SELECT min(id) FROM categories"))[0]
    (lid,) = (await sql("SELECT min(id) FROM locations"))[0]
    ids = [
        gid("Product", pid),
        gid("ProductVariant", vid),
        gid("Category", cid),
        gid("Location", lid),
    ]
    data = await ok(
        client,
        """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }""",
        {"ids": ids},
    )
    assert [n["__typename"] for n in data["nodes"]] == [
        "Product",
        "ProductVariant",
        "Category",
        "Location",
    ]
    assert [n["id"] for n in data["nodes"]] == ids
    data = await ok(client, f'{{ node(id: "{ids[0]}") {{ ... on Product {{ name }} }} }}')
    assert data["node"]["name"]

    result = await gql(
        client,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [ids[0], gid("Product", 987654)]},
    )
    assert result.data["nodes"][0] == {"id": ids[0]}
    assert result.data["nodes"][1] is None
    assert result.error_codes() == ["NOT_FOUND"]
    assert result.errors[0]["path"] == ["nodes", 1]


async def test_category_tree(client, sql):
    rows = await sql("SELECT id, parent_id, slug FROM categories")
    by_id = {cid: (parent, slug) for cid, parent, slug in rows}
    data = await ok(
        client,
        """{ categories { id slug parent { id } children { id } ancestors { slug } } }""",
    )
    cats = data["categories"]
    assert len(cats) == len(rows) >= 8
    for cat in cats:
        cid = next(k for k, (_, slug) in by_id.items() if slug == cat["slug"])
        parent_id = by_id[cid][0]
        assert cat["parent"] == ({"id": gid("Category", parent_id)} if parent_id else None)
        children = {gid("Category", k) for k, (p, _) in by_id.items() if p == cid}
        assert {c["id"] for c in cat["children"]} == children
        chain = []
        walk = parent_id
        while walk is not None:
            chain.append(by_id[walk][1])
            walk = by_id[walk][0]
        assert [a["slug"] for a in cat["ancestors"]] == list(reversed(chain))
    roots = await ok(client, "{ categories(topLevelOnly: true) { id parent { id } } }")
    assert roots["categories"] and all(c["parent"] is None for c in roots["categories"])
    assert len(roots["categories"]) == sum(1 for p, _ in by_id.values() if p is None)


async def test_category_by_slug_and_id(client, sql):
    (cid, slug) = (
        await sql("SELECT id, slug FROM categories WHERE parent_id IS NOT NULL LIMIT 1")
    )[0]
    a = await ok(client, f'{{ category(slug: "{slug}") {{ id name ancestors {{ name }} }} }}')
    b = await ok(
        client, f'{{ category(id: "{gid("Category", cid)}") {{ id name ancestors {{ name }} }} }}'
    )
    assert a == b
    assert a["category"]["ancestors"]


# --- search ---------------------------------------------------------------


async def search_names(client, term: str, **extra: str) -> list[str]:
    args = ", ".join(f"{k}: {v}" for k, v in extra.items())
    data = await ok(
        client,
        "query($q: String) { products(first: 100, search: $q"
        + (", " + args if args else "")
        + ") { edges { node { name } } } }",
        {"q": term},
    )
    return [e["node"]["name"] for e in data["products"]["edges"]]


async def test_search_ignores_case_and_diacritics(client):
    plain = await search_names(client, "ao thun")
    assert plain, "'ao thun' finds products"
    assert all("áo thun" in name.lower() for name in plain[:5])
    assert await search_names(client, "AO THUN") == plain
    assert await search_names(client, "Áo Thun") == plain
    assert await search_names(client, "  áo   thun ") == plain


async def test_search_matches_every_name_containing_the_words(client, sql):
    rows = await sql("SELECT name FROM products WHERE published")
    names_with_phrase = {n for (n,) in rows if "áo thun" in n.lower()}
    found = set(await search_names(client, "ao thun"))
    assert names_with_phrase <= found


async def test_search_ranks_name_matches_first(client):
    names = await search_names(client, "ao thun")
    in_name = ["áo thun" in n.lower() for n in names]
    # Once a result does not have the words in its name, none after it does.
    assert in_name == sorted(in_name, reverse=True)


async def test_search_brand_and_sku(client, sql):
    (brand,) = (await sql("SELECT brand FROM products WHERE brand ~ '[^a-zA-Z ]' LIMIT 1"))[0]
    (sku, name) = (
        await sql(
            "SELECT v.sku, p.name FROM product_variants v JOIN products p ON p.id = v.product_id "
            "WHERE p.published LIMIT 1"
        )
    )[0]
    import unicodedata

    ascii_brand = "".join(
        c
        for c in unicodedata.normalize("NFD", brand.replace("đ", "d").replace("Đ", "D"))
        if unicodedata.category(c) != "Mn"
    )
    brand_rows = await sql("SELECT name FROM products WHERE published AND brand = :b", b=brand)
    found = set(await search_names(client, ascii_brand.lower()))
    assert {n for (n,) in brand_rows} <= found
    assert name in await search_names(client, sku.lower())


async def test_search_nothing_found(client):
    assert await search_names(client, "zzzqqqxxx") == []


async def test_search_with_like_wildcards_is_literal(client):
    assert await search_names(client, "%") == await search_names(client, "")
    assert await search_names(client, "a_o") == []


async def test_search_too_long_is_a_clear_error(client):
    result = await gql(
        client,
        "query($q: String) { products(search: $q) { edges { cursor } } }",
        {"q": "a" * 10_000},
    )
    assert result.error_codes() == ["TOO_LONG"]
    assert "maximum is 200" in result.errors[0]["message"]


# --- filters --------------------------------------------------------------


async def listed_ids(client, filter_: str, extra: str = "") -> set[str]:
    data = await ok(
        client,
        f"{{ products(first: 100, filter: {{ {filter_} }} {extra}) "
        "{ totalCount edges { node { id } } } }",
    )
    ids = {e["node"]["id"] for e in data["products"]["edges"]}
    assert data["products"]["totalCount"] == len(ids)
    return ids


async def test_filter_category_includes_descendants(client, sql):
    (root,) = (
        await sql(
            "SELECT c.id FROM categories c WHERE c.parent_id IS NULL AND EXISTS "
            "(SELECT 1 FROM categories g JOIN categories k ON k.parent_id = g.id "
            "WHERE g.parent_id = c.id) LIMIT 1"
        )
    )[0]
    rows = await sql(
        """WITH RECURSIVE t AS (SELECT id FROM categories WHERE id = :root
             UNION ALL SELECT c.id FROM categories c JOIN t ON c.parent_id = t.id)
           SELECT p.id FROM products p WHERE p.published AND p.category_id IN (SELECT id FROM t)""",
        root=root,
    )
    expected = {gid("Product", pid) for (pid,) in rows}
    assert expected
    assert await listed_ids(client, f'categoryId: "{gid("Category", root)}"') == expected


async def test_filter_price_range(client, sql):
    """The filter is on the shelf price: the demo's running accessories promotion counts."""
    seen: set[str] = set()
    after = None
    while True:
        data = await ok(
            client,
            """query($after: String) { products(first: 20, after: $after) {
               edges { node { id variants { price { amount } } } }
               pageInfo { hasNextPage endCursor } } }""",
            {"after": after},
        )
        for edge in data["products"]["edges"]:
            prices = [Decimal(v["price"]["amount"]) for v in edge["node"]["variants"]]
            if any(200_000 <= p <= 400_000 for p in prices):
                seen.add(edge["node"]["id"])
        if not data["products"]["pageInfo"]["hasNextPage"]:
            break
        after = data["products"]["pageInfo"]["endCursor"]
    rows = await sql(
        "SELECT DISTINCT p.id FROM products p JOIN product_variants v ON v.product_id = p.id "
        "WHERE p.published AND v.price BETWEEN 200000 AND 400000"
    )
    assert seen and seen != {gid("Product", pid) for (pid,) in rows}  # the sale moved some
    assert await listed_ids(client, 'priceMin: "200000", priceMax: "400000"') == seen


async def test_filter_in_stock_at_store(client, sql):
    (lid,) = (await sql("SELECT min(id) FROM locations WHERE kind = 'STORE'"))[0]
    rows = await sql(
        "SELECT DISTINCT v.product_id FROM product_variants v JOIN stock_levels s "
        "ON s.variant_id = v.id JOIN products p ON p.id = v.product_id "
        "WHERE p.published AND s.location_id = :l AND s.on_hand > s.reserved",
        l=lid,
    )
    expected = {gid("Product", pid) for (pid,) in rows}
    assert await listed_ids(client, f'inStockAtStoreId: "{gid("Location", lid)}"') == expected


async def test_filter_available_for_pickup(client, sql):
    rows = await sql(
        "SELECT DISTINCT v.product_id FROM product_variants v JOIN stock_levels s "
        "ON s.variant_id = v.id JOIN locations l ON l.id = s.location_id "
        "JOIN products p ON p.id = v.product_id "
        "WHERE p.published AND l.pickup_enabled AND l.active AND s.on_hand > s.reserved"
    )
    expected = {gid("Product", pid) for (pid,) in rows}
    assert await listed_ids(client, "availableForPickup: true") == expected
    everything = await listed_ids(client, "")
    assert await listed_ids(client, "availableForPickup: false") == everything - expected


async def test_filters_combine_with_search(client, sql):
    narrowed = await listed_ids(client, 'priceMax: "250000"', 'search: "ao thun"')
    wide = await listed_ids(client, "", 'search: "ao thun"')
    assert narrowed < wide


@pytest.mark.parametrize(
    ("filter_", "needle"),
    [
        ('priceMin: "-1"', "priceMin"),
        ('priceMin: "500", priceMax: "100"', "greater than"),
        ('categoryId: "nope"', "not a valid ID"),
        (f'inStockAtStoreId: "{gid("Product", 1)}"', "must be the ID of a Location"),
        ('priceMin: "abc"', "Decimal"),
    ],
)
async def test_bad_filters(client, filter_, needle):
    result = await gql(client, f"{{ products(filter: {{ {filter_} }}) {{ edges {{ cursor }} }} }}")
    assert result.errors
    assert needle in result.errors[0]["message"] or needle in str(result.errors[0])
    assert "INTERNAL_SERVER_ERROR" not in result.error_codes()
