"""Kiosks and counters: registering, revoking and recognising them by key.

A device key is random (256 bits), shown once, and stored as its SHA-256.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.auth import secrets
from domain.channels import DEVICE_CHANNELS, Channel
from domain.errors import NotFound, forbidden
from domain.inventory.models import Location
from domain.staff.errors import StaffError, StaffErrorCode
from domain.staff.models import Device
from domain.text import clean_text


async def register_device(
    session: AsyncSession, actor: Actor, *, name: str, location_id: int, channel: Channel
) -> tuple[Device, str]:
    """A new kiosk or counter (admins, and managers of that store); returns the device
    and its key."""
    staff = actor.require_staff()
    if not staff.manages:
        raise forbidden("Only admins and store managers register devices.")
    staff.require_store(location_id)
    if channel not in DEVICE_CHANNELS:
        raise StaffError(StaffErrorCode.DEVICE_CHANNEL, "A device is a KIOSK or a POS.", "channel")
    location = await session.get(Location, location_id)
    if location is None or not location.active:
        raise StaffError(StaffErrorCode.STORE_NOT_FOUND, "No such store.", "storeId")
    key = secrets.new_token("omd_")
    device = Device(
        name=clean_text(name, "name", 120),
        location_id=location_id,
        channel=channel,
        key_hash=secrets.digest(key),
        created_by_staff_id=staff.id,
    )
    session.add(device)
    await session.flush()
    return device, key


async def revoke_device(session: AsyncSession, actor: Actor, device_id: int) -> Device:
    staff = actor.require_staff()
    device = await session.get(Device, device_id, with_for_update=True)
    if device is None or not staff.can_act_on_store(device.location_id):
        raise NotFound("No such device.", "id")
    if not staff.manages:
        raise forbidden("Only admins and store managers revoke devices.")
    if device.revoked_at is None:
        device.revoked_at = datetime.now(UTC)
        await session.flush()
    return device


async def authenticate(session: AsyncSession, key: str) -> Device | None:
    if not key.startswith("omd_") or len(key) > 100:
        return None
    device = await session.scalar(select(Device).where(Device.key_hash == secrets.digest(key)))
    if device is None or device.revoked_at is not None:
        return None
    return device
