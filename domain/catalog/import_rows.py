"""Reading a product import file (CSV or JSON Lines) into checked rows.

Both formats carry the same fields. A CSV file starts with a header naming its columns;
a JSON Lines file has one object per line. Line numbers are the file's own (the CSV header
is line 1), so an error points at the line to fix. An empty cell (or a missing key) leaves
that field as it is, or at its default on a new product or variant.
"""

from __future__ import annotations

import csv
import enum
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.catalog import codes
from domain.catalog.errors import CatalogErrorCode
from domain.catalog.models import TaxClass
from domain.catalog.prices import check_prices
from domain.errors import DomainError, ErrorCode, InvalidInput
from domain.inventory.stock import MAX_QUANTITY
from domain.text import clean_text

FIELDS = (
    "sku",
    "barcode",
    "product_slug",
    "product_name",
    "description",
    "brand",
    "category_path",
    "options",
    "price",
    "compare_at_price",
    "tax_class",
    "published",
    "stock",
)
REQUIRED = ("sku", "product_name", "price")
# The fields that describe the product rather than the variant: every row of one product
# must agree on them.
PRODUCT_FIELDS = (
    "product_name",
    "description",
    "brand",
    "category_path",
    "tax_class",
    "published",
)
MAX_CATEGORY_DEPTH = 8
MAX_LINE = 100_000
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}


class ImportFormat(enum.StrEnum):
    CSV = "CSV"
    JSONL = "JSONL"


class ImportErrorCode(ErrorCode):
    MALFORMED_ROW = (
        "MALFORMED_ROW",
        "The line cannot be read as a row (wrong field count, bad JSON).",
    )
    DUPLICATE_ROW = "DUPLICATE_ROW", "An earlier line of the file has the same SKU."
    CONFLICTING_ROW = (
        "CONFLICTING_ROW",
        "A product field differs from the product's first line in the file.",
    )
    WRONG_PRODUCT = "WRONG_PRODUCT", "The SKU belongs to another product than `product_slug`."
    UNKNOWN_LOCATION = "UNKNOWN_LOCATION", "No location has this code."
    UNREADABLE = "UNREADABLE", "The file cannot be read (encoding, header, size)."


class UnreadableFile(Exception):
    """The file as a whole cannot be imported: nothing is."""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    code: ErrorCode
    message: str
    field: str | None = None
    sku: str | None = None


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One checked row. `given` names the fields the row sets (non-empty cells)."""

    line: int
    sku: str
    product_slug: str
    product_name: str
    price: Decimal
    compare_at_price: Decimal | None
    barcode: str | None = None
    description: str | None = None
    brand: str | None = None
    category_path: tuple[str, ...] | None = None
    options: tuple[tuple[str, str], ...] | None = None
    tax_class: TaxClass | None = None
    published: bool | None = None
    stock: tuple[tuple[str, int], ...] | None = None
    given: frozenset[str] = field(default_factory=frozenset)

    def product_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PRODUCT_FIELDS if name in self.given}


def _pairs(value: str, name: str) -> list[tuple[str, str]]:
    """`a=1;b=2` as pairs."""
    pairs: list[tuple[str, str]] = []
    for part in value.split(";"):
        if not part.strip():
            continue
        key, sep, val = part.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise InvalidInput(f"`{name}` is `name=value;name=value`, got {part.strip()!r}.", name)
        pairs.append((key.strip(), val.strip()))
    return pairs


def _money(value: str, name: str) -> Decimal:
    try:
        return Decimal(value.replace(" ", ""))
    except InvalidOperation:
        raise DomainError(
            CatalogErrorCode.INVALID_PRICE, f"`{name}` is not a number.", name
        ) from None


def _stock(value: str) -> tuple[tuple[str, int], ...]:
    cells: list[tuple[str, int]] = []
    seen: set[str] = set()
    for code, quantity in _pairs(value, "stock"):
        code = code.upper()
        try:
            count = int(quantity)
        except ValueError:
            raise InvalidInput(f"Stock at {code} is not a whole number.", "stock") from None
        if not 0 <= count <= MAX_QUANTITY:
            raise InvalidInput(f"Stock at {code} must be between 0 and {MAX_QUANTITY}.", "stock")
        if code in seen:
            raise InvalidInput(f"Stock at {code} is given twice.", "stock")
        seen.add(code)
        cells.append((code, count))
    return tuple(cells)


def _category_path(value: str) -> tuple[str, ...]:
    parts = tuple(clean_text(p, "category_path", 200) for p in value.split(">"))
    if len(parts) > MAX_CATEGORY_DEPTH:
        raise InvalidInput(f"At most {MAX_CATEGORY_DEPTH} category levels.", "category_path")
    return parts


def _published(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidInput("`published` is true or false.", "published")


def _tax_class(value: str) -> TaxClass:
    try:
        return TaxClass[value.strip().upper()]
    except KeyError:
        names = ", ".join(t.name for t in TaxClass)
        raise InvalidInput(f"`tax_class` is one of {names}.", "tax_class") from None


def check_row(line: int, cells: dict[str, str]) -> ImportRow:
    """A row from its cells (field name -> text); raises DomainError on the first bad one."""
    values = {k: v.strip() for k, v in cells.items() if v is not None and v.strip()}
    for name in REQUIRED:
        if name not in values:
            raise InvalidInput(f"`{name}` is required.", name)
    name = clean_text(values["product_name"], "product_name", 250)
    price, compare_at = check_prices(
        _money(values["price"], "price"),
        _money(values["compare_at_price"], "compare_at_price")
        if "compare_at_price" in values
        else None,
    )
    stock = values.get("stock")
    return ImportRow(
        line=line,
        sku=codes.sku(values["sku"]),
        product_slug=codes.slug(values.get("product_slug"), name, "product_slug"),
        product_name=name,
        price=price,
        compare_at_price=compare_at,
        barcode=codes.barcode(values.get("barcode")),
        description=clean_text(values.get("description"), "description", 20_000, required=False),
        brand=clean_text(values.get("brand"), "brand", 120, required=False) or None,
        category_path=_category_path(values["category_path"])
        if "category_path" in values
        else None,
        options=tuple(_pairs(values["options"], "options")) if "options" in values else None,
        tax_class=_tax_class(values["tax_class"]) if "tax_class" in values else None,
        published=_published(values["published"]) if "published" in values else None,
        stock=_stock(stock) if stock is not None else None,
        given=frozenset(values),
    )


def _row(line: int, cells: dict[str, str]) -> ImportRow | RowError:
    try:
        return check_row(line, cells)
    except DomainError as error:
        sku = (cells.get("sku") or "").strip()[:64] or None
        return RowError(line, error.code, error.message, error.field, sku)


def _csv_rows(lines: Iterable[str]) -> Iterator[ImportRow | RowError]:
    reader = csv.reader(iter(lines), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableFile("The file is empty.") from None
    except csv.Error as error:
        raise UnreadableFile(f"Line 1 (the header) cannot be read: {error}.") from None
    columns = [c.strip().lower().lstrip("\ufeff") for c in header]
    unknown = [c for c in columns if c not in FIELDS]
    if unknown:
        raise UnreadableFile(f"Unknown column {unknown[0]!r}; the columns are {', '.join(FIELDS)}.")
    if len(set(columns)) != len(columns):
        raise UnreadableFile("A column is named twice in the header.")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise UnreadableFile(f"The header has no {missing[0]!r} column.")
    end = reader.line_num
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            end = reader.line_num
            yield RowError(start, ImportErrorCode.MALFORMED_ROW, f"Not a CSV row: {error}.")
            continue
        end = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(columns):
            at = columns.index("sku")
            sku = cells[at].strip()[:64] or None if at < len(cells) else None
            yield RowError(
                start,
                ImportErrorCode.MALFORMED_ROW,
                f"{len(cells)} fields where the header has {len(columns)}.",
                sku=sku,
            )
            continue
        yield _row(start, dict(zip(columns, cells, strict=True)))


def _text(value: Any, name: str) -> str:
    """A JSON value in the CSV cell form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and name in ("options", "stock"):
        return ";".join(f"{k}={_text(v, name)}" for k, v in value.items())
    if isinstance(value, list) and name == "category_path":
        return " > ".join(_text(v, name) for v in value)
    raise InvalidInput(f"`{name}` has the wrong JSON type.", name)


def _jsonl_rows(lines: Iterable[str]) -> Iterator[ImportRow | RowError]:
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw, parse_float=Decimal)
        except ValueError as error:
            yield RowError(number, ImportErrorCode.MALFORMED_ROW, f"Not JSON: {error}.")
            continue
        if not isinstance(value, dict):
            yield RowError(number, ImportErrorCode.MALFORMED_ROW, "A line is one JSON object.")
            continue
        unknown = [k for k in value if k not in FIELDS]
        if unknown:
            yield RowError(number, ImportErrorCode.MALFORMED_ROW, f"Unknown field {unknown[0]!r}.")
            continue
        try:
            cells = {k: _text(v, k) for k, v in value.items()}
        except DomainError as error:
            yield RowError(number, error.code, error.message, error.field)
            continue
        yield _row(number, cells)


def read_rows(fmt: ImportFormat, lines: Iterable[str]) -> Iterator[ImportRow | RowError]:
    """The file's rows, checked one by one; a bad row is a RowError and the rest go on.
    Raises UnreadableFile when the file as a whole is not an import file."""

    def bounded() -> Iterator[str]:
        for line in lines:
            if len(line) > MAX_LINE:
                raise UnreadableFile(f"A line is longer than {MAX_LINE} characters.")
            yield line

    return _csv_rows(bounded()) if fmt is ImportFormat.CSV else _jsonl_rows(bounded())
