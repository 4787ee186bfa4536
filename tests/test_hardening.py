"""Regressions for problems a review of the identity and catalog code found."""

from __future__ import annotations

import asyncio
import os
import stat
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.cli import _local_secret
from api.core.db import RequestDb
from domain.actors import StaffRole
from domain.auth.tokens import issue_access_token
from tests.conftest import gql
from tests.people import PASSWORD, bearer, gid, make_staff, register, register_device, store_ids

SECRET = "test-secret-" + "x" * 32
IDENTIFY = """mutation($input: CustomerIdentifyInput!) { customerIdentify(input: $input) {
  session { token limited } userErrors { code } } }"""
ENROL = """mutation($p: String!) { membershipEnrol(input: {phone: $p, firstName: "Hoa"}) {
  customer { id enrolledStore { name } membership { cardNumber } } userErrors { code } } }"""


async def kiosk(engine, writer) -> str:
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    _, key = await register_device(writer, admin, next(iter((await store_ids(engine)).values())))
    return key


async def test_device_session_cannot_change_contact_details(engine, writer):
    """A card is not proof of identity: a kiosk session must not redirect the account."""
    key = await kiosk(engine, writer)
    enrolled = await gql(writer, ENROL, {"p": "0933000111"}, {"x-omni-device-key": key})
    card = enrolled.data["membershipEnrol"]["customer"]["membership"]["cardNumber"]
    started = await gql(
        writer, IDENTIFY, {"input": {"cardNumber": card}}, {"x-omni-device-key": key}
    )
    session = started.data["customerIdentify"]["session"]
    assert session["limited"] is False
    headers = bearer(session["token"], **{"x-omni-device-key": key})
    result = await gql(
        writer,
        'mutation { customerUpdate(input: {phone: "0988777666"}) { userErrors { code } } }',
        headers=headers,
    )
    assert result.data["customerUpdate"]["userErrors"] == [{"code": "FORBIDDEN"}]
    async with engine.connect() as conn:
        phone = await conn.scalar(text("SELECT phone FROM customers WHERE phone = '+84933000111'"))
    assert phone == "+84933000111"


async def test_concurrent_wrong_passwords_are_throttled(writer):
    person = await register(writer)
    login = """mutation($i: String!) { customerLogin(input: {identifier: $i, password: "sai123456"})
      { userErrors { code } } }"""
    results = await asyncio.gather(*(gql(writer, login, {"i": person.email}) for _ in range(12)))
    codes = [r.data["customerLogin"]["userErrors"][0]["code"] for r in results]
    assert codes.count("INVALID_CREDENTIALS") == 5
    assert codes.count("LOGIN_THROTTLED") == 7


async def test_failed_statement_does_not_poison_the_request_session(engine):
    from sqlalchemy.ext.asyncio import async_sessionmaker

    db = RequestDb(async_sessionmaker(engine, expire_on_commit=False))
    try:
        with pytest.raises(DBAPIError):
            await db.run(lambda s: s.execute(text("SELECT 1/0")))
        assert (await db.run(lambda s: s.scalar(text("SELECT 41 + 1")))) == 42
    finally:
        await db.close()


async def test_a_failed_mutation_does_not_break_the_next_one(engine, writer):
    key = await kiosk(engine, writer)
    document = """mutation {
      a: membershipEnrol(input: {phone: "0933000222", firstName: "A"}) {
        customer { enrolledStore { name } } userErrors { code } }
      b: membershipEnrol(input: {phone: "0933000222", firstName: "B"}) { userErrors { code } }
      c: membershipEnrol(input: {phone: "0933000333", firstName: "C"}) {
        customer { enrolledStore { name } } userErrors { code } }
    }"""
    result = await gql(writer, document, headers={"x-omni-device-key": key})
    assert not result.errors, result.errors
    assert result.data["b"]["userErrors"] == [{"code": "PHONE_TAKEN"}]
    assert result.data["a"]["customer"]["enrolledStore"]["name"]
    assert result.data["c"]["customer"]["enrolledStore"]["name"]


async def test_nul_characters_are_refused_readably(client):
    for body in (
        {"query": '{ product(slug: "a\\u0000b") { id } }'},
        {"query": "query($s: String!) { product(slug: $s) { id } }", "variables": {"s": "a\x00"}},
        {
            "query": "mutation($i: String!) { customerLogin(input: {identifier: $i, "
            'password: "x"}) { userErrors { code } } }',
            "variables": {"i": "a\x00@b.vn"},
        },
    ):
        response = await client.post("/graphql", json=body)
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_huge_amounts_are_client_errors(client):
    result = await gql(
        client, '{ products(filter: {priceMin: "1E+1000000"}) { edges { cursor } } }'
    )
    assert result.errors and "INTERNAL_SERVER_ERROR" not in result.error_codes()


async def test_token_signed_with_the_secret_but_never_issued_is_refused(engine, writer):
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    forged, _ = issue_access_token(
        SECRET, kind="staff", subject_id=admin.id, family_id=uuid.uuid4()
    )
    response = await writer.post(
        "/graphql", json={"query": "{ staffMe { id } }"}, headers=bearer(forged)
    )
    assert response.status_code == 401


async def test_variant_of_unpublished_product_is_hidden_from_node(client, catalog_engine):
    async with catalog_engine.connect() as conn:
        variant_id = await conn.scalar(
            text(
                "SELECT v.id FROM product_variants v JOIN products p ON p.id = v.product_id "
                "WHERE NOT p.published LIMIT 1"
            )
        )
    result = await gql(client, f'{{ node(id: "{gid("ProductVariant", variant_id)}") {{ id }} }}')
    assert result.error_codes() == ["NOT_FOUND"]


async def test_points_balance_cannot_overflow(engine, writer):
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    person = await register(writer)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO points_entries (membership_id, kind, amount, channel, actor_kind) "
                "SELECT id, 'ADJUST', 1999999999, 'WEB', 'SYSTEM' FROM memberships "
                "WHERE customer_id = :c"
            ),
            {"c": person.id},
        )
        await conn.execute(
            text("UPDATE memberships SET points_balance = 1999999999 WHERE customer_id = :c"),
            {"c": person.id},
        )
    result = await gql(
        writer,
        """mutation($c: ID!) { pointsAdjust(input: {customerId: $c, amount: 5, reason: "x"}) {
            userErrors { code } } }""",
        {"c": gid("Customer", person.id)},
        headers=admin.headers,
    )
    assert result.data["pointsAdjust"]["userErrors"] == [{"code": "INVALID_AMOUNT"}]


async def test_limited_session_hides_account_dates_and_channel(engine, writer):
    key = await kiosk(engine, writer)
    await gql(writer, ENROL, {"p": "0933000444"}, {"x-omni-device-key": key})
    started = await gql(
        writer, IDENTIFY, {"input": {"phone": "0933000444"}}, {"x-omni-device-key": key}
    )
    session = started.data["customerIdentify"]["session"]
    assert session["limited"] is True
    headers = bearer(session["token"], **{"x-omni-device-key": key})
    for field in ("createdAt", "enrolledChannel"):
        result = await gql(writer, f"{{ me {{ firstName {field} }} }}", headers=headers)
        assert result.error_codes() == ["FORBIDDEN"], field


def test_development_secret_is_random_private_and_stable(tmp_path):
    first = _local_secret(tmp_path)
    assert len(first) >= 48 and first == _local_secret(tmp_path)
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600
    assert PASSWORD not in first


async def test_customer_logout_does_not_revoke_staff_sign_ins(engine, writer):
    staff = await make_staff(engine, writer, StaffRole.ADMIN)
    result = await gql(
        writer,
        "mutation($t: String) { customerLogout(refreshToken: $t) { loggedOut } }",
        {"t": staff.refresh},
    )
    assert result.data["customerLogout"]["loggedOut"] is True  # idempotent, reveals nothing
    response = await writer.post(
        "/graphql", json={"query": "{ staffMe { id } }"}, headers=staff.headers
    )
    assert response.status_code == 200
    assert response.json()["data"]["staffMe"]["id"] == gid("StaffUser", staff.id)
