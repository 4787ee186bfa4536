"""Membership through the API: in-store enrolment, claiming online, kiosk sessions, channels,
tiers as data, and the `omni staff create` command.

Promise 3 of the design: a membership created at a store counter works online the same
minute, an online account works at the kiosk. Everything runs on a real PostgreSQL copy of
the demo database (`writer`/`engine`/`fresh_db`).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.actors import StaffRole
from domain.customers.models import Customer
from domain.membership import ledger, spend
from domain.membership.models import Membership, MembershipClaim, TierChange
from domain.notifications.models import Notification, NotificationChannel
from tests.conftest import gql, ok
from tests.people import (
    PASSWORD,
    REGISTER,
    Person,
    bearer,
    gid,
    make_staff,
    register,
    register_device,
    store_ids,
    unique_phone,
)

REPO_ROOT = Path(__file__).resolve().parents[1]

ENROL = """mutation($input: MembershipEnrolInput!) { membershipEnrol(input: $input) {
  customer {
    id firstName enrolledChannel hasPassword phone email
    enrolledStore { id code }
    membership { cardNumber pointsBalance tier { code } }
  }
  userErrors { field code message }
} }"""

CLAIM_START = """mutation($phone: String!) { membershipClaimStart(phone: $phone) {
  codeSent userErrors { field code } } }"""

CLAIM_COMPLETE = """mutation($input: MembershipClaimCompleteInput!) {
  membershipClaimComplete(input: $input) {
    customer { id firstName }
    token { accessToken refreshToken }
    userErrors { field code }
  } }"""

LOGIN = """mutation($i: String!, $p: String!) { customerLogin(input: {identifier: $i, password: $p})
  { token { accessToken } userErrors { code } } }"""

IDENTIFY = """mutation($input: CustomerIdentifyInput!) { customerIdentify(input: $input) {
  session { token expiresAt limited }
  customer { id firstName }
  userErrors { field code }
} }"""

SESSION_END = "mutation { customerSessionEnd { loggedOut userErrors { code } } }"

ME_FULL = "{ me { firstName phone email membership { cardNumber pointsBalance } } }"


def device_headers(key: str, token: str | None = None) -> dict[str, str]:
    headers = {"x-omni-device-key": key}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return headers


def e164(local: str) -> str:
    """09xxxxxxxx → +849xxxxxxxx (what the API stores)."""
    return "+84" + local[1:]


async def count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def execute(engine: AsyncEngine, sql: str, **params: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(sql), params)


async def enrol(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    variables = {"input": {"firstName": "Hoa", "lastName": "Trần", **fields}}
    result = await gql(client, ENROL, variables, headers=headers)
    assert not result.errors, result.errors
    payload: dict[str, Any] = result.data["membershipEnrol"]
    return payload


async def enrolled_member(
    client: httpx.AsyncClient, headers: dict[str, str], phone: str | None = None
) -> dict[str, Any]:
    payload = await enrol(client, headers, phone=phone or unique_phone())
    assert not payload["userErrors"], payload["userErrors"]
    customer: dict[str, Any] = payload["customer"]
    return customer


async def admin_and_device(
    engine: AsyncEngine, client: httpx.AsyncClient, channel: str = "KIOSK", store: str = ""
) -> tuple[Person, str, int]:
    """An admin, and a device key for a store (the first one by code unless given)."""
    stores = await store_ids(engine)
    store_id = stores[store or sorted(stores)[0]]
    admin = await make_staff(engine, client, StaffRole.ADMIN)
    _, key = await register_device(client, admin, store_id, channel)
    return admin, key, store_id


async def latest_claim_code(engine: AsyncEngine, phone_e164: str) -> str:
    async with AsyncSession(engine) as session:
        rows = list(
            await session.scalars(
                select(Notification)
                .where(Notification.recipient == phone_e164)
                .order_by(Notification.id.desc())
            )
        )
    assert rows, f"no notification for {phone_e164}"
    code = rows[0].payload["code"]
    assert isinstance(code, str)
    return code


# --------------------------------------------------------------------------- enrolment


async def test_enrol_by_kiosk_and_pos_devices_records_channel_and_store(writer, engine):
    stores = await store_ids(engine)
    code = sorted(stores)[0]
    admin, kiosk_key, store_id = await admin_and_device(engine, writer, "KIOSK", code)
    _, pos_key = await register_device(writer, admin, store_id, "POS")

    other_store = gid("Location", stores[sorted(stores)[1]])
    for key, channel in ((kiosk_key, "KIOSK"), (pos_key, "POS")):
        local = unique_phone()
        spaced = f"{local[:4]} {local[4:7]} {local[7:]}"  # "0901 234 567"
        payload = await enrol(
            writer,
            # The header says WEB; the device's own channel wins.
            {**device_headers(key), "x-omni-channel": "WEB"},
            phone=spaced,
            email=f"hoa.{channel.lower()}.{local}@example.vn",
            storeId=other_store,  # a device always enrols at its own store
        )
        assert not payload["userErrors"], payload["userErrors"]
        customer = payload["customer"]
        assert customer["hasPassword"] is False
        assert customer["enrolledChannel"] == channel
        assert customer["enrolledStore"] == {"id": gid("Location", store_id), "code": code}
        assert customer["phone"] == e164(local)
        membership = customer["membership"]
        assert re.fullmatch(r"88\d{10}", membership["cardNumber"])
        assert membership["pointsBalance"] == 0
        assert membership["tier"]["code"] == "MEMBER"

    async with AsyncSession(engine) as session:
        rows = (
            await session.execute(
                select(Customer.password_hash, Customer.enrolled_location_id).where(
                    Customer.enrolled_location_id == store_id
                )
            )
        ).all()
    assert len(rows) == 2
    assert all(pw is None for pw, _ in rows)


async def test_enrol_by_store_staff_needs_one_of_their_stores(writer, engine):
    stores = await store_ids(engine)
    code_a, code_b = sorted(stores)[:2]
    staff = await make_staff(engine, writer, StaffRole.STORE_STAFF, [stores[code_a]])
    pos = {**staff.headers, "x-omni-channel": "POS"}

    local = unique_phone()
    payload = await enrol(writer, pos, phone=local, storeId=gid("Location", stores[code_a]))
    assert not payload["userErrors"], payload["userErrors"]
    customer = payload["customer"]
    assert customer["enrolledChannel"] == "POS"
    assert customer["enrolledStore"]["code"] == code_a
    assert customer["hasPassword"] is False
    assert customer["phone"] == e164(local)
    assert customer["email"] is None

    before = (await count(engine, "customers"), await count(engine, "memberships"))
    # No storeId: staff must say where the enrolment happens.
    missing = await enrol(writer, pos, phone=unique_phone())
    assert missing["customer"] is None
    assert [(e["code"], e["field"]) for e in missing["userErrors"]] == [
        ("INVALID_INPUT", ["input", "storeId"])
    ]
    # Another store than their own.
    other = await enrol(writer, pos, phone=unique_phone(), storeId=gid("Location", stores[code_b]))
    assert [e["code"] for e in other["userErrors"]] == ["FORBIDDEN"]
    assert other["customer"] is None
    assert (await count(engine, "customers"), await count(engine, "memberships")) == before


async def test_enrol_phone_required_normalised_and_unique(writer, engine):
    _, key, _ = await admin_and_device(engine, writer)
    headers = device_headers(key)
    local = unique_phone()
    first = await enrol(writer, headers, phone=local, email=f"hoa{local}@example.vn")
    assert not first["userErrors"]

    before = {t: await count(engine, t) for t in ("customers", "memberships", "tier_changes")}
    # The same number typed another way is the same phone.
    duplicate = await enrol(writer, headers, phone=f"+84 {local[1:]}", email="new@example.vn")
    assert duplicate["customer"] is None
    assert [(e["code"], e["field"]) for e in duplicate["userErrors"]] == [
        ("PHONE_TAKEN", ["input", "phone"])
    ]
    email_taken = await enrol(writer, headers, phone=unique_phone(), email=f"HOA{local}@example.vn")
    assert [(e["code"], e["field"]) for e in email_taken["userErrors"]] == [
        ("EMAIL_TAKEN", ["input", "email"])
    ]
    malformed = await enrol(writer, headers, phone="12345")
    assert [e["code"] for e in malformed["userErrors"]] == ["INVALID_PHONE"]
    empty = await enrol(writer, headers, phone="  ")
    assert empty["customer"] is None
    assert empty["userErrors"], "an enrolment without a phone must fail"
    # Phone is a required argument in the schema.
    result = await gql(
        writer,
        'mutation { membershipEnrol(input: {firstName: "Hoa"}) { userErrors { code } } }',
        headers=headers,
    )
    assert result.errors and result.data is None
    # Nothing half-created by any of the failures.
    after = {t: await count(engine, t) for t in before}
    assert after == before


async def test_enrol_refused_to_anonymous_and_customers(writer, engine):
    stores = await store_ids(engine)
    store = gid("Location", stores[sorted(stores)[0]])
    before = await count(engine, "customers")
    anonymous = await enrol(writer, {}, phone=unique_phone(), storeId=store)
    assert [e["code"] for e in anonymous["userErrors"]] == ["UNAUTHENTICATED"]
    assert anonymous["customer"] is None

    customer = await register(writer)
    after_register = await count(engine, "customers")
    assert after_register == before + 1
    as_customer = await enrol(writer, customer.headers, phone=unique_phone(), storeId=store)
    assert [e["code"] for e in as_customer["userErrors"]] == ["FORBIDDEN"]
    assert await count(engine, "customers") == after_register


# --------------------------------------------------------------------------- claiming online


async def test_enrolled_at_counter_works_online_the_same_minute(writer, engine):
    _, key, _ = await admin_and_device(engine, writer, "POS")
    local = unique_phone()
    member = await enrolled_member(writer, device_headers(key), local)
    card = member["membership"]["cardNumber"]

    # Not signed in online yet: no password.
    refused = await ok(writer, LOGIN, {"i": local, "p": PASSWORD})
    assert refused["customerLogin"]["token"] is None

    notifications_before = await count(engine, "notifications")
    started = await ok(writer, CLAIM_START, {"phone": local})
    assert started["membershipClaimStart"] == {"codeSent": True, "userErrors": []}
    async with AsyncSession(engine) as session:
        rows = list(
            await session.scalars(select(Notification).order_by(Notification.id.desc()).limit(5))
        )
    assert await count(engine, "notifications") == notifications_before + 1
    note = rows[0]
    assert note.channel is NotificationChannel.SMS
    assert note.template == "membership_claim_code"
    assert note.recipient == e164(local)
    assert re.fullmatch(r"\d{6}", note.payload["code"])

    completed = await ok(
        writer,
        CLAIM_COMPLETE,
        {"input": {"phone": e164(local), "code": note.payload["code"], "password": PASSWORD}},
    )
    payload = completed["membershipClaimComplete"]
    assert payload["userErrors"] == []
    assert payload["customer"] == {"id": member["id"], "firstName": "Hoa"}
    assert payload["token"]["accessToken"] and payload["token"]["refreshToken"]
    # The tokens of the claim work straight away.
    me = await ok(writer, ME_FULL, headers=bearer(payload["token"]["accessToken"]))
    assert me["me"]["membership"]["cardNumber"] == card

    # And a sign-in by phone (typed any way) finds the same member and card.
    login = await ok(writer, LOGIN, {"i": f"+84{local[1:]}", "p": PASSWORD})
    token = login["customerLogin"]["token"]["accessToken"]
    me = await ok(writer, ME_FULL, headers=bearer(token))
    assert me["me"]["phone"] == e164(local)
    assert me["me"]["membership"]["cardNumber"] == card
    me = await ok(writer, "{ me { id hasPassword enrolledChannel } }", headers=bearer(token))
    assert me["me"] == {"id": member["id"], "hasPassword": True, "enrolledChannel": "POS"}

    # Claiming again is refused.
    again = await ok(
        writer,
        CLAIM_COMPLETE,
        {"input": {"phone": local, "code": note.payload["code"], "password": "khac12345"}},
    )
    assert [e["code"] for e in again["membershipClaimComplete"]["userErrors"]] == [
        "ALREADY_CLAIMED"
    ]
    # And no new code is sent to an account with a password.
    started = await ok(writer, CLAIM_START, {"phone": local})
    assert started["membershipClaimStart"]["codeSent"] is True
    assert await count(engine, "notifications") == notifications_before + 1


async def test_claim_complete_payload_shows_the_member(writer, engine):
    _, key, _ = await admin_and_device(engine, writer, "POS")
    local = unique_phone()
    await enrolled_member(writer, device_headers(key), local)
    await ok(writer, CLAIM_START, {"phone": local})
    code = await latest_claim_code(engine, e164(local))
    result = await gql(
        writer,
        """mutation($input: MembershipClaimCompleteInput!) {
          membershipClaimComplete(input: $input) {
            customer { hasPassword phone membership { cardNumber } } userErrors { code } } }""",
        {"input": {"phone": local, "code": code, "password": PASSWORD}},
    )
    assert result.errors == []
    customer = result.data["membershipClaimComplete"]["customer"]
    assert customer["hasPassword"] is True
    assert customer["phone"] == e164(local)


async def complete(
    client: httpx.AsyncClient, phone: str, code: str, password: str = PASSWORD
) -> dict[str, Any]:
    data = await ok(
        client, CLAIM_COMPLETE, {"input": {"phone": phone, "code": code, "password": password}}
    )
    payload: dict[str, Any] = data["membershipClaimComplete"]
    return payload


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_claim_wrong_codes_are_counted_then_refused(writer, engine):
    _, key, _ = await admin_and_device(engine, writer)
    local = unique_phone()
    await enrolled_member(writer, device_headers(key), local)
    await ok(writer, CLAIM_START, {"phone": local})
    code = await latest_claim_code(engine, e164(local))
    customer_id = await _customer_id(engine, local)

    for attempt in range(1, 6):
        payload = await complete(writer, local, wrong(code))
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            ("CLAIM_INVALID", ["input", "code"])
        ]
        assert payload["token"] is None
        async with AsyncSession(engine) as session:
            attempts = await session.scalar(
                select(MembershipClaim.attempts).where(MembershipClaim.customer_id == customer_id)
            )
        assert attempts == attempt

    # Five wrong tries spend the code: even the right one is refused now.
    payload = await complete(writer, local, code)
    assert [e["code"] for e in payload["userErrors"]] == ["CLAIM_TOO_MANY_ATTEMPTS"]
    async with AsyncSession(engine) as session:
        customer = await session.get(Customer, customer_id)
        assert customer is not None and customer.password_hash is None

    # A new code starts afresh, and replaces any earlier one.
    await ok(writer, CLAIM_START, {"phone": local})
    replaced = await latest_claim_code(engine, e164(local))
    await ok(writer, CLAIM_START, {"phone": local})
    fresh = await latest_claim_code(engine, e164(local))
    if replaced != fresh:
        payload = await complete(writer, local, replaced)
        assert [e["code"] for e in payload["userErrors"]] == ["CLAIM_INVALID"]
    payload = await complete(writer, local, fresh)
    assert payload["userErrors"] == []
    async with AsyncSession(engine) as session:
        open_claims = await session.scalar(
            select(func.count()).where(
                MembershipClaim.customer_id == customer_id, MembershipClaim.consumed_at.is_(None)
            )
        )
    assert open_claims == 0


async def _customer_id(engine: AsyncEngine, local: str) -> int:
    async with AsyncSession(engine) as session:
        pk = await session.scalar(select(Customer.id).where(Customer.phone == e164(local)))
    assert pk is not None
    return int(pk)


async def test_claim_code_expires(writer, engine):
    _, key, _ = await admin_and_device(engine, writer)
    local = unique_phone()
    await enrolled_member(writer, device_headers(key), local)
    await ok(writer, CLAIM_START, {"phone": local})
    code = await latest_claim_code(engine, e164(local))
    customer_id = await _customer_id(engine, local)
    await execute(
        engine,
        "UPDATE membership_claims SET expires_at = now() - interval '1 minute' "
        "WHERE customer_id = :c",
        c=customer_id,
    )
    payload = await complete(writer, local, code)
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("CLAIM_EXPIRED", ["input", "code"])
    ]
    assert payload["customer"] is None and payload["token"] is None
    assert (await _has_password(engine, customer_id)) is False


async def _has_password(engine: AsyncEngine, customer_id: int) -> bool:
    async with AsyncSession(engine) as session:
        customer = await session.get(Customer, customer_id)
    assert customer is not None
    return customer.password_hash is not None


async def test_claim_weak_password_keeps_the_code(writer, engine):
    _, key, _ = await admin_and_device(engine, writer)
    local = unique_phone()
    await enrolled_member(writer, device_headers(key), local)
    await ok(writer, CLAIM_START, {"phone": local})
    code = await latest_claim_code(engine, e164(local))
    customer_id = await _customer_id(engine, local)

    for weak in ("short1", "onlyletters", "12345678901"):
        payload = await complete(writer, local, code, weak)
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            ("WEAK_PASSWORD", ["input", "password"])
        ]
    async with AsyncSession(engine) as session:
        claim = await session.scalar(
            select(MembershipClaim).where(MembershipClaim.customer_id == customer_id)
        )
    assert claim is not None
    assert claim.consumed_at is None and claim.attempts == 0
    assert (await _has_password(engine, customer_id)) is False

    payload = await complete(writer, local, code)
    assert payload["userErrors"] == []
    assert (await _has_password(engine, customer_id)) is True


async def test_claim_start_does_not_reveal_who_is_a_member(writer, engine):
    online = await register(writer)  # has a password already
    before = await count(engine, "notifications")
    for phone in (unique_phone(), online.phone):
        data = await ok(writer, CLAIM_START, {"phone": phone})
        assert data["membershipClaimStart"] == {"codeSent": True, "userErrors": []}
    assert await count(engine, "notifications") == before
    assert await count(engine, "membership_claims") == 0

    malformed = await ok(writer, CLAIM_START, {"phone": "not a phone"})
    assert malformed["membershipClaimStart"]["codeSent"] is False
    assert [e["code"] for e in malformed["membershipClaimStart"]["userErrors"]] == ["INVALID_PHONE"]
    # Completing for an unknown phone answers like a wrong code.
    payload = await complete(writer, unique_phone(), "123456")
    assert [e["code"] for e in payload["userErrors"]] == ["CLAIM_INVALID"]


# --------------------------------------------------------------------------- kiosk sessions


async def identify(client: httpx.AsyncClient, headers: dict[str, str], **by: str) -> dict[str, Any]:
    data = await ok(client, IDENTIFY, {"input": by}, headers=headers)
    payload: dict[str, Any] = data["customerIdentify"]
    return payload


async def test_identify_by_card_gives_a_full_session_bound_to_the_device(writer, engine):
    admin, kiosk, store_id = await admin_and_device(engine, writer, "KIOSK")
    _, other_kiosk = await register_device(writer, admin, store_id, "KIOSK")
    online = await register(writer)  # an online account, used at the kiosk
    me = await ok(writer, ME_FULL, headers=online.headers)
    card = me["me"]["membership"]["cardNumber"]

    payload = await identify(writer, device_headers(kiosk), cardNumber=card)
    assert payload["userErrors"] == []
    session = payload["session"]
    assert session["limited"] is False
    assert payload["customer"] == {"id": gid("Customer", online.id), "firstName": "Lan"}
    expires = datetime.fromisoformat(session["expiresAt"])
    assert 0 < (expires - datetime.now(UTC)).total_seconds() <= 10 * 60 + 5
    token = session["token"]

    seen = await ok(writer, ME_FULL, headers=device_headers(kiosk, token))
    assert seen["me"] == {
        "firstName": "Lan",
        "phone": e164(online.phone or ""),
        "email": online.email,
        "membership": {"cardNumber": card, "pointsBalance": 0},
    }

    # The session token alone, or on another device, is refused for the whole request.
    for headers in (bearer(token), device_headers(other_kiosk, token)):
        response = await writer.post("/graphql", json={"query": ME_FULL}, headers=headers)
        assert response.status_code == 401, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    ended = await ok(writer, SESSION_END, headers=device_headers(kiosk, token))
    assert ended["customerSessionEnd"] == {"loggedOut": True, "userErrors": []}
    response = await writer.post(
        "/graphql", json={"query": ME_FULL}, headers=device_headers(kiosk, token)
    )
    assert response.status_code == 401
    # The device itself still works.
    assert (
        await writer.post(
            "/graphql",
            json={"query": "{ membershipTiers { code } }"},
            headers=device_headers(kiosk),
        )
    ).status_code == 200


async def test_identify_by_phone_at_a_kiosk_is_limited_at_a_counter_not(writer, engine):
    admin, kiosk, store_id = await admin_and_device(engine, writer, "KIOSK")
    _, pos = await register_device(writer, admin, store_id, "POS")
    online = await register(writer, firstName="Minh")
    assert online.phone is not None

    payload = await identify(writer, device_headers(kiosk), phone=online.phone)
    assert payload["userErrors"] == []
    assert payload["session"]["limited"] is True
    headers = device_headers(kiosk, payload["session"]["token"])

    allowed = await ok(writer, "{ me { firstName membership { pointsBalance } } }", headers=headers)
    assert allowed["me"] == {"firstName": "Minh", "membership": {"pointsBalance": 0}}
    for query in (
        "{ me { firstName phone } }",
        "{ me { email } }",
        "{ me { lastName } }",
        "{ me { addresses { id } } }",
        "{ me { membership { cardNumber } } }",
        "{ me { membership { tier { code } } } }",
    ):
        result = await gql(writer, query, headers=headers)
        assert result.error_codes() == ["FORBIDDEN"], (query, result)
    # Refused personal fields are nullable: they come back null with a FORBIDDEN error each,
    # and what the session may read still comes back.
    mixed = await gql(
        writer,
        "{ me { firstName lastName email createdAt "
        "membership { pointsBalance cardNumber tier { code } } } }",
        headers=headers,
    )
    assert mixed.data == {
        "me": {
            "firstName": "Minh",
            "lastName": None,
            "email": None,
            "createdAt": None,
            "membership": {"pointsBalance": 0, "cardNumber": None, "tier": None},
        }
    }
    assert mixed.error_codes() == ["FORBIDDEN"] * 5
    # The identify payload itself shows no more than the session may see.
    leaked = await gql(
        writer,
        "mutation($p: String!) { customerIdentify(input: {phone: $p}) "
        "{ session { limited } customer { firstName phone } } }",
        {"p": online.phone},
        headers=device_headers(kiosk),
    )
    assert leaked.error_codes() == ["FORBIDDEN"]
    # A limited session cannot change the account either.
    changed = await ok(
        writer,
        'mutation { customerUpdate(input: {firstName: "X"}) { userErrors { code } } }',
        headers=headers,
    )
    assert [e["code"] for e in changed["customerUpdate"]["userErrors"]] == ["FORBIDDEN"]

    # At a staffed counter the phone gives a full session.
    counter = await identify(writer, device_headers(pos), phone=online.phone)
    assert counter["session"]["limited"] is False
    full = await ok(writer, ME_FULL, headers=device_headers(pos, counter["session"]["token"]))
    assert full["me"]["phone"] == e164(online.phone)
    assert re.fullmatch(r"88\d{10}", full["me"]["membership"]["cardNumber"])


async def test_identify_refusals_expiry_and_revoked_device(writer, engine):
    admin, kiosk, _ = await admin_and_device(engine, writer, "KIOSK")
    member = await enrolled_member(writer, device_headers(kiosk))
    card = member["membership"]["cardNumber"]

    unknown = "880000000000" if card != "880000000000" else "880000000018"
    payload = await identify(writer, device_headers(kiosk), cardNumber=unknown)
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    assert payload["session"] is None
    payload = await identify(writer, device_headers(kiosk), phone=unique_phone())
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    both = await identify(writer, device_headers(kiosk), cardNumber=card, phone=member["phone"])
    assert [e["code"] for e in both["userErrors"]] == ["INVALID_INPUT"]

    customer = await register(writer)
    for headers in ({}, customer.headers, admin.headers):
        payload = await identify(writer, headers, cardNumber=card)
        assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"], headers
        assert payload["session"] is None
    assert await count(engine, "customer_sessions") == 0

    # An expired session is refused.
    payload = await identify(writer, device_headers(kiosk), cardNumber=card)
    token = payload["session"]["token"]
    assert (
        await writer.post("/graphql", json={"query": ME_FULL}, headers=device_headers(kiosk, token))
    ).status_code == 200
    await execute(engine, "UPDATE customer_sessions SET expires_at = now() - interval '1 second'")
    response = await writer.post(
        "/graphql", json={"query": ME_FULL}, headers=device_headers(kiosk, token)
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    # A revoked device is refused, with or without a session.
    payload = await identify(writer, device_headers(kiosk), cardNumber=card)
    token = payload["session"]["token"]
    device_id = await _only_device_id(engine)
    revoked = await ok(
        writer,
        "mutation($id: ID!) { deviceRevoke(id: $id) { device { revokedAt } userErrors { code } } }",
        {"id": gid("Device", device_id)},
        headers=admin.headers,
    )
    assert revoked["deviceRevoke"]["userErrors"] == []
    assert revoked["deviceRevoke"]["device"]["revokedAt"]
    for headers in (device_headers(kiosk), device_headers(kiosk, token)):
        response = await writer.post(
            "/graphql", json={"query": "{ membershipTiers { code } }"}, headers=headers
        )
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def _only_device_id(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        ids = (await conn.execute(text("SELECT id FROM devices"))).scalars().all()
    assert len(ids) == 1
    return int(ids[0])


# --------------------------------------------------------------------------- channel context


async def test_channel_header_is_recorded_and_checked(writer, engine):
    result = await gql(
        writer,
        REGISTER,
        {
            "input": {
                "firstName": "An",
                "phone": unique_phone(),
                "password": PASSWORD,
            }
        },
        headers={"x-omni-channel": "mobile_app"},
    )
    payload = result.data["customerRegister"]
    assert payload["userErrors"] == []
    me = await ok(
        writer,
        "{ me { enrolledChannel enrolledStore { id } } }",
        headers=bearer(payload["token"]["accessToken"]),
    )
    assert me["me"] == {"enrolledChannel": "MOBILE_APP", "enrolledStore": None}

    before = await count(engine, "customers")
    response = await writer.post(
        "/graphql",
        json={
            "query": REGISTER,
            "variables": {
                "input": {"firstName": "An", "phone": unique_phone(), "password": PASSWORD}
            },
        },
        headers={"x-omni-channel": "TELEPATHY"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_CHANNEL"
    assert "WEB" in body["errors"][0]["message"]
    assert await count(engine, "customers") == before

    # A device key fixes the channel to the device's own.
    _, kiosk, store_id = await admin_and_device(engine, writer, "KIOSK")
    result = await gql(
        writer,
        REGISTER,
        {"input": {"firstName": "Bình", "phone": unique_phone(), "password": PASSWORD}},
        headers={**device_headers(kiosk), "x-omni-channel": "WEB"},
    )
    payload = result.data["customerRegister"]
    assert payload["userErrors"] == []
    me = await ok(
        writer,
        "{ me { enrolledChannel enrolledStore { id } } }",
        headers=bearer(payload["token"]["accessToken"]),
    )
    assert me["me"] == {
        "enrolledChannel": "KIOSK",
        "enrolledStore": {"id": gid("Location", store_id)},
    }
    # Without any header the channel is WEB.
    plain = await register(writer)
    me = await ok(writer, "{ me { enrolledChannel } }", headers=plain.headers)
    assert me["me"]["enrolledChannel"] == "WEB"


# --------------------------------------------------------------------------- tiers


TIERS = (
    "{ membershipTiers { code name minSpend { amount currencyCode } discountPercent "
    "earnMultiplier } }"
)


async def test_tiers_are_data(writer, engine):
    data = await ok(writer, TIERS)
    tiers = [
        (
            t["code"],
            Decimal(t["minSpend"]["amount"]),
            Decimal(t["discountPercent"]),
            Decimal(t["earnMultiplier"]),
        )
        for t in data["membershipTiers"]
    ]
    assert tiers == [
        ("MEMBER", Decimal(0), Decimal(0), Decimal(1)),
        ("SILVER", Decimal(5_000_000), Decimal(3), Decimal("1.25")),
        ("GOLD", Decimal(20_000_000), Decimal(5), Decimal("1.5")),
    ]
    assert {t["minSpend"]["currencyCode"] for t in data["membershipTiers"]} == {"VND"}

    member = await register(writer)
    progress = (
        "{ me { membership { tier { code } progress { spendLast12Months { amount } "
        "nextTier { code } remainingSpend { amount } } } } }"
    )
    seen = await ok(writer, progress, headers=member.headers)
    assert seen["me"]["membership"]["progress"]["nextTier"]["code"] == "SILVER"
    assert Decimal(seen["me"]["membership"]["progress"]["remainingSpend"]["amount"]) == 5_000_000

    # The retailer edits a threshold: the API and the tier computation follow.
    await execute(engine, "UPDATE tiers SET min_spend = 1000000 WHERE code = 'SILVER'")
    data = await ok(writer, TIERS)
    assert Decimal(data["membershipTiers"][1]["minSpend"]["amount"]) == 1_000_000
    seen = await ok(writer, progress, headers=member.headers)
    assert Decimal(seen["me"]["membership"]["progress"]["remainingSpend"]["amount"]) == 1_000_000

    async with AsyncSession(engine) as session:
        membership_id = (await ledger.membership_of(session, member.id)).id
        await spend.record_spend(session, membership_id, Decimal(1_200_000), datetime.now(UTC))
        await session.commit()
        changes = await session.scalar(
            select(func.count()).where(TierChange.membership_id == membership_id)
        )
    assert changes == 2  # the initial MEMBER, then SILVER
    seen = await ok(writer, progress, headers=member.headers)
    m = seen["me"]["membership"]
    assert m["tier"]["code"] == "SILVER"
    assert Decimal(m["progress"]["spendLast12Months"]["amount"]) == 1_200_000
    assert m["progress"]["nextTier"]["code"] == "GOLD"
    assert Decimal(m["progress"]["remainingSpend"]["amount"]) == 18_800_000

    # A new tier is a row, too.
    await execute(
        engine,
        "INSERT INTO tiers (code, name, min_spend, discount_percent, earn_multiplier) "
        "VALUES ('DIAMOND', 'Kim cương', 50000000, 8, 2)",
    )
    data = await ok(writer, TIERS)
    assert [t["code"] for t in data["membershipTiers"]] == ["MEMBER", "SILVER", "GOLD", "DIAMOND"]
    async with AsyncSession(engine) as session:
        await spend.record_spend(session, membership_id, Decimal(60_000_000), datetime.now(UTC))
        await session.commit()
        tier = await session.scalar(
            text(
                "SELECT t.code FROM memberships m JOIN tiers t ON t.id = m.tier_id WHERE m.id = :m"
            ),
            {"m": membership_id},
        )
    assert tier == "DIAMOND"


# --------------------------------------------------------------------------- omni staff create


async def omni(
    *args: str, database_url: str, stdin: str = "", limit_s: float = 60
) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNI_")}
    env.update(DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.cli",
        *args,
        cwd=REPO_ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), limit_s)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_staff_create_command_refusals(writer, engine, fresh_db):
    stores = await store_ids(engine)
    taken = await make_staff(engine, writer, StaffRole.ADMIN)
    line = PASSWORD + "\n"
    no_store, bad_store, weak, bad_role, duplicate = await asyncio.gather(
        omni(
            "staff", "create", "--email", "nostore@song.vn", "--role", "STORE_MANAGER",
            database_url=fresh_db, stdin=line,
        ),
        omni(
            "staff", "create", "--email", "bad@song.vn", "--role", "STORE_STAFF",
            "--store", sorted(stores)[0], "--store", "XX-NOPE", database_url=fresh_db, stdin=line,
        ),
        omni(
            "staff", "create", "--email", "weak@song.vn", "--role", "ADMIN",
            database_url=fresh_db, stdin="short\n",
        ),
        omni(
            "staff", "create", "--email", "owner@song.vn", "--role", "OWNER",
            database_url=fresh_db, stdin=line,
        ),
        omni("staff", "create", "--email", taken.email or "", database_url=fresh_db, stdin=line),
    )  # fmt: skip
    code, out, err = no_store
    assert code != 0
    assert "at least one store" in out + err
    code, out, err = bad_store
    assert code != 0
    assert "XX-NOPE" in out + err
    code, out, err = weak
    assert code != 0
    assert "password" in (out + err).lower()
    code, out, err = bad_role
    assert code != 0
    assert "ADMIN, STORE_MANAGER or STORE_STAFF" in out + err
    code, out, err = duplicate
    assert code != 0
    assert "email" in out + err
    async with engine.connect() as conn:
        emails = list((await conn.execute(text("SELECT email FROM staff_users"))).scalars())
    assert emails == [taken.email]


async def test_staff_create_command_creates_the_first_admin(writer, engine, fresh_db):
    stores = await store_ids(engine)
    code_a = sorted(stores)[0]
    email = "chu.cua.hang@song.vn"
    code, out, err = await omni(
        "staff", "create", "--email", email, "--role", "ADMIN",
        database_url=fresh_db, stdin=PASSWORD + "\n",
    )  # fmt: skip
    # Whatever the exit code, the admin can sign in and register a kiosk.
    login = await ok(
        writer,
        "mutation($e: String!, $p: String!) { staffLogin(input: {email: $e, password: $p}) "
        "{ token { accessToken } staff { role stores { code } } userErrors { code } } }",
        {"e": email, "p": PASSWORD},
    )
    assert login["staffLogin"]["userErrors"] == []
    assert login["staffLogin"]["staff"] == {"role": "ADMIN", "stores": []}
    token = login["staffLogin"]["token"]["accessToken"]
    me = await ok(writer, "{ staffMe { email role } }", headers=bearer(token))
    assert me["staffMe"] == {"email": email, "role": "ADMIN"}
    _, key = await register_device(writer, Person(0, token), stores[code_a], "KIOSK")
    assert key.startswith("omd_")

    assert code == 0, out + err
    assert f"Created ADMIN {email}" in out
    assert PASSWORD not in out + err

    code, out, err = await omni(
        "staff", "create", "--email", "ql@song.vn", "--role", "store_manager",
        "--store", code_a, database_url=fresh_db, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0, out + err
    assert "Created STORE_MANAGER ql@song.vn" in out
    manager = await ok(
        writer,
        "mutation($e: String!, $p: String!) { staffLogin(input: {email: $e, password: $p}) "
        "{ staff { role stores { code } } userErrors { code } } }",
        {"e": "ql@song.vn", "p": PASSWORD},
    )
    assert manager["staffLogin"]["staff"] == {"role": "STORE_MANAGER", "stores": [{"code": code_a}]}


async def test_memberships_match_customers(writer, engine):
    """Every customer, however created, has exactly one membership with a valid card."""
    from domain.membership.cards import is_valid_card_number

    _, key, _ = await admin_and_device(engine, writer)
    await enrolled_member(writer, device_headers(key))
    await register(writer)
    async with AsyncSession(engine) as session:
        customers = await session.scalar(select(func.count()).select_from(Customer))
        cards = list(await session.scalars(select(Membership.card_number)))
    assert customers == len(cards) == 2
    assert all(is_valid_card_number(c) for c in cards)
