"""What this capability adds to the schema."""

from api.core.capability import Capability
from api.inventory.queries import InventoryQuery
from api.inventory.types import Location

CAPABILITY = Capability(
    query=InventoryQuery,
    types=(Location,),
    list_sizes={"Location.openingHours": 7, "OpeningDay.intervals": 2},
)
