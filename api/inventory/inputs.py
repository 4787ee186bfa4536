"""Inputs of the store finder."""

from __future__ import annotations

import strawberry


@strawberry.input(description="A point to measure distances from.")
class GeoPointInput:
    latitude: float = strawberry.field(description="Latitude in degrees, -90..90.")
    longitude: float = strawberry.field(description="Longitude in degrees, -180..180.")


@strawberry.input(description="A quantity of one variant that a store must have available.")
class VariantQuantityInput:
    variant_id: strawberry.ID = strawberry.field(description="A ProductVariant ID.")
    quantity: int = strawberry.field(default=1, description="Units needed, at least 1.")
