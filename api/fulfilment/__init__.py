"""The order lifecycle after checkout, and the store's queues."""
