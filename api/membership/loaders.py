"""DataLoaders of memberships, tiers and the points ledger."""

from __future__ import annotations

from api.core.loaders import Loader
from domain.membership import repository
from domain.membership.models import Membership, PointsEntry, Tier

membership: Loader[int, Membership | None] = Loader(repository.memberships_by_ids)
membership_by_customer: Loader[int, Membership | None] = Loader(
    repository.memberships_by_customer_ids
)
tier: Loader[int, Tier | None] = Loader(repository.tiers_by_ids)
points_entry: Loader[int, PointsEntry | None] = Loader(repository.points_entries_by_ids)
