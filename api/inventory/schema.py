"""What this capability adds to the schema."""

from strawberry.tools import merge_types

from api.core.capability import Capability
from api.inventory.locations import LocationError, LocationMutation
from api.inventory.queries import InventoryQuery
from api.inventory.stock import StockError, StockMovement, StockMutation, StockQuery
from api.inventory.types import Location

CAPABILITY = Capability(
    query=merge_types("InventoryQueries", (InventoryQuery, StockQuery)),
    mutation=merge_types("InventoryMutations", (LocationMutation, StockMutation)),
    types=(Location, StockMovement, StockError, LocationError),
    list_sizes={
        "Location.openingHours": 7,
        "OpeningDay.intervals": 2,
        "StockTransferPayload.movements": 20,
        "Location.specialDays": 5,
    },
)
