"""stockAdjust, stockTransfer and stockMovements through the GraphQL endpoint."""

from __future__ import annotations

from sqlalchemy import text

from domain.actors import StaffRole
from tests.conftest import gql, ok
from tests.people import gid, make_staff, register, store_ids

ADJUST = """mutation($input: StockAdjustInput!) {
  stockAdjust(input: $input) {
    movement { id kind quantity onHandDelta onHandAfter reservedAfter availableAfter
               actorKind reason location { code } variant { sku } }
    userErrors { code field message }
  }
}"""

TRANSFER = """mutation($input: StockTransferInput!) {
  stockTransfer(input: $input) {
    movements { kind onHandDelta transferId location { code } }
    userErrors { code field message }
  }
}"""

MOVEMENTS = """query($filter: StockMovementFilter, $first: Int, $after: String) {
  stockMovements(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id kind quantity location { code } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def _variant(engine) -> tuple[int, str]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(text("SELECT id, sku FROM product_variants ORDER BY id LIMIT 1"))
        ).one()
    return row[0], row[1]


async def test_staff_adjust_transfer_and_read_the_ledger(writer, engine):
    stores = await store_ids(engine)
    (code_a, store_a), (code_b, store_b) = sorted(stores.items())[:2]
    variant_id, sku = await _variant(engine)
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    clerk = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store_a])

    counted = await ok(
        writer,
        ADJUST,
        {
            "input": {
                "locationId": gid("Location", store_a),
                "variantId": gid("ProductVariant", variant_id),
                "kind": "COUNT_CORRECTION",
                "setTo": 40,
                "reason": "Kiểm kê",
            }
        },
        admin.headers,
    )
    payload = counted["stockAdjust"]
    assert payload["userErrors"] == []
    movement = payload["movement"]
    assert movement is None or movement["onHandAfter"] == 40
    received = await ok(
        writer,
        ADJUST,
        {
            "input": {
                "locationId": gid("Location", store_a),
                "variantId": gid("ProductVariant", variant_id),
                "kind": "RECEIVED",
                "delta": 5,
                "reason": "Nhập hàng",
            }
        },
        clerk.headers,
    )
    m = received["stockAdjust"]["movement"]
    assert m["kind"] == "RECEIVED" and m["onHandAfter"] == 45 and m["actorKind"] == "STAFF"
    assert m["location"]["code"] == code_a and m["variant"]["sku"] == sku
    assert m["availableAfter"] == 45 - m["reservedAfter"]

    # Staff of another store, a customer and an anonymous caller are refused.
    elsewhere = {
        "input": {
            "locationId": gid("Location", store_b),
            "variantId": gid("ProductVariant", variant_id),
            "kind": "RECEIVED",
            "delta": 1,
            "reason": "x",
        }
    }
    refused = await ok(writer, ADJUST, elsewhere, clerk.headers)
    assert refused["stockAdjust"]["userErrors"][0]["code"] == "FORBIDDEN"
    customer = await register(writer)
    refused = await ok(writer, ADJUST, elsewhere, customer.headers)
    assert refused["stockAdjust"]["userErrors"][0]["code"] == "FORBIDDEN"
    refused = await ok(writer, ADJUST, elsewhere)
    assert refused["stockAdjust"]["userErrors"][0]["code"] == "UNAUTHENTICATED"
    negative = await ok(
        writer,
        ADJUST,
        {"input": {**elsewhere["input"], "locationId": gid("Location", store_a), "delta": -1}},
        clerk.headers,
    )
    assert negative["stockAdjust"]["userErrors"][0]["code"] == "INVALID_KIND"
    too_many = await ok(
        writer,
        ADJUST,
        {
            "input": {
                **elsewhere["input"],
                "locationId": gid("Location", store_a),
                "kind": "DAMAGED",
                "delta": -1000,
            }
        },
        clerk.headers,
    )
    assert too_many["stockAdjust"]["userErrors"][0]["code"] == "INSUFFICIENT_STOCK"

    moved = await ok(
        writer,
        TRANSFER,
        {
            "input": {
                "fromLocationId": gid("Location", store_a),
                "toLocationId": gid("Location", store_b),
                "lines": [{"variantId": gid("ProductVariant", variant_id), "quantity": 3}],
                "reason": "Điều chuyển",
            }
        },
        clerk.headers,
    )
    movements = moved["stockTransfer"]["movements"]
    assert moved["stockTransfer"]["userErrors"] == []
    assert {(x["kind"], x["onHandDelta"], x["location"]["code"]) for x in movements} == {
        ("TRANSFER_OUT", -3, code_a),
        ("TRANSFER_IN", 3, code_b),
    }
    assert len({x["transferId"] for x in movements}) == 1

    # The clerk reads their store's ledger, newest first; another store's is refused.
    mine = await ok(
        writer,
        MOVEMENTS,
        {"filter": {"variantId": gid("ProductVariant", variant_id)}, "first": 3},
        clerk.headers,
    )
    edges = mine["stockMovements"]["edges"]
    assert [e["node"]["kind"] for e in edges][:2] == ["TRANSFER_OUT", "RECEIVED"]
    assert all(e["node"]["location"]["code"] == code_a for e in edges)
    other = await gql(
        writer, MOVEMENTS, {"filter": {"locationId": gid("Location", store_b)}}, clerk.headers
    )
    assert other.error_codes() == ["FORBIDDEN"]
    everyone = await ok(
        writer,
        MOVEMENTS,
        {"filter": {"variantId": gid("ProductVariant", variant_id)}, "first": 5},
        admin.headers,
    )
    codes = [e["node"]["location"]["code"] for e in everyone["stockMovements"]["edges"]]
    assert codes[0] == code_b  # the TRANSFER_IN, written after the TRANSFER_OUT
    anonymous = await gql(writer, MOVEMENTS, {})
    assert anonymous.error_codes() == ["UNAUTHENTICATED"]
    node = await ok(
        writer,
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": edges[0]["node"]["id"]},
        clerk.headers,
    )
    assert node["node"]["id"] == edges[0]["node"]["id"]
    hidden = await gql(
        writer,
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": edges[0]["node"]["id"]},
        customer.headers,
    )
    assert hidden.error_codes() == ["NOT_FOUND"]
