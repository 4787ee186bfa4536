"""Trusted-documents mode: documents registered with `omni documents register` (the real
CLI) are served by hash or whole; every other document is refused before it is parsed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import client_for
from tests.test_points import omni

LISTING = "query Listing($n: Int!) { products(first: $n) { nodes { name } } }\n"
STORES = "query Stores { stores(first: 2) { nodes { code } } }\n"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def by_hash(digest: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_register_then_serve_only_registered_documents(engine, fresh_db, tmp_path: Path):
    listing, stores = tmp_path / "listing.graphql", tmp_path / "stores.graphql"
    listing.write_text(LISTING, encoding="utf-8")
    stores.write_text(STORES, encoding="utf-8")
    code, out, err = await omni(
        "documents", "register", str(listing), str(stores), database_url=fresh_db
    )
    assert code == 0, err
    assert f"{sha(LISTING)}  {listing}  (registered)" in out
    assert f"{sha(STORES)}  {stores}  (registered)" in out
    code, out, _ = await omni("documents", "register", str(listing), database_url=fresh_db)
    assert code == 0 and "(already registered)" in out
    code, out, _ = await omni("documents", "list", database_url=fresh_db)
    assert code == 0 and sha(LISTING) in out and sha(STORES) in out

    async with client_for(engine, trusted_documents=True) as client:
        # By hash alone, over POST and GET.
        posted = await client.post(
            "/graphql", json={"extensions": by_hash(sha(LISTING)), "variables": {"n": 2}}
        )
        assert posted.status_code == 200, posted.text
        assert len(posted.json()["data"]["products"]["nodes"]) == 2
        got = await client.get(
            "/graphql",
            params={"extensions": json.dumps(by_hash(sha(STORES)))},
        )
        assert got.status_code == 200 and len(got.json()["data"]["stores"]["nodes"]) == 2
        # Whole, when its exact text is registered.
        whole = await client.post("/graphql", json={"query": LISTING, "variables": {"n": 1}})
        assert whole.status_code == 200 and "errors" not in whole.json()
        # Anything else: refused with a code, before it is parsed.
        for body in (
            {"query": "{ products(first: 50) { nodes { name description } } }"},
            {"query": LISTING.strip(), "variables": {"n": 1}},  # not the exact text
            {"extensions": by_hash("0" * 64)},
            {"query": "{ __schema { types { name } } }"},
        ):
            refused = await client.post("/graphql", json=body)
            assert refused.status_code == 400, refused.text
            assert refused.json()["errors"][0]["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"
        mismatch = await client.post(
            "/graphql", json={"query": STORES, "extensions": by_hash(sha(LISTING))}
        )
        assert mismatch.status_code == 400
        assert mismatch.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"

    # Without the mode, any document runs as before.
    async with client_for(engine) as client:
        free = await client.post(
            "/graphql", json={"query": "{ products(first: 1) { totalCount } }"}
        )
        assert free.status_code == 200 and "errors" not in free.json()


async def test_register_refuses_invalid_documents_and_registers_none(fresh_db, tmp_path: Path):
    good, bad, broken = (tmp_path / n for n in ("good.graphql", "bad.graphql", "broken.graphql"))
    good.write_text(LISTING, encoding="utf-8")
    bad.write_text("{ products { nope } }", encoding="utf-8")
    broken.write_text("{ products(", encoding="utf-8")
    code, _, err = await omni(
        "documents", "register", str(good), str(bad), str(broken), database_url=fresh_db
    )
    assert code == 1
    assert "bad.graphql" in err and "nope" in err and "broken.graphql" in err
    assert "Nothing registered." in err
    code, out, _ = await omni("documents", "list", database_url=fresh_db)
    assert code == 0 and out.strip() == ""


async def test_unknown_documents_cost_no_round_trip_each(engine, monkeypatch):
    """However many unknown documents arrive, the registry is read at most once a second."""
    from api import trusted
    from domain.documents import registry

    reads = []
    real = registry.all_documents

    async def counted(conn, limit):  # type: ignore[no-untyped-def]
        reads.append(limit)
        return await real(conn, limit)

    monkeypatch.setattr(registry, "all_documents", counted)
    now = [100.0]
    documents = trusted.TrustedDocuments(engine, clock=lambda: now[0])
    for i in range(50):
        with pytest.raises(trusted.RequestRejected):
            await documents.resolve(f"{{ products(first: {i + 1}) {{ totalCount }} }}", None)
    assert len(reads) == 1
    now[0] += trusted.REFRESH_S
    with pytest.raises(trusted.RequestRejected):
        await documents.resolve("{ categories { id } }", None)
    assert len(reads) == 2
    with pytest.raises(trusted.RequestRejected) as bad:
        await documents.resolve(None, by_hash("g" * 64))
    assert bad.value.code == "BAD_REQUEST"
