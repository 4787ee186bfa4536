"""What this capability adds to the schema."""

from api.carts.mutations import CartError, CartMutation
from api.carts.queries import CartQuery
from api.carts.types import Cart
from api.core.capability import Capability

CAPABILITY = Capability(
    query=CartQuery,
    mutation=CartMutation,
    types=(Cart, CartError),
    list_sizes={
        "Cart.lines": 10,
        "Cart.breakdown": 5,
        "Cart.warnings": 2,
        "Cart.checkoutBlockers": 2,
    },
)
