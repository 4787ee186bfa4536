"""Trusted documents: the GraphQL documents a deployment accepts when it accepts no others."""
