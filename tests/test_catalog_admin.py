"""Catalog management through the GraphQL endpoint: archiving products."""

from __future__ import annotations

from sqlalchemy import text

from domain.actors import StaffRole
from tests.conftest import gql, ok
from tests.people import gid, make_staff, register, store_ids

ARCHIVE = """mutation($id: ID!) { productArchive(id: $id) {
  product { id archivedAt } userErrors { code field message } } }"""
UNARCHIVE = """mutation($id: ID!) { productUnarchive(id: $id) {
  product { id archivedAt } userErrors { code field message } } }"""
SEARCH = """query($q: String!) { products(first: 50, search: $q) { nodes { id } } }"""
BY_SLUG = """query($slug: String!) { product(slug: $slug) { id name } }"""
BY_SKU = """query($sku: String!) { productVariant(sku: $sku) { id } }"""
NODE = """query($id: ID!) { node(id: $id) { id } }"""


async def test_an_archived_product_leaves_every_customer_read_but_not_staff(writer, engine):
    async with engine.connect() as conn:
        pk, name, slug, sku = (
            await conn.execute(
                text(
                    "SELECT p.id, p.name, p.slug, v.sku FROM products p "
                    "JOIN product_variants v ON v.product_id = p.id "
                    "WHERE p.published ORDER BY p.id LIMIT 1"
                )
            )
        ).one()
    product_id = gid("Product", pk)
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    clerk = await make_staff(
        engine, writer, StaffRole.STORE_STAFF, [next(iter((await store_ids(engine)).values()))]
    )
    customer = await register(writer)

    async def searchable() -> bool:
        found = await ok(writer, SEARCH, {"q": name})
        return product_id in [n["id"] for n in found["products"]["nodes"]]

    assert await searchable()
    for caller in (clerk, customer):
        refused = await ok(writer, ARCHIVE, {"id": product_id}, caller.headers)
        assert refused["productArchive"]["userErrors"][0]["code"] == "FORBIDDEN"
    anonymous = await ok(writer, ARCHIVE, {"id": product_id})
    assert anonymous["productArchive"]["userErrors"][0]["code"] == "UNAUTHENTICATED"

    archived = await ok(writer, ARCHIVE, {"id": product_id}, admin.headers)
    assert archived["productArchive"]["product"]["archivedAt"] is not None
    assert not await searchable()
    for query, variables in (
        (BY_SLUG, {"slug": slug}),
        (BY_SKU, {"sku": sku}),
        (NODE, {"id": product_id}),
    ):
        for headers in (None, customer.headers):
            assert (await gql(writer, query, variables, headers)).error_codes() == ["NOT_FOUND"]
        assert not (
            await gql(writer, query, variables, clerk.headers)
        ).errors  # staff still read it

    again = await ok(writer, ARCHIVE, {"id": product_id}, admin.headers)
    assert again["productArchive"]["userErrors"] == []
    back = await ok(writer, UNARCHIVE, {"id": product_id}, admin.headers)
    assert back["productUnarchive"]["product"]["archivedAt"] is None
    assert await searchable()
    async with engine.connect() as conn:
        kinds = [
            r[0]
            for r in await conn.execute(
                text(
                    "SELECT kind FROM change_events "
                    "WHERE entity_id = :p AND kind LIKE 'product.%' ORDER BY id"
                ),
                {"p": pk},
            )
        ]
    assert kinds == ["product.archived", "product.unarchived"]  # the repeat recorded nothing
    missing = await ok(writer, ARCHIVE, {"id": gid("Product", 10**9)}, admin.headers)
    assert missing["productArchive"]["userErrors"][0]["code"] == "NOT_FOUND"
