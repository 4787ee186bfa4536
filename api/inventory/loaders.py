"""DataLoaders of locations and stock."""

from __future__ import annotations

from api.core.loaders import Loader
from domain.inventory import repository
from domain.inventory.models import Location, StockLevel

location: Loader[int, Location | None] = Loader(repository.locations_by_ids)
stock_by_variant: Loader[int, list[StockLevel]] = Loader(repository.stock_by_variant_ids, list)
# Keyed by (variant id, location id).
stock_at: Loader[tuple[int, int], StockLevel | None] = Loader(repository.stock_at)
delivery_available: Loader[int, int] = Loader(repository.delivery_available_by_variant, int)
