"""Location management (ADMIN): locationCreate, locationUpdate, locationDeactivate."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.core.ids import expect_global_id
from api.core.mutations import error_type, mutate
from api.core.types import OmniInfo
from api.inventory.inputs import GeoPointInput
from api.inventory.types import Location, LocationKind, Weekday
from domain.inventory import locations
from domain.inventory import models as inventory
from domain.inventory.locations import LocationChanges, LocationErrorCode

LocationError = error_type(
    "LocationError", "Why a location could not be created or changed.", LocationErrorCode
)


@strawberry.input(description='An opening span in local time, e.g. opens "08:00", closes "22:00".')
class OpeningIntervalInput:
    opens: str = strawberry.field(description='"HH:MM", 24-hour clock.')
    closes: str = strawberry.field(
        description='"HH:MM"; earlier than `opens` when the span runs past midnight.'
    )


@strawberry.input(description="The opening hours of one weekday.")
class OpeningDayInput:
    day: Weekday = strawberry.field(description="The weekday.")
    intervals: list[OpeningIntervalInput] = strawberry.field(
        description="At most 4 spans; empty (or the day left out) means closed."
    )


@strawberry.input(description="A date with its own hours: a holiday closure or changed hours.")
class SpecialDayInput:
    date: date = strawberry.field(description="The local calendar date.")
    intervals: list[OpeningIntervalInput] = strawberry.field(
        description="That date's spans; empty to close all day."
    )


@strawberry.input(description="The street address of a location.")
class LocationAddressInput:
    street: str = strawberry.field(description="House number and street.")
    province: str = strawberry.field(description="Province or centrally-run city.")
    ward: str | None = strawberry.field(default=None, description="Ward (phường/xã).")
    district: str | None = strawberry.field(default=None, description="District (quận/huyện).")


@strawberry.input(
    description="Fields of a location. On create, `code`, `name`, `kind`, `address` and "
    "`coordinates` are required; on update, a field left out stays as it is."
)
class LocationInput:
    code: str | None = strawberry.field(default=None, description='Unique code, e.g. "HN-HK01".')
    name: str | None = strawberry.field(default=None, description="Display name.")
    kind: LocationKind | None = strawberry.field(default=None, description="Store or warehouse.")
    address: LocationAddressInput | None = strawberry.field(
        default=None, description="The address."
    )
    coordinates: GeoPointInput | None = strawberry.field(
        default=None, description="Where it is on the map."
    )
    phone: str | None = strawberry.field(default=None, description="Phone number.")
    timezone: str | None = strawberry.field(
        default=None, description="IANA time zone (default Asia/Ho_Chi_Minh)."
    )
    opening_hours: list[OpeningDayInput] | None = strawberry.field(
        default=None, description="The whole weekly schedule; replaces the previous one."
    )
    special_days: list[SpecialDayInput] | None = strawberry.field(
        default=None, description="Every special day (at most 366); replaces the previous list."
    )
    pickup_enabled: bool | None = strawberry.field(
        default=None, description="Whether customers can collect orders here."
    )
    pickup_lead_time_minutes: int | None = strawberry.field(
        default=None, description="Minutes from order to ready, at the earliest (0..10080)."
    )
    collect_by_days: int | None = strawberry.field(
        default=None, description="Days a ready order waits before it expires (1..30)."
    )
    ships_orders: bool | None = strawberry.field(
        default=None, description="Whether delivery orders ship from here."
    )


@strawberry.type(description="Result of a location mutation.")
class LocationPayload:
    location: Location | None = strawberry.field(
        default=None, description="The location as saved; null on failure."
    )
    user_errors: list[LocationError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


def _spans(intervals: list[OpeningIntervalInput]) -> list[tuple[str, str]]:
    return [(i.opens, i.closes) for i in intervals]


def _changes(value: LocationInput) -> LocationChanges:
    address, point = value.address, value.coordinates
    weekly: dict[str, list[tuple[str, str]]] | None = None
    if value.opening_hours is not None:
        weekly = {}
        for day in value.opening_hours:
            weekly.setdefault(str(day.day.value), []).extend(_spans(day.intervals))
    return LocationChanges(
        code=value.code,
        name=value.name,
        kind=inventory.LocationKind[value.kind.name] if value.kind else None,
        street=address.street if address else None,
        ward=address.ward if address else None,
        district=address.district if address else None,
        province=address.province if address else None,
        phone=value.phone,
        latitude=point.latitude if point else None,
        longitude=point.longitude if point else None,
        timezone=value.timezone,
        opening_hours=weekly,
        special_days={d.date: _spans(d.intervals) for d in value.special_days}
        if value.special_days is not None
        else None,
        pickup_enabled=value.pickup_enabled,
        pickup_lead_time_minutes=value.pickup_lead_time_minutes,
        collect_by_days=value.collect_by_days,
        ships_orders=value.ships_orders,
    )


def _ok(location: inventory.Location) -> LocationPayload:
    return LocationPayload(location=Location.from_model(location))


@strawberry.type
class LocationMutation:
    @strawberry.mutation(description="Open a store or warehouse (ADMIN).")
    async def location_create(
        self,
        info: OmniInfo,
        input: Annotated[LocationInput, strawberry.argument(description="The location.")],
    ) -> LocationPayload:
        actor, changes = info.context.actor, _changes(input)
        return await mutate(
            info,
            LocationPayload,
            lambda s: locations.create_location(s, actor, changes),
            _ok,
        )

    @strawberry.mutation(
        description="Change a location (ADMIN): address, coordinates, hours and special "
        "days, pickup and shipping settings."
    )
    async def location_update(
        self,
        info: OmniInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The Location.")],
        input: Annotated[LocationInput, strawberry.argument(description="Fields to change.")],
    ) -> LocationPayload:
        actor, changes = info.context.actor, _changes(input)
        pk = expect_global_id(id, "Location", "id")
        return await mutate(
            info,
            LocationPayload,
            lambda s: locations.update_location(s, actor, pk, changes),
            _ok,
            arguments=("id",),
        )

    @strawberry.mutation(
        description="Close a location for good (ADMIN): it leaves `stores`, takes no pickups "
        "and ships nothing; its stock stays on the ledger and can still be transferred out."
    )
    async def location_deactivate(
        self,
        info: OmniInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The Location.")],
    ) -> LocationPayload:
        actor = info.context.actor
        pk = expect_global_id(id, "Location", "id")
        return await mutate(
            info,
            LocationPayload,
            lambda s: locations.deactivate_location(s, actor, pk),
            _ok,
            arguments=("id",),
        )


__all__ = ["LocationError", "LocationMutation"]
