"""Memberships, tiers and the points ledger."""
