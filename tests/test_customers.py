"""Customer accounts through the API: registration, sign-in and its throttling, rotating
refresh tokens, sign-out, `me`, profile changes and the address book.

Everything runs on a private copy of the demo database (`writer`/`engine`); side effects
(rows created or not, tokens revoked, failed sign-ins counted) are checked by SQL.
"""

from __future__ import annotations

import asyncio
import base64
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.actors import StaffRole
from domain.auth.passwords import POLICY
from domain.auth.tokens import decode_access_token, issue_access_token
from domain.membership.cards import is_valid_card_number
from tests.conftest import gql, ok
from tests.people import PASSWORD, Person, bearer, gid, make_staff, register, unique_phone

SECRET = "test-secret-" + "x" * 32  # the `writer` fixture's secret_key
NUMBER = "+84901234567"
SPELLINGS = ["0901 234 567", "+84 901 234 567", "84901234567", "090-123-4567"]

REGISTER = """mutation($input: CustomerRegisterInput!) {
  customerRegister(input: $input) {
    customer {
      id firstName lastName email phone hasPassword enrolledChannel
      membership { cardNumber pointsBalance tier { code } }
    }
    token { accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt }
    userErrors { field message code }
  }
}"""

LOGIN = """mutation($identifier: String!, $password: String!) {
  customerLogin(input: {identifier: $identifier, password: $password}) {
    token { accessToken refreshToken }
    userErrors { field message code }
  }
}"""

REFRESH = """mutation($token: String!) {
  customerTokenRefresh(refreshToken: $token) {
    token { accessToken refreshToken }
    userErrors { field message code }
  }
}"""

STAFF_REFRESH = """mutation($token: String!) {
  staffTokenRefresh(refreshToken: $token) {
    token { accessToken refreshToken }
    userErrors { field message code }
  }
}"""

LOGOUT = """mutation($token: String) {
  customerLogout(refreshToken: $token) { loggedOut userErrors { field message code } }
}"""

ME = """{
  me {
    id firstName lastName email phone hasPassword
    addresses { id isDefault }
    membership {
      cardNumber pointsBalance tier { code }
      progress {
        spendLast12Months { amount currencyCode }
        nextTier { code }
        remainingSpend { amount }
      }
      pointsHistory(first: 10) {
        edges { cursor node { id } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
}"""

UPDATE = """mutation($input: CustomerUpdateInput!) {
  customerUpdate(input: $input) {
    customer { id firstName lastName email phone }
    userErrors { field message code }
  }
}"""

ADDRESS = "id recipient phone street ward district province isDefault"

ADDRESS_ADD = f"""mutation($input: AddressInput!) {{
  customerAddressAdd(input: $input) {{
    address {{ {ADDRESS} }}
    customer {{ addresses {{ id isDefault }} }}
    userErrors {{ field message code }}
  }}
}}"""

ADDRESS_UPDATE = f"""mutation($id: ID!, $input: AddressInput!) {{
  customerAddressUpdate(id: $id, input: $input) {{
    address {{ {ADDRESS} }}
    customer {{ addresses {{ id isDefault }} }}
    userErrors {{ field message code }}
  }}
}}"""

ADDRESS_REMOVE = """mutation($id: ID!) {
  customerAddressRemove(id: $id) {
    address { id }
    customer { addresses { id isDefault } }
    userErrors { field message code }
  }
}"""

HOME = {
    "recipient": "Nguyễn Thị Lan",
    "phone": "0912 345 678",
    "street": "12 Hàng Bạc",
    "ward": "Phường Hàng Bạc",
    "district": "Quận Hoàn Kiếm",
    "province": "Hà Nội",
}
OFFICE = {
    "recipient": "Trần Văn Minh",
    "phone": "+84 987 654 321",
    "street": "45 Lê Lợi",
    "ward": "Phường Bến Nghé",
    "district": "Quận 1",
    "province": "TP. Hồ Chí Minh",
}


# --- helpers ---------------------------------------------------------------------------


def pk_of(global_id: str) -> int:
    return int(base64.urlsafe_b64decode(global_id + "==").decode().split(":")[1])


async def register_payload(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """customerRegister with `fields` over a default name and password; the payload."""
    variables = {"input": {"firstName": "Lan", "lastName": "Trần", "password": PASSWORD, **fields}}
    return (await ok(client, REGISTER, variables))["customerRegister"]


def only_error(payload: dict[str, Any]) -> dict[str, Any]:
    assert len(payload["userErrors"]) == 1, payload
    return payload["userErrors"][0]


def assert_refused(payload: dict[str, Any], code: str, field: str | None) -> None:
    """A failed registration: one error with `code` on `field`, no customer, no tokens."""
    error = only_error(payload)
    assert error["code"] == code, payload
    assert error["field"] == (["input", field] if field else None), payload
    assert error["message"]
    assert payload["customer"] is None
    assert payload["token"] is None


async def row_counts(engine: AsyncEngine) -> dict[str, int]:
    tables = ("customers", "memberships", "tier_changes", "refresh_tokens", "customer_addresses")
    async with engine.connect() as conn:
        return {t: (await conn.scalar(text(f"SELECT count(*) FROM {t}"))) or 0 for t in tables}


async def sql_one(engine: AsyncEngine, query: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(query), params)).one()


async def sql_all(engine: AsyncEngine, query: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(query), params)).all())


async def login(client: httpx.AsyncClient, identifier: str, password: str) -> dict[str, Any]:
    variables = {"identifier": identifier, "password": password}
    return (await ok(client, LOGIN, variables))["customerLogin"]


async def refresh(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    return (await ok(client, REFRESH, {"token": token}))["customerTokenRefresh"]


async def me_raw(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await client.post("/graphql", json={"query": "{ me { id } }"}, headers=headers)


async def me_id(client: httpx.AsyncClient, access_token: str) -> int:
    data = await ok(client, "{ me { id } }", headers=bearer(access_token))
    return pk_of(data["me"]["id"])


async def assert_401(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await me_raw(client, headers)
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
    assert body["errors"][0]["message"]


async def attempts_by_key(engine: AsyncEngine) -> dict[str, int]:
    rows = await sql_all(engine, "SELECT key, count(*) FROM throttle_events GROUP BY key")
    return {key: n for key, n in rows}


def family_of(access_token: str) -> Any:
    family = decode_access_token(SECRET, access_token).family_id
    assert family is not None
    return family


async def family_rows(engine: AsyncEngine, access_token: str) -> tuple[int, int]:
    """(refresh tokens, revoked refresh tokens) of the sign-in an access token belongs to."""
    total, revoked = await sql_one(
        engine,
        "SELECT count(*), count(revoked_at) FROM refresh_tokens WHERE family_id = :f",
        f=family_of(access_token),
    )
    return total, revoked


# --- registration ----------------------------------------------------------------------


async def test_register_with_email_and_phone(writer: httpx.AsyncClient, engine: AsyncEngine):
    before = await row_counts(engine)
    started = datetime.now(UTC)
    payload = await register_payload(
        writer, email=" Lan.Tran@Example.VN ", phone="0901 234 567", firstName=" Lan "
    )
    assert payload["userErrors"] == []
    customer = payload["customer"]
    assert customer["firstName"] == "Lan"
    assert customer["lastName"] == "Trần"
    assert customer["email"] == "Lan.Tran@example.vn"  # trimmed, domain lower-cased
    assert customer["phone"] == NUMBER
    assert customer["hasPassword"] is True
    assert customer["enrolledChannel"] == "WEB"

    membership = customer["membership"]
    assert len(membership["cardNumber"]) == 12 and membership["cardNumber"].isdigit()
    assert is_valid_card_number(membership["cardNumber"])
    assert membership["tier"]["code"] == "MEMBER"
    assert membership["pointsBalance"] == 0

    # The customer is signed in: a short-lived access token and a long-lived refresh token.
    token = payload["token"]
    access_expires = datetime.fromisoformat(token["accessTokenExpiresAt"])
    refresh_expires = datetime.fromisoformat(token["refreshTokenExpiresAt"])
    assert timedelta(minutes=5) < access_expires - started <= timedelta(minutes=16)
    assert timedelta(days=7) < refresh_expires - started <= timedelta(days=31)
    assert await me_id(writer, token["accessToken"]) == pk_of(customer["id"])

    after = await row_counts(engine)
    assert after["customers"] == before["customers"] + 1
    assert after["memberships"] == before["memberships"] + 1
    assert after["refresh_tokens"] == before["refresh_tokens"] + 1

    row = await sql_one(
        engine,
        "SELECT c.password_hash, c.email, c.phone, m.card_number FROM customers c "
        "JOIN memberships m ON m.customer_id = c.id WHERE c.id = :id",
        id=pk_of(customer["id"]),
    )
    assert row.password_hash.startswith("$argon2")
    assert PASSWORD not in row.password_hash
    assert (row.email, row.phone, row.card_number) == (
        "Lan.Tran@example.vn",
        NUMBER,
        membership["cardNumber"],
    )
    # Refresh tokens are stored only as a digest.
    stored = await sql_all(engine, "SELECT token_hash FROM refresh_tokens")
    assert token["refreshToken"] not in {h for (h,) in stored}


async def test_register_with_email_only_or_phone_only(
    writer: httpx.AsyncClient, engine: AsyncEngine
):
    before = await row_counts(engine)
    by_email = await register_payload(writer, email="chi.email@example.vn")
    by_phone = await register_payload(writer, phone="+84 912 345 678", email="")
    for payload in (by_email, by_phone):
        assert payload["userErrors"] == []
        assert is_valid_card_number(payload["customer"]["membership"]["cardNumber"])
        assert await me_id(writer, payload["token"]["accessToken"]) == pk_of(
            payload["customer"]["id"]
        )
    assert (by_email["customer"]["email"], by_email["customer"]["phone"]) == (
        "chi.email@example.vn",
        None,
    )
    assert (by_phone["customer"]["email"], by_phone["customer"]["phone"]) == (None, "+84912345678")
    assert (
        by_email["customer"]["membership"]["cardNumber"]
        != (by_phone["customer"]["membership"]["cardNumber"])
    )
    after = await row_counts(engine)
    assert after["customers"] == before["customers"] + 2
    assert after["memberships"] == before["memberships"] + 2


async def test_register_without_email_or_phone_is_refused(
    writer: httpx.AsyncClient, engine: AsyncEngine
):
    before = await row_counts(engine)
    for contact in ({}, {"email": None, "phone": None}, {"email": "", "phone": "  "}):
        payload = await register_payload(writer, **contact)
        assert_refused(payload, "EMAIL_OR_PHONE_REQUIRED", "email")
    assert await row_counts(engine) == before


async def test_phone_spellings_are_one_number(writer: httpx.AsyncClient, engine: AsyncEngine):
    first = await register_payload(writer, phone=SPELLINGS[0], email="mot@example.vn")
    assert first["customer"]["phone"] == NUMBER
    before = await row_counts(engine)

    # Any other spelling of the same number is the same phone: taken.
    for i, spelling in enumerate(SPELLINGS[1:]):
        payload = await register_payload(writer, phone=spelling, email=f"khac{i}@example.vn")
        assert_refused(payload, "PHONE_TAKEN", "phone")
    assert await row_counts(engine) == before

    # Every spelling is stored as the one E.164 form (setting it again changes nothing).
    headers = bearer(first["token"]["accessToken"])
    for spelling in SPELLINGS:
        data = await ok(writer, UPDATE, {"input": {"phone": spelling}}, headers)
        assert data["customerUpdate"]["userErrors"] == []
        assert data["customerUpdate"]["customer"]["phone"] == NUMBER
    (phone,) = await sql_one(
        engine, "SELECT phone FROM customers WHERE id = :id", id=pk_of(first["customer"]["id"])
    )
    assert phone == NUMBER


async def test_register_malformed_phone_or_email(writer: httpx.AsyncClient, engine: AsyncEngine):
    before = await row_counts(engine)
    for phone in ("12345", "0901", "0901 234 5678", "090123456789", "phone", "+84 12"):
        payload = await register_payload(writer, phone=phone, email="ok@example.vn")
        assert_refused(payload, "INVALID_PHONE", "phone")
    for email in ("not-an-email", "a@b", "a b@example.vn", "@example.vn", "lan@@example.vn"):
        payload = await register_payload(writer, email=email, phone=unique_phone())
        assert_refused(payload, "INVALID_EMAIL", "email")
    assert await row_counts(engine) == before


async def test_register_weak_password(writer: httpx.AsyncClient, engine: AsyncEngine):
    before = await row_counts(engine)
    for password in ("abc1234", "abcdefghijk", "12345678901", "a1" * 65):
        payload = await register_payload(
            writer, password=password, email="yeu@example.vn", phone=unique_phone()
        )
        assert_refused(payload, "WEAK_PASSWORD", "password")
        assert POLICY in only_error(payload)["message"]
    assert "8 to 128 characters" in POLICY
    assert await row_counts(engine) == before
    # Exactly eight characters with a letter and a digit is enough.
    payload = await register_payload(writer, password="abcdefg1", email="du@example.vn")
    assert payload["userErrors"] == []


async def test_register_requires_first_name(writer: httpx.AsyncClient, engine: AsyncEngine):
    before = await row_counts(engine)
    payload = await register_payload(writer, firstName="   ", email="ten@example.vn")
    assert_refused(payload, "INVALID_INPUT", "firstName")
    payload = await register_payload(writer, firstName="L" * 101, email="ten@example.vn")
    assert_refused(payload, "INVALID_INPUT", "firstName")
    payload = await register_payload(writer, email="a" * 250 + "@example.vn")
    assert_refused(payload, "INVALID_EMAIL", "email")
    assert await row_counts(engine) == before


async def test_register_duplicate_email_or_phone(writer: httpx.AsyncClient, engine: AsyncEngine):
    taken = await register_payload(writer, email="A@x.vn", phone="0987 654 321")
    assert taken["userErrors"] == []
    before = await row_counts(engine)
    for email in ("A@x.vn", "a@x.vn", "a@X.VN", " A@x.vn "):
        payload = await register_payload(writer, email=email, phone=unique_phone())
        assert_refused(payload, "EMAIL_TAKEN", "email")
    payload = await register_payload(writer, email="b@x.vn", phone="+84987654321")
    assert_refused(payload, "PHONE_TAKEN", "phone")
    assert await row_counts(engine) == before


async def race_registrations(
    writer: httpx.AsyncClient, engine: AsyncEngine, inputs: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Registers `inputs` concurrently, all past their duplicate checks before any insert.

    A SHARE lock on `customers` lets the registrations read (and find no duplicate) but
    holds their INSERTs until every one is waiting; then the lock is released.
    """
    async with engine.connect() as lock:
        await lock.execute(text("LOCK TABLE customers IN SHARE MODE"))
        tasks = [asyncio.create_task(register_payload(writer, **fields)) for fields in inputs]
        deadline = time.monotonic() + 15
        while True:
            (waiting,) = await sql_one(
                engine,
                "SELECT count(*) FROM pg_locks "
                "WHERE relation = 'customers'::regclass AND NOT granted",
            )
            if waiting == len(inputs):
                break
            assert time.monotonic() < deadline, "the registrations never reached their INSERT"
            assert not any(t.done() for t in tasks), [t.result() for t in tasks if t.done()]
            await asyncio.sleep(0.02)
        await lock.rollback()
    return list(await asyncio.gather(*tasks))


async def test_concurrent_registrations_of_one_phone_create_one_customer(
    writer: httpx.AsyncClient, engine: AsyncEngine
):
    before = await row_counts(engine)
    payloads = await race_registrations(
        writer,
        engine,
        [
            {"phone": "0901 234 567", "email": "mot@example.vn"},
            {"phone": "+84 901 234 567", "email": "hai@example.vn"},
        ],
    )
    won = [p for p in payloads if not p["userErrors"]]
    lost = [p for p in payloads if p["userErrors"]]
    assert len(won) == 1 and len(lost) == 1, payloads
    assert won[0]["customer"]["phone"] == NUMBER
    assert only_error(lost[0])["code"] in {"PHONE_TAKEN", "EMAIL_TAKEN"}
    assert lost[0]["customer"] is None and lost[0]["token"] is None
    after = await row_counts(engine)
    assert after["customers"] == before["customers"] + 1
    assert after["memberships"] == before["memberships"] + 1
    assert after["tier_changes"] == before["tier_changes"] + 1
    assert after["refresh_tokens"] == before["refresh_tokens"] + 1


async def test_concurrent_registrations_of_one_phone_report_phone_taken(
    writer: httpx.AsyncClient, engine: AsyncEngine
):
    payloads = await race_registrations(
        writer,
        engine,
        [
            {"phone": "0901 234 567", "email": "mot@example.vn"},
            {"phone": "090-123-4567", "email": "hai@example.vn"},
        ],
    )
    (lost,) = [p for p in payloads if p["userErrors"]]
    error = only_error(lost)
    assert (error["code"], error["field"]) == ("PHONE_TAKEN", ["input", "phone"])


# --- sign-in ---------------------------------------------------------------------------


async def test_login_by_email_or_phone_in_any_spelling(writer: httpx.AsyncClient):
    lan = await register(writer, email="Lan.Tran@Example.vn", phone="0912 345 678")
    identifiers = [
        "Lan.Tran@example.vn",
        "lan.tran@EXAMPLE.VN",
        " Lan.Tran@example.vn ",
        "0912345678",
        "+84 912 345 678",
        "84912345678",
        "091-234-5678",
    ]
    for identifier in identifiers:
        payload = await login(writer, identifier, PASSWORD)
        assert payload["userErrors"] == [], identifier
        assert await me_id(writer, payload["token"]["accessToken"]) == lan.id


async def test_wrong_password_and_unknown_account_look_the_same(
    writer: httpx.AsyncClient, engine: AsyncEngine
):
    lan = await register(writer)
    assert lan.email and lan.phone
    attempts = [
        (lan.email, "sai-matkhau-1"),
        (lan.phone, PASSWORD + "x"),
        (lan.email, ""),
        ("khong-co-ai@example.vn", PASSWORD),
        ("0999 999 999", PASSWORD),
        ("not a phone", PASSWORD),
    ]
    errors = []
    for identifier, password in attempts:
        payload = await login(writer, identifier, password)
        assert payload["token"] is None
        errors.append(only_error(payload))
    assert {e["code"] for e in errors} == {"INVALID_CREDENTIALS"}
    assert len({(e["message"], str(e["field"])) for e in errors}) == 1, errors
    (refresh_tokens,) = await sql_one(engine, "SELECT count(*) FROM refresh_tokens")
    assert refresh_tokens == 1  # only the registration's


async def test_five_failures_throttle_the_account(writer: httpx.AsyncClient, engine: AsyncEngine):
    lan = await register(writer)
    other = await register(writer)
    assert lan.email and lan.phone
    for i in range(5):
        identifier = lan.email if i % 2 else lan.phone
        assert only_error(await login(writer, identifier, "sai-matkhau-1"))["code"] == (
            "INVALID_CREDENTIALS"
        )
    assert (await attempts_by_key(engine))[f"customer:{lan.id}"] == 5

    # Even the right password is refused now, by email and by phone.
    for identifier in (lan.email, lan.phone):
        payload = await login(writer, identifier, PASSWORD)
        assert payload["token"] is None
        error = only_error(payload)
        assert error["code"] == "LOGIN_THROTTLED"
        assert "15 minutes" in error["message"]
    # Another account from the same address is not affected.
    assert (await login(writer, other.email or "", PASSWORD))["userErrors"] == []


async def test_twenty_failures_throttle_the_client_address(
    writer: httpx.AsyncClient, engine: AsyncEngine
):
    people = [await register(writer) for _ in range(4)]
    # 19 failures from one address: 4 on each of three accounts, 7 on unknown accounts.
    for person in people[:3]:
        for _ in range(4):
            payload = await login(writer, person.email or "", "sai-matkhau-1")
            assert only_error(payload)["code"] == "INVALID_CREDENTIALS"
    for i in range(7):
        payload = await login(writer, f"ai-do-{i}@example.vn", "sai-matkhau-1")
        assert only_error(payload)["code"] == "INVALID_CREDENTIALS"
    assert (await login(writer, people[3].email or "", PASSWORD))["userErrors"] == []

    # The 20th failure throttles the address, for every account.
    payload = await login(writer, "ai-do-nua@example.vn", "sai-matkhau-1")
    assert only_error(payload)["code"] == "INVALID_CREDENTIALS"
    attempts = await attempts_by_key(engine)
    address_keys = [k for k in attempts if k.startswith("ip:")]
    assert len(address_keys) == 1, attempts
    assert attempts[address_keys[0]] == 20
    for person in people[:3]:
        assert attempts[f"customer:{person.id}"] == 4  # no account is throttled by itself
    assert f"customer:{people[3].id}" not in attempts
    for person in people:
        payload = await login(writer, person.email or "", PASSWORD)
        assert payload["token"] is None
        assert only_error(payload)["code"] == "LOGIN_THROTTLED"


async def test_success_clears_the_account_failures(writer: httpx.AsyncClient, engine: AsyncEngine):
    lan = await register(writer)
    assert lan.phone
    for _ in range(2):
        for _ in range(4):
            payload = await login(writer, lan.phone, "sai-matkhau-1")
            assert only_error(payload)["code"] == "INVALID_CREDENTIALS"
        assert (await attempts_by_key(engine))[f"customer:{lan.id}"] == 4
        payload = await login(writer, lan.phone, PASSWORD)
        assert payload["userErrors"] == [], payload
        assert f"customer:{lan.id}" not in await attempts_by_key(engine)


async def test_throttling_does_not_reveal_which_accounts_exist(writer: httpx.AsyncClient):
    lan = await register(writer)
    answers = []
    for identifier in (lan.email or "", "khong-co-ai@example.vn"):
        for _ in range(5):
            await login(writer, identifier, "sai-matkhau-1")
        answers.append(only_error(await login(writer, identifier, "sai-matkhau-1")))
    assert answers[0] == answers[1]


# --- access tokens ---------------------------------------------------------------------


async def test_access_token_authenticates_and_bad_tokens_get_401(writer: httpx.AsyncClient):
    lan = await register(writer)
    assert await me_id(writer, lan.token) == lan.id
    family = family_of(lan.token)
    expired, _ = issue_access_token(
        SECRET, kind="customer", subject_id=lan.id, family_id=family, ttl=timedelta(minutes=-1)
    )
    foreign, _ = issue_access_token(
        "another-secret-" + "y" * 32, kind="customer", subject_id=lan.id, family_id=family
    )
    no_family, _ = issue_access_token(SECRET, kind="customer", subject_id=lan.id)
    for headers in (
        bearer("garbage"),
        bearer(lan.token[:-4] + "AAAA"),
        bearer(expired),
        bearer(foreign),
        bearer(no_family),
        {"authorization": "Basic x"},
        {"authorization": f"Token {lan.token}"},
        {"authorization": "Bearer"},
    ):
        await assert_401(writer, headers)
    # The scheme is case-insensitive.
    response = await me_raw(writer, {"authorization": f"bearer {lan.token}"})
    assert response.status_code == 200 and response.json()["data"]["me"]


async def test_refresh_rotates_and_reuse_revokes_the_family(
    writer: httpx.AsyncClient, engine: AsyncEngine
):
    lan = await register(writer)
    other = await login(writer, lan.email or "", PASSWORD)  # a second, separate sign-in
    assert lan.refresh

    second = await refresh(writer, lan.refresh)
    assert second["userErrors"] == []
    pair2 = second["token"]
    assert pair2["refreshToken"] != lan.refresh
    assert await me_id(writer, pair2["accessToken"]) == lan.id
    third = await refresh(writer, pair2["refreshToken"])
    assert third["userErrors"] == []
    pair3 = third["token"]
    assert await me_id(writer, pair3["accessToken"]) == lan.id
    assert await family_rows(engine, lan.token) == (3, 0)

    # The first refresh token again: refused, and every token of this sign-in is revoked.
    reused = await refresh(writer, lan.refresh)
    assert reused["token"] is None
    assert only_error(reused)["code"] == "INVALID_REFRESH_TOKEN"
    assert await family_rows(engine, lan.token) == (3, 3)
    latest = await refresh(writer, pair3["refreshToken"])
    assert only_error(latest)["code"] == "INVALID_REFRESH_TOKEN"
    for access in (lan.token, pair2["accessToken"], pair3["accessToken"]):
        await assert_401(writer, bearer(access))

    # The other sign-in of the same customer goes on working.
    assert await me_id(writer, other["token"]["accessToken"]) == lan.id
    assert (await refresh(writer, other["token"]["refreshToken"]))["userErrors"] == []


async def test_unknown_expired_and_staff_refresh_tokens_are_refused(
    writer: httpx.AsyncClient, engine: AsyncEngine
):
    lan = await register(writer)
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    assert lan.refresh and admin.refresh
    for token in ("omr_unknown", "", "x" * 500, admin.refresh):
        payload = await refresh(writer, token)
        assert payload["token"] is None
        assert only_error(payload)["code"] == "INVALID_REFRESH_TOKEN"
    # The refused staff token was not spent: it still works where it belongs.
    staff = (await ok(writer, STAFF_REFRESH, {"token": admin.refresh}))["staffTokenRefresh"]
    assert staff["userErrors"] == [] and staff["token"]["accessToken"]

    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE refresh_tokens SET expires_at = now() - interval '1 minute'")
        )
    payload = await refresh(writer, lan.refresh)
    assert only_error(payload)["code"] == "INVALID_REFRESH_TOKEN"


# --- sign-out --------------------------------------------------------------------------


async def test_logout_with_the_refresh_token(writer: httpx.AsyncClient, engine: AsyncEngine):
    lan = await register(writer)
    data = await ok(writer, LOGOUT, {"token": lan.refresh})  # no Authorization header
    assert data["customerLogout"] == {"loggedOut": True, "userErrors": []}
    total, revoked = await family_rows(engine, lan.token)
    assert total == revoked == 1
    assert only_error(await refresh(writer, lan.refresh or ""))["code"] == "INVALID_REFRESH_TOKEN"
    await assert_401(writer, lan.headers)


async def test_logout_with_the_bearer_token_only(writer: httpx.AsyncClient, engine: AsyncEngine):
    lan = await register(writer)
    other = await login(writer, lan.phone or "", PASSWORD)
    data = await ok(writer, LOGOUT, {}, lan.headers)
    assert data["customerLogout"] == {"loggedOut": True, "userErrors": []}
    assert await family_rows(engine, lan.token) == (1, 1)
    assert only_error(await refresh(writer, lan.refresh or ""))["code"] == "INVALID_REFRESH_TOKEN"
    await assert_401(writer, lan.headers)
    # Only this sign-in ended.
    assert await me_id(writer, other["token"]["accessToken"]) == lan.id


async def test_logout_anonymous_without_token(writer: httpx.AsyncClient, engine: AsyncEngine):
    lan = await register(writer)
    data = await ok(writer, LOGOUT, {})
    payload = data["customerLogout"]
    assert payload["loggedOut"] is False
    assert only_error(payload)["code"] == "UNAUTHENTICATED"
    assert await family_rows(engine, lan.token) == (1, 0)
    assert await me_id(writer, lan.token) == lan.id


# --- me ----------------------------------------------------------------------------------


async def test_me_profile_membership_and_progress(writer: httpx.AsyncClient, engine: AsyncEngine):
    lan = await register(writer, email="lan@example.vn", phone="0901 234 567", lastName="Phạm")
    me = (await ok(writer, ME, headers=lan.headers))["me"]
    assert pk_of(me["id"]) == lan.id
    assert (me["firstName"], me["lastName"], me["email"], me["phone"]) == (
        "Lan",
        "Phạm",
        "lan@example.vn",
        NUMBER,
    )
    assert me["hasPassword"] is True
    assert me["addresses"] == []

    membership = me["membership"]
    (card,) = await sql_one(
        engine, "SELECT card_number FROM memberships WHERE customer_id = :id", id=lan.id
    )
    assert membership["cardNumber"] == card and is_valid_card_number(card)
    assert membership["tier"] == {"code": "MEMBER"}
    assert membership["pointsBalance"] == 0
    progress = membership["progress"]
    assert progress["spendLast12Months"] == {"amount": "0", "currencyCode": "VND"}
    assert progress["nextTier"] == {"code": "SILVER"}
    assert progress["remainingSpend"] == {"amount": "5000000"}
    assert membership["pointsHistory"] == {
        "edges": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }


async def test_me_anonymous_is_unauthenticated(writer: httpx.AsyncClient):
    result = await gql(writer, "{ me { id firstName } }")
    assert result.data == {"me": None}
    assert result.error_codes() == ["UNAUTHENTICATED"]


# --- profile changes -------------------------------------------------------------------


async def test_customer_update_changes_profile(writer: httpx.AsyncClient, engine: AsyncEngine):
    lan = await register(writer, email="lan@example.vn", phone="0901 234 567")
    changes = {
        "firstName": " Mai ",
        "lastName": "Lê",
        "email": "Mai.Le@EXAMPLE.vn",
        "phone": "+84 98 765 4321",
    }
    data = await ok(writer, UPDATE, {"input": changes}, lan.headers)
    payload = data["customerUpdate"]
    assert payload["userErrors"] == []
    assert payload["customer"] == {
        "id": gid("Customer", lan.id),
        "firstName": "Mai",
        "lastName": "Lê",
        "email": "Mai.Le@example.vn",
        "phone": "+84987654321",
    }
    # Omitted fields stay; "" removes the email while a phone remains.
    data = await ok(writer, UPDATE, {"input": {"email": ""}}, lan.headers)
    assert data["customerUpdate"]["customer"]["email"] is None
    assert data["customerUpdate"]["customer"]["firstName"] == "Mai"
    row = await sql_one(
        engine,
        "SELECT first_name, last_name, email, phone FROM customers WHERE id = :id",
        id=lan.id,
    )
    assert tuple(row) == ("Mai", "Lê", None, "+84987654321")
    # The new phone signs in; the old one does not.
    assert (await login(writer, "0987 654 321", PASSWORD))["userErrors"] == []
    assert only_error(await login(writer, "0901 234 567", PASSWORD))["code"] == (
        "INVALID_CREDENTIALS"
    )


async def test_customer_update_refusals_change_nothing(
    writer: httpx.AsyncClient, engine: AsyncEngine
):
    lan = await register(writer, email="lan@example.vn", phone="0901 234 567")
    await register(writer, email="Minh@Example.vn", phone="0912 345 678")
    cases = [
        ({"firstName": "Khác", "email": "minh@example.VN"}, "EMAIL_TAKEN", "email"),
        ({"firstName": "Khác", "phone": "+84 912 345 678"}, "PHONE_TAKEN", "phone"),
        ({"firstName": "Khác", "email": "", "phone": ""}, "EMAIL_OR_PHONE_REQUIRED", "email"),
        ({"firstName": "Khác", "phone": "12345"}, "INVALID_PHONE", "phone"),
        ({"firstName": "Khác", "email": "not-an-email"}, "INVALID_EMAIL", "email"),
        ({"firstName": ""}, "INVALID_INPUT", "firstName"),
    ]
    for changes, code, field in cases:
        payload = (await ok(writer, UPDATE, {"input": changes}, lan.headers))["customerUpdate"]
        assert payload["customer"] is None
        error = only_error(payload)
        assert (error["code"], error["field"]) == (code, ["input", field]), changes
    row = await sql_one(
        engine, "SELECT first_name, email, phone FROM customers WHERE id = :id", id=lan.id
    )
    assert tuple(row) == ("Lan", "lan@example.vn", NUMBER)

    # With the email gone, the phone is the last contact and cannot be removed.
    assert (await ok(writer, UPDATE, {"input": {"email": ""}}, lan.headers))["customerUpdate"][
        "userErrors"
    ] == []
    payload = (await ok(writer, UPDATE, {"input": {"phone": " "}}, lan.headers))["customerUpdate"]
    assert only_error(payload)["code"] == "EMAIL_OR_PHONE_REQUIRED"
    row = await sql_one(engine, "SELECT email, phone FROM customers WHERE id = :id", id=lan.id)
    assert tuple(row) == (None, NUMBER)


async def test_customer_update_anonymous(writer: httpx.AsyncClient):
    payload = (await ok(writer, UPDATE, {"input": {"firstName": "Ai"}}))["customerUpdate"]
    assert payload["customer"] is None
    assert only_error(payload)["code"] == "UNAUTHENTICATED"


# --- address book ----------------------------------------------------------------------


async def add_address(person: Person, client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    data = await ok(client, ADDRESS_ADD, {"input": fields}, person.headers)
    return data["customerAddressAdd"]


async def insert_address(
    engine: AsyncEngine, customer_id: int, *, is_default: bool = True, **fields: str
) -> str:
    """An address written by SQL (set-up independent of the mutations); its global ID."""
    values = {**HOME, "phone": "+84912345678", **fields}
    async with engine.begin() as conn:
        pk = await conn.scalar(
            text(
                "INSERT INTO customer_addresses "
                "(customer_id, recipient, phone, street, ward, district, province, is_default) "
                "VALUES (:c, :recipient, :phone, :street, :ward, :district, :province, :d) "
                "RETURNING id"
            ),
            {"c": customer_id, "d": is_default, **values},
        )
    return gid("CustomerAddress", pk)


async def defaults(engine: AsyncEngine, customer_id: int) -> list[int]:
    rows = await sql_all(
        engine,
        "SELECT id FROM customer_addresses WHERE customer_id = :c AND is_default ORDER BY id",
        c=customer_id,
    )
    return [pk for (pk,) in rows]


async def address_row(engine: AsyncEngine, global_id: str) -> tuple[Any, ...]:
    row = await sql_one(
        engine,
        "SELECT customer_id, recipient, phone, street, ward, district, province, is_default "
        "FROM customer_addresses WHERE id = :id",
        id=pk_of(global_id),
    )
    return tuple(row)


async def test_address_add_and_default_flip(writer: httpx.AsyncClient, engine: AsyncEngine):
    lan = await register(writer)
    first = await add_address(lan, writer, **HOME, isDefault=False)
    assert first["userErrors"] == []
    home = first["address"]
    assert {k: v for k, v in home.items() if k not in {"id", "isDefault"}} == {
        **HOME,
        "phone": "+84912345678",
    }
    assert home["isDefault"] is True  # the first address is the default, whatever was asked
    assert first["customer"]["addresses"] == [{"id": home["id"], "isDefault": True}]

    # A second address with isDefault: true takes over the default.
    second = await add_address(lan, writer, **OFFICE, isDefault=True)
    office = second["address"]
    assert office["isDefault"] is True and office["phone"] == "+84987654321"
    assert second["customer"]["addresses"] == [
        {"id": office["id"], "isDefault": True},
        {"id": home["id"], "isDefault": False},
    ]
    assert await defaults(engine, lan.id) == [pk_of(office["id"])]

    # A third without isDefault leaves the default alone; ward and district are optional.
    third = await add_address(lan, writer, **{**HOME, "ward": None, "district": None})
    assert third["userErrors"] == []
    assert (third["address"]["ward"], third["address"]["district"]) == ("", "")
    assert third["address"]["isDefault"] is False
    assert await defaults(engine, lan.id) == [pk_of(office["id"])]

    # Making an existing address the default flips it back.
    data = await ok(
        writer, ADDRESS_UPDATE, {"id": home["id"], "input": {"isDefault": True}}, lan.headers
    )
    assert data["customerAddressUpdate"]["address"]["isDefault"] is True
    assert await defaults(engine, lan.id) == [pk_of(home["id"])]
    me = (await ok(writer, ME, headers=lan.headers))["me"]
    assert me["addresses"][0] == {"id": home["id"], "isDefault": True}
    assert [a["isDefault"] for a in me["addresses"]] == [True, False, False]


async def test_address_update_changes_only_given_fields(
    writer: httpx.AsyncClient, engine: AsyncEngine
):
    lan = await register(writer)
    home = await insert_address(engine, lan.id)
    changes = {"street": "99 Hàng Ngang", "phone": "84 987 654 321", "ward": ""}
    data = await ok(writer, ADDRESS_UPDATE, {"id": home, "input": changes}, lan.headers)
    payload = data["customerAddressUpdate"]
    assert payload["userErrors"] == []
    assert payload["address"] == {
        **HOME,
        "id": home,
        "street": "99 Hàng Ngang",
        "phone": "+84987654321",
        "ward": "",
        "isDefault": True,
    }
    assert await address_row(engine, home) == (
        lan.id,
        HOME["recipient"],
        "+84987654321",
        "99 Hàng Ngang",
        "",
        HOME["district"],
        HOME["province"],
        True,
    )


async def test_address_remove_promotes_another_default(
    writer: httpx.AsyncClient, engine: AsyncEngine
):
    lan = await register(writer)
    home = await insert_address(engine, lan.id)
    office = await insert_address(engine, lan.id, is_default=False, **OFFICE)
    spare = await insert_address(engine, lan.id, is_default=False, **OFFICE)

    # Removing an address that is not the default leaves the default alone.
    data = await ok(writer, ADDRESS_REMOVE, {"id": spare}, lan.headers)
    payload = data["customerAddressRemove"]
    assert payload["userErrors"] == [] and payload["address"] is None
    assert payload["customer"]["addresses"] == [
        {"id": home, "isDefault": True},
        {"id": office, "isDefault": False},
    ]
    # Removing the default promotes the remaining one.
    data = await ok(writer, ADDRESS_REMOVE, {"id": home}, lan.headers)
    assert data["customerAddressRemove"]["customer"]["addresses"] == [
        {"id": office, "isDefault": True}
    ]
    assert await defaults(engine, lan.id) == [pk_of(office)]
    data = await ok(writer, ADDRESS_REMOVE, {"id": office}, lan.headers)
    assert data["customerAddressRemove"]["customer"]["addresses"] == []
    assert (await row_counts(engine))["customer_addresses"] == 0


async def test_address_required_fields(writer: httpx.AsyncClient, engine: AsyncEngine):
    lan = await register(writer)
    for missing, code in (
        ("recipient", "INVALID_INPUT"),
        ("street", "INVALID_INPUT"),
        ("province", "INVALID_INPUT"),
        ("phone", "INVALID_PHONE"),
    ):
        fields = {k: v for k, v in HOME.items() if k != missing}
        for given in (fields, {**fields, missing: "  "}):
            payload = await add_address(lan, writer, **given)
            assert payload["address"] is None and payload["customer"] is None
            error = only_error(payload)
            assert (error["code"], error["field"]) == (code, ["input", missing]), given
    payload = await add_address(lan, writer, **{**HOME, "phone": "12345"})
    assert only_error(payload)["field"] == ["input", "phone"]
    assert (await row_counts(engine))["customer_addresses"] == 0

    # A required field cannot be emptied by an update; the address stays as it was.
    home = await insert_address(engine, lan.id)
    before = await address_row(engine, home)
    for changes, code, field in (
        ({"recipient": " ", "street": "1 Khác"}, "INVALID_INPUT", "recipient"),
        ({"street": "", "ward": "Khác"}, "INVALID_INPUT", "street"),
        ({"province": "", "street": "1 Khác"}, "INVALID_INPUT", "province"),
        ({"phone": "", "street": "1 Khác"}, "INVALID_PHONE", "phone"),
        ({"phone": "0901", "street": "1 Khác"}, "INVALID_PHONE", "phone"),
    ):
        data = await ok(writer, ADDRESS_UPDATE, {"id": home, "input": changes}, lan.headers)
        payload = data["customerAddressUpdate"]
        assert payload["address"] is None and payload["customer"] is None
        error = only_error(payload)
        assert (error["code"], error["field"]) == (code, ["input", field]), changes
    assert await address_row(engine, home) == before


async def test_other_customers_address_is_not_found(writer: httpx.AsyncClient, engine: AsyncEngine):
    lan = await register(writer)
    minh = await register(writer)
    theirs = await insert_address(engine, minh.id, **OFFICE)
    before = await address_row(engine, theirs)
    missing = gid("CustomerAddress", 987_654_321)
    answers = []
    for address_id in (theirs, missing):
        update = await ok(
            writer,
            ADDRESS_UPDATE,
            {"id": address_id, "input": {"street": "Đã đổi", "isDefault": True}},
            lan.headers,
        )
        remove = await ok(writer, ADDRESS_REMOVE, {"id": address_id}, lan.headers)
        for payload in (update["customerAddressUpdate"], remove["customerAddressRemove"]):
            assert payload["address"] is None and payload["customer"] is None
            answers.append(only_error(payload))
    assert {a["code"] for a in answers} == {"NOT_FOUND"}
    # The same answer for someone else's address and a missing one.
    assert answers[:2] == answers[2:]
    assert await address_row(engine, theirs) == before


async def test_address_not_found_points_at_the_id_argument(writer: httpx.AsyncClient):
    lan = await register(writer)
    data = await ok(
        writer,
        ADDRESS_UPDATE,
        {"id": gid("CustomerAddress", 987_654_321), "input": {"street": "Đã đổi"}},
        lan.headers,
    )
    assert only_error(data["customerAddressUpdate"])["field"] == ["id"]


async def test_malformed_address_ids_are_readable_errors(
    writer: httpx.AsyncClient, engine: AsyncEngine
):
    lan = await register(writer)
    home = await insert_address(engine, lan.id)
    before = await address_row(engine, home)
    bad_ids = [
        "!!!",
        "not-an-id",
        "",
        "x" * 300,
        "Đ",
        gid("Product", 1),
        gid("CustomerAddress", 0),
        base64.urlsafe_b64encode(b"CustomerAddress:abc").decode(),
        base64.urlsafe_b64encode(f"CustomerAddress:{2**63}".encode()).decode(),
    ]
    for bad in bad_ids:
        for query, variables in (
            (ADDRESS_UPDATE, {"id": bad, "input": {"street": "Đã đổi"}}),
            (ADDRESS_REMOVE, {"id": bad}),
        ):
            result = await gql(writer, query, variables, lan.headers)
            assert result.error_codes() == ["BAD_USER_INPUT"], (bad, result)
            assert "`id`" in result.errors[0]["message"]
    assert await address_row(engine, home) == before


async def test_address_book_anonymous(writer: httpx.AsyncClient, engine: AsyncEngine):
    lan = await register(writer)
    home = await insert_address(engine, lan.id)
    before = await row_counts(engine)
    add = (await ok(writer, ADDRESS_ADD, {"input": HOME}))["customerAddressAdd"]
    update = (await ok(writer, ADDRESS_UPDATE, {"id": home, "input": {"street": "x"}}))[
        "customerAddressUpdate"
    ]
    remove = (await ok(writer, ADDRESS_REMOVE, {"id": home}))["customerAddressRemove"]
    for payload in (add, update, remove):
        assert payload["address"] is None and payload["customer"] is None
        assert only_error(payload)["code"] == "UNAUTHENTICATED"
    assert await row_counts(engine) == before
    assert (await address_row(engine, home))[3] == HOME["street"]


async def test_address_book_holds_at_most_twenty(writer: httpx.AsyncClient, engine: AsyncEngine):
    lan = await register(writer)
    for i in range(20):
        await insert_address(engine, lan.id, is_default=i == 0, street=f"{i} Hàng Bạc")
    payload = await add_address(lan, writer, **OFFICE)
    assert payload["address"] is None
    error = only_error(payload)
    assert error["code"] == "INVALID_INPUT" and "20" in error["message"]
    assert (await row_counts(engine))["customer_addresses"] == 20
