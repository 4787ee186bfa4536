"""Managing locations (ADMIN): create, update, deactivate; hours and special days."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.changes import events
from domain.changes.models import ChangeKind
from domain.errors import DomainError, ErrorCode, InvalidInput, NotFound
from domain.inventory.hours import DAYS
from domain.inventory.models import Location, LocationKind
from domain.text import clean_text

MAX_INTERVALS_PER_DAY = 4
MAX_SPECIAL_DAYS = 366
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")

Spans = list[tuple[str, str]]


class LocationErrorCode(ErrorCode):
    CODE_TAKEN = "CODE_TAKEN", "Another location already has this code."
    INVALID_HOURS = "INVALID_HOURS", "Opening hours or special days are not valid."


@dataclass(frozen=True, slots=True)
class LocationChanges:
    """Fields to set; None leaves a field as it is (on create: the default)."""

    code: str | None = None
    name: str | None = None
    kind: LocationKind | None = None
    street: str | None = None
    ward: str | None = None
    district: str | None = None
    province: str | None = None
    phone: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    timezone: str | None = None
    opening_hours: dict[str, Spans] | None = None
    special_days: dict[date, Spans] | None = None
    pickup_enabled: bool | None = None
    pickup_lead_time_minutes: int | None = None
    collect_by_days: int | None = None
    ships_orders: bool | None = None


REQUIRED_ON_CREATE = ("code", "name", "kind", "street", "province", "latitude", "longitude")


def _hours_error(message: str, field: str) -> DomainError:
    return DomainError(LocationErrorCode.INVALID_HOURS, message, field)


def _spans(spans: Spans, field: str) -> list[list[str]]:
    if len(spans) > MAX_INTERVALS_PER_DAY:
        raise _hours_error(f"At most {MAX_INTERVALS_PER_DAY} spans a day.", field)
    parsed: list[list[str]] = []
    for opens, closes in spans:
        try:
            o, c = time.fromisoformat(opens), time.fromisoformat(closes)
        except ValueError:
            raise _hours_error('Times are "HH:MM" on a 24-hour clock.', field) from None
        if o == c:
            raise _hours_error("A span cannot open and close at the same time.", field)
        parsed.append([o.strftime("%H:%M"), c.strftime("%H:%M")])
    return sorted(parsed)


def _check(changes: LocationChanges) -> dict[str, Any]:
    """The column values of `changes`, validated and normalised."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(changes):
        value = getattr(changes, f.name)
        if value is not None:
            values[f.name] = value
    texts = (("name", 200), ("street", 250), ("province", 120), ("ward", 120), ("district", 120))
    for name, limit in texts:
        if name in values:
            optional = name in ("ward", "district")
            values[name] = clean_text(values[name], name, limit, required=not optional)
    if "code" in values:
        code = values["code"].strip().upper()
        if not _CODE.match(code):
            raise InvalidInput(
                "`code` is 2–32 capital letters, digits and dashes, e.g. HN-HK01.", "code"
            )
        values["code"] = code
    if "latitude" in values and not -90 <= values["latitude"] <= 90:
        raise InvalidInput("`latitude` is in -90..90.", "coordinates")
    if "longitude" in values and not -180 <= values["longitude"] <= 180:
        raise InvalidInput("`longitude` is in -180..180.", "coordinates")
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput("`timezone` must be an IANA time zone.", "timezone") from None
    lead = values.get("pickup_lead_time_minutes")
    if lead is not None and not 0 <= lead <= 10080:
        raise InvalidInput("`pickupLeadTimeMinutes` is 0..10080 (a week).", "pickupLeadTimeMinutes")
    if "collect_by_days" in values and not 1 <= values["collect_by_days"] <= 30:
        raise InvalidInput("`collectByDays` is 1..30.", "collectByDays")
    if "opening_hours" in values:
        weekly = values["opening_hours"]
        unknown = set(weekly) - set(DAYS)
        if unknown:
            raise _hours_error(f"Unknown day {sorted(unknown)[0]!r}.", "openingHours")
        values["opening_hours"] = {
            day: _spans(weekly[day], "openingHours") for day in DAYS if weekly.get(day)
        }
    if "special_days" in values:
        special = values["special_days"]
        if len(special) > MAX_SPECIAL_DAYS:
            raise _hours_error(f"At most {MAX_SPECIAL_DAYS} special days.", "specialDays")
        values["special_days"] = {
            day.isoformat(): _spans(spans, "specialDays") for day, spans in sorted(special.items())
        }
    if "phone" in values:
        values["phone"] = clean_text(values["phone"], "phone", 32, required=False) or None
    return values


async def _code_free(session: AsyncSession, code: str, location_id: int | None) -> None:
    taken = await session.scalar(select(Location.id).where(Location.code == code))
    if taken is not None and taken != location_id:
        raise DomainError(LocationErrorCode.CODE_TAKEN, f"Code {code} is taken.", "code")


def _payload(location: Location) -> dict[str, Any]:
    return {"locationId": location.id, "code": location.code, "active": location.active}


async def create_location(
    session: AsyncSession, actor: Actor, changes: LocationChanges
) -> Location:
    actor.require_admin("manages locations")
    values = _check(changes)
    missing = [name for name in REQUIRED_ON_CREATE if name not in values]
    if missing:
        raise InvalidInput(f"`{missing[0]}` is required.", missing[0])
    await _code_free(session, values["code"], None)
    location = Location(**values)
    session.add(location)
    await session.flush()
    await events.record(
        session, actor.ref(), ChangeKind.LOCATION_CREATED, location.id, _payload(location)
    )
    return location


async def _existing(session: AsyncSession, location_id: int) -> Location:
    location = await session.get(Location, location_id, with_for_update=True)
    if location is None:
        raise NotFound("No such location.", "id")
    return location


async def update_location(
    session: AsyncSession, actor: Actor, location_id: int, changes: LocationChanges
) -> Location:
    actor.require_admin("manages locations")
    values = _check(changes)
    location = await _existing(session, location_id)
    if "code" in values:
        await _code_free(session, values["code"], location.id)
    for name, value in values.items():
        setattr(location, name, value)
    await session.flush()
    payload = {**_payload(location), "fields": sorted(values)}
    await events.record(session, actor.ref(), ChangeKind.LOCATION_UPDATED, location.id, payload)
    return location


async def deactivate_location(session: AsyncSession, actor: Actor, location_id: int) -> Location:
    """The location leaves `stores` and takes no pickups; its stock stays on the ledger."""
    actor.require_admin("manages locations")
    location = await _existing(session, location_id)
    if location.active:
        location.active = False
        location.pickup_enabled = False
        location.ships_orders = False
        await session.flush()
        await events.record(
            session, actor.ref(), ChangeKind.LOCATION_DEACTIVATED, location.id, _payload(location)
        )
    return location
