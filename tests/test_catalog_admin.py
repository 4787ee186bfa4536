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


# --- creating and editing the catalog -------------------------------------------------

CATEGORY_CREATE = """mutation($input: CategoryCreateInput!) { categoryCreate(input: $input) {
  category { id slug name parent { id } } userErrors { code field message } } }"""
CATEGORY_MOVE = """mutation($id: ID!, $parentId: ID) { categoryMove(id: $id, parentId: $parentId) {
  category { id parent { id } ancestors { slug } } userErrors { code field message } } }"""
CATEGORY_UPDATE = """mutation($id: ID!, $input: CategoryInput!) {
  categoryUpdate(id: $id, input: $input) {
    category { id name slug } userErrors { code field message } } }"""
PRODUCT_CREATE = """mutation($input: ProductInput!) { productCreate(input: $input) {
  product { id slug name brand published: archivedAt category { slug }
    images { url altText } attributes { name value } priceRange { min { amount } } }
  userErrors { code field message } } }"""
PRODUCT_UPDATE = """mutation($id: ID!, $input: ProductInput!) {
  productUpdate(id: $id, input: $input) {
    product { id name slug brand category { slug } } userErrors { code field message } } }"""
VARIANT_CREATE = """mutation($input: VariantCreateInput!) { variantCreate(input: $input) {
  variant { id sku barcode title price { amount } compareAtPrice { amount } archivedAt }
  userErrors { code field message } } }"""
VARIANT_UPDATE = """mutation($id: ID!, $input: VariantInput!) {
  variantUpdate(id: $id, input: $input) {
    variant { id sku barcode title } userErrors { code field message } } }"""
VARIANT_ARCHIVE = """mutation($id: ID!) { variantArchive(id: $id) {
  variant { id archivedAt } userErrors { code field message } } }"""
PRODUCT_VARIANTS = """query($slug: String!) { product(slug: $slug) {
  priceRange { min { amount } max { amount } } variants { sku archivedAt } } }"""
SEARCH_NAMES = """query($q: String!) { products(first: 50, search: $q) {
  nodes { id name priceRange { min { amount } max { amount } } } } }"""


def ean13(stem: str) -> str:
    from stdnum import ean

    return stem + ean.calc_check_digit(stem)


async def _events(engine, since: int) -> list[tuple[str, dict]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT kind, payload FROM change_events WHERE id > :s ORDER BY id"), {"s": since}
        )
        return [(r[0], r[1]) for r in rows]


async def _last_event(engine) -> int:
    async with engine.connect() as conn:
        return int(
            (
                await conn.execute(text("SELECT coalesce(max(id), 0) FROM change_events"))
            ).scalar_one()
        )


async def _create_product(writer, admin, slug: str, name: str, **extra) -> str:
    done = await ok(
        writer,
        PRODUCT_CREATE,
        {"input": {"name": name, "slug": slug, "published": True, **extra}},
        admin.headers,
    )
    assert done["productCreate"]["userErrors"] == [], done
    return done["productCreate"]["product"]["id"]


async def _create_variant(writer, admin, product_id: str, sku: str, price: str, **extra) -> dict:
    done = await ok(
        writer,
        VARIANT_CREATE,
        {"input": {"productId": product_id, "sku": sku, "price": price, **extra}},
        admin.headers,
    )
    assert done["variantCreate"]["userErrors"] == [], done
    return done["variantCreate"]["variant"]


async def test_an_admin_builds_a_product_and_search_follows_every_change(writer, engine):
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    since = await _last_event(engine)
    top = await ok(writer, CATEGORY_CREATE, {"input": {"name": "Đồ bơi"}}, admin.headers)
    top_cat = top["categoryCreate"]["category"]
    assert top_cat["slug"] == "do-boi" and top_cat["parent"] is None
    child = await ok(
        writer,
        CATEGORY_CREATE,
        {"input": {"name": "Đồ bơi nữ", "parentId": top_cat["id"]}},
        admin.headers,
    )
    child_cat = child["categoryCreate"]["category"]
    assert child_cat["parent"]["id"] == top_cat["id"]

    made = await ok(
        writer,
        PRODUCT_CREATE,
        {
            "input": {
                "name": "Áo bơi Sóng Xanh",
                "brand": "Biển",
                "categoryId": child_cat["id"],
                "published": True,
                "attributes": [{"name": "Chất liệu", "value": "Polyester"}],
                "images": [
                    {"url": "https://cdn.example.vn/b.jpg", "position": 2},
                    {"url": "https://cdn.example.vn/a.jpg", "altText": "Mặt trước", "position": 1},
                ],
            }
        },
        admin.headers,
    )
    product = made["productCreate"]["product"]
    assert made["productCreate"]["userErrors"] == []
    assert product["slug"] == "ao-boi-song-xanh" and product["category"]["slug"] == "do-boi-nu"
    assert [i["url"] for i in product["images"]] == [
        "https://cdn.example.vn/a.jpg",
        "https://cdn.example.vn/b.jpg",
    ]
    assert product["images"][0]["altText"] == "Mặt trước"
    barcode = ean13("893999000001")
    first = await _create_variant(
        writer,
        admin,
        product["id"],
        "SWIM-SX-M",
        "350000",
        barcode=barcode,
        compareAtPrice="420000",
        options=[{"name": "Size", "value": "M"}],
    )
    assert first["title"] == "M" and first["barcode"] == barcode
    await _create_variant(
        writer,
        admin,
        product["id"],
        "SWIM-SX-L",
        "390000",
        options=[{"name": "Size", "value": "L"}],
    )

    async def found(q: str) -> list[dict]:
        data = await ok(writer, SEARCH_NAMES, {"q": q})
        return [n for n in data["products"]["nodes"] if n["id"] == product["id"]]

    hit = await found("song xanh")  # diacritics ignored
    assert hit and hit[0]["priceRange"] == {
        "min": {"amount": "350000"},
        "max": {"amount": "390000"},
    }
    assert await found("SWIM-SX-L")  # SKUs are searchable

    renamed = await ok(
        writer,
        PRODUCT_UPDATE,
        {"id": product["id"], "input": {"name": "Áo bơi Hoàng Hôn", "brand": None}},
        admin.headers,
    )
    assert renamed["productUpdate"]["product"]["brand"] is None
    assert await found("hoang hon")
    assert not await found("song xanh")

    unchanged = await ok(
        writer,
        PRODUCT_UPDATE,
        {"id": product["id"], "input": {"name": "Áo bơi Hoàng Hôn"}},
        admin.headers,
    )
    assert unchanged["productUpdate"]["userErrors"] == []
    kinds = [kind for kind, _ in await _events(engine, since)]
    assert kinds == [
        "category.created",
        "category.created",
        "product.created",
        "variant.created",
        "variant.created",
        "product.updated",  # once: the repeat changed nothing
    ]
    _, payload = (await _events(engine, since))[-1]
    assert payload["fields"] == ["brand", "name"]


async def test_codes_and_prices_are_checked_and_a_refusal_writes_nothing(writer, engine):
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    product_id = await _create_product(writer, admin, "quan-kiem-tra", "Quần kiểm tra")
    taken_barcode = ean13("893999000002")
    await _create_variant(
        writer,
        admin,
        product_id,
        "QKT-1",
        "100000",
        barcode=taken_barcode,
        options=[{"name": "Size", "value": "S"}],
    )
    async with engine.connect() as conn:
        seeded_sku = (
            await conn.execute(text("SELECT sku FROM product_variants ORDER BY id LIMIT 1"))
        ).scalar_one()
    before = await _last_event(engine)
    bad_check_digit = taken_barcode[:-1] + str((int(taken_barcode[-1]) + 1) % 10)
    cases = [
        ({"sku": seeded_sku}, "SKU_TAKEN", "sku"),
        ({"sku": "QKT-2", "barcode": taken_barcode}, "BARCODE_TAKEN", "barcode"),
        ({"sku": "QKT-2", "barcode": bad_check_digit}, "INVALID_BARCODE", "barcode"),
        ({"sku": "QKT-2", "barcode": "12345"}, "INVALID_BARCODE", "barcode"),
        ({"sku": "bad sku!"}, "INVALID_SKU", "sku"),
        ({"sku": "QKT-2", "options": [{"name": "Size", "value": "S"}]}, "OPTIONS_TAKEN", "options"),
        ({"sku": "QKT-2", "price": "-1"}, "INVALID_PRICE", "price"),
        ({"sku": "QKT-2", "price": "100.5"}, "INVALID_PRICE", "price"),  # VND: whole đồng
        ({"sku": "QKT-2", "compareAtPrice": "50000"}, "INVALID_PRICE", "compareAtPrice"),
        (
            {"sku": "QKT-2", "options": [{"name": "a", "value": "1"}, {"name": "A", "value": "2"}]},
            "INVALID_INPUT",
            "options",
        ),
    ]
    for extra, code, field in cases:
        data = await ok(
            writer,
            VARIANT_CREATE,
            {"input": {"productId": product_id, "price": "100000", **extra}},
            admin.headers,
        )
        errors = data["variantCreate"]["userErrors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, ["input", field])], (
            extra,
            data,
        )
        assert data["variantCreate"]["variant"] is None
    other = await _create_product(writer, admin, "quan-kiem-tra-2", "Quần kiểm tra 2")
    updates = [
        (PRODUCT_UPDATE, {"id": product_id, "input": {"slug": "quan-kiem-tra-2"}}, "SLUG_TAKEN"),
        (PRODUCT_UPDATE, {"id": product_id, "input": {"slug": "Not A Slug"}}, "INVALID_INPUT"),
        (
            PRODUCT_UPDATE,
            {"id": product_id, "input": {"categoryId": gid("Category", 987654321)}},
            "NOT_FOUND",
        ),
        (
            PRODUCT_UPDATE,
            {"id": product_id, "input": {"images": [{"url": "javascript:alert(1)"}]}},
            "INVALID_INPUT",
        ),
        (PRODUCT_UPDATE, {"id": product_id, "input": {"name": "  "}}, "INVALID_INPUT"),
        (PRODUCT_UPDATE, {"id": gid("Product", 987654321), "input": {"name": "x"}}, "NOT_FOUND"),
    ]
    for query, variables, code in updates:
        data = await ok(writer, query, variables, admin.headers)
        assert [e["code"] for e in data["productUpdate"]["userErrors"]] == [code], (variables, data)
    created = await _last_event(engine)
    kinds = [k for k, _ in await _events(engine, before)]
    assert kinds == ["product.created"]  # only `other`; every refusal wrote nothing
    assert created > before and other


async def test_an_archived_variant_is_gone_for_customers_and_kept_for_staff(writer, engine):
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    customer = await register(writer)
    product_id = await _create_product(writer, admin, "vay-luu-tru", "Váy lưu trữ")
    cheap = await _create_variant(
        writer, admin, product_id, "VLT-S", "100000", options=[{"name": "Size", "value": "S"}]
    )
    await _create_variant(
        writer, admin, product_id, "VLT-M", "200000", options=[{"name": "Size", "value": "M"}]
    )
    archived = await ok(writer, VARIANT_ARCHIVE, {"id": cheap["id"]}, admin.headers)
    assert archived["variantArchive"]["variant"]["archivedAt"] is not None
    again = await ok(writer, VARIANT_ARCHIVE, {"id": cheap["id"]}, admin.headers)
    assert again["variantArchive"]["userErrors"] == []

    seen = await ok(writer, PRODUCT_VARIANTS, {"slug": "vay-luu-tru"}, customer.headers)
    assert [v["sku"] for v in seen["product"]["variants"]] == ["VLT-M"]
    assert seen["product"]["priceRange"]["min"]["amount"] == "200000"  # the range left it too
    staff_view = await ok(writer, PRODUCT_VARIANTS, {"slug": "vay-luu-tru"}, admin.headers)
    assert [v["sku"] for v in staff_view["product"]["variants"]] == ["VLT-S", "VLT-M"]
    for headers in (None, customer.headers):
        for query, variables in ((BY_SKU, {"sku": "VLT-S"}), (NODE, {"id": cheap["id"]})):
            result = await gql(writer, query, variables, headers)
            assert result.error_codes() == ["NOT_FOUND"] or result["data"]["node"] is None
    assert not (await gql(writer, BY_SKU, {"sku": "VLT-S"}, admin.headers)).errors

    refused = await ok(
        writer, VARIANT_UPDATE, {"id": cheap["id"], "input": {"sku": "VLT-XS"}}, admin.headers
    )
    assert refused["variantUpdate"]["userErrors"][0]["code"] == "VARIANT_ARCHIVED"
    taken = await ok(
        writer,
        VARIANT_CREATE,
        {"input": {"productId": product_id, "sku": "VLT-S", "price": "1000"}},
        admin.headers,
    )
    assert taken["variantCreate"]["userErrors"][0]["code"] == "SKU_TAKEN"  # kept for receipts
    # The archived variant's options are free again.
    again_s = await _create_variant(
        writer, admin, product_id, "VLT-S2", "110000", options=[{"name": "Size", "value": "S"}]
    )
    changed = await ok(
        writer,
        VARIANT_UPDATE,
        {
            "id": again_s["id"],
            "input": {
                "barcode": ean13("893999000003"),
                "options": [{"name": "Size", "value": "XS"}],
            },
        },
        admin.headers,
    )
    assert changed["variantUpdate"]["variant"]["title"] == "XS"


async def test_category_moves_never_make_a_cycle(writer, engine):
    admin = await make_staff(engine, writer, StaffRole.ADMIN)

    async def create(name: str, parent: str | None = None) -> str:
        data = await ok(
            writer, CATEGORY_CREATE, {"input": {"name": name, "parentId": parent}}, admin.headers
        )
        assert data["categoryCreate"]["userErrors"] == [], data
        return data["categoryCreate"]["category"]["id"]

    a = await create("Cây A")
    b = await create("Cây B", a)
    c = await create("Cây C", b)
    for target, parent in ((a, c), (a, a), (b, c)):
        data = await ok(writer, CATEGORY_MOVE, {"id": target, "parentId": parent}, admin.headers)
        assert [(e["code"], e["field"]) for e in data["categoryMove"]["userErrors"]] == [
            ("CATEGORY_CYCLE", ["parentId"])
        ]
    moved = await ok(writer, CATEGORY_MOVE, {"id": c, "parentId": None}, admin.headers)
    assert moved["categoryMove"]["category"]["parent"] is None
    under = await ok(writer, CATEGORY_MOVE, {"id": a, "parentId": c}, admin.headers)
    assert [x["slug"] for x in under["categoryMove"]["category"]["ancestors"]] == ["cay-c"]
    renamed = await ok(
        writer,
        CATEGORY_UPDATE,
        {"id": a, "input": {"name": "Cây A mới", "slug": "cay-a-moi"}},
        admin.headers,
    )
    assert renamed["categoryUpdate"]["category"]["slug"] == "cay-a-moi"
    taken = await ok(writer, CATEGORY_UPDATE, {"id": b, "input": {"slug": "cay-c"}}, admin.headers)
    assert taken["categoryUpdate"]["userErrors"][0]["code"] == "SLUG_TAKEN"


async def test_concurrent_opposite_moves_cannot_make_a_cycle(writer, engine):
    import asyncio

    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    ids = []
    for name in ("Vòng X", "Vòng Y"):
        data = await ok(writer, CATEGORY_CREATE, {"input": {"name": name}}, admin.headers)
        ids.append(data["categoryCreate"]["category"]["id"])
    x, y = ids
    results = await asyncio.gather(
        ok(writer, CATEGORY_MOVE, {"id": x, "parentId": y}, admin.headers),
        ok(writer, CATEGORY_MOVE, {"id": y, "parentId": x}, admin.headers),
    )
    codes = sorted(tuple(e["code"] for e in r["categoryMove"]["userErrors"]) for r in results)
    assert codes == [(), ("CATEGORY_CYCLE",)]
