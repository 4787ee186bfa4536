"""Store finder root fields: stores and store."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.core import reads
from api.core.connections import After, Before, First, Last, connection, page_request
from api.core.errors import ClientError, NotFound
from api.core.ids import expect_global_id
from api.core.types import OmniInfo
from api.inventory import loaders
from api.inventory.inputs import GeoPointInput, VariantQuantityInput
from api.inventory.types import Location, LocationConnection, LocationEdge
from domain.inventory import repository
from domain.inventory.models import LocationKind
from domain.inventory.repository import GeoPoint, StoreQuery


@strawberry.type
class InventoryQuery:
    @strawberry.field(
        description="Stores (not warehouses), nearest first when `near` is given, otherwise by "
        "code. With `availableFor`, only stores that have every listed quantity available."
    )
    async def stores(
        self,
        info: OmniInfo,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
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
        request = page_request(info, first, after, last, before)
        reads.stock_of(variant_id for variant_id, _ in items)
        page = await info.context.db.run(lambda s: repository.list_stores(s, query, request))
        return connection(
            LocationConnection,
            page,
            lambda cursor, item: LocationEdge(
                cursor=cursor,
                node=Location.from_model(item[0]),
                distance_km=round(item[1], 3) if item[1] is not None else None,
            ),
        )

    @strawberry.field(description="One store by `id` or by `code` (pass exactly one).")
    async def store(
        self,
        info: OmniInfo,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="A Location ID of a store. Give this or `code`."),
        ] = None,
        code: Annotated[
            str | None,
            strawberry.argument(
                description='The store\'s code, e.g. "HN-HK01"; surrounding spaces are '
                "ignored. Give this or `id`, not both."
            ),
        ] = None,
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
