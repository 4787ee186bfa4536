"""The bulk import of products: by SKU, idempotent, per-row errors, CLI and API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.actors import SYSTEM
from domain.catalog.import_rows import ImportFormat, read_rows
from domain.catalog.importer import ImportSummary, import_rows
from domain.unit_of_work import transaction

EXAMPLE = Path(__file__).parent / "data" / "import_example.csv"
HEADER = (
    "sku,barcode,product_slug,product_name,description,brand,category_path,options,price,"
    "compare_at_price,tax_class,published,stock"
)


async def run_import(
    engine: AsyncEngine, content: str, fmt: ImportFormat = ImportFormat.CSV, chunk_rows: int = 500
) -> ImportSummary:
    async with AsyncSession(engine, expire_on_commit=False) as session:

        async def run(work: Any) -> Any:
            return await transaction(session, work)

        return await import_rows(
            run,
            SYSTEM,
            read_rows(fmt, content.splitlines(keepends=True)),
            reference="import:test",
            chunk_rows=chunk_rows,
        )


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def test_the_example_file_imports_and_a_second_run_changes_nothing(engine):
    content = EXAMPLE.read_text(encoding="utf-8")
    events_before = await scalar(engine, "SELECT count(*) FROM change_events")
    first = await run_import(engine, content)
    assert first.line() == "created 3, updated 0, unchanged 0, failed 0", first.errors
    tee = await scalar(
        engine,
        "SELECT row_to_json(p) FROM (SELECT p.name, p.brand, p.published, p.price_min, "
        "p.price_max, c.name AS category, pc.name AS parent FROM products p "
        "JOIN categories c ON c.id = p.category_id JOIN categories pc ON pc.id = c.parent_id "
        "WHERE p.slug = 'ao-thun-imp') p",
    )
    assert tee == {
        "name": "Áo thun Imp",
        "brand": "Imp",
        "published": True,
        "price_min": 199000,
        "price_max": 199000,
        "category": "Áo thun Imp",  # created under the existing "Thời trang nữ > Áo nữ"
        "parent": "Áo nữ",
    }
    stock = await scalar(
        engine,
        "SELECT json_object_agg(l.code, s.on_hand ORDER BY l.code) FROM stock_levels s "
        "JOIN locations l ON l.id = s.location_id JOIN product_variants v ON v.id = s.variant_id "
        "WHERE v.sku = 'IMP-TEE-DEN-M'",
    )
    assert stock == {"HCM-Q1-01": 3, "HN-HK01": 5}
    assert (
        await scalar(
            engine,
            "SELECT count(*) FROM stock_movements WHERE reference = 'import:test' "
            "AND kind = 'COUNT_CORRECTION'",
        )
        == 3
    )
    events_after = await scalar(engine, "SELECT count(*) FROM change_events")

    second = await run_import(engine, content)
    assert second.line() == "created 0, updated 0, unchanged 3, failed 0", second.errors
    assert await scalar(engine, "SELECT count(*) FROM change_events") == events_after
    assert events_after > events_before


def csv_file(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


async def test_changed_rows_update_through_the_writers_and_price_function(engine):
    await run_import(engine, EXAMPLE.read_text(encoding="utf-8"))
    since = await scalar(engine, "SELECT max(id) FROM change_events")
    changed = csv_file(
        # new name (product), new price and count (variant); the second row of the product
        "IMP-TEE-DEN-M,8930000000019,ao-thun-imp,Áo thun Imp mới,Cotton 100%,Imp,"
        "Thời trang nữ > Áo nữ > Áo thun Imp,Màu=Đen;Size=M,179000,249000,STANDARD,true,"
        "HN-HK01=7;HCM-Q1-01=3",
        "IMP-TEE-DEN-L,,ao-thun-imp,Áo thun Imp mới,,,,Màu=Đen;Size=L,199000,,,,HN-HK01=2",
        "IMP-CAP-01,,mu-imp,Mũ lưỡi trai Imp,,,Phụ kiện,,99000,,REDUCED_8,false,",
    )
    summary = await run_import(engine, changed)
    assert summary.line() == "created 0, updated 1, unchanged 2, failed 0", summary.errors
    async with engine.connect() as conn:
        kinds = [
            (r[0], r[1])
            for r in await conn.execute(
                text(
                    "SELECT kind, payload->>'previousPrice' FROM change_events "
                    "WHERE id > :s ORDER BY id"
                ),
                {"s": since},
            )
        ]
        name, low = (
            await conn.execute(
                text("SELECT name, price_min FROM products WHERE slug = 'ao-thun-imp'")
            )
        ).one()
    assert kinds == [
        ("product.updated", None),
        ("variant.price_changed", "199000.00"),
        ("stock.changed", None),
    ]
    assert (name, int(low)) == ("Áo thun Imp mới", 179000)
    # The name is searchable at once.
    assert (
        await scalar(
            engine, "SELECT count(*) FROM products WHERE search_text LIKE '%ao thun imp moi%'"
        )
        == 1
    )


async def test_bad_rows_are_reported_by_line_and_the_good_ones_kept(engine):
    await run_import(engine, EXAMPLE.read_text(encoding="utf-8"))
    seeded_sku = await scalar(engine, "SELECT sku FROM product_variants ORDER BY id LIMIT 1")
    good = "IMP-NEW-{n},,quan-imp,Quần Imp,,,,Size={n},150000,,,true,HN-HK01=1"
    content = csv_file(
        good.format(n=1),  # line 2
        "IMP-NEW-2,,quan-imp,Quần Imp,,,,Size=2,150000,,,true",  # 3: a field short
        good.format(n=3).replace("HN-HK01", "XX-NOPE"),  # 4: unknown location
        good.format(n=4).replace("HN-HK01=1", "HN-HK01=-3"),  # 5: negative quantity
        good.format(n=5).replace(",,quan", ",8930000000018,quan"),  # 6: bad check digit
        good.format(n=1),  # 7: SKU twice in the file
        good.format(n=6).replace("Quần Imp", "Quần khác"),  # 8: disagrees with line 2
        f"{seeded_sku},,quan-imp,Quần Imp,,,,Size=9,150000,,,true,",  # 9: another product's
        good.format(n=7).replace("150000", "12abc"),  # 10: not a price
        good.format(n=8).replace(",,,true", ",,,maybe"),  # 11: not a boolean
        "IMP-TEE-DEN-M,,ao-thun-imp,Áo thun Imp,,,,,199000,,,,HN-HK01=0",  # 12: fine
        good.format(n=9).replace("Size=9", "Size"),  # 13: malformed options
        good.format(n=10),  # 14: fine
        '"unterminated,,quan-imp,Quần Imp,,,,,1,,,,',  # 15: a quote never closed
    )
    before = await scalar(engine, "SELECT count(*) FROM product_variants")
    summary = await run_import(engine, content, chunk_rows=3)
    got = [(e.line, e.code.value) for e in summary.errors]
    assert got == [
        (3, "MALFORMED_ROW"),
        (4, "UNKNOWN_LOCATION"),
        (5, "INVALID_INPUT"),
        (6, "INVALID_BARCODE"),
        (7, "DUPLICATE_ROW"),
        (8, "CONFLICTING_ROW"),
        (9, "WRONG_PRODUCT"),
        (10, "INVALID_PRICE"),
        (11, "INVALID_INPUT"),
        (13, "INVALID_INPUT"),
        (15, "MALFORMED_ROW"),
    ], summary.errors
    assert summary.line() == "created 2, updated 1, unchanged 0, failed 11"
    assert await scalar(engine, "SELECT count(*) FROM product_variants") == before + 2


async def test_a_row_refused_while_writing_fails_alone(engine):
    """A count below the reserved units is only found when the rows are locked: the chunk
    is applied again row by row and only that row fails."""
    await run_import(engine, EXAMPLE.read_text(encoding="utf-8"))
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE stock_levels SET reserved = 4 FROM product_variants v, locations l "
                "WHERE v.id = variant_id AND l.id = location_id "
                "AND v.sku = 'IMP-TEE-DEN-M' AND l.code = 'HN-HK01'"
            )
        )
    content = csv_file(
        "IMP-A,,imp-a,Imp A,,,,,1000,,,true,HN-HK01=1",
        "IMP-TEE-DEN-M,,ao-thun-imp,Áo thun Imp,,,,,199000,,,,HN-HK01=2",
        "IMP-B,,imp-b,Imp B,,,,,1000,,,true,HN-HK01=1",
    )
    summary = await run_import(engine, content)
    assert [(e.line, e.code.value) for e in summary.errors] == [(3, "INSUFFICIENT_STOCK")]
    assert summary.created == 2


async def test_json_lines_import_like_csv(engine):
    content = "\n".join(
        [
            '{"sku": "IMP-J-1", "product_slug": "imp-json", "product_name": "Imp JSON",'
            ' "price": 120000, "options": {"Size": "M"}, "stock": {"HN-HK01": 4},'
            ' "published": true, "category_path": ["Phụ kiện"]}',
            "",
            '{"sku": "IMP-J-2", "product_slug": "imp-json", "product_name": "Imp JSON",'
            ' "price": "130000", "options": "Size=L"}',
            "{not json",
            '{"sku": "IMP-J-3", "product_name": "Imp", "price": 1, "colour": "red"}',
            '{"sku": "IMP-J-4", "product_name": "Imp", "price": 1.5}',
        ]
    )
    summary = await run_import(engine, content, ImportFormat.JSONL)
    assert [(e.line, e.code.value) for e in summary.errors] == [
        (4, "MALFORMED_ROW"),
        (5, "MALFORMED_ROW"),
        (6, "INVALID_PRICE"),  # VND has no minor unit
    ]
    assert summary.created == 2
    assert await scalar(engine, "SELECT price_max FROM products WHERE slug = 'imp-json'") == 130000
    again = await run_import(engine, content, ImportFormat.JSONL)
    assert again.unchanged == 2 and again.created == 0


async def test_a_file_that_is_not_an_import_file_imports_nothing(engine):
    import pytest

    from domain.catalog.import_rows import UnreadableFile

    for content in ("", "sku,name,price\nA,B,1\n", "product_name,price\nA,1\n", "sku,sku\n"):
        with pytest.raises(UnreadableFile):
            await run_import(engine, content)


async def test_the_command_line_import_reports_and_exits_by_outcome(fresh_db, tmp_path):
    from tests.test_cli import cli_env, run_omni

    env = cli_env(DATABASE_URL=fresh_db)
    code, out, err = await run_omni("import", "products", str(EXAMPLE), env=env)
    assert code == 0, err
    assert out.strip().splitlines()[-1] == "created 3, updated 0, unchanged 0, failed 0"
    assert "rows/s" in out + err  # the progress bar

    code, out, _ = await run_omni("import", "products", str(EXAMPLE), env=env)
    assert (code, out.strip().splitlines()[-1]) == (
        0,
        "created 0, updated 0, unchanged 3, failed 0",
    )

    partly = tmp_path / "partly.csv"
    partly.write_text(
        csv_file("IMP-CLI-1,,imp-cli,Imp CLI,,,,,1000,,,true,", "IMP-CLI-2,,imp-cli,Imp CLI,,,"),
        encoding="utf-8",
    )
    code, out, err = await run_omni("import", "products", str(partly), env=env)
    assert code == 1
    assert out.strip().splitlines()[-1] == "created 1, updated 0, unchanged 0, failed 1"
    assert "line 3 IMP-CLI-2: MALFORMED_ROW" in err

    unreadable = tmp_path / "bad.csv"
    for content in (b"sku,colour\nA,red\n", HEADER.encode() + b"\n\xff\xfe broken\n"):
        unreadable.write_bytes(content)
        code, _, err = await run_omni("import", "products", str(unreadable), env=env)
        assert code == 2, err
    code, _, _ = await run_omni("import", "products", str(tmp_path / "missing.csv"), env=env)
    assert code == 2


IMPORT = """mutation($input: ProductsImportInput!) { productsImport(input: $input) {
  created updated unchanged failed rowErrors { line sku field code message }
  userErrors { code field message } } }"""


async def test_admins_import_small_files_through_the_api(writer, engine):
    from domain.actors import StaffRole
    from tests.conftest import ok
    from tests.people import make_staff

    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    content = EXAMPLE.read_text(encoding="utf-8") + "IMP-BAD,,x,X,,,,,-5,,,,\n"
    first = await ok(
        writer, IMPORT, {"input": {"format": "CSV", "content": content}}, admin.headers
    )
    result = first["productsImport"]
    assert (result["created"], result["updated"], result["unchanged"], result["failed"]) == (
        3,
        0,
        0,
        1,
    )
    assert result["rowErrors"] == [
        {
            "line": 5,
            "sku": "IMP-BAD",
            "field": "price",
            "code": "INVALID_PRICE",
            "message": "`price` must be between 0 and 999999999999.",
        }
    ]
    again = await ok(
        writer, IMPORT, {"input": {"format": "CSV", "content": content}}, admin.headers
    )
    assert again["productsImport"]["unchanged"] == 3

    events = await scalar(engine, "SELECT count(*) FROM change_events")
    too_many = csv_file(*(f"IMP-MANY-{n},,imp-many,Imp,,,,Size={n},1000,,,," for n in range(2001)))
    refusals = [
        ("CSV", "x" * 512_001, "TOO_LONG"),
        ("CSV", too_many, "TOO_LONG"),
        ("CSV", "sku,colour\nA,red\n", "UNREADABLE"),
        ("CSV", "", "UNREADABLE"),
    ]
    for fmt, text_, code in refusals:
        data = await ok(writer, IMPORT, {"input": {"format": fmt, "content": text_}}, admin.headers)
        assert [e["code"] for e in data["productsImport"]["userErrors"]] == [code]
        assert data["productsImport"]["created"] == 0
    assert await scalar(engine, "SELECT count(*) FROM change_events") == events


async def test_a_50_mb_upload_is_refused_before_it_is_read(writer, engine):
    import orjson

    from domain.actors import StaffRole
    from tests.people import make_staff

    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    body = orjson.dumps(
        {"query": IMPORT, "variables": {"input": {"format": "CSV", "content": "x" * 50_000_000}}}
    )
    variants = await scalar(engine, "SELECT count(*) FROM product_variants")
    response = await writer.post(
        "/graphql",
        content=body,
        headers={"content-type": "application/json", **admin.headers},
    )
    assert response.status_code == 413
    assert "PAYLOAD_TOO_LARGE" in response.text
    assert await scalar(engine, "SELECT count(*) FROM product_variants") == variants
