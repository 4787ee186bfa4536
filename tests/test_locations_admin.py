"""locationCreate, locationUpdate and locationDeactivate through the GraphQL endpoint."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text

from domain.actors import StaffRole
from tests.conftest import gql, ok
from tests.people import make_staff, store_ids

FIELDS = """location { id code name collectByDays pickupEnabled isOpenNow
  address { street province } specialDays { date closed intervals { opens closes } } }
  userErrors { code field message }"""
CREATE = "mutation($input: LocationInput!) { locationCreate(input: $input) { FIELDS } }"
UPDATE = (
    "mutation($id: ID!, $input: LocationInput!) "
    "{ locationUpdate(id: $id, input: $input) { FIELDS } }"
)
DEACTIVATE = "mutation($id: ID!) { locationDeactivate(id: $id) { FIELDS } }"
CREATE, UPDATE, DEACTIVATE = (q.replace("FIELDS", FIELDS) for q in (CREATE, UPDATE, DEACTIVATE))
STORES = "{ stores(first: 100) { nodes { code } } }"
ALL_DAY = [{"opens": "00:00", "closes": "12:00"}, {"opens": "12:00", "closes": "00:00"}]
BAD_SPAN = {"opens": "25:00", "closes": "10:00"}
WEEK = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


def new_store(code: str = "DN-HC01") -> dict:
    return {
        "code": code,
        "name": "Đà Nẵng Hải Châu",
        "kind": "STORE",
        "address": {"street": "12 Bạch Đằng", "province": "Đà Nẵng"},
        "coordinates": {"latitude": 16.07, "longitude": 108.22},
        "openingHours": [{"day": day, "intervals": ALL_DAY} for day in WEEK],
        "pickupEnabled": True,
        "collectByDays": 5,
    }


async def test_admins_open_change_and_close_a_store(writer, engine):
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    created = (await ok(writer, CREATE, {"input": new_store()}, admin.headers))["locationCreate"]
    assert created["userErrors"] == []
    store = created["location"]
    assert store["code"] == "DN-HC01" and store["collectByDays"] == 5 and store["isOpenNow"]
    codes = [n["code"] for n in (await ok(writer, STORES))["stores"]["nodes"]]
    assert "DN-HC01" in codes

    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    changed = await ok(
        writer,
        UPDATE,
        {
            "id": store["id"],
            "input": {
                "specialDays": [{"date": today, "intervals": []}],
                "address": {"street": "14 Bạch Đằng", "province": "Đà Nẵng"},
                "collectByDays": 2,
            },
        },
        admin.headers,
    )
    location = changed["locationUpdate"]["location"]
    assert location["isOpenNow"] is False  # closed for the special day
    assert location["specialDays"] == [{"date": today, "closed": True, "intervals": []}]
    assert location["address"]["street"] == "14 Bạch Đằng" and location["collectByDays"] == 2
    assert location["name"] == "Đà Nẵng Hải Châu"  # left out, so kept

    closed = await ok(writer, DEACTIVATE, {"id": store["id"]}, admin.headers)
    assert closed["locationDeactivate"]["location"]["pickupEnabled"] is False
    codes = [n["code"] for n in (await ok(writer, STORES))["stores"]["nodes"]]
    assert "DN-HC01" not in codes
    async with engine.connect() as conn:
        kinds = [
            r[0]
            for r in await conn.execute(
                text("SELECT kind FROM change_events WHERE kind LIKE 'location.%' ORDER BY id")
            )
        ]
    assert kinds == ["location.created", "location.updated", "location.deactivated"]


async def test_bad_location_input_is_refused_with_codes(writer, engine):
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    taken = next(iter(await store_ids(engine)))
    cases = [
        ({**new_store(taken)}, "CODE_TAKEN"),
        ({**new_store("bad code!")}, "INVALID_INPUT"),
        (
            {
                **new_store(),
                "openingHours": [
                    {"day": "MONDAY", "intervals": [{"opens": "25:00", "closes": "10:00"}]}
                ],
            },
            "INVALID_HOURS",
        ),
        ({**new_store(), "collectByDays": 0}, "INVALID_INPUT"),
        ({**new_store(), "coordinates": {"latitude": 91, "longitude": 0}}, "INVALID_INPUT"),
        ({k: v for k, v in new_store().items() if k != "address"}, "INVALID_INPUT"),
    ]
    for store, code in cases:
        answer = (await ok(writer, CREATE, {"input": store}, admin.headers))["locationCreate"]
        assert answer["location"] is None and answer["userErrors"][0]["code"] == code, store

    clerk = await make_staff(
        engine, writer, StaffRole.STORE_MANAGER, [next(iter((await store_ids(engine)).values()))]
    )
    refused = (await ok(writer, CREATE, {"input": new_store()}, clerk.headers))["locationCreate"]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    anonymous = (await ok(writer, CREATE, {"input": new_store()}))["locationCreate"]
    assert anonymous["userErrors"][0]["code"] == "UNAUTHENTICATED"
    missing = await gql(
        writer,
        DEACTIVATE,
        {"id": "TG9jYXRpb246OTk5OTk5"},  # Location:999999
        admin.headers,
    )
    assert missing.data["locationDeactivate"]["userErrors"][0]["code"] == "NOT_FOUND"
