"""Access rules, tested on the use cases themselves (no GraphQL).

Each use case is run as the API runs it: through `transaction()` on a real database, with
an `Actor` built directly. A refusal must raise the documented code and leave nothing
behind; an allowed call must record where and by whom it happened.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.actors import Actor, ActorKind, DeviceScope, StaffRole, StaffScope
from domain.auth import secrets
from domain.channels import Channel
from domain.customers import addresses
from domain.customers.addresses import AddressFields
from domain.customers.models import Customer, CustomerAddress
from domain.customers.service import create_customer, update_customer
from domain.errors import AccessDenied, CommonErrorCode, DomainError, InvalidInput, NotFound
from domain.membership import enrolment, ledger
from domain.membership.models import Membership, PointsEntry
from domain.staff import devices, sessions
from domain.staff.errors import StaffError, StaffErrorCode
from domain.staff.models import CustomerSession, Device
from domain.staff.service import create_staff, load_scope
from domain.unit_of_work import transaction
from tests.people import PASSWORD, store_ids, unique_phone

T = TypeVar("T")
SECRET = "test-secret-" + "x" * 32
_emails = itertools.count(1)

ANONYMOUS = Actor()


async def run(engine: AsyncEngine, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """One use case as the API runs it: its own session, one transaction."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        return await transaction(session, work)


async def refused(
    engine: AsyncEngine,
    work: Callable[[AsyncSession], Awaitable[object]],
    code: CommonErrorCode,
    error: type[DomainError] = AccessDenied,
) -> DomainError:
    with pytest.raises(error) as caught:
        await run(engine, work)
    assert caught.value.code is code, caught.value
    return caught.value


async def two_stores(engine: AsyncEngine) -> tuple[int, int]:
    ids = sorted((await store_ids(engine)).values())
    assert len(ids) >= 2, ids
    return ids[0], ids[1]


async def new_staff(engine: AsyncEngine, role: StaffRole, stores: list[int]) -> StaffScope:
    """A real staff row (devices record who registered them), and its scope."""

    async def work(session: AsyncSession) -> StaffScope:
        staff = await create_staff(
            session,
            email=f"rules{next(_emails)}-{uuid.uuid4().hex[:6]}@song.vn",
            name="Nhân viên",
            password=PASSWORD,
            role=role,
            store_ids=stores,
        )
        scope = await load_scope(session, staff.id)
        assert scope is not None
        return scope

    return await run(engine, work)


async def new_customer(engine: AsyncEngine, *, member: bool = False) -> int:
    """A customer without a password (no hashing cost), optionally with a membership."""

    async def work(session: AsyncSession) -> int:
        customer = await create_customer(
            session,
            email=None,
            phone=unique_phone(),
            first_name="Thu",
            password=None,
            channel=Channel.WEB,
        )
        if member:
            await enrolment.create_membership(session, customer.id)
        return customer.id

    return await run(engine, work)


async def count(engine: AsyncEngine, model: type, *where: object) -> int:
    async with AsyncSession(engine) as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


def staff_actor(role: StaffRole, *stores: int, staff_id: int = 10**9) -> Actor:
    return Actor(staff=StaffScope(staff_id, role, frozenset(stores)))


def device_actor(location_id: int, channel: Channel = Channel.KIOSK, device_id: int = 1) -> Actor:
    return Actor(channel=channel, device=DeviceScope(device_id, location_id, channel))


# --------------------------------------------------------------------------- enrolment


def enrol(actor: Actor, phone: str, store_id: int | None = None):
    def work(session: AsyncSession) -> Awaitable[enrolment.Joined]:
        return enrolment.enrol(
            session, actor, phone=phone, first_name="Mai", last_name="Trần", store_id=store_id
        )

    return work


async def enrolled(engine: AsyncEngine, phone: str) -> tuple[Customer, Membership | None] | None:
    async with AsyncSession(engine) as session:
        customer = await session.scalar(select(Customer).where(Customer.phone == phone))
        if customer is None:
            return None
        membership = await session.scalar(
            select(Membership).where(Membership.customer_id == customer.id)
        )
        return customer, membership


def e164(phone: str) -> str:
    return "+84" + phone[1:]


async def test_a_device_enrols_at_its_own_store_on_its_channel(engine):
    store_a, store_b = await two_stores(engine)
    for channel in (Channel.KIOSK, Channel.POS):
        phone = unique_phone()
        # A device is bound to its store: a storeId it passes does not move the enrolment.
        joined = await run(engine, enrol(device_actor(store_a, channel), phone, store_id=store_b))
        assert joined.customer.enrolled_location_id == store_a
        assert joined.customer.enrolled_channel is channel
        assert joined.customer.password_hash is None
        found = await enrolled(engine, e164(phone))
        assert found is not None
        customer, membership = found
        assert (customer.id, customer.enrolled_location_id) == (joined.customer.id, store_a)
        assert customer.enrolled_channel is channel
        assert membership is not None and membership.id == joined.membership.id
        assert membership.points_balance == 0 and membership.card_number


async def test_staff_enrol_at_a_store_they_name_and_must_belong_to(engine):
    store_a, store_b = await two_stores(engine)
    for role in (StaffRole.STORE_STAFF, StaffRole.STORE_MANAGER):
        actor = staff_actor(role, store_a)

        phone = unique_phone()
        error = await refused(
            engine, enrol(actor, phone), CommonErrorCode.INVALID_INPUT, InvalidInput
        )
        assert error.field == "storeId"
        assert await enrolled(engine, e164(phone)) is None

        error = await refused(engine, enrol(actor, phone, store_b), CommonErrorCode.FORBIDDEN)
        assert error.field == "storeId"
        assert await enrolled(engine, e164(phone)) is None

        joined = await run(engine, enrol(actor, phone, store_a))
        assert joined.customer.enrolled_location_id == store_a
        assert joined.customer.enrolled_channel is Channel.WEB  # the actor's channel
        found = await enrolled(engine, e164(phone))
        assert found is not None and found[1] is not None
        assert found[1].customer_id == joined.customer.id


async def test_an_admin_enrols_at_any_store_but_names_it(engine):
    store_a, store_b = await two_stores(engine)
    admin = Actor(channel=Channel.POS, staff=StaffScope(1, StaffRole.ADMIN))
    for store in (store_a, store_b):
        phone = unique_phone()
        joined = await run(engine, enrol(admin, phone, store))
        assert joined.customer.enrolled_location_id == store
        assert joined.customer.enrolled_channel is Channel.POS
        found = await enrolled(engine, e164(phone))
        assert found is not None and found[1] is not None
    error = await refused(
        engine, enrol(admin, unique_phone()), CommonErrorCode.INVALID_INPUT, InvalidInput
    )
    assert error.field == "storeId"


async def test_anonymous_callers_and_customers_cannot_enrol(engine):
    store_a, _ = await two_stores(engine)
    customer_id = await new_customer(engine)
    before = await count(engine, Customer)
    phone = unique_phone()
    await refused(engine, enrol(ANONYMOUS, phone, store_a), CommonErrorCode.UNAUTHENTICATED)
    await refused(
        engine, enrol(Actor(customer_id=customer_id), phone, store_a), CommonErrorCode.FORBIDDEN
    )
    assert await count(engine, Customer) == before
    assert await enrolled(engine, e164(phone)) is None


async def test_an_admin_enrolling_at_a_missing_store_is_told_about_the_store(engine):
    admin = Actor(staff=StaffScope(1, StaffRole.ADMIN))
    with pytest.raises(DomainError) as caught:
        await run(engine, enrol(admin, unique_phone(), 10**9))
    assert caught.value.field == "storeId", (caught.value.code, caught.value.field)


# --------------------------------------------------------------------------- points


def adjust(actor: Actor, customer_id: int, store_id: int | None = None, amount: int = 40):
    def work(session: AsyncSession) -> Awaitable[tuple[PointsEntry, Membership]]:
        return ledger.adjust_points(session, actor, customer_id, amount, "Bù điểm", store_id)

    return work


async def entries(engine: AsyncEngine, customer_id: int) -> list[PointsEntry]:
    async with AsyncSession(engine) as session:
        rows = await session.scalars(
            select(PointsEntry)
            .join(Membership, Membership.id == PointsEntry.membership_id)
            .where(Membership.customer_id == customer_id)
            .order_by(PointsEntry.id)
        )
        return list(rows)


async def test_store_staff_adjust_points_for_one_of_their_stores(engine):
    store_a, store_b = await two_stores(engine)
    customer_id = await new_customer(engine, member=True)
    for role in (StaffRole.STORE_STAFF, StaffRole.STORE_MANAGER):
        actor = staff_actor(role, store_a, staff_id=77)
        error = await refused(
            engine, adjust(actor, customer_id), CommonErrorCode.INVALID_INPUT, InvalidInput
        )
        assert error.field == "storeId"
        error = await refused(
            engine, adjust(actor, customer_id, store_b), CommonErrorCode.FORBIDDEN
        )
        assert error.field == "storeId"
        assert await entries(engine, customer_id) == []

    actor = staff_actor(StaffRole.STORE_STAFF, store_a, staff_id=77)
    entry, membership = await run(engine, adjust(actor, customer_id, store_a))
    assert entry.location_id == store_a
    assert (entry.actor_kind, entry.actor_id) == (ActorKind.STAFF, 77)
    assert entry.channel is Channel.WEB
    assert membership.points_balance == 40
    [stored] = await entries(engine, customer_id)
    assert (stored.id, stored.location_id, stored.actor_kind) == (
        entry.id,
        store_a,
        ActorKind.STAFF,
    )


async def test_an_admin_adjusts_points_with_or_without_a_store(engine):
    _, store_b = await two_stores(engine)
    customer_id = await new_customer(engine, member=True)
    admin = Actor(staff=StaffScope(5, StaffRole.ADMIN))
    entry, _ = await run(engine, adjust(admin, customer_id))
    assert entry.location_id is None
    assert (entry.actor_kind, entry.actor_id) == (ActorKind.STAFF, 5)
    entry, membership = await run(engine, adjust(admin, customer_id, store_b, amount=-15))
    assert entry.location_id == store_b
    assert membership.points_balance == 25
    stored = await entries(engine, customer_id)
    assert [(e.amount, e.location_id) for e in stored] == [(40, None), (-15, store_b)]


async def test_only_staff_adjust_points(engine):
    store_a, _ = await two_stores(engine)
    customer_id = await new_customer(engine, member=True)
    for actor in (
        device_actor(store_a),
        device_actor(store_a, Channel.POS),
        Actor(customer_id=customer_id),
        # A device's session for this very customer is not staff either.
        Actor(
            channel=Channel.POS,
            device=DeviceScope(1, store_a, Channel.POS),
            customer_id=customer_id,
            in_store_session=uuid.uuid4(),
        ),
    ):
        for store in (None, store_a):
            await refused(engine, adjust(actor, customer_id, store), CommonErrorCode.FORBIDDEN)
    for store in (None, store_a):
        await refused(
            engine, adjust(ANONYMOUS, customer_id, store), CommonErrorCode.UNAUTHENTICATED
        )
    assert await entries(engine, customer_id) == []


async def test_an_admin_adjusting_at_a_missing_store_gets_a_domain_error(engine):
    customer_id = await new_customer(engine, member=True)
    admin = Actor(staff=StaffScope(5, StaffRole.ADMIN))
    try:
        await run(engine, adjust(admin, customer_id, 10**9))
    except DomainError as error:
        assert error.field == "storeId"
    except Exception as error:  # the bug: not a DomainError
        raise AssertionError(f"not a DomainError: {type(error).__name__}") from error
    else:
        raise AssertionError("an entry was written for a store that does not exist")


# --------------------------------------------------------------------------- contact details


def add_address(actor: Actor):
    def work(session: AsyncSession) -> Awaitable[CustomerAddress]:
        return addresses.add_address(
            session,
            actor,
            AddressFields(
                recipient="Lan Nguyễn",
                phone="0901234567",
                street="12 Lý Thường Kiệt",
                district="Hoàn Kiếm",
                province="Hà Nội",
            ),
        )

    return work


def rename(actor: Actor, email: str | None = None):
    def work(session: AsyncSession) -> Awaitable[Customer]:
        return update_customer(session, actor, first_name="Hoa", email=email)

    return work


async def customer_row(engine: AsyncEngine, customer_id: int) -> Customer:
    async with AsyncSession(engine) as session:
        customer = await session.get(Customer, customer_id)
        assert customer is not None
        return customer


async def test_an_in_store_session_keeps_the_address_book_but_not_contact_details(engine):
    store_a, _ = await two_stores(engine)
    customer_id = await new_customer(engine)
    for channel in (Channel.KIOSK, Channel.POS):
        actor = Actor(
            channel=channel,
            device=DeviceScope(1, store_a, channel),
            customer_id=customer_id,
            in_store_session=uuid.uuid4(),
        )
        address = await run(engine, add_address(actor))
        assert address.customer_id == customer_id
        await refused(engine, rename(actor), CommonErrorCode.FORBIDDEN)
        await refused(engine, rename(actor, email="takeover@example.vn"), CommonErrorCode.FORBIDDEN)
    assert await count(engine, CustomerAddress, CustomerAddress.customer_id == customer_id) == 2
    customer = await customer_row(engine, customer_id)
    assert (customer.first_name, customer.email) == ("Thu", None)


async def test_a_limited_session_changes_nothing(engine):
    store_a, _ = await two_stores(engine)
    customer_id = await new_customer(engine)
    actor = Actor(
        channel=Channel.KIOSK,
        device=DeviceScope(1, store_a, Channel.KIOSK),
        customer_id=customer_id,
        in_store_session=uuid.uuid4(),
        limited=True,
    )
    await refused(engine, add_address(actor), CommonErrorCode.FORBIDDEN)
    await refused(engine, rename(actor), CommonErrorCode.FORBIDDEN)
    assert await count(engine, CustomerAddress, CustomerAddress.customer_id == customer_id) == 0
    assert (await customer_row(engine, customer_id)).first_name == "Thu"


async def test_a_signed_in_customer_changes_both(engine):
    customer_id = await new_customer(engine)
    actor = Actor(customer_id=customer_id, sign_in=uuid.uuid4())
    address = await run(engine, add_address(actor))
    assert (address.customer_id, address.is_default) == (customer_id, True)
    customer = await run(engine, rename(actor, email="Hoa@Example.vn"))
    assert customer.id == customer_id
    stored = await customer_row(engine, customer_id)
    assert stored.first_name == "Hoa"
    assert stored.email is not None and stored.email.lower() == "hoa@example.vn"


async def test_anonymous_callers_change_no_account(engine):
    await refused(engine, add_address(ANONYMOUS), CommonErrorCode.UNAUTHENTICATED)
    await refused(engine, rename(ANONYMOUS), CommonErrorCode.UNAUTHENTICATED)
    assert await count(engine, CustomerAddress) == 0


# --------------------------------------------------------------------------- devices


def register(actor: Actor, location_id: int, channel: Channel = Channel.KIOSK):
    def work(session: AsyncSession) -> Awaitable[tuple[Device, str]]:
        return devices.register_device(
            session, actor, name="Quầy 1", location_id=location_id, channel=channel
        )

    return work


def revoke(actor: Actor, device_id: int):
    def work(session: AsyncSession) -> Awaitable[Device]:
        return devices.revoke_device(session, actor, device_id)

    return work


async def test_only_admins_and_the_stores_managers_register_devices(engine):
    store_a, store_b = await two_stores(engine)
    customer_id = await new_customer(engine)
    manager_a = Actor(staff=await new_staff(engine, StaffRole.STORE_MANAGER, [store_a]))
    admin = Actor(staff=await new_staff(engine, StaffRole.ADMIN, []))

    await refused(
        engine,
        register(staff_actor(StaffRole.STORE_STAFF, store_a), store_a),
        CommonErrorCode.FORBIDDEN,
    )
    error = await refused(
        engine,
        register(staff_actor(StaffRole.STORE_MANAGER, store_b), store_a),
        CommonErrorCode.FORBIDDEN,
    )
    assert error.field == "storeId"
    await refused(
        engine, register(Actor(customer_id=customer_id), store_a), CommonErrorCode.FORBIDDEN
    )
    await refused(engine, register(device_actor(store_a), store_a), CommonErrorCode.FORBIDDEN)
    await refused(engine, register(ANONYMOUS, store_a), CommonErrorCode.UNAUTHENTICATED)
    for actor in (manager_a, admin):
        with pytest.raises(StaffError) as caught:
            await run(engine, register(actor, store_a, Channel.WEB))
        assert (caught.value.code, caught.value.field) == (StaffErrorCode.DEVICE_CHANNEL, "channel")
    assert await count(engine, Device) == 0

    registered = []
    for actor, store, channel in (
        (manager_a, store_a, Channel.KIOSK),
        (admin, store_b, Channel.POS),
    ):
        device, key = await run(engine, register(actor, store, channel))
        assert key.startswith("omd_") and len(key) > 40
        assert actor.staff is not None
        assert (device.location_id, device.channel, device.created_by_staff_id) == (
            store,
            channel,
            actor.staff.id,
        )
        registered.append((device.id, key))
    (id_a, key_a), (id_b, key_b) = registered
    assert key_a != key_b
    async with AsyncSession(engine) as session:
        found = await devices.authenticate(session, key_a)
        assert found is not None and found.id == id_a
        stored = await session.get(Device, id_b)
        assert stored is not None
        # Only the key's digest is kept.
        assert stored.key_hash == secrets.digest(key_b) and key_b not in stored.key_hash


async def test_only_admins_and_the_stores_managers_revoke_devices(engine):
    store_a, store_b = await two_stores(engine)
    customer_id = await new_customer(engine)
    manager_a = Actor(staff=await new_staff(engine, StaffRole.STORE_MANAGER, [store_a]))
    admin = Actor(staff=await new_staff(engine, StaffRole.ADMIN, []))
    device_a, key_a = await run(engine, register(manager_a, store_a))
    device_b, key_b = await run(engine, register(admin, store_b))

    await refused(
        engine,
        revoke(staff_actor(StaffRole.STORE_STAFF, store_a), device_a.id),
        CommonErrorCode.FORBIDDEN,
    )
    # Another store's device is not even visible: the same answer as a missing one.
    for device_id in (device_a.id, 10**9):
        await refused(
            engine,
            revoke(staff_actor(StaffRole.STORE_MANAGER, store_b), device_id),
            CommonErrorCode.NOT_FOUND,
            NotFound,
        )
    await refused(
        engine, revoke(Actor(customer_id=customer_id), device_a.id), CommonErrorCode.FORBIDDEN
    )
    await refused(
        engine,
        revoke(device_actor(store_a, device_id=device_a.id), device_a.id),
        CommonErrorCode.FORBIDDEN,
    )
    await refused(engine, revoke(ANONYMOUS, device_a.id), CommonErrorCode.UNAUTHENTICATED)
    async with AsyncSession(engine) as session:
        assert await devices.authenticate(session, key_a) is not None

    revoked = await run(engine, revoke(manager_a, device_a.id))
    assert revoked.revoked_at is not None
    again = await run(engine, revoke(admin, device_a.id))
    assert again.revoked_at == revoked.revoked_at  # revoking twice keeps the first time
    await run(engine, revoke(admin, device_b.id))
    async with AsyncSession(engine) as session:
        assert await devices.authenticate(session, key_a) is None
        assert await devices.authenticate(session, key_b) is None


# --------------------------------------------------------------------------- identification


def identify(actor: Actor, *, card_number: str | None = None, phone: str | None = None):
    def work(session: AsyncSession) -> Awaitable[sessions.StartedSession]:
        return sessions.start(session, actor, card_number=card_number, phone=phone, secret=SECRET)

    return work


async def member_details(engine: AsyncEngine, customer_id: int) -> tuple[str, str]:
    async with AsyncSession(engine) as session:
        customer = await session.get(Customer, customer_id)
        card = await session.scalar(
            select(Membership.card_number).where(Membership.customer_id == customer_id)
        )
        assert customer is not None and customer.phone is not None and card is not None
        return card, customer.phone


async def test_only_a_device_identifies_customers(engine):
    store_a, _ = await two_stores(engine)
    customer_id = await new_customer(engine, member=True)
    card, phone = await member_details(engine, customer_id)
    for actor in (
        ANONYMOUS,
        Actor(customer_id=customer_id),
        staff_actor(StaffRole.STORE_STAFF, store_a),
        Actor(channel=Channel.POS, staff=StaffScope(1, StaffRole.ADMIN)),
    ):
        await refused(engine, identify(actor, card_number=card), CommonErrorCode.FORBIDDEN)
        await refused(engine, identify(actor, phone=phone), CommonErrorCode.FORBIDDEN)
    assert await count(engine, CustomerSession) == 0


async def test_a_device_identifies_by_card_or_phone_and_ends_its_session(engine):
    store_a, _ = await two_stores(engine)
    customer_id = await new_customer(engine, member=True)
    card, phone = await member_details(engine, customer_id)
    admin = Actor(staff=await new_staff(engine, StaffRole.ADMIN, []))
    kiosk_row, _ = await run(engine, register(admin, store_a, Channel.KIOSK))
    pos_row, _ = await run(engine, register(admin, store_a, Channel.POS))
    kiosk = device_actor(store_a, Channel.KIOSK, kiosk_row.id)
    pos = device_actor(store_a, Channel.POS, pos_row.id)

    await refused(engine, identify(kiosk), CommonErrorCode.INVALID_INPUT, InvalidInput)
    await refused(
        engine,
        identify(kiosk, card_number=card, phone=phone),
        CommonErrorCode.INVALID_INPUT,
        InvalidInput,
    )
    await refused(
        engine, identify(kiosk, card_number="0" * 16), CommonErrorCode.NOT_FOUND, NotFound
    )

    # A phone is not proof of identity at an unattended kiosk; a card, or a cashier, is.
    for actor, how, limited in (
        (kiosk, {"phone": phone}, True),
        (kiosk, {"card_number": card}, False),
        (pos, {"phone": phone}, False),
    ):
        started = await run(engine, identify(actor, **how))
        assert started.customer.id == customer_id
        assert actor.device is not None
        assert (started.session.device_id, started.session.limited) == (actor.device.id, limited)
        assert started.session.expires_at > datetime.now(UTC)
        assert started.token

    started = await run(engine, identify(kiosk, card_number=card))
    in_session = Actor(
        channel=Channel.KIOSK,
        device=kiosk.device,
        customer_id=customer_id,
        in_store_session=started.session.id,
    )
    # Ending needs the device's own session: not a customer, not another device.
    for actor in (
        ANONYMOUS,
        Actor(customer_id=customer_id),
        kiosk,
    ):
        await refused(
            engine, lambda s, a=actor: sessions.end(s, a), CommonErrorCode.UNAUTHENTICATED
        )
    other_device = Actor(
        channel=Channel.POS,
        device=pos.device,
        customer_id=customer_id,
        in_store_session=started.session.id,
    )
    await run(engine, lambda s: sessions.end(s, other_device))
    async with AsyncSession(engine) as session:
        assert await sessions.active(session, started.session.id, kiosk_row.id) is not None
    await run(engine, lambda s: sessions.end(s, in_session))
    async with AsyncSession(engine) as session:
        assert await sessions.active(session, started.session.id, kiosk_row.id) is None
        row = await session.get(CustomerSession, started.session.id)
        assert row is not None and row.ended_at is not None
