"""Helpers for tests that need customers, staff, devices and their tokens."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.actors import StaffRole
from domain.inventory.models import Location
from domain.staff.service import create_staff
from tests.conftest import gql

PASSWORD = "matkhau123"
_counter = itertools.count(1)


def gid(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", **extra}


def unique_phone() -> str:
    return f"09{next(_counter) + 10_000_000:08d}"


async def store_ids(engine: AsyncEngine) -> dict[str, int]:
    async with AsyncSession(engine) as session:
        rows = await session.execute(
            select(Location.code, Location.id).where(Location.kind == "STORE")
        )
        return {code: pk for code, pk in rows}


@dataclass
class Person:
    id: int
    token: str
    refresh: str | None = None
    email: str | None = None
    phone: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


async def make_staff(
    engine: AsyncEngine,
    client: httpx.AsyncClient,
    role: StaffRole,
    stores: list[int] | None = None,
) -> Person:
    email = f"staff{next(_counter)}@song.vn"
    async with AsyncSession(engine) as session:
        staff = await create_staff(
            session,
            email=email,
            name="Nhân viên",
            password=PASSWORD,
            role=role,
            store_ids=stores or [],
        )
        staff_id = staff.id
        await session.commit()
    result = await gql(
        client,
        "mutation($e: String!, $p: String!) { staffLogin(input: {email: $e, password: $p}) "
        "{ token { accessToken refreshToken } userErrors { code message } } }",
        {"e": email, "p": PASSWORD},
    )
    token = result.data["staffLogin"]["token"]
    assert token, result.data
    return Person(staff_id, token["accessToken"], token["refreshToken"], email=email)


REGISTER = """mutation($input: CustomerRegisterInput!) {
  customerRegister(input: $input) {
    customer { id firstName }
    token { accessToken refreshToken }
    userErrors { field message code }
  }
}"""


async def register(client: httpx.AsyncClient, **fields: Any) -> Person:
    phone = fields.pop("phone", unique_phone())
    email = fields.pop("email", f"khach{next(_counter)}@example.vn")
    variables = {
        "input": {
            "firstName": "Lan",
            "lastName": "Nguyễn",
            "password": PASSWORD,
            "phone": phone,
            "email": email,
            **fields,
        }
    }
    result = await gql(client, REGISTER, variables)
    payload = result.data["customerRegister"]
    assert not payload["userErrors"], payload["userErrors"]
    customer_id = int(
        base64.urlsafe_b64decode(payload["customer"]["id"] + "==").decode().split(":")[1]
    )
    token = payload["token"]
    return Person(customer_id, token["accessToken"], token["refreshToken"], email, phone)


async def register_device(
    client: httpx.AsyncClient, admin: Person, store_id: int, channel: str = "KIOSK"
) -> tuple[str, str]:
    """Returns (device global id, device key)."""
    result = await gql(
        client,
        """mutation($input: DeviceRegisterInput!) { deviceRegister(input: $input) {
            device { id } deviceKey userErrors { code message } } }""",
        {"input": {"name": "Kiosk", "storeId": gid("Location", store_id), "channel": channel}},
        headers=admin.headers,
    )
    payload = result.data["deviceRegister"]
    assert not payload["userErrors"], payload
    return payload["device"]["id"], payload["deviceKey"]
