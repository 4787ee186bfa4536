"""The README's example queries run as written and return data."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from tests.conftest import gql

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks() -> list[str]:
    return re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def examples() -> list[str]:
    """The query examples anyone can run (mutations, and queries marked `# as <someone>`,
    need accounts and are covered by their own tests)."""
    return [b for b in blocks() if not b.lstrip().startswith(("mutation", "# as "))]


def test_every_readme_example_is_valid_against_the_schema() -> None:
    from graphql import parse, validate

    from api.schema import schema

    for block in blocks():
        errors = validate(schema._schema, parse(block))
        assert not errors, (block, errors)


async def test_readme_examples_run(client):
    queries = examples()
    assert len(queries) >= 3
    variant = base64.urlsafe_b64encode(b"ProductVariant:1").decode().rstrip("=")
    for query in queries:
        result = await gql(client, query, {"variant": variant} if "$variant" in query else None)
        assert not result.errors, result.errors
        assert all(value for value in result.data.values()), (query, result.data)
        # Every example stays well under the public maximum query cost (1,000).
        assert result["extensions"]["cost"]["requestedQueryCost"] <= 500, query
