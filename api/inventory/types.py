"""GraphQL types of locations (stores and warehouses) and stock availability."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import strawberry

from api.core import reads
from api.core.ids import to_global_id
from api.core.node import node_resolver
from api.core.types import Node, OmniInfo, PageInfo, PostalAddress
from api.inventory import loaders
from domain.inventory import hours, models


@strawberry.enum(description="What a location is.")
class LocationKind(enum.Enum):
    STORE = strawberry.enum_value("STORE", description="A shop customers can visit.")
    WAREHOUSE = strawberry.enum_value("WAREHOUSE", description="A warehouse; not open to visitors.")


@strawberry.enum(description="Days of the week.")
class Weekday(enum.Enum):
    MONDAY = strawberry.enum_value("mon", description="Monday (Thứ Hai).")
    TUESDAY = strawberry.enum_value("tue", description="Tuesday (Thứ Ba).")
    WEDNESDAY = strawberry.enum_value("wed", description="Wednesday (Thứ Tư).")
    THURSDAY = strawberry.enum_value("thu", description="Thursday (Thứ Năm).")
    FRIDAY = strawberry.enum_value("fri", description="Friday (Thứ Sáu).")
    SATURDAY = strawberry.enum_value("sat", description="Saturday (Thứ Bảy).")
    SUNDAY = strawberry.enum_value("sun", description="Sunday (Chủ Nhật).")


@strawberry.type(description="A span of opening time in local time (HH:MM, 24-hour clock).")
class OpeningInterval:
    opens: str = strawberry.field(description='Opening time, e.g. "08:30".')
    closes: str = strawberry.field(
        description='Closing time, e.g. "22:00"; earlier than `opens` when it runs past midnight.'
    )


@strawberry.type(description="The opening hours of one weekday.")
class OpeningDay:
    day: Weekday = strawberry.field(description="The weekday.")
    intervals: list[OpeningInterval] = strawberry.field(
        description="Opening spans in order; empty when the location is closed all day."
    )


def _intervals(spans: hours.Intervals) -> list[OpeningInterval]:
    return [
        OpeningInterval(opens=opens.strftime("%H:%M"), closes=closes.strftime("%H:%M"))
        for opens, closes in spans
    ]


@strawberry.type(description="A date with its own opening hours.")
class SpecialDay:
    date: date = strawberry.field(description="The local calendar date.")
    intervals: list[OpeningInterval] = strawberry.field(
        description="Opening spans that date; empty when the location is closed all day."
    )

    @strawberry.field(description="True when the location is closed all that day.")
    def closed(self) -> bool:
        return not self.intervals


@strawberry.type(description="The street address of a store or warehouse.")
class Address(PostalAddress):
    pass


@strawberry.type(description="A point on the map (WGS 84).")
class GeoCoordinates:
    latitude: float = strawberry.field(description="Latitude in degrees.")
    longitude: float = strawberry.field(description="Longitude in degrees.")


@strawberry.type(description="A store or a warehouse. Stock is held per location.")
class Location(Node):
    model: strawberry.Private[models.Location]
    code: str = strawberry.field(description='Short unique code, e.g. "HN-HK01".')
    name: str = strawberry.field(description="Display name.")
    kind: LocationKind = strawberry.field(description="Store or warehouse.")
    phone: str | None = strawberry.field(description="Phone number; null when none.")
    timezone: str = strawberry.field(description="IANA time zone of the opening hours.")
    pickup_enabled: bool = strawberry.field(
        description="True when customers can collect click-and-collect orders here."
    )
    pickup_lead_time_minutes: int = strawberry.field(
        description="Minutes between placing a pickup order and it being ready, at the earliest."
    )
    ships_orders: bool = strawberry.field(
        description="True when delivery orders are shipped from here."
    )
    collect_by_days: int = strawberry.field(
        description="Days a click-and-collect order waits here, once ready, before it expires."
    )

    @classmethod
    def from_model(cls, model: models.Location) -> Location:
        return cls(
            model=model,
            id=strawberry.ID(to_global_id("Location", model.id)),
            code=model.code,
            name=model.name,
            kind=LocationKind(model.kind.value),
            phone=model.phone,
            timezone=model.timezone,
            pickup_enabled=model.pickup_enabled,
            pickup_lead_time_minutes=model.pickup_lead_time_minutes,
            ships_orders=model.ships_orders,
            collect_by_days=model.collect_by_days,
        )

    @strawberry.field(description="The street address.")
    def address(self) -> Address:
        m = self.model
        return Address(street=m.street, ward=m.ward, district=m.district, province=m.province)

    @strawberry.field(description="Where the location is on the map.")
    def coordinates(self) -> GeoCoordinates:
        return GeoCoordinates(latitude=self.model.latitude, longitude=self.model.longitude)

    @strawberry.field(description="Weekly opening hours, Monday first, in `timezone` local time.")
    def opening_hours(self) -> list[OpeningDay]:
        return [
            OpeningDay(
                day=Weekday(day),
                intervals=_intervals(hours.parse_intervals(self.model.opening_hours, day)),
            )
            for day in hours.DAYS
        ]

    @strawberry.field(
        description="Dates whose hours differ from the weekly hours (holidays, changed "
        "hours), from today on, earliest first; at most 31."
    )
    def special_days(self) -> list[SpecialDay]:
        now = datetime.now(ZoneInfo(self.model.timezone))
        reads.true_until(reads.next_minute(now))  # "from today on" moves at midnight
        today = now.date().isoformat()
        upcoming = sorted(d for d in (self.model.special_days or {}) if d >= today)
        return [
            SpecialDay(
                date=date.fromisoformat(day),
                intervals=_intervals(
                    hours.intervals_on({}, self.model.special_days, date.fromisoformat(day))
                ),
            )
            for day in upcoming[:31]
        ]

    @strawberry.field(
        description="True when the location is open right now (in its time zone), special "
        "days included."
    )
    def is_open_now(self) -> bool:
        m = self.model
        now = datetime.now(UTC)
        reads.true_until(reads.next_minute(now))
        return hours.is_open(m.opening_hours, m.timezone, now, m.special_days)


@strawberry.type(description="How many units of a variant a location can sell now.")
class StockAvailability:
    location_id: strawberry.Private[int]
    available: int = strawberry.field(
        description="Units on hand minus units reserved for open orders; never negative."
    )

    @classmethod
    def from_level(cls, level: models.StockLevel) -> StockAvailability:
        return cls(location_id=level.location_id, available=max(0, level.on_hand - level.reserved))

    @strawberry.field(description="The store or warehouse.")
    async def location(self, info: OmniInfo) -> Location:
        location = await loaders.location(info).load(self.location_id)
        assert location is not None  # stock rows reference locations (FK)
        return Location.from_model(location)


@node_resolver("Location")
async def _location_node(info: OmniInfo, pk: int) -> Node | None:
    location = await loaders.location(info).load(pk)
    return Location.from_model(location) if location and location.active else None


@strawberry.type(description="A store and its cursor in a `stores` page.")
class LocationEdge:
    cursor: str = strawberry.field(description="Pass to `after` or `before` to page from here.")
    node: Location = strawberry.field(description="The store.")
    distance_km: float | None = strawberry.field(
        description="Distance from `near`, in km; null when `near` was not given."
    )


@strawberry.type(description="A page of stores (Relay cursor connection).")
class LocationConnection:
    edges: list[LocationEdge] = strawberry.field(description="The stores of this page.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")

    @strawberry.field(description="The stores of this page, without cursors.")
    def nodes(self) -> list[Location]:
        return [edge.node for edge in self.edges]
