"""What this capability adds to the schema."""

from api.core.capability import Capability
from api.staff.mutations import StaffMutation
from api.staff.payloads import StaffError
from api.staff.queries import StaffQuery
from api.staff.types import Device, StaffUser

CAPABILITY = Capability(
    query=StaffQuery,
    mutation=StaffMutation,
    types=(StaffUser, Device, StaffError),
    list_sizes={"StaffUser.stores": 5},
)
