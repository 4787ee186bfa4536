"""Store finder root fields: stores and store."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.core.errors import ClientError, NotFound
from api.core.ids import expect_global_id
from api.core.types import OmniInfo, PageInfo, page_info, page_request
from api.inventory import loaders
from api.inventory.types import Location
from domain.inventory import repository
from domain.inventory.models import LocationKind
from domain.inventory.repository import GeoPoint, StoreQuery


@strawberry.input(description="A point to measure distances from.")
class GeoPointInput:
    latitude: float = strawberry.field(description="Latitude in degrees, -90..90.")
    longitude: float = strawberry.field(description="Longitude in degrees, -180..180.")


@strawberry.input(description="A quantity of one variant that a store must have available.")
class VariantQuantityInput:
    variant_id: strawberry.ID = strawberry.field(description="A ProductVariant ID.")
    quantity: int = strawberry.field(default=1, description="Units needed, at least 1.")


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


@strawberry.type
class InventoryQuery:
    @strawberry.field(
        description="Stores (not warehouses), nearest first when `near` is given, otherwise by "
        "code. With `availableFor`, only stores that have every listed quantity available."
    )
    async def stores(
        self,
        info: OmniInfo,
        first: Annotated[
            int | None,
            strawberry.argument(
                description="Page size walking forwards (default 20, at most 100)."
            ),
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Start after this cursor.")
        ] = None,
        last: Annotated[
            int | None,
            strawberry.argument(description="Page size walking backwards (at most 100)."),
        ] = None,
        before: Annotated[
            str | None, strawberry.argument(description="End before this cursor.")
        ] = None,
        near: Annotated[
            GeoPointInput | None,
            strawberry.argument(
                description="Order by distance from this point and fill `distanceKm`."
            ),
        ] = None,
        radius_km: Annotated[
            float | None,
            strawberry.argument(description="With `near`: only stores within this many km."),
        ] = None,
        available_for: Annotated[
            list[VariantQuantityInput] | None,
            strawberry.argument(
                description="Only stores holding every listed quantity (at most 50 items)."
            ),
        ] = None,
        pickup_enabled: Annotated[
            bool | None,
            strawberry.argument(
                description="Only stores that do (true) or do not (false) offer pickup."
            ),
        ] = None,
    ) -> LocationConnection:
        items = tuple(
            (
                expect_global_id(item.variant_id, "ProductVariant", "availableFor.variantId"),
                item.quantity,
            )
            for item in available_for or []
        )
        query = StoreQuery(
            near=GeoPoint(near.latitude, near.longitude) if near is not None else None,
            radius_km=radius_km,
            available_for=items,
            pickup_enabled=pickup_enabled,
        )
        request = page_request(first, after, last, before)
        request.validate(info.context.settings.max_page_size)
        page = await info.context.db.run(lambda s: repository.list_stores(s, query, request))
        edges = [
            LocationEdge(
                cursor=c,
                node=Location.from_model(loc),
                distance_km=(round(dist, 3) if dist is not None else None),
            )
            for (loc, dist), c in zip(page.items, page.cursors, strict=True)
        ]
        return LocationConnection(
            edges=edges,
            page_info=page_info(list(page.cursors), page.has_next_page, page.has_previous_page),
        )

    @strawberry.field(description="One store by `id` or by `code` (pass exactly one).")
    async def store(
        self, info: OmniInfo, id: strawberry.ID | None = None, code: str | None = None
    ) -> Location | None:
        if (id is None) == (code is None):
            raise ClientError("Pass exactly one of `id`, `code`.")
        if id is not None:
            model = await loaders.location(info).load(expect_global_id(id, "Location"))
        else:
            assert code is not None
            model = await info.context.db.run(
                lambda s: repository.location_by_code(s, code.strip()[:32])
            )
        if model is None or model.kind is not LocationKind.STORE or not model.active:
            raise NotFound(f"No store with {'id' if id else 'code'} {(id or code or '')[:60]!r}.")
        return Location.from_model(model)
