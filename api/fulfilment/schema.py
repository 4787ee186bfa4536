"""What this capability adds to the schema."""

from api.core.capability import Capability
from api.fulfilment.mutations import FulfilmentMutation, OrderError
from api.fulfilment.queries import FulfilmentQuery

CAPABILITY = Capability(
    query=FulfilmentQuery,
    mutation=FulfilmentMutation,
    types=(OrderError,),
    list_sizes={"Order.events": 5, "Order.returns": 1, "OrderReturn.lines": 2},
)
