"""Importing products and variants by SKU, from rows read by `import_rows`.

A row creates its variant (and the product, on the product's first row) or updates them;
the same file imported twice changes nothing the second time. A bad row is reported with
its line number and the batch goes on; the good rows are kept.

Rows are applied in chunks. A chunk is planned in memory against what the database holds
(one read per kind of thing), then written in a handful of statements: new products and
variants in bulk, counts through `stock.set_counts`, change events through
`events.record_many`. Updates of existing products and variants go through the same
writers as the admin mutations, and price changes through `prices.set_price`. Should the
bulk write of a chunk fail (a concurrent admin took a SKU meanwhile), the chunk is applied
again row by row, each in its own savepoint, so that only the rows at fault fail.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import ActorRef
from domain.catalog import categories, codes, prices, products, variants
from domain.catalog.categories import CategoryChanges
from domain.catalog.errors import CatalogErrorCode
from domain.catalog.fields import KEEP, Keep
from domain.catalog.import_rows import ImportErrorCode, ImportRow, RowError
from domain.catalog.models import Category, Product, ProductVariant
from domain.catalog.products import ProductChanges
from domain.catalog.service import refresh_rollups
from domain.catalog.variants import DEFAULT_TITLE, VariantChanges
from domain.changes import events
from domain.changes.models import ChangeKind
from domain.errors import CommonErrorCode, DomainError
from domain.inventory import stock
from domain.inventory.models import Location, StockLevel

CHUNK_ROWS = 500
T = TypeVar("T")
Run = Callable[[Callable[[AsyncSession], Awaitable[T]]], Awaitable[T]]


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.errors)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed

    def line(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"failed {self.failed}"
        )


@dataclass
class ImportState:
    """What the import knows across chunks: ids only, never ORM objects, so that a rolled
    back chunk leaves nothing stale behind."""

    by: ActorRef
    reference: str
    locations: dict[str, int]
    categories: dict[tuple[str, ...], int]
    # product slug -> (line, product fields) of the product's first row in the file
    first_rows: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    seen_skus: dict[str, int] = field(default_factory=dict)
    seen_barcodes: dict[str, str] = field(default_factory=dict)


async def start(session: AsyncSession, by: ActorRef, reference: str) -> ImportState:
    locations = {code: pk for code, pk in await session.execute(select(Location.code, Location.id))}
    rows = list(await session.scalars(select(Category).order_by(Category.position, Category.id)))
    by_id = {c.id: c for c in rows}
    paths: dict[tuple[str, ...], int] = {}
    for category in rows:
        names: list[str] = []
        node: Category | None = category
        while node is not None and len(names) <= len(rows):
            names.append(node.name)
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
        paths.setdefault(tuple(reversed(names)), category.id)
    return ImportState(by, reference[:120], locations, paths)


def screen(state: ImportState, row: ImportRow) -> RowError | None:
    """The checks against the file's earlier rows and the known locations."""

    def error(code: ImportErrorCode | CatalogErrorCode, message: str, name: str) -> RowError:
        return RowError(row.line, code, message, name, row.sku)

    if row.sku in state.seen_skus:
        return error(
            ImportErrorCode.DUPLICATE_ROW,
            f"SKU {row.sku!r} is on line {state.seen_skus[row.sku]} already.",
            "sku",
        )
    for code, _ in row.stock or ():
        if code not in state.locations:
            return error(ImportErrorCode.UNKNOWN_LOCATION, f"No location {code!r}.", "stock")
    if row.barcode is not None and state.seen_barcodes.get(row.barcode, row.sku) != row.sku:
        return error(
            CatalogErrorCode.BARCODE_TAKEN,
            f"Barcode {row.barcode} is SKU {state.seen_barcodes[row.barcode]!r}'s in this file.",
            "barcode",
        )
    mine = row.product_fields()
    first = state.first_rows.get(row.product_slug)
    if first is not None:
        line, theirs = first
        for name, value in mine.items():
            if name in theirs and theirs[name] != value:
                return error(
                    ImportErrorCode.CONFLICTING_ROW,
                    f"`{name}` differs from line {line}, this product's first line.",
                    name,
                )
    else:
        state.first_rows[row.product_slug] = (row.line, mine)
    state.seen_skus[row.sku] = row.line
    if row.barcode is not None:
        state.seen_barcodes[row.barcode] = row.sku
    return None


def _product_changes(
    row: ImportRow, category_id: int | Keep | None, *, new: bool
) -> ProductChanges:
    given = row.given
    return ProductChanges(
        name=row.product_name,
        slug=row.product_slug if new else None,
        description=row.description if "description" in given else None,
        brand=row.brand if "brand" in given else KEEP,
        category_id=category_id,
        tax_class=row.tax_class,
        published=row.published,
    )


@dataclass
class _Plan:
    row: ImportRow
    category_path: tuple[str, ...] | None = None
    new_product: dict[str, Any] | None = None
    product_update: tuple[Product, bool] | None = None  # product, whether the category is set
    new_variant: dict[str, Any] | None = None
    variant: ProductVariant | None = None
    variant_changes: VariantChanges | None = None
    price: tuple[Decimal, Decimal | None] | None = None
    counts: list[tuple[int, int]] = field(default_factory=list)  # location id, on hand
    changed: bool = False


@dataclass
class _Known:
    """What the database holds for one chunk, read in one statement per kind."""

    variants: dict[str, ProductVariant]
    products: dict[str, Product]
    owners: dict[int, Product]
    barcodes: dict[str, str]
    siblings: dict[int, list[ProductVariant]]
    levels: dict[tuple[int, int], int]
    # Built up while planning: slugs of the products this chunk creates, with the options
    # and next position of their variants.
    new_options: dict[str, list[dict[str, str]]] = field(default_factory=dict)


async def _known(session: AsyncSession, rows: Sequence[ImportRow]) -> _Known:
    skus = [r.sku for r in rows]
    found = {
        v.sku: v
        for v in await session.scalars(select(ProductVariant).where(ProductVariant.sku.in_(skus)))
    }
    slugs = {r.product_slug for r in rows}
    by_slug = {
        p.slug: p for p in await session.scalars(select(Product).where(Product.slug.in_(slugs)))
    }
    owners = {p.id: p for p in by_slug.values()}
    missing = {v.product_id for v in found.values()} - set(owners)
    if missing:
        owners.update(
            {p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(missing)))}
        )
    wanted = [r.barcode for r in rows if r.barcode is not None]
    barcodes: dict[str, str] = {}
    if wanted:
        taken = await session.execute(
            select(ProductVariant.barcode, ProductVariant.sku).where(
                ProductVariant.barcode.in_(wanted)
            )
        )
        barcodes = {b: s for b, s in taken if b is not None}
    siblings: dict[int, list[ProductVariant]] = {pid: [] for pid in owners}
    if owners:
        for v in await session.scalars(
            select(ProductVariant).where(ProductVariant.product_id.in_(owners))
        ):
            siblings[v.product_id].append(v)
    counted = [found[r.sku].id for r in rows if r.stock and r.sku in found]
    levels: dict[tuple[int, int], int] = {}
    if counted:
        held = await session.execute(
            select(StockLevel.variant_id, StockLevel.location_id, StockLevel.on_hand).where(
                StockLevel.variant_id.in_(counted)
            )
        )
        levels = {(v, loc): int(n) for v, loc, n in held}
    return _Known(found, by_slug, owners, barcodes, siblings, levels)


def _refuse(code: CatalogErrorCode | ImportErrorCode, message: str, name: str) -> DomainError:
    return DomainError(code, message, name)


def _plan(state: ImportState, known: _Known, row: ImportRow) -> _Plan:
    """What `row` asks for, checked against the database and the chunk so far; raises a
    DomainError for the row. Writes nothing."""
    plan = _Plan(row, category_path=row.category_path)
    first = state.first_rows[row.product_slug][0] == row.line
    variant = known.variants.get(row.sku)
    if row.barcode is not None and known.barcodes.get(row.barcode, row.sku) != row.sku:
        raise _refuse(
            CatalogErrorCode.BARCODE_TAKEN,
            f"Barcode {row.barcode} is taken by SKU {known.barcodes[row.barcode]!r}.",
            "barcode",
        )
    options = dict(
        variants.variant_values(VariantChanges(options=list(row.options or ())))["options"]
    )
    if variant is not None:
        owner = known.owners[variant.product_id]
        if owner.slug != row.product_slug:
            raise _refuse(
                ImportErrorCode.WRONG_PRODUCT,
                f"SKU {row.sku!r} belongs to product {owner.slug!r}.",
                "product_slug",
            )
        if first:
            plan.product_update = (owner, row.category_path is not None)
            products.product_values(_product_changes(row, KEEP, new=False), owner)
        changes = VariantChanges(
            barcode=row.barcode if row.barcode is not None else KEEP,
            options=list(row.options) if row.options is not None else None,
        )
        values = variants.variant_values(changes)
        if any(getattr(variant, k) != v for k, v in values.items()):
            if variant.archived_at is not None:
                raise _refuse(CatalogErrorCode.VARIANT_ARCHIVED, "This variant is archived.", "sku")
            plan.variant_changes = changes
        if row.options is not None and any(
            s.id != variant.id and s.archived_at is None and s.options == options
            for s in known.siblings.get(variant.product_id, [])
        ):
            raise _refuse(
                CatalogErrorCode.OPTIONS_TAKEN, "Another variant has the same options.", "options"
            )
        compare = (
            row.compare_at_price if "compare_at_price" in row.given else variant.compare_at_price
        )
        price = prices.check_prices(row.price, compare)
        if price != (variant.price, variant.compare_at_price):
            plan.price = price
        plan.variant = variant
        for code, count in row.stock or ():
            location = state.locations[code]
            if known.levels.get((variant.id, location), 0) != count:
                plan.counts.append((location, count))
        plan.changed = bool(plan.variant_changes or plan.price or plan.counts)
        return plan
    product = known.products.get(row.product_slug)
    if product is None and row.product_slug not in known.new_options:
        values = products.product_values(_product_changes(row, None, new=True), None)
        plan.new_product = {"published": False, **values}
    elif product is not None and first:
        plan.product_update = (product, row.category_path is not None)
        products.product_values(_product_changes(row, KEEP, new=False), product)
    taken = (
        [s.options for s in known.siblings.get(product.id, []) if s.archived_at is None]
        if product
        else []
    )
    taken += known.new_options.get(row.product_slug, [])
    if options in taken:
        raise _refuse(
            CatalogErrorCode.OPTIONS_TAKEN,
            "Another variant of this product has the same options.",
            "options",
        )
    values = variants.variant_values(
        VariantChanges(sku=row.sku, barcode=row.barcode, options=list(row.options or ()))
    )
    positions = [s.position for s in known.siblings.get(product.id, [])] if product else []
    values.setdefault("title", DEFAULT_TITLE)
    plan.new_variant = {
        **values,
        "options": options,
        "price": row.price,
        "compare_at_price": row.compare_at_price,
        "position": (max(positions) + 1 if positions else 0)
        + len(known.new_options.get(row.product_slug, [])),
    }
    known.new_options.setdefault(row.product_slug, []).append(options)
    plan.counts = [(state.locations[code], count) for code, count in row.stock or () if count]
    plan.changed = True
    return plan


async def _category(
    session: AsyncSession,
    state: ImportState,
    made: dict[tuple[str, ...], int],
    path: tuple[str, ...],
) -> int:
    """The id of the category at `path`, creating the levels that do not exist yet."""
    parent: int | None = None
    for depth in range(1, len(path) + 1):
        prefix = path[:depth]
        found = state.categories.get(prefix) or made.get(prefix)
        if found is None:
            slug = codes.slug(None, " ".join(prefix))
            category = await categories.create_category(
                session, state.by, parent, CategoryChanges(name=prefix[-1], slug=slug)
            )
            found = made[prefix] = category.id
        parent = found
    assert parent is not None
    return parent


async def _write(
    session: AsyncSession,
    state: ImportState,
    known: _Known,
    plans: Sequence[_Plan],
    made: dict[tuple[str, ...], int],
) -> None:
    """Write the chunk's plans; raises on the first failure (the caller's savepoint rolls
    back the lot)."""
    by = state.by
    category_ids: dict[int, int | None] = {}
    for plan in plans:
        if plan.category_path is not None and (plan.new_product is not None or plan.product_update):
            category_ids[plan.row.line] = await _category(session, state, made, plan.category_path)
    new_products = [p for p in plans if p.new_product is not None]
    product_ids = {slug: product.id for slug, product in known.products.items()}
    if new_products:
        rows = [
            {**p.new_product, "category_id": category_ids.get(p.row.line)}  # type: ignore[dict-item]
            for p in new_products
        ]
        result = await session.execute(
            insert(Product).returning(Product.slug, Product.id, sort_by_parameter_order=True), rows
        )
        product_ids.update({slug: pk for slug, pk in result})
    touched: set[int] = set()
    for plan in plans:
        if plan.product_update is not None:
            product, with_category = plan.product_update
            category: int | Keep | None = category_ids[plan.row.line] if with_category else KEEP
            changes = _product_changes(plan.row, category, new=False)
            if await products.update_product(session, by, product, changes):
                plan.changed = True
    new_variants = [p for p in plans if p.new_variant is not None]
    variant_ids: dict[str, int] = {}
    if new_variants:
        rows = [
            {**p.new_variant, "product_id": product_ids[p.row.product_slug]}  # type: ignore[dict-item]
            for p in new_variants
        ]
        result = await session.execute(
            insert(ProductVariant).returning(
                ProductVariant.sku, ProductVariant.id, sort_by_parameter_order=True
            ),
            rows,
        )
        variant_ids = {sku: pk for sku, pk in result}
        first = [(variant_ids[r["sku"]], r["price"], r.get("compare_at_price")) for r in rows]
        await prices.record_first_prices(session, by, first, "import")
        touched.update(product_ids[p.row.product_slug] for p in new_variants)
    for plan in plans:
        if plan.variant is None:
            continue
        variant_ids[plan.row.sku] = plan.variant.id
        if plan.variant_changes is not None:
            await variants.update_variant(session, by, plan.variant, plan.variant_changes)
        if plan.price is not None:
            await prices.set_price(session, by, plan.variant, *plan.price, reason="import")
            touched.add(plan.variant.product_id)
    touched.update(product_ids[p.row.product_slug] for p in new_products)
    if touched:
        await refresh_rollups(session, sorted(touched))
    counts = [
        stock.Count(variant_ids[p.row.sku], location, on_hand)
        for p in plans
        for location, on_hand in p.counts
    ]
    await stock.set_counts(session, by, counts, reason="import", reference=state.reference)
    created: list[events.Event] = [
        (
            ChangeKind.PRODUCT_CREATED,
            product_ids[p.row.product_slug],
            {"productId": product_ids[p.row.product_slug], "slug": p.row.product_slug},
        )
        for p in new_products
    ]
    created += [
        (
            ChangeKind.VARIANT_CREATED,
            variant_ids[p.row.sku],
            {
                "variantId": variant_ids[p.row.sku],
                "productId": product_ids[p.row.product_slug],
                "sku": p.row.sku,
                "price": str(p.row.price),
            },
        )
        for p in new_variants
    ]
    await events.record_many(session, by, created)


def _outcome(plan: _Plan) -> Outcome:
    if plan.new_variant is not None:
        return Outcome.CREATED
    return Outcome.UPDATED if plan.changed else Outcome.UNCHANGED


async def _apply(
    session: AsyncSession, state: ImportState, rows: Sequence[ImportRow]
) -> list[Outcome | RowError]:
    known = await _known(session, rows)
    plans: list[_Plan] = []
    results: dict[int, Outcome | RowError] = {}
    for row in rows:
        try:
            plans.append(_plan(state, known, row))
        except DomainError as error:
            results[row.line] = RowError(row.line, error.code, error.message, error.field, row.sku)
    made: dict[tuple[str, ...], int] = {}
    async with session.begin_nested():
        await _write(session, state, known, plans, made)
    state.categories.update(made)
    for plan in plans:
        results[plan.row.line] = _outcome(plan)
    return [results[row.line] for row in rows]


async def apply_chunk(
    session: AsyncSession, state: ImportState, rows: Sequence[ImportRow]
) -> list[Outcome | RowError]:
    """Apply rows (already screened), one result per row in order."""
    try:
        return await _apply(session, state, rows)
    except (DomainError, IntegrityError):
        session.expunge_all()
    results: list[Outcome | RowError] = []
    for row in rows:
        try:
            results.extend(await _apply(session, state, [row]))
        except DomainError as error:
            results.append(RowError(row.line, error.code, error.message, error.field, row.sku))
        except IntegrityError:
            results.append(
                RowError(
                    row.line,
                    CommonErrorCode.INVALID_INPUT,
                    "The row clashes with a change made at the same time; import it again.",
                    None,
                    row.sku,
                )
            )
        session.expunge_all()
    return results


async def import_rows(
    run: Run[Any],
    by: ActorRef,
    rows: Iterable[ImportRow | RowError],
    *,
    reference: str,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Import `rows`. `run(work)` runs one unit of work: the CLI commits each chunk on its
    own, the API runs them all in its mutation's transaction."""
    state: ImportState = await run(lambda s: start(s, by, reference))
    summary = ImportSummary()
    pending: list[ImportRow] = []

    async def flush() -> None:
        if not pending:
            return
        chunk = list(pending)
        pending.clear()
        for result in await run(lambda s: apply_chunk(s, state, chunk)):
            if isinstance(result, RowError):
                summary.errors.append(result)
            elif result is Outcome.CREATED:
                summary.created += 1
            elif result is Outcome.UPDATED:
                summary.updated += 1
            else:
                summary.unchanged += 1
        if progress is not None:
            progress(summary)

    for row in rows:
        refused = row if isinstance(row, RowError) else screen(state, row)
        if refused is not None:
            summary.errors.append(refused)
        else:
            pending.append(row)  # type: ignore[arg-type]
        if len(pending) >= chunk_rows:
            await flush()
    await flush()
    summary.errors.sort(key=lambda e: e.line)
    return summary
