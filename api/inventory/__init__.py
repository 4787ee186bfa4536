"""Locations (stores and warehouses) and their stock."""
