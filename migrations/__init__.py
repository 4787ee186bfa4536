"""Alembic migrations for Omni's PostgreSQL schema."""
