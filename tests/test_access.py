"""Access rules, tested as a matrix (issue 4: point 11, and points 3-5).

One scenario is built per module on its own copy of the demo database: two customers
(Alice and Bob, each with an address and a points entry), an ADMIN, a STORE_MANAGER and
a STORE_STAFF of store A, a KIOSK at store A and a KIOSK at store B. Tests that change
state (revocations, deactivations) make their own staff users, devices and sign-ins, so
the shared scenario stays as built.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.actors import Actor, StaffRole, StaffScope
from domain.customers import addresses
from domain.db import create_engine
from tests.conftest import PgServer, client_for, gql, ok
from tests.people import (
    PASSWORD,
    Person,
    bearer,
    gid,
    make_staff,
    register,
    register_device,
    store_ids,
    unique_phone,
)

SECRET = "test-secret-" + "x" * 32
MISSING_PK = 987_654_321  # no row of any type has this id in the test database
DEVICE_KEY = "x-omni-device-key"
CHANNEL = "x-omni-channel"

CUSTOMER_TYPES = ("Customer", "CustomerAddress", "Membership", "PointsEntry")


# --- the scenario -------------------------------------------------------------------


@dataclass
class World:
    engine: AsyncEngine
    client: httpx.AsyncClient
    store_a: int
    store_b: int
    alice: Person
    bob: Person
    admin: Person
    manager: Person
    staff: Person
    kiosk_key: str  # a KIOSK at store A
    # owner -> type name -> global ID; owners: alice, bob, admin, manager, staff,
    # kiosk_a, device_b
    ids: dict[str, dict[str, str]]

    def headers(self, viewer: str) -> dict[str, str]:
        if viewer == "anonymous":
            return {}
        if viewer == "kiosk":
            return {DEVICE_KEY: self.kiosk_key}
        person: Person = getattr(self, viewer)
        return person.headers


ADDRESS_ADD = """mutation($input: AddressInput!) { customerAddressAdd(input: $input) {
  address { id } userErrors { field code message } } }"""

ADDRESS_UPDATE = """mutation($id: ID!, $input: AddressInput!) {
  customerAddressUpdate(id: $id, input: $input) {
    address { id street } userErrors { field code message } } }"""

ADDRESS_REMOVE = """mutation($id: ID!) { customerAddressRemove(id: $id) {
  address { id } userErrors { field code message } } }"""

POINTS_ADJUST = """mutation($input: PointsAdjustInput!) { pointsAdjust(input: $input) {
  entry { id amount } membership { id pointsBalance } userErrors { field code message } } }"""

DEVICE_REGISTER = """mutation($input: DeviceRegisterInput!) { deviceRegister(input: $input) {
  device { id channel store { id } } deviceKey userErrors { field code message } } }"""

DEVICE_REVOKE = """mutation($id: ID!) { deviceRevoke(id: $id) {
  device { id revokedAt } userErrors { field code message } } }"""

ENROL = """mutation($input: MembershipEnrolInput!) { membershipEnrol(input: $input) {
  customer { id enrolledChannel enrolledStore { id } } userErrors { field code message } } }"""

STAFF_LOGIN = """mutation($e: String!, $p: String!) { staffLogin(input: {email: $e, password: $p}) {
  token { accessToken refreshToken } staff { id } userErrors { code message } } }"""

STAFF_REFRESH = """mutation($r: String!) { staffTokenRefresh(refreshToken: $r) {
  token { accessToken refreshToken } userErrors { field code message } } }"""

CUSTOMER_LOGIN = """mutation($i: String!, $p: String!) {
  customerLogin(input: {identifier: $i, password: $p}) {
    token { accessToken refreshToken } userErrors { code message } } }"""

CUSTOMER_REFRESH = """mutation($r: String!) { customerTokenRefresh(refreshToken: $r) {
  token { accessToken refreshToken } userErrors { field code message } } }"""

LOGOUT = """mutation($r: String) { customerLogout(refreshToken: $r) {
  loggedOut userErrors { code message } } }"""

ME = "{ me { id } }"
STAFF_ME = "{ staffMe { id role } }"
CATALOG = "{ categories(topLevelOnly: true) { id } }"


ADDRESS = {
    "recipient": "Nguyễn Lan",
    "phone": "0901234567",
    "street": "12 Lý Tự Trọng",
    "ward": "Bến Nghé",
    "district": "Quận 1",
    "province": "TP. Hồ Chí Minh",
}


async def _add_address(engine: AsyncEngine, person: Person) -> str:
    # Through the service, not `customerAddressAdd`: that mutation fails after committing
    # (see test_customer_changes_own_address below).
    async with AsyncSession(engine) as session:
        address = await addresses.add_address(
            session, Actor(customer_id=person.id), addresses.AddressFields(**ADDRESS)
        )
        address_id = address.id
        await session.commit()
    return gid("CustomerAddress", address_id)


async def _adjust(
    client: httpx.AsyncClient, staff: Person, customer: Person, store: int | None = None
) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "customerId": gid("Customer", customer.id),
        "amount": 500,
        "reason": "Welcome bonus",
    }
    if store is not None:
        variables["storeId"] = gid("Location", store)
    data = await ok(client, POINTS_ADJUST, {"input": variables}, staff.headers)
    return dict(data["pointsAdjust"])


async def _order(engine: AsyncEngine, client: httpx.AsyncClient, person: Any, store: int) -> str:
    """A pickup order of `person` at `store` (stock put there first); its global id."""
    from domain.inventory import adjustments
    from domain.inventory.models import MovementKind
    from domain.unit_of_work import transaction
    from tests.test_checkout import CHECKOUT, CREATE, PICKUP

    variant = await _sql(
        engine,
        """SELECT v.id FROM product_variants v JOIN products p ON p.id = v.product_id
           WHERE p.published AND p.archived_at IS NULL AND v.archived_at IS NULL
           ORDER BY v.id LIMIT 1""",
    )
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await transaction(
            session,
            lambda s: adjustments.adjust(
                s,
                Actor(staff=StaffScope(1, StaffRole.ADMIN)),
                location_id=store,
                variant_id=variant,
                kind=MovementKind.RECEIVED,
                delta=5,
                reason="access matrix",
            ),
        )
    lines = [{"variantId": gid("ProductVariant", variant), "quantity": 1}]
    cart = (await ok(client, CREATE, {"l": lines}, person.headers))["cartCreate"]["cart"]["id"]
    await ok(client, PICKUP, {"c": cart, "s": gid("Location", store)}, person.headers)
    placed = await ok(
        client,
        CHECKOUT,
        {"c": cart, "k": f"access-{uuid.uuid4()}", "m": "PAY_AT_STORE"},
        person.headers,
    )
    order = placed["checkoutComplete"]["order"]
    assert order is not None, placed
    return str(order["id"])


async def _build(engine: AsyncEngine, client: httpx.AsyncClient) -> World:
    stores = await store_ids(engine)
    code_a, code_b = sorted(stores)[:2]
    store_a, store_b = stores[code_a], stores[code_b]
    admin = await make_staff(engine, client, StaffRole.ADMIN)
    manager = await make_staff(engine, client, StaffRole.STORE_MANAGER, [store_a])
    staff = await make_staff(engine, client, StaffRole.STORE_STAFF, [store_a])
    alice = await register(client, firstName="Alice")
    bob = await register(client, firstName="Bob")
    ids: dict[str, dict[str, str]] = {}
    for name, person in (("alice", alice), ("bob", bob)):
        address_id = await _add_address(engine, person)
        adjusted = await _adjust(client, admin, person)
        assert not adjusted["userErrors"], adjusted
        ids[name] = {
            "Customer": gid("Customer", person.id),
            "CustomerAddress": address_id,
            "Membership": adjusted["membership"]["id"],
            "PointsEntry": adjusted["entry"]["id"],
        }
    for name, person in (("admin", admin), ("manager", manager), ("staff", staff)):
        ids[name] = {"StaffUser": gid("StaffUser", person.id)}
    kiosk_id, kiosk_key = await register_device(client, admin, store_a)
    device_b_id, _ = await register_device(client, admin, store_b)
    ids["alice"]["Order"] = await _order(engine, client, alice, store_a)
    ids["bob"]["Order"] = await _order(engine, client, bob, store_b)
    ids["kiosk_a"] = {"Device": kiosk_id}
    ids["device_b"] = {"Device": device_b_id}
    return World(
        engine=engine,
        client=client,
        store_a=store_a,
        store_b=store_b,
        alice=alice,
        bob=bob,
        admin=admin,
        manager=manager,
        staff=staff,
        kiosk_key=kiosk_key,
        ids=ids,
    )


@pytest.fixture(scope="module")
async def world(pg_server: PgServer, template_db: str) -> AsyncIterator[World]:
    name = f"omni_test_access_{uuid.uuid4().hex[:12]}"
    url = await pg_server.create_database(name, template=template_db)
    engine = create_engine(url, pool_size=5)
    try:
        async with client_for(engine, secret_key=SECRET) as client:
            yield await _build(engine, client)
    finally:
        await engine.dispose()
        await pg_server.drop_database(name)


async def _sql(engine: AsyncEngine, query: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(query), params)).scalar()


async def _exec(engine: AsyncEngine, statement: str, **params: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(statement), params)


async def _raw(
    client: httpx.AsyncClient, query: str, headers: dict[str, str], **variables: Any
) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


def _refused(response: httpx.Response, status: int = 401, code: str = "UNAUTHENTICATED") -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body.get("data") is None, body
    assert body["errors"][0]["extensions"]["code"] == code, body


def _pk(global_id: str) -> int:
    return int(base64.urlsafe_b64decode(global_id + "==").decode().split(":")[1])


# --- node / nodes matrix ------------------------------------------------------------

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"

VIEWERS = ["anonymous", "alice", "bob", "admin", "manager", "staff", "kiosk"]

TARGETS = [
    *((t, owner) for owner in ("alice", "bob") for t in CUSTOMER_TYPES),
    ("StaffUser", "admin"),
    ("StaffUser", "manager"),
    ("StaffUser", "staff"),
    ("Device", "kiosk_a"),  # store A
    ("Device", "device_b"),  # store B
    ("Order", "alice"),  # picked up at store A
    ("Order", "bob"),  # picked up at store B
]

_ALL_CUSTOMER_DATA = {(t, o) for t in CUSTOMER_TYPES for o in ("alice", "bob")}

# Who sees what; everything else must answer exactly like a nonexistent ID.
VISIBLE: dict[str, set[tuple[str, str]]] = {
    "anonymous": set(),
    "alice": {(t, "alice") for t in (*CUSTOMER_TYPES, "Order")},
    "bob": {(t, "bob") for t in (*CUSTOMER_TYPES, "Order")},
    "admin": set(TARGETS),
    # Customers are shared across stores; devices, staff users and orders are not.
    "manager": _ALL_CUSTOMER_DATA
    | {("StaffUser", "manager"), ("Device", "kiosk_a"), ("Order", "alice")},
    "staff": _ALL_CUSTOMER_DATA
    | {("StaffUser", "staff"), ("Device", "kiosk_a"), ("Order", "alice")},
    # A device alone identifies nobody: an order needs a session identifying its customer.
    "kiosk": {("Device", "kiosk_a")},
}


def _shape(error: dict[str, Any], global_id: str) -> dict[str, Any]:
    """An error with the ID (in the message) and the list index (in the path) blanked."""
    shaped = dict(error)
    shaped["message"] = error["message"].replace(global_id, "<id>")
    path = list(error.get("path") or [])
    if len(path) == 2:
        path[1] = "<index>"
    shaped["path"] = path
    return shaped


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: f"{t[1]}-{t[0]}")
@pytest.mark.parametrize("viewer", VIEWERS)
async def test_node_access_matrix(world: World, viewer: str, target: tuple[str, str]) -> None:
    type_name, owner = target
    target_id = world.ids[owner][type_name]
    missing_id = gid(type_name, MISSING_PK)
    headers = world.headers(viewer)
    visible = target in VISIBLE[viewer]

    # A nonexistent ID of the type: NOT_FOUND, null data, for everyone.
    absent = await gql(world.client, NODE, {"id": missing_id}, headers)
    assert absent.data == {"node": None}
    assert absent.error_codes() == ["NOT_FOUND"]

    single = await gql(world.client, NODE, {"id": target_id}, headers)
    if visible:
        assert not single.errors, single.errors
        assert single.data == {"node": {"__typename": type_name, "id": target_id}}
    else:
        assert single.data == {"node": None}
        assert len(single.errors) == 1
        # Not merely the same code: the same error, but for the ID it quotes.
        assert _shape(single.errors[0], target_id) == _shape(absent.errors[0], missing_id)

    batch = await gql(world.client, NODES, {"ids": [target_id, missing_id]}, headers)
    errors = {tuple(e["path"]): e for e in batch.errors}
    missing_error = errors.pop(("nodes", 1))
    assert missing_error["extensions"]["code"] == "NOT_FOUND"
    if visible:
        assert batch.data == {"nodes": [{"__typename": type_name, "id": target_id}, None]}
        assert not errors, errors
    else:
        assert batch.data == {"nodes": [None, None]}
        assert list(errors) == [("nodes", 0)]
        assert _shape(errors[("nodes", 0)], target_id) == _shape(missing_error, missing_id)


async def test_customer_mixed_batch_shows_own_hides_other(world: World) -> None:
    """In one `nodes` call, Alice's IDs resolve and Bob's answer like missing IDs."""
    ids = [world.ids[owner][t] for t in CUSTOMER_TYPES for owner in ("alice", "bob")]
    batch = await gql(world.client, NODES, {"ids": ids}, world.alice.headers)
    for index, global_id in enumerate(ids):
        node = batch.data["nodes"][index]
        if index % 2 == 0:
            assert node is not None and node["id"] == global_id
        else:
            assert node is None
    assert sorted(e["path"][1] for e in batch.errors) == [1, 3, 5, 7]
    assert set(batch.error_codes()) == {"NOT_FOUND"}


def _address_change(mutation: str, address_id: str) -> tuple[str, dict[str, Any]]:
    if mutation == "update":
        return ADDRESS_UPDATE, {"id": address_id, "input": {"street": "1 Đồng Khởi"}}
    return ADDRESS_REMOVE, {"id": address_id}


@pytest.mark.parametrize("mutation", ["update", "remove"])
async def test_customer_cannot_change_another_customers_address(
    world: World, mutation: str
) -> None:
    bob_address = world.ids["bob"]["CustomerAddress"]
    query, theirs_vars = _address_change(mutation, bob_address)
    _, missing_vars = _address_change(mutation, gid("CustomerAddress", MISSING_PK))
    theirs = await ok(world.client, query, theirs_vars, world.alice.headers)
    missing = await ok(world.client, query, missing_vars, world.alice.headers)
    field = "customerAddressUpdate" if mutation == "update" else "customerAddressRemove"
    assert [e["code"] for e in theirs[field]["userErrors"]] == ["NOT_FOUND"]
    assert theirs[field]["address"] is None
    assert theirs == missing  # no hint that the address exists
    street = await _sql(
        world.engine,
        "SELECT street FROM customer_addresses WHERE id = :id",
        id=_pk(bob_address),
    )
    assert street == ADDRESS["street"]


@pytest.mark.parametrize("mutation", ["update", "remove"])
async def test_anonymous_cannot_change_an_address(world: World, mutation: str) -> None:
    query, variables = _address_change(mutation, world.ids["alice"]["CustomerAddress"])
    data = await ok(world.client, query, variables)
    payload = next(iter(data.values()))
    assert [e["code"] for e in payload["userErrors"]] == ["UNAUTHENTICATED"]


ADDRESS_BUG = (
    "customerAddressAdd/Update/Remove answer INTERNAL_SERVER_ERROR after committing: "
    "_address_payload (api/identity/mutations.py) calls DataLoader.clear() for a customer "
    "not in the loader cache, and strawberry's clear raises KeyError"
)


@pytest.mark.parametrize("mutation", ["add", "update", "remove"])
async def test_customer_changes_own_address(world: World, mutation: str) -> None:
    """The positive side of the rule: a customer changes their own address book."""
    if mutation == "add":
        query, variables = ADDRESS_ADD, {"input": ADDRESS}
    else:
        own = await _add_address(world.engine, world.alice)
        query, variables = _address_change(mutation, own)
    result = await gql(world.client, query, variables, world.alice.headers)
    assert not result.errors, result.errors
    payload = next(iter(result.data.values()))
    assert not payload["userErrors"], payload


# --- staff-only mutations and fields ------------------------------------------------


def _staff_only_operations(world: World) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "deviceRegister": (
            DEVICE_REGISTER,
            {
                "input": {
                    "name": "Quầy 9",
                    "storeId": gid("Location", world.store_a),
                    "channel": "KIOSK",
                }
            },
        ),
        "deviceRevoke": (DEVICE_REVOKE, {"id": world.ids["kiosk_a"]["Device"]}),
        "pointsAdjust": (
            POINTS_ADJUST,
            {
                "input": {
                    "customerId": world.ids["bob"]["Customer"],
                    "amount": 1_000_000,
                    "reason": "gift to myself",
                    "storeId": gid("Location", world.store_a),
                }
            },
        ),
        "membershipEnrol": (
            ENROL,
            {
                "input": {
                    "phone": unique_phone(),
                    "firstName": "Mallory",
                    "storeId": gid("Location", world.store_a),
                }
            },
        ),
    }


async def _counts(engine: AsyncEngine) -> tuple[int, ...]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM devices),"
                    " (SELECT count(*) FROM devices WHERE revoked_at IS NOT NULL),"
                    " (SELECT count(*) FROM points_entries),"
                    " (SELECT coalesce(sum(amount), 0) FROM points_entries),"
                    " (SELECT count(*) FROM customers),"
                    " (SELECT count(*) FROM memberships)"
                )
            )
        ).one()
    return tuple(int(v) for v in row)


STAFF_ONLY_CASES = [
    (mutation, viewer, code)
    for mutation in ("deviceRegister", "deviceRevoke", "pointsAdjust", "membershipEnrol")
    for viewer, code in (
        ("anonymous", "UNAUTHENTICATED"),
        ("alice", "FORBIDDEN"),
        ("kiosk", "FORBIDDEN"),
    )
    # Kiosk and counter devices may enrol members (see test_device_fixes_the_channel).
    if not (viewer == "kiosk" and mutation == "membershipEnrol")
]


@pytest.mark.parametrize(("mutation", "viewer", "code"), STAFF_ONLY_CASES)
async def test_staff_only_mutations_refused(
    world: World, mutation: str, viewer: str, code: str
) -> None:
    query, variables = _staff_only_operations(world)[mutation]
    before = await _counts(world.engine)
    data = await ok(world.client, query, variables, world.headers(viewer))
    payload = data[mutation]
    assert [e["code"] for e in payload["userErrors"]] == [code], payload
    assert all(v is None for k, v in payload.items() if k != "userErrors"), payload
    assert await _counts(world.engine) == before


@pytest.mark.parametrize(
    ("viewer", "code"),
    [("anonymous", "UNAUTHENTICATED"), ("alice", "FORBIDDEN"), ("kiosk", "FORBIDDEN")],
)
async def test_staff_me_refused(world: World, viewer: str, code: str) -> None:
    result = await gql(world.client, STAFF_ME, headers=world.headers(viewer))
    assert result.data == {"staffMe": None}
    assert result.error_codes() == [code]


@pytest.mark.parametrize("viewer", ["admin", "manager", "staff"])
async def test_staff_me_is_self(world: World, viewer: str) -> None:
    data = await ok(world.client, STAFF_ME, headers=world.headers(viewer))
    assert data["staffMe"]["id"] == world.ids[viewer]["StaffUser"]


# --- store scope ----------------------------------------------------------------------


async def _device_count(engine: AsyncEngine) -> int:
    return int(await _sql(engine, "SELECT count(*) FROM devices"))


async def _register(world: World, who: Person, store: int, channel: str = "KIOSK") -> Any:
    variables = {"input": {"name": "Kiosk", "storeId": gid("Location", store), "channel": channel}}
    data = await ok(world.client, DEVICE_REGISTER, variables, who.headers)
    return data["deviceRegister"]


@pytest.mark.parametrize(
    ("who", "store", "allowed"),
    [
        ("admin", "a", True),
        ("admin", "b", True),
        ("manager", "a", True),
        ("manager", "b", False),
        ("staff", "a", False),
        ("staff", "b", False),
    ],
)
async def test_device_register_store_scope(
    world: World, who: str, store: str, allowed: bool
) -> None:
    store_id = world.store_a if store == "a" else world.store_b
    before = await _device_count(world.engine)
    payload = await _register(world, getattr(world, who), store_id)
    if allowed:
        assert not payload["userErrors"], payload
        assert payload["device"]["store"]["id"] == gid("Location", store_id)
        assert payload["deviceKey"].startswith("omd_")
        assert await _device_count(world.engine) == before + 1
    else:
        assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
        assert payload["device"] is None and payload["deviceKey"] is None
        assert await _device_count(world.engine) == before


@pytest.mark.parametrize(
    ("who", "store", "code"),
    [
        ("admin", "a", None),
        ("admin", "b", None),
        ("manager", "a", None),
        ("manager", "b", "NOT_FOUND"),  # out of scope: answered like a missing device
        ("staff", "a", "FORBIDDEN"),
        ("staff", "b", "NOT_FOUND"),
    ],
)
async def test_device_revoke_store_scope(
    world: World, who: str, store: str, code: str | None
) -> None:
    store_id = world.store_a if store == "a" else world.store_b
    device_id, key = await register_device(world.client, world.admin, store_id)
    data = await ok(world.client, DEVICE_REVOKE, {"id": device_id}, getattr(world, who).headers)
    payload = data["deviceRevoke"]
    revoked_at = await _sql(
        world.engine, "SELECT revoked_at FROM devices WHERE id = :id", id=_pk(device_id)
    )
    still_works = await _raw(world.client, CATALOG, {DEVICE_KEY: key})
    if code is None:
        assert not payload["userErrors"], payload
        assert payload["device"]["revokedAt"] is not None
        assert revoked_at is not None
        _refused(still_works)
    else:
        assert [e["code"] for e in payload["userErrors"]] == [code]
        assert payload["device"] is None
        assert revoked_at is None
        assert still_works.status_code == 200


async def test_device_revoke_of_other_store_looks_like_missing(world: World) -> None:
    """A manager of A gets the same answer for B's device as for a device that does not exist."""
    theirs = await ok(
        world.client, DEVICE_REVOKE, {"id": world.ids["device_b"]["Device"]}, world.manager.headers
    )
    missing = await ok(
        world.client, DEVICE_REVOKE, {"id": gid("Device", MISSING_PK)}, world.manager.headers
    )
    assert theirs == missing


@pytest.mark.parametrize(
    ("who", "store", "allowed"),
    [
        ("admin", "b", True),
        ("manager", "a", True),
        ("manager", "b", False),
        ("staff", "a", True),
        ("staff", "b", False),
    ],
)
async def test_membership_enrol_store_scope(
    world: World, who: str, store: str, allowed: bool
) -> None:
    store_id = world.store_a if store == "a" else world.store_b
    phone = unique_phone()
    variables = {
        "input": {"phone": phone, "firstName": "Minh", "storeId": gid("Location", store_id)}
    }
    data = await ok(world.client, ENROL, variables, getattr(world, who).headers)
    payload = data["membershipEnrol"]
    made = await _sql(
        world.engine,
        "SELECT count(*) FROM customers WHERE phone = :phone",
        phone="+84" + phone[1:],
    )
    if allowed:
        assert not payload["userErrors"], payload
        assert payload["customer"]["enrolledStore"]["id"] == gid("Location", store_id)
        assert made == 1
    else:
        assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
        assert payload["customer"] is None
        assert made == 0


@pytest.mark.parametrize(
    ("who", "store", "allowed"),
    [
        ("admin", "b", True),
        ("manager", "a", True),
        ("manager", "b", False),
        ("staff", "a", True),
        ("staff", "b", False),
    ],
)
async def test_points_adjust_store_scope(world: World, who: str, store: str, allowed: bool) -> None:
    store_id = world.store_a if store == "a" else world.store_b
    count_sql = "SELECT count(*) FROM points_entries"
    before = await _sql(world.engine, count_sql)
    payload = await _adjust(world.client, getattr(world, who), world.bob, store_id)
    after = await _sql(world.engine, count_sql)
    if allowed:
        assert not payload["userErrors"], payload
        assert payload["entry"]["amount"] == 500
        assert after == before + 1
    else:
        assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
        assert payload["entry"] is None and payload["membership"] is None
        assert after == before


# --- revocation -----------------------------------------------------------------------


async def test_revoked_device_key_is_refused_everywhere(world: World) -> None:
    device_id, key = await register_device(world.client, world.admin, world.store_a)
    assert (await _raw(world.client, CATALOG, {DEVICE_KEY: key})).status_code == 200
    data = await ok(world.client, DEVICE_REVOKE, {"id": device_id}, world.admin.headers)
    assert not data["deviceRevoke"]["userErrors"]

    _refused(await _raw(world.client, CATALOG, {DEVICE_KEY: key}))
    _refused(await _raw(world.client, NODE, {DEVICE_KEY: key}, id=device_id))
    enrol = {"input": {"phone": unique_phone(), "firstName": "An"}}
    _refused(await _raw(world.client, ENROL, {DEVICE_KEY: key}, **enrol))
    # Not even together with a valid customer token.
    _refused(await _raw(world.client, ME, {DEVICE_KEY: key, **world.alice.headers}))


@pytest.mark.parametrize("with_refresh_argument", [True, False])
async def test_customer_logout_ends_the_sign_in(world: World, with_refresh_argument: bool) -> None:
    # A second sign-in for Alice, so her scenario session keeps working.
    data = await ok(world.client, CUSTOMER_LOGIN, {"i": world.alice.email, "p": PASSWORD})
    token = data["customerLogin"]["token"]
    access, refresh = token["accessToken"], token["refreshToken"]
    assert (await ok(world.client, ME, headers=bearer(access)))["me"]["id"] == gid(
        "Customer", world.alice.id
    )

    variables = {"r": refresh if with_refresh_argument else None}
    data = await ok(world.client, LOGOUT, variables, bearer(access))
    assert data["customerLogout"] == {"loggedOut": True, "userErrors": []}

    refreshed = await ok(world.client, CUSTOMER_REFRESH, {"r": refresh})
    assert refreshed["customerTokenRefresh"]["token"] is None
    codes = [e["code"] for e in refreshed["customerTokenRefresh"]["userErrors"]]
    assert codes == ["INVALID_REFRESH_TOKEN"]
    _refused(await _raw(world.client, ME, bearer(access)))
    _refused(await _raw(world.client, CATALOG, bearer(access)))
    # Only that sign-in ended.
    assert (await ok(world.client, ME, headers=world.alice.headers))["me"] is not None


async def test_customer_logout_with_refresh_token_only(world: World) -> None:
    data = await ok(world.client, CUSTOMER_LOGIN, {"i": world.bob.phone, "p": PASSWORD})
    token = data["customerLogin"]["token"]
    data = await ok(world.client, LOGOUT, {"r": token["refreshToken"]})
    assert data["customerLogout"]["loggedOut"] is True
    _refused(await _raw(world.client, ME, bearer(token["accessToken"])))


async def test_staff_refresh_token_reuse_revokes_the_sign_in(world: World) -> None:
    manager = await make_staff(world.engine, world.client, StaffRole.STORE_MANAGER, [world.store_a])
    assert manager.refresh is not None
    first = await ok(world.client, STAFF_REFRESH, {"r": manager.refresh})
    rotated = first["staffTokenRefresh"]["token"]
    assert rotated is not None, first
    assert (await ok(world.client, STAFF_ME, headers=bearer(rotated["accessToken"])))["staffMe"]

    again = await ok(world.client, STAFF_REFRESH, {"r": manager.refresh})
    assert again["staffTokenRefresh"]["token"] is None
    assert [e["code"] for e in again["staffTokenRefresh"]["userErrors"]] == [
        "INVALID_REFRESH_TOKEN"
    ]
    # The whole family is revoked: the original and the rotated tokens alike.
    _refused(await _raw(world.client, STAFF_ME, manager.headers))
    _refused(await _raw(world.client, STAFF_ME, bearer(rotated["accessToken"])))
    _refused(await _raw(world.client, CATALOG, bearer(rotated["accessToken"])))
    latest = await ok(world.client, STAFF_REFRESH, {"r": rotated["refreshToken"]})
    assert latest["staffTokenRefresh"]["token"] is None


async def test_customer_refresh_token_is_not_a_staff_one(world: World) -> None:
    """A customer's refresh token cannot be traded for staff tokens (and vice versa)."""
    data = await ok(world.client, CUSTOMER_LOGIN, {"i": world.alice.email, "p": PASSWORD})
    refresh = data["customerLogin"]["token"]["refreshToken"]
    staff_try = await ok(world.client, STAFF_REFRESH, {"r": refresh})
    assert staff_try["staffTokenRefresh"]["token"] is None
    staff = await make_staff(world.engine, world.client, StaffRole.STORE_STAFF, [world.store_a])
    customer_try = await ok(world.client, CUSTOMER_REFRESH, {"r": staff.refresh})
    assert customer_try["customerTokenRefresh"]["token"] is None


IDENTIFY = """mutation($card: String) { customerIdentify(input: {cardNumber: $card}) {
  session { token limited } customer { id } userErrors { code message } } }"""


async def test_kiosk_session_is_bound_to_its_device(world: World) -> None:
    card = (
        await ok(world.client, "{ me { membership { cardNumber } } }", headers=world.alice.headers)
    )["me"]["membership"]["cardNumber"]
    device_id, key = await register_device(world.client, world.admin, world.store_a)
    data = await ok(world.client, IDENTIFY, {"card": card}, {DEVICE_KEY: key})
    identified = data["customerIdentify"]
    assert not identified["userErrors"], identified
    session = {DEVICE_KEY: key, **bearer(identified["session"]["token"])}
    me = await ok(world.client, ME, headers=session)
    assert me["me"]["id"] == world.ids["alice"]["Customer"]

    # The session acts for Alice only: her order is readable, Bob's IDs are as absent as ever.
    read = "query($id: ID!) { order(id: $id) { id } }"
    mine = await ok(world.client, read, {"id": world.ids["alice"]["Order"]}, session)
    assert mine["order"] == {"id": world.ids["alice"]["Order"]}
    for type_name in (*CUSTOMER_TYPES, "Order"):
        result = await gql(world.client, NODE, {"id": world.ids["bob"][type_name]}, session)
        assert result.data == {"node": None} and result.error_codes() == ["NOT_FOUND"]
    theirs = await gql(world.client, read, {"id": world.ids["bob"]["Order"]}, session)
    assert theirs.data == {"order": None} and theirs.error_codes() == ["NOT_FOUND"]

    # Without its device, or on another device, the token is refused.
    _refused(await _raw(world.client, ME, bearer(identified["session"]["token"])))
    other = {DEVICE_KEY: world.kiosk_key, **bearer(identified["session"]["token"])}
    _refused(await _raw(world.client, ME, other))

    # Revoking the device ends the session with it.
    await ok(world.client, DEVICE_REVOKE, {"id": device_id}, world.admin.headers)
    _refused(await _raw(world.client, ME, session))


# --- device keys ------------------------------------------------------------------------


async def test_device_key_is_shown_once_and_stored_hashed(world: World) -> None:
    payload = await _register(world, world.manager, world.store_a, "POS")
    assert not payload["userErrors"], payload
    key = payload["deviceKey"]
    assert key.startswith("omd_") and len(key) > 40
    device_pk = _pk(payload["device"]["id"])

    async with world.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT key_hash, row_to_json(d)::text AS whole FROM devices d WHERE id = :id"
                ),
                {"id": device_pk},
            )
        ).one()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in row.whole
    assert key.removeprefix("omd_") not in row.whole

    # No field of the API gives the key back.
    device_fields = await ok(world.client, '{ __type(name: "Device") { fields { name } } }')
    names = {f["name"].lower() for f in device_fields["__type"]["fields"]}
    assert not any("key" in n for n in names), names

    # The key works as the device's credential.
    mine = await ok(world.client, NODE, {"id": payload["device"]["id"]}, {DEVICE_KEY: key})
    assert mine["node"]["id"] == payload["device"]["id"]


@pytest.mark.parametrize(
    "key",
    [
        "omd_" + "A" * 43,
        "not-a-device-key",
        "omd_",
        "omd_" + "x" * 200,
    ],
    ids=["made-up", "no-prefix", "prefix-only", "too-long"],
)
async def test_unknown_device_key_is_refused(world: World, key: str) -> None:
    _refused(await _raw(world.client, CATALOG, {DEVICE_KEY: key}))


async def test_device_key_hash_is_not_a_key(world: World) -> None:
    """The stored digest is no credential: sending it as a key is refused."""
    digest = await _sql(world.engine, "SELECT key_hash FROM devices ORDER BY id LIMIT 1")
    _refused(await _raw(world.client, CATALOG, {DEVICE_KEY: digest}))
    _refused(await _raw(world.client, CATALOG, {DEVICE_KEY: "omd_" + digest}))


# --- channel --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("device_channel", "header"),
    [("POS", "WEB"), ("POS", None), ("KIOSK", "MOBILE_APP"), ("KIOSK", "POS")],
)
async def test_device_fixes_the_channel(
    world: World, device_channel: str, header: str | None
) -> None:
    _, key = await register_device(world.client, world.admin, world.store_a, device_channel)
    headers = {DEVICE_KEY: key}
    if header is not None:
        headers[CHANNEL] = header
    # A device enrols at its own store, whatever storeId says.
    variables = {
        "input": {
            "phone": unique_phone(),
            "firstName": "Hoa",
            "storeId": gid("Location", world.store_b),
        }
    }
    data = await ok(world.client, ENROL, variables, headers)
    payload = data["membershipEnrol"]
    assert not payload["userErrors"], payload
    assert payload["customer"]["enrolledChannel"] == device_channel
    assert payload["customer"]["enrolledStore"]["id"] == gid("Location", world.store_a)
    row_channel = await _sql(
        world.engine,
        "SELECT enrolled_channel::text FROM customers WHERE id = :id",
        id=_pk(payload["customer"]["id"]),
    )
    assert row_channel == device_channel


async def test_staff_enrolment_records_the_header_channel(world: World) -> None:
    variables = {
        "input": {
            "phone": unique_phone(),
            "firstName": "Tú",
            "storeId": gid("Location", world.store_a),
        }
    }
    headers = {**world.staff.headers, CHANNEL: "POS"}
    data = await ok(world.client, ENROL, variables, headers)
    assert data["membershipEnrol"]["customer"]["enrolledChannel"] == "POS"


@pytest.mark.parametrize("value", ["SHOP", "web-site", "KIOSK;", "x" * 60])
@pytest.mark.parametrize("viewer", ["anonymous", "alice", "kiosk"])
async def test_unknown_channel_is_a_bad_request(world: World, viewer: str, value: str) -> None:
    headers = {**world.headers(viewer), CHANNEL: value}
    _refused(await _raw(world.client, CATALOG, headers), status=400, code="BAD_CHANNEL")


# --- staff sign-in ----------------------------------------------------------------------


async def test_staff_login_wrong_password(world: World) -> None:
    data = await ok(world.client, STAFF_LOGIN, {"e": world.manager.email, "p": "sai-matkhau-1"})
    payload = data["staffLogin"]
    assert payload["token"] is None and payload["staff"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_CREDENTIALS"]


async def test_staff_login_unknown_email_answers_the_same(world: World) -> None:
    wrong = await ok(world.client, STAFF_LOGIN, {"e": world.staff.email, "p": "sai-matkhau-1"})
    unknown = await ok(world.client, STAFF_LOGIN, {"e": "ai-do@song.vn", "p": "sai-matkhau-1"})
    assert wrong == unknown


async def test_deactivated_staff_is_refused(world: World) -> None:
    manager = await make_staff(world.engine, world.client, StaffRole.STORE_MANAGER, [world.store_a])
    assert (await ok(world.client, STAFF_ME, headers=manager.headers))["staffMe"]
    await _exec(world.engine, "UPDATE staff_users SET active = false WHERE id = :id", id=manager.id)

    data = await ok(world.client, STAFF_LOGIN, {"e": manager.email, "p": PASSWORD})
    payload = data["staffLogin"]
    assert payload["token"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_CREDENTIALS"]

    _refused(await _raw(world.client, STAFF_ME, manager.headers))
    _refused(await _raw(world.client, CATALOG, manager.headers))
    _refused(
        await _raw(
            world.client,
            DEVICE_REGISTER,
            manager.headers,
            input={"name": "Kiosk", "storeId": gid("Location", world.store_a), "channel": "KIOSK"},
        )
    )


async def test_deactivated_staff_refreshed_token_is_refused(world: World) -> None:
    staff = await make_staff(world.engine, world.client, StaffRole.STORE_STAFF, [world.store_a])
    await _exec(world.engine, "UPDATE staff_users SET active = false WHERE id = :id", id=staff.id)
    data = await ok(world.client, STAFF_REFRESH, {"r": staff.refresh})
    token = data["staffTokenRefresh"]["token"]
    if token is not None:
        _refused(await _raw(world.client, STAFF_ME, bearer(token["accessToken"])))


async def test_deactivated_staff_cannot_refresh(world: World) -> None:
    staff = await make_staff(world.engine, world.client, StaffRole.STORE_STAFF, [world.store_a])
    await _exec(world.engine, "UPDATE staff_users SET active = false WHERE id = :id", id=staff.id)
    data = await ok(world.client, STAFF_REFRESH, {"r": staff.refresh})
    payload = data["staffTokenRefresh"]
    assert payload["token"] is None, payload
    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_REFRESH_TOKEN"]


# --- the back office: catalog, locations, stock, import --------------------------------

BACK_OFFICE = {
    "productCreate": (
        "mutation($input: ProductInput!) { productCreate(input: $input) {",
        "product { id }",
    ),
    "productUpdate": (
        "mutation($id: ID!, $input: ProductInput!) { productUpdate(id: $id, input: $input) {",
        "product { id }",
    ),
    "productArchive": ("mutation($id: ID!) { productArchive(id: $id) {", "product { id }"),
    "productUnarchive": ("mutation($id: ID!) { productUnarchive(id: $id) {", "product { id }"),
    "variantCreate": (
        "mutation($input: VariantCreateInput!) { variantCreate(input: $input) {",
        "variant { id }",
    ),
    "variantUpdate": (
        "mutation($id: ID!, $input: VariantInput!) { variantUpdate(id: $id, input: $input) {",
        "variant { id }",
    ),
    "variantArchive": ("mutation($id: ID!) { variantArchive(id: $id) {", "variant { id }"),
    "categoryCreate": (
        "mutation($input: CategoryCreateInput!) { categoryCreate(input: $input) {",
        "category { id }",
    ),
    "categoryUpdate": (
        "mutation($id: ID!, $input: CategoryInput!) { categoryUpdate(id: $id, input: $input) {",
        "category { id }",
    ),
    "categoryMove": ("mutation($id: ID!) { categoryMove(id: $id) {", "category { id }"),
    "locationCreate": (
        "mutation($input: LocationInput!) { locationCreate(input: $input) {",
        "location { id }",
    ),
    "locationUpdate": (
        "mutation($id: ID!, $input: LocationInput!) { locationUpdate(id: $id, input: $input) {",
        "location { id }",
    ),
    "locationDeactivate": ("mutation($id: ID!) { locationDeactivate(id: $id) {", "location { id }"),
    "productsImport": (
        "mutation($input: ProductsImportInput!) { productsImport(input: $input) {",
        "created",
    ),
    "stockAdjust": (
        "mutation($input: StockAdjustInput!) { stockAdjust(input: $input) {",
        "movement { id }",
    ),
    "stockTransfer": (
        "mutation($input: StockTransferInput!) { stockTransfer(input: $input) {",
        "movements { id }",
    ),
}


async def _back_office_variables(world: World) -> dict[str, dict[str, Any]]:
    async with world.engine.connect() as conn:
        product, variant, category = (
            await conn.execute(
                text(
                    "SELECT p.id, v.id, p.category_id FROM products p "
                    "JOIN product_variants v ON v.product_id = p.id ORDER BY v.id LIMIT 1"
                )
            )
        ).one()
    product_id, variant_id = gid("Product", product), gid("ProductVariant", variant)
    category_id = gid("Category", category)
    store_b = gid("Location", world.store_b)
    csv = "sku,product_name,price\nACCESS-1,Access,1000\n"
    return {
        "productCreate": {"input": {"name": "Mallory's product"}},
        "productUpdate": {"id": product_id, "input": {"name": "Renamed"}},
        "productArchive": {"id": product_id},
        "productUnarchive": {"id": product_id},
        "variantCreate": {"input": {"productId": product_id, "sku": "MAL-1", "price": "1"}},
        "variantUpdate": {"id": variant_id, "input": {"sku": "MAL-2"}},
        "variantArchive": {"id": variant_id},
        "categoryCreate": {"input": {"name": "Mallory"}},
        "categoryUpdate": {"id": category_id, "input": {"name": "Renamed"}},
        "categoryMove": {"id": category_id},
        "locationCreate": {
            "input": {
                "code": "MAL-01",
                "name": "Mallory",
                "kind": "STORE",
                "address": {"street": "1 Phố", "province": "Hà Nội"},
                "coordinates": {"latitude": 21.0, "longitude": 105.8},
            }
        },
        "locationUpdate": {"id": store_b, "input": {"name": "Renamed"}},
        "locationDeactivate": {"id": store_b},
        "productsImport": {"input": {"format": "CSV", "content": csv}},
        # Store B: the manager and staff in the world work at store A.
        "stockAdjust": {
            "input": {
                "locationId": store_b,
                "variantId": variant_id,
                "kind": "RECEIVED",
                "delta": 5,
                "reason": "access test",
            }
        },
        "stockTransfer": {
            "input": {
                "fromLocationId": store_b,
                "toLocationId": gid("Location", world.store_a),
                "lines": [{"variantId": variant_id, "quantity": 1}],
                "reason": "access test",
            }
        },
    }


async def _back_office_counts(engine: AsyncEngine) -> tuple[int, ...]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM change_events),"
                    " (SELECT count(*) FROM stock_movements),"
                    " (SELECT count(*) FROM products), (SELECT count(*) FROM categories),"
                    " (SELECT count(*) FROM locations WHERE active)"
                )
            )
        ).one()
    return tuple(int(v) for v in row)


@pytest.mark.parametrize("mutation", sorted(BACK_OFFICE))
async def test_back_office_mutations_are_refused_to_everyone_but_admins(
    world: World, mutation: str
) -> None:
    head, selection = BACK_OFFICE[mutation]
    query = f"{head} {selection} userErrors {{ code field message }} }} }}"
    variables = (await _back_office_variables(world))[mutation]
    before = await _back_office_counts(world.engine)
    viewers = {
        "anonymous": "UNAUTHENTICATED",
        "alice": "FORBIDDEN",
        "kiosk": "FORBIDDEN",
        "staff": "FORBIDDEN",
        "manager": "FORBIDDEN",
    }
    for viewer, code in viewers.items():
        data = await ok(world.client, query, variables, world.headers(viewer))
        errors = data[mutation]["userErrors"]
        assert [e["code"] for e in errors] == [code], (viewer, data)
    assert await _back_office_counts(world.engine) == before


@pytest.mark.parametrize(
    ("viewer", "code"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("alice", "FORBIDDEN"),
        ("kiosk", "FORBIDDEN"),
        ("staff", "FORBIDDEN"),
    ],
)
async def test_stock_movements_of_another_store_are_refused(
    world: World, viewer: str, code: str
) -> None:
    query = """query($l: ID!) { stockMovements(first: 5, filter: {locationId: $l}) {
      nodes { id } } }"""
    result = await gql(
        world.client, query, {"l": gid("Location", world.store_b)}, world.headers(viewer)
    )
    assert result.error_codes() == [code]
