"""Per-request context: identity of the request, its database session and DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from strawberry.dataloader import DataLoader

from api.config import Settings
from api.core.auth import Viewer
from api.core.db import RequestDb
from api.core.loaders import mapping_loader
from api.limits.guard import Guard, RequestCost
from domain.catalog import repository as catalog_repo
from domain.catalog.models import Category, Product, ProductVariant
from domain.channels import Channel
from domain.identity import repository as identity_repo
from domain.identity.models import Customer, CustomerAddress, Device, StaffUser
from domain.inventory import repository as inventory_repo
from domain.inventory.models import Location, StockLevel
from domain.membership import repository as membership_repo
from domain.membership.models import Membership, PointsEntry, Tier


class Loaders:
    """Every DataLoader of one request; each batch is one SQL statement."""

    def __init__(self, db: RequestDb) -> None:
        self.product: DataLoader[int, Product | None] = mapping_loader(
            db, catalog_repo.products_by_ids
        )
        self.product_by_slug: DataLoader[str, Product | None] = mapping_loader(
            db, catalog_repo.products_by_slugs
        )
        self.variant: DataLoader[int, ProductVariant | None] = mapping_loader(
            db, lambda s, ids: catalog_repo.variants_by(s, "id", ids)
        )
        self.variant_by_sku: DataLoader[str, ProductVariant | None] = mapping_loader(
            db, lambda s, keys: catalog_repo.variants_by(s, "sku", keys)
        )
        self.variant_by_barcode: DataLoader[str, ProductVariant | None] = mapping_loader(
            db, lambda s, keys: catalog_repo.variants_by(s, "barcode", keys)
        )
        self.variants_by_product: DataLoader[int, list[ProductVariant]] = mapping_loader(
            db, catalog_repo.variants_by_product_ids, list
        )
        self.location: DataLoader[int, Location | None] = mapping_loader(
            db, inventory_repo.locations_by_ids
        )
        self.stock_by_variant: DataLoader[int, list[StockLevel]] = mapping_loader(
            db, inventory_repo.stock_by_variant_ids, list
        )
        self.stock_at: DataLoader[tuple[int, int], StockLevel | None] = mapping_loader(
            db, inventory_repo.stock_at
        )
        self.delivery_available: DataLoader[int, int] = mapping_loader(
            db, inventory_repo.delivery_available_by_variant, int
        )
        self.product_sellable: DataLoader[int, bool] = mapping_loader(
            db, inventory_repo.sellable_product_ids, bool
        )

        self.customer: DataLoader[int, Customer | None] = mapping_loader(
            db, identity_repo.customers_by_ids
        )
        self.addresses_by_customer: DataLoader[int, list[CustomerAddress]] = mapping_loader(
            db, identity_repo.addresses_by_customer_ids, list
        )
        self.address: DataLoader[int, CustomerAddress | None] = mapping_loader(
            db, identity_repo.addresses_by_ids
        )
        self.staff: DataLoader[int, StaffUser | None] = mapping_loader(
            db, identity_repo.staff_by_ids
        )
        self.staff_store_ids: DataLoader[int, list[int]] = mapping_loader(
            db, identity_repo.store_ids_by_staff_ids, list
        )
        self.device: DataLoader[int, Device | None] = mapping_loader(
            db, identity_repo.devices_by_ids
        )
        self.membership_by_customer: DataLoader[int, Membership | None] = mapping_loader(
            db, membership_repo.memberships_by_customer_ids
        )
        self.membership: DataLoader[int, Membership | None] = mapping_loader(
            db, membership_repo.memberships_by_ids
        )
        self.tier: DataLoader[int, Tier | None] = mapping_loader(db, membership_repo.tiers_by_ids)
        self.points_entry: DataLoader[int, PointsEntry | None] = mapping_loader(
            db, membership_repo.points_entries_by_ids
        )

        async def load_categories(keys: list[None]) -> list[CategoryTree]:
            categories = await db.run(catalog_repo.all_categories)
            return [CategoryTree(categories) for _ in keys]

        # The whole tree in one statement: categories are few and every tree field needs it.
        self.category_tree: DataLoader[None, CategoryTree] = DataLoader(load_fn=load_categories)


class CategoryTree:
    def __init__(self, categories: list[Category]) -> None:
        self.by_id = {c.id: c for c in categories}
        self.by_slug = {c.slug: c for c in categories}
        self.children: dict[int | None, list[Category]] = {}
        for c in categories:
            self.children.setdefault(c.parent_id, []).append(c)

    def ancestors(self, category: Category) -> list[Category]:
        """Root first, without the category itself."""
        chain: list[Category] = []
        seen = {category.id}
        parent_id = category.parent_id
        while parent_id is not None and parent_id not in seen:
            parent = self.by_id[parent_id]
            chain.append(parent)
            seen.add(parent_id)
            parent_id = parent.parent_id
        return list(reversed(chain))


@dataclass
class Context:
    request: Request
    settings: Settings
    db: RequestDb
    request_id: str
    viewer: Viewer = field(default_factory=lambda: Viewer(channel=Channel.WEB))
    loaders: Loaders = field(init=False)
    # Results a parent resolver fetched in bulk for its children (see api/catalog/prefetch.py).
    prefetched: dict[Any, Any] = field(default_factory=dict)
    # The request limits of the app (api/limits), and what this request was priced at.
    guard: Guard | None = None
    cost: RequestCost | None = None
    # Set when the database could not be reached: the response becomes a 503.
    unavailable: bool = False

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)

    @classmethod
    def build(
        cls,
        request: Request,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        request_id: str,
        guard: Guard | None = None,
    ) -> Context:
        return cls(
            request=request,
            settings=settings,
            db=RequestDb(sessionmaker),
            request_id=request_id,
            guard=guard,
        )
