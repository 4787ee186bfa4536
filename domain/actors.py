"""Who performs a use case, and the access rules every capability shares.

Use cases take an `Actor` and enforce their own rules with it; the API only says who is
calling. An actor is immutable: what a request may read beyond it (a member just enrolled
at a counter) is granted by the request, not by changing the actor.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Container
from dataclasses import dataclass, field

from domain.channels import Channel
from domain.errors import forbidden, unauthenticated


class StaffRole(enum.StrEnum):
    ADMIN = "ADMIN"
    STORE_MANAGER = "STORE_MANAGER"
    STORE_STAFF = "STORE_STAFF"


class ActorKind(enum.StrEnum):
    """How a write is attributed on ledgers (points, and later stock and orders)."""

    CUSTOMER = "CUSTOMER"
    STAFF = "STAFF"
    DEVICE = "DEVICE"
    SYSTEM = "SYSTEM"


@dataclass(frozen=True, slots=True)
class StaffScope:
    """A signed-in staff user and the stores they may act on (admins: all)."""

    id: int
    role: StaffRole
    store_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role is StaffRole.ADMIN

    @property
    def manages(self) -> bool:
        """Admins and store managers; plain store staff do not run devices."""
        return self.role is not StaffRole.STORE_STAFF

    def can_act_on_store(self, location_id: int) -> bool:
        return self.is_admin or location_id in self.store_ids

    def require_store(self, location_id: int, field_name: str = "storeId") -> None:
        if not self.can_act_on_store(location_id):
            raise forbidden("You are not allowed to act on this store.", field_name)


@dataclass(frozen=True, slots=True)
class DeviceScope:
    """A kiosk or counter: bound to one store and one channel."""

    id: int
    location_id: int
    channel: Channel


@dataclass(frozen=True, slots=True)
class ActorRef:
    """Who a write is recorded against, as stored on ledger lines."""

    kind: ActorKind
    id: int | None
    channel: Channel
    location_id: int | None = None


SYSTEM = ActorRef(ActorKind.SYSTEM, None, Channel.WEB)


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of a use case: anonymous, a customer, a staff user, a device, or a device
    acting for a customer (an in-store session)."""

    channel: Channel = Channel.WEB
    client_address: str | None = None
    device: DeviceScope | None = None
    customer_id: int | None = None
    staff: StaffScope | None = None
    # The sign-in (refresh token family) of a customer or staff token.
    sign_in: uuid.UUID | None = None
    # A device's session acting for `customer_id`, and whether it is the limited kind.
    in_store_session: uuid.UUID | None = None
    # Phone-only identification at an unattended kiosk: first name and points only.
    limited: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.customer_id is None and self.staff is None and self.device is None

    def ref(self, location_id: int | None = None) -> ActorRef:
        """The ledger attribution: staff first, then device, then customer."""
        location = location_id
        if location is None and self.device is not None:
            location = self.device.location_id
        if self.staff is not None:
            return ActorRef(ActorKind.STAFF, self.staff.id, self.channel, location)
        if self.device is not None:
            return ActorRef(ActorKind.DEVICE, self.device.id, self.channel, location)
        return ActorRef(ActorKind.CUSTOMER, self.customer_id, self.channel, None)

    def require_staff(self) -> StaffScope:
        if self.staff is None:
            raise unauthenticated() if self.is_anonymous else forbidden("Staff only.")
        return self.staff

    def require_admin(self, what: str) -> StaffScope:
        """An ADMIN staff user; other staff are FORBIDDEN, anyone else UNAUTHENTICATED or
        FORBIDDEN as for `require_staff`."""
        staff = self.require_staff()
        if not staff.is_admin:
            raise forbidden(f"Only an ADMIN {what}.")
        return staff

    def require_device(self, what: str = "do this") -> DeviceScope:
        if self.device is None:
            raise forbidden(f"Only a kiosk or counter device can {what}.")
        return self.device

    def require_customer(self, *, contact: bool = False) -> int:
        """The customer a change to an account is for.

        A device's customer session may keep the address book, but never the email, phone
        or name (`contact`): a card or phone at a kiosk is not proof enough to take over the
        account. A limited session changes nothing.
        """
        if self.customer_id is None:
            raise unauthenticated()
        if self.limited or (contact and self.in_store_session is not None):
            raise forbidden("An in-store customer session cannot change these account details.")
        return self.customer_id

    def sees_customer(self, customer_id: int, granted: Container[int] = ()) -> bool:
        """The customer themself (also through an in-store session), any staff, or a
        customer this request created or identified (`granted`)."""
        return self.staff is not None or self.customer_id == customer_id or customer_id in granted

    def sees_personal_data(self, customer_id: int, granted: Container[int] = ()) -> bool:
        """Like `sees_customer`, except that a limited session sees first name and points."""
        if self.staff is not None or customer_id in granted:
            return True
        return self.customer_id == customer_id and not self.limited
