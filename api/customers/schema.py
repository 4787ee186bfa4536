"""What this capability adds to the schema."""

from api.core.capability import Capability
from api.customers.mutations import CustomersMutation
from api.customers.payloads import CustomerError
from api.customers.queries import CustomersQuery
from api.customers.types import Customer, CustomerAddress

CAPABILITY = Capability(
    query=CustomersQuery,
    mutation=CustomersMutation,
    types=(Customer, CustomerAddress, CustomerError),
    list_sizes={"Customer.addresses": 5},
)
