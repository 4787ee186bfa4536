"""Carts through the API: one cart on every channel."""
