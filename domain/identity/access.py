"""Who is acting, and the rules of what they may act on."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.channels import Channel
from domain.identity.errors import IdentityError, IdentityErrorCode
from domain.identity.models import StaffRole
from domain.membership.models import ActorKind


@dataclass(frozen=True, slots=True)
class StaffActor:
    id: int
    role: StaffRole
    store_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role is StaffRole.ADMIN

    def can_act_on_store(self, location_id: int) -> bool:
        return self.is_admin or location_id in self.store_ids

    def require_store(self, location_id: int, field_name: str = "storeId") -> None:
        if not self.can_act_on_store(location_id):
            raise IdentityError(
                IdentityErrorCode.FORBIDDEN,
                "You are not allowed to act on this store.",
                field_name,
            )


@dataclass(frozen=True, slots=True)
class DeviceActor:
    id: int
    location_id: int
    channel: Channel


@dataclass(frozen=True, slots=True)
class Actor:
    """The one who performs a write, as recorded on ledgers (points, enrolments)."""

    kind: ActorKind
    id: int | None
    channel: Channel
    location_id: int | None = None
