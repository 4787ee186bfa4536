"""The store finder: `stores` and `store` through the GraphQL endpoint.

Expected answers are computed from the seed data (domain.seed.data) or by SQL on the
database the client reads, never copied from the API's own output.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.core.ids import to_global_id
from domain.actors import StaffRole
from domain.db import create_engine
from domain.inventory import hours
from domain.inventory.models import LocationKind
from domain.seed import data
from tests.conftest import client_for, gql, ok
from tests.people import make_staff, store_ids

SEED_STORES = {loc.code: loc for loc in data.LOCATIONS if loc.kind is LocationKind.STORE}
SEED_WAREHOUSES = [loc for loc in data.LOCATIONS if loc.kind is LocationKind.WAREHOUSE]
HOAN_KIEM_LAKE = (21.0285, 105.8542)
WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]

STORES_PAGE = """
query Stores(
  $first: Int, $after: String, $last: Int, $before: String,
  $near: GeoPointInput, $radiusKm: Float, $availableFor: [VariantQuantityInput!],
  $pickupEnabled: Boolean
) {
  stores(
    first: $first, after: $after, last: $last, before: $before, near: $near,
    radiusKm: $radiusKm, availableFor: $availableFor, pickupEnabled: $pickupEnabled
  ) {
    edges { cursor distanceKm node { id code kind pickupEnabled } }
    nodes { code }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

STORE_DETAIL = """
query Store($id: ID, $code: String) {
  store(id: $id, code: $code) {
    id code name kind phone timezone
    pickupEnabled pickupLeadTimeMinutes shipsOrders
    address { street ward district province formatted }
    coordinates { latitude longitude }
    openingHours { day intervals { opens closes } }
    isOpenNow
  }
}
"""


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def seed_distances(lat: float, lon: float) -> dict[str, float]:
    return {
        code: haversine_km(lat, lon, s.latitude, s.longitude) for code, s in SEED_STORES.items()
    }


def assert_client_error(result: Any, *words: str) -> dict[str, Any]:
    """One readable error (not masked), whose message mentions every word."""
    assert result.errors, result
    error = result.errors[0]
    assert error.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR", error
    assert "Unexpected error" not in error["message"], error
    for word in words:
        assert word.lower() in error["message"].lower(), error
    return error


async def stores_page(client, **variables: Any) -> dict[str, Any]:
    return (await ok(client, STORES_PAGE, variables))["stores"]


async def walk_forward(client, size: int, **variables: Any) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = []
    after = None
    for _ in range(50):
        page = await stores_page(client, first=size, after=after, **variables)
        assert len(page["edges"]) <= size
        edges += page["edges"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            return edges
        assert len(page["edges"]) == size
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    raise AssertionError("pagination did not end")


async def walk_backward(client, size: int, **variables: Any) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = []
    before = None
    for _ in range(50):
        page = await stores_page(client, last=size, before=before, **variables)
        assert len(page["edges"]) <= size
        edges += list(reversed(page["edges"]))
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        if not page["pageInfo"]["hasPreviousPage"]:
            return edges
        assert len(page["edges"]) == size
        before = page["pageInfo"]["startCursor"]
        assert before == page["edges"][0]["cursor"]
    raise AssertionError("pagination did not end")


async def store_rows(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT id, code, kind::text AS kind, active FROM locations ORDER BY id")
        )
        return [dict(r._mapping) for r in rows]


# --------------------------------------------------------------------------- listing


async def test_stores_lists_only_active_stores_by_code(client, catalog_engine):
    rows = await store_rows(catalog_engine)
    expected = sorted(r["code"] for r in rows if r["kind"] == "STORE" and r["active"])
    assert set(expected) == set(SEED_STORES)
    assert any(r["kind"] == "WAREHOUSE" for r in rows)

    page = await stores_page(client)
    codes = [e["node"]["code"] for e in page["edges"]]
    assert codes == expected
    assert [n["code"] for n in page["nodes"]] == expected
    assert all(e["node"]["kind"] == "STORE" for e in page["edges"])
    assert all(e["distanceKm"] is None for e in page["edges"])
    for warehouse in SEED_WAREHOUSES:
        assert warehouse.code not in codes
    assert page["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": page["edges"][0]["cursor"],
        "endCursor": page["edges"][-1]["cursor"],
    }


async def test_stores_forward_walk_covers_every_store_once(client):
    expected = sorted(SEED_STORES)
    edges = await walk_forward(client, 2)
    assert [e["node"]["code"] for e in edges] == expected
    assert len({e["node"]["id"] for e in edges}) == len(expected)


async def test_stores_backward_walk_is_the_reverse(client):
    expected = sorted(SEED_STORES)
    edges = await walk_backward(client, 2)
    assert [e["node"]["code"] for e in edges] == list(reversed(expected))


async def test_stores_cursor_of_another_sort_is_rejected(client):
    by_code = await stores_page(client, first=1)
    result = await gql(
        client,
        STORES_PAGE,
        {
            "first": 1,
            "after": by_code["pageInfo"]["endCursor"],
            "near": {"latitude": HOAN_KIEM_LAKE[0], "longitude": HOAN_KIEM_LAKE[1]},
        },
    )
    assert_client_error(result, "cursor")


# --------------------------------------------------------------------------- near / radius


async def test_stores_near_hanoi_nearest_first_with_distances(client):
    lat, lon = HOAN_KIEM_LAKE
    expected = seed_distances(lat, lon)
    page = await stores_page(client, near={"latitude": lat, "longitude": lon})
    edges = page["edges"]
    assert {e["node"]["code"] for e in edges} == set(expected)
    distances = [e["distanceKm"] for e in edges]
    assert distances == sorted(distances)
    assert SEED_STORES[edges[0]["node"]["code"]].province == data.HANOI
    assert edges[0]["node"]["code"] == min(expected, key=expected.__getitem__)
    for edge in edges:
        assert edge["distanceKm"] == pytest.approx(expected[edge["node"]["code"]], abs=0.01)


async def test_stores_near_pages_in_distance_order(client):
    lat, lon = 10.7769, 106.7009  # Ho Chi Minh City, district 1
    expected = seed_distances(lat, lon)
    near = {"latitude": lat, "longitude": lon}
    edges = await walk_forward(client, 2, near=near)
    assert [e["node"]["code"] for e in edges] == sorted(expected, key=expected.__getitem__)
    back = await walk_backward(client, 3, near=near)
    assert [e["node"]["code"] for e in back] == [e["node"]["code"] for e in reversed(edges)]


@pytest.mark.parametrize("radius", [0.5, 1.0, 10.0, 700.0, 2000.0])
async def test_stores_radius_keeps_stores_within(client, radius):
    lat, lon = HOAN_KIEM_LAKE
    distances = seed_distances(lat, lon)
    # The test's own premise: no store lies on the boundary.
    assert all(abs(d - radius) > 0.05 for d in distances.values())
    expected = {code for code, d in distances.items() if d <= radius}
    page = await stores_page(
        client, near={"latitude": lat, "longitude": lon}, radiusKm=radius, first=100
    )
    assert {e["node"]["code"] for e in page["edges"]} == expected
    assert all(e["distanceKm"] <= radius for e in page["edges"])


async def test_radius_without_near_is_an_error(client):
    result = await gql(client, STORES_PAGE, {"radiusKm": 5.0})
    error = assert_client_error(result, "radiusKm", "near")
    assert error["extensions"].get("field") == "radiusKm"
    assert result.data is None


@pytest.mark.parametrize("radius", [0.0, -1.0])
async def test_radius_must_be_positive(client, radius):
    result = await gql(
        client,
        STORES_PAGE,
        {"near": {"latitude": 21.0, "longitude": 105.8}, "radiusKm": radius},
    )
    assert_client_error(result, "radiusKm", "positive")


@pytest.mark.parametrize(
    "near", [{"latitude": 200.0, "longitude": 105.0}, {"latitude": 21.0, "longitude": -181.0}]
)
async def test_near_out_of_range_is_an_error(client, near):
    result = await gql(client, STORES_PAGE, {"near": near})
    error = assert_client_error(result, "latitude", "longitude")
    assert error["extensions"].get("field") == "near"


# --------------------------------------------------------------------------- availableFor


async def store_stock(engine: AsyncEngine) -> tuple[dict[int, str], dict[tuple[int, str], int]]:
    """(variant id -> sku, (variant id, store code) -> available) for active stores."""
    async with engine.connect() as conn:
        result = await conn.execute(text("SELECT id, sku FROM product_variants"))
        skus = {vid: sku for vid, sku in result.all()}
        rows = await conn.execute(
            text(
                "SELECT s.variant_id, l.code, s.on_hand - s.reserved FROM stock_levels s "
                "JOIN locations l ON l.id = s.location_id "
                "WHERE l.kind = 'STORE' AND l.active"
            )
        )
        available = {(vid, code): int(avail) for vid, code, avail in rows.all()}
    return skus, available


def qualifying(
    items: list[tuple[int, int]], stores: set[str], available: dict[tuple[int, str], int]
) -> set[str]:
    return {
        code for code in stores if all(available.get((vid, code), 0) >= qty for vid, qty in items)
    }


async def variant_gid(client, sku: str) -> str:
    found = await ok(
        client, "query($sku: String) { productVariant(sku: $sku) { id } }", {"sku": sku}
    )
    return found["productVariant"]["id"]


async def test_available_for_matches_sql(client, catalog_engine):
    skus, available = await store_stock(catalog_engine)
    stores = {code for _, code in available}
    assert stores == set(SEED_STORES)
    variant_ids = sorted(skus)

    # Pick, deterministically, a three-item list whose answer is a proper, non-empty subset
    # and differs from what each item alone would give (so every condition matters).
    chosen: list[tuple[int, int]] | None = None
    for i in range(0, len(variant_ids) - 2):
        items = [(variant_ids[i], 3), (variant_ids[i + 1], 2), (variant_ids[i + 2], 1)]
        both = qualifying(items, stores, available)
        alone = [qualifying([item], stores, available) for item in items]
        if 0 < len(both) < len(stores) and all(both != a for a in alone):
            chosen = items
            break
    assert chosen is not None, "no suitable variants in the demo data"
    expected = qualifying(chosen, stores, available)

    variables = {
        "availableFor": [
            {"variantId": await variant_gid(client, skus[vid]), "quantity": qty}
            for vid, qty in chosen
        ]
    }
    page = await stores_page(client, **variables)
    codes = [e["node"]["code"] for e in page["edges"]]
    assert set(codes) == expected
    assert codes == sorted(codes)

    # One item at a time gives each item's own set.
    for item in chosen:
        single = {
            "availableFor": [
                {"variantId": await variant_gid(client, skus[item[0]]), "quantity": item[1]}
            ]
        }
        page = await stores_page(client, **single)
        assert {e["node"]["code"] for e in page["edges"]} == qualifying([item], stores, available)


async def test_available_for_default_quantity_and_too_many(client, catalog_engine):
    skus, available = await store_stock(catalog_engine)
    stores = {code for _, code in available}
    vid = min(skus)
    gid = await variant_gid(client, skus[vid])
    page = await stores_page(client, availableFor=[{"variantId": gid}])
    assert {e["node"]["code"] for e in page["edges"]} == qualifying([(vid, 1)], stores, available)
    # More than any store holds: nothing.
    most = max(available.values())
    page = await stores_page(client, availableFor=[{"variantId": gid, "quantity": most + 1}])
    assert page["edges"] == []


async def test_available_for_ignores_warehouses_and_inactive_stores(fresh_db):
    """Stock only at the warehouse, or only at an inactive store, finds no store."""
    engine = create_engine(fresh_db, pool_size=1)
    try:
        async with engine.begin() as conn:
            vid, sku = (
                await conn.execute(text("SELECT id, sku FROM product_variants ORDER BY id LIMIT 1"))
            ).one()
            # Nothing available at any store except HN-HK01; plenty at the warehouse.
            await conn.execute(
                text(
                    "UPDATE stock_levels s SET on_hand = CASE l.code WHEN 'HN-HK01' THEN 5 "
                    "ELSE 0 END, reserved = 0 FROM locations l "
                    "WHERE l.id = s.location_id AND s.variant_id = :vid AND l.kind = 'STORE'"
                ),
                {"vid": vid},
            )
            await conn.execute(
                text(
                    "UPDATE stock_levels s SET on_hand = 500, reserved = 0 FROM locations l "
                    "WHERE l.id = s.location_id AND s.variant_id = :vid AND l.kind = 'WAREHOUSE'"
                ),
                {"vid": vid},
            )
        async with client_for(engine, secret_key="test-secret-" + "x" * 32) as c:
            gid = await variant_gid(c, sku)
            page = await stores_page(c, availableFor=[{"variantId": gid}])
            assert [e["node"]["code"] for e in page["edges"]] == ["HN-HK01"]
            page = await stores_page(c, availableFor=[{"variantId": gid, "quantity": 6}])
            assert page["edges"] == []

            # Through the API, so that a response cache hears of it (a change event).
            admin = await make_staff(engine, c, StaffRole.ADMIN)
            stores = await store_ids(engine)
            closed = await ok(
                c,
                "mutation($id: ID!) { locationDeactivate(id: $id) { userErrors { code } } }",
                {"id": to_global_id("Location", stores["HN-HK01"])},
                admin.headers,
            )
            assert closed["locationDeactivate"]["userErrors"] == []
            page = await stores_page(c, availableFor=[{"variantId": gid}])
            assert page["edges"] == []
            page = await stores_page(c)
            assert [e["node"]["code"] for e in page["edges"]] == sorted(
                set(SEED_STORES) - {"HN-HK01"}
            )
            result = await gql(c, STORE_DETAIL, {"code": "HN-HK01"})
            assert result.error_codes() == ["NOT_FOUND"]
    finally:
        await engine.dispose()


async def test_available_for_with_near_and_pickup(client, catalog_engine):
    skus, available = await store_stock(catalog_engine)
    stores = {code for _, code in available}
    vid = sorted(skus)[5]
    expected = qualifying([(vid, 1)], stores, available) & {
        c for c, s in SEED_STORES.items() if s.pickup_enabled
    }
    lat, lon = HOAN_KIEM_LAKE
    dist = seed_distances(lat, lon)
    page = await stores_page(
        client,
        availableFor=[{"variantId": await variant_gid(client, skus[vid]), "quantity": 1}],
        pickupEnabled=True,
        near={"latitude": lat, "longitude": lon},
    )
    codes = [e["node"]["code"] for e in page["edges"]]
    assert codes == sorted(expected, key=dist.__getitem__)


@pytest.mark.parametrize("quantity", [0, -2])
async def test_available_for_quantity_must_be_positive(client, quantity):
    gid = to_global_id("ProductVariant", 1)
    result = await gql(
        client, STORES_PAGE, {"availableFor": [{"variantId": gid, "quantity": quantity}]}
    )
    error = assert_client_error(result, "quantity", "at least 1")
    assert error["extensions"].get("field") == "availableFor"


@pytest.mark.parametrize(
    "bad_id",
    ["not-an-id", "!!!", "", "x" * 500, "UHJvZHVjdFZhcmlhbnQ6YWJj", "UHJvZHVjdFZhcmlhbnQ6LTE"],
)
async def test_available_for_malformed_variant_id(client, bad_id):
    result = await gql(client, STORES_PAGE, {"availableFor": [{"variantId": bad_id}]})
    error = assert_client_error(result, "not a valid ID")
    assert "availableFor.variantId" in error["message"]
    assert result.data is None


async def test_available_for_id_of_another_type(client):
    result = await gql(
        client, STORES_PAGE, {"availableFor": [{"variantId": to_global_id("Location", 1)}]}
    )
    assert_client_error(result, "ProductVariant")


async def test_available_for_too_many_items(client):
    items = [{"variantId": to_global_id("ProductVariant", i + 1)} for i in range(51)]
    result = await gql(client, STORES_PAGE, {"availableFor": items})
    assert_client_error(result, "50")


# --------------------------------------------------------------------------- pickupEnabled


@pytest.mark.parametrize("enabled", [True, False])
async def test_pickup_enabled_filter(client, enabled):
    expected = sorted(c for c, s in SEED_STORES.items() if s.pickup_enabled is enabled)
    assert expected  # the demo data has stores of both kinds
    page = await stores_page(client, pickupEnabled=enabled)
    assert [e["node"]["code"] for e in page["edges"]] == expected
    assert all(e["node"]["pickupEnabled"] is enabled for e in page["edges"])


# --------------------------------------------------------------------------- store


def assert_store_matches_seed(store: dict[str, Any], code: str) -> None:
    seed = SEED_STORES[code]
    assert store["code"] == code
    assert store["name"] == seed.name
    assert store["kind"] == "STORE"
    assert store["phone"] == seed.phone
    assert store["timezone"] == "Asia/Ho_Chi_Minh"
    assert store["pickupEnabled"] is seed.pickup_enabled
    assert store["pickupLeadTimeMinutes"] == seed.pickup_lead_time_minutes
    assert store["shipsOrders"] is seed.ships_orders
    assert store["address"] == {
        "street": seed.street,
        "ward": seed.ward,
        "district": seed.district,
        "province": seed.province,
        "formatted": ", ".join(
            p for p in (seed.street, seed.ward, seed.district, seed.province) if p
        ),
    }
    assert store["coordinates"] == {"latitude": seed.latitude, "longitude": seed.longitude}
    assert [d["day"] for d in store["openingHours"]] == WEEKDAYS
    for day, key in zip(store["openingHours"], hours.DAYS, strict=True):
        spans = seed.opening_hours.get(key) or []
        assert day["intervals"] == [{"opens": o, "closes": c} for o, c in spans]
    assert isinstance(store["isOpenNow"], bool)


@pytest.mark.parametrize("code", sorted(SEED_STORES))
async def test_store_by_code_and_by_id(client, code):
    before = hours.is_open(SEED_STORES[code].opening_hours, "Asia/Ho_Chi_Minh", datetime.now(UTC))
    store = (await ok(client, STORE_DETAIL, {"code": code}))["store"]
    after = hours.is_open(SEED_STORES[code].opening_hours, "Asia/Ho_Chi_Minh", datetime.now(UTC))
    assert_store_matches_seed(store, code)
    if before == after:  # not racing an opening or closing time
        assert store["isOpenNow"] is before
    by_id = (await ok(client, STORE_DETAIL, {"id": store["id"]}))["store"]
    assert_store_matches_seed(by_id, code)
    assert by_id["id"] == store["id"]


async def test_store_split_and_closed_days(client):
    cg = (await ok(client, STORE_DETAIL, {"code": "HN-CG01"}))["store"]
    wednesday = cg["openingHours"][2]
    assert wednesday["day"] == "WEDNESDAY"
    assert len(wednesday["intervals"]) == len(SEED_STORES["HN-CG01"].opening_hours["wed"]) == 2
    dn2 = (await ok(client, STORE_DETAIL, {"code": "DN-02"}))["store"]
    assert dn2["openingHours"][0] == {"day": "MONDAY", "intervals": []}


async def test_store_unknown_code_is_not_found(client):
    result = await gql(client, STORE_DETAIL, {"code": "NOPE-404"})
    error = assert_client_error(result, "NOPE-404")
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert result.data == {"store": None}
    assert error["path"] == ["store"]


@pytest.mark.parametrize("warehouse", [w.code for w in SEED_WAREHOUSES])
async def test_store_warehouse_code_is_not_found(client, catalog_engine, warehouse):
    result = await gql(client, STORE_DETAIL, {"code": warehouse})
    assert result.error_codes() == ["NOT_FOUND"]
    assert result.data == {"store": None}
    rows = await store_rows(catalog_engine)
    wid = next(r["id"] for r in rows if r["code"] == warehouse)
    result = await gql(client, STORE_DETAIL, {"id": to_global_id("Location", wid)})
    assert result.error_codes() == ["NOT_FOUND"]
    assert result.data == {"store": None}


async def test_store_unknown_id_is_not_found(client):
    result = await gql(client, STORE_DETAIL, {"id": to_global_id("Location", 987654321)})
    assert result.error_codes() == ["NOT_FOUND"]
    assert result.data == {"store": None}


@pytest.mark.parametrize("bad_id", ["garbage", to_global_id("ProductVariant", 1)])
async def test_store_bad_id_is_a_readable_error(client, bad_id):
    result = await gql(client, STORE_DETAIL, {"id": bad_id})
    assert_client_error(result, "id")
    assert result.data == {"store": None}


@pytest.mark.parametrize("variables", [{}, {"code": "HN-HK01", "id": to_global_id("Location", 1)}])
async def test_store_needs_exactly_one_of_id_and_code(client, variables):
    result = await gql(client, STORE_DETAIL, variables)
    assert_client_error(result, "exactly one")
    assert result.data == {"store": None}


# --------------------------------------------------------------------------- page sizes


@pytest.mark.parametrize("arg", ["first", "last"])
async def test_page_size_above_maximum(client, arg):
    result = await gql(client, STORES_PAGE, {arg: 101})
    assert_client_error(result, "100", arg)


@pytest.mark.parametrize("arg", ["first", "last"])
async def test_negative_page_size(client, arg):
    result = await gql(client, STORES_PAGE, {arg: -1})
    assert_client_error(result, arg, "negative")


async def test_page_size_of_exactly_100_and_zero(client):
    page = await stores_page(client, first=100)
    assert len(page["edges"]) == len(SEED_STORES)
    assert page["pageInfo"]["hasNextPage"] is False
    page = await stores_page(client, first=0)
    assert page["edges"] == []


async def test_malformed_cursor(client):
    result = await gql(client, STORES_PAGE, {"first": 2, "after": "%%%not-a-cursor"})
    assert_client_error(result, "cursor")


def forged_cursor(document: Any) -> str:
    raw = json.dumps(document).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("document", "near"),
    [
        ({"s": "code", "v": ["DN-01", "abc"]}, None),
        ({"s": "code", "v": [5, 1]}, None),
        ({"s": "code", "v": ["DN-01", 2**70]}, None),
        ({"s": "code", "v": {"a": 1, "b": 2}}, None),
        ({"s": "near:21.0285,105.8542", "v": ["far", 1]}, HOAN_KIEM_LAKE),
        ({"s": "code", "v": [None, 1]}, None),
        ({"s": "code", "v": ["DN-01", True]}, None),
    ],
)
async def test_forged_cursor_is_a_client_error(client, document, near):
    variables: dict[str, Any] = {"first": 2, "after": forged_cursor(document)}
    if near is not None:
        variables["near"] = {"latitude": near[0], "longitude": near[1]}
    result = await gql(client, STORES_PAGE, variables)
    error = assert_client_error(result, "cursor")
    assert error["extensions"]["code"] == "INVALID_CURSOR"


@pytest.mark.parametrize(
    ("variables", "words"),
    [
        ({"first": 2, "last": 2}, ("first", "last")),
        ({"first": 2, "before": "x"}, ("first", "before")),
        ({"last": 2, "after": "x"}, ("last", "after")),
    ],
)
async def test_mixed_page_directions_are_errors(client, variables, words):
    result = await gql(client, STORES_PAGE, variables)
    assert_client_error(result, *words)
