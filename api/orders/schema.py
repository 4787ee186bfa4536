"""What this capability adds to the schema."""

from api.core.capability import Capability
from api.orders.mutations import CheckoutError, OrderMutation
from api.orders.queries import OrderQuery
from api.orders.types import Order

CAPABILITY = Capability(
    query=OrderQuery,
    mutation=OrderMutation,
    types=(Order, CheckoutError),
    list_sizes={"Order.lines": 5},
)
