"""DataLoaders of customers and their address books."""

from __future__ import annotations

from api.core.loaders import Loader
from domain.customers import repository
from domain.customers.models import Customer, CustomerAddress

customer: Loader[int, Customer | None] = Loader(repository.customers_by_ids)
address: Loader[int, CustomerAddress | None] = Loader(repository.addresses_by_ids)
addresses_by_customer: Loader[int, list[CustomerAddress]] = Loader(
    repository.addresses_by_customer_ids, list
)
