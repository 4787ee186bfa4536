"""The complete table metadata, for Alembic and tests."""

from __future__ import annotations


def import_all_models() -> None:
    """Import every models module so that Base.metadata is complete (Alembic, tests)."""
    from domain.auth import models as _auth  # noqa: F401
    from domain.budgets import models as _budgets  # noqa: F401
    from domain.carts import models as _carts  # noqa: F401
    from domain.catalog import models as _catalog  # noqa: F401
    from domain.changes import models as _changes  # noqa: F401
    from domain.customers import models as _customers  # noqa: F401
    from domain.documents import models as _documents  # noqa: F401
    from domain.inventory import models as _inventory  # noqa: F401
    from domain.membership import models as _membership  # noqa: F401
    from domain.notifications import models as _notifications  # noqa: F401
    from domain.orders import models as _orders  # noqa: F401
    from domain.pricebook import models as _pricebook  # noqa: F401
    from domain.staff import models as _staff  # noqa: F401
