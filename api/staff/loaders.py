"""DataLoaders of staff users and devices."""

from __future__ import annotations

from api.core.loaders import Loader
from domain.staff import repository
from domain.staff.models import Device, StaffUser

staff: Loader[int, StaffUser | None] = Loader(repository.staff_by_ids)
store_ids: Loader[int, list[int]] = Loader(repository.store_ids_by_staff_ids, list)
device: Loader[int, Device | None] = Loader(repository.devices_by_ids)
