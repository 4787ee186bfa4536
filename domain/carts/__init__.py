"""Carts: one per customer across channels, guest carts by unguessable token."""
