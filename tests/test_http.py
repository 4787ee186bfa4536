"""GraphQL over HTTP: methods, media types, encoding, health, error masking."""

from __future__ import annotations

import orjson
import pytest
from structlog.testing import capture_logs

from api.app import create_app
from api.config import Settings
from domain.catalog import repository
from tests.conftest import client_for, gql

PRODUCT_NAMES = '{ products(first: 5, search: "ao thun") { edges { node { name } } } }'


async def test_post_json(client):
    response = await client.post("/graphql", json={"query": PRODUCT_NAMES})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"]["products"]["edges"]


async def test_get_query(client):
    response = await client.get("/graphql", params={"query": PRODUCT_NAMES})
    assert response.status_code == 200
    assert response.json()["data"]["products"]["edges"]


async def test_get_with_variables(client):
    response = await client.get(
        "/graphql",
        params={
            "query": "query($n: Int) { products(first: $n) { edges { node { id } } } }",
            "variables": '{"n": 3}',
        },
    )
    assert len(response.json()["data"]["products"]["edges"]) == 3


async def test_mutation_over_get_is_405(client):
    response = await client.get("/graphql", params={"query": "mutation { x }"})
    assert response.status_code == 405


async def test_unsupported_method(client):
    response = await client.put("/graphql", json={"query": PRODUCT_NAMES})
    assert response.status_code == 405


async def test_graphql_response_json_media_type(client):
    response = await client.post(
        "/graphql",
        json={"query": PRODUCT_NAMES},
        headers={"accept": "application/graphql-response+json"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/graphql-response+json")


async def test_graphql_response_json_invalid_document_is_400(client):
    response = await client.post(
        "/graphql",
        json={"query": "{ products(first: 1) { nope } }"},
        headers={"accept": "application/graphql-response+json"},
    )
    assert response.status_code == 400
    assert "nope" in response.json()["errors"][0]["message"]


async def test_vietnamese_is_plain_utf8(client):
    response = await client.post("/graphql", json={"query": PRODUCT_NAMES})
    body = response.content
    assert b"\\u" not in body
    assert "Áo thun".encode() in body
    assert orjson.loads(body)["data"]["products"]["edges"][0]["node"]["name"].startswith("Áo")


async def test_graphiql_on_browser_get(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_malformed_json_body_is_400(client):
    response = await client.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_when_migrated(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_readyz_503_without_migrations(empty_db):
    from domain.db import create_engine

    engine = create_engine(empty_db)
    try:
        async with client_for(engine) as c:
            response = await c.get("/readyz")
        assert response.status_code == 503
        assert "migrations" in response.json()["reason"]
    finally:
        await engine.dispose()


async def test_readyz_503_when_database_unreachable():
    settings = Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    app = create_app(settings)
    import httpx

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://omni.test"
    ) as c:
        response = await c.get("/readyz")
    assert response.status_code == 503
    assert "unreachable" in response.json()["reason"]


async def test_request_id_is_echoed(client):
    response = await client.post(
        "/graphql", json={"query": PRODUCT_NAMES}, headers={"x-request-id": "abc-123"}
    )
    assert response.headers["x-request-id"] == "abc-123"


async def test_validation_errors_stay_readable(client):
    result = await gql(client, "{ products(first: 1, sortKey: BOGUS) { edges { cursor } } }")
    assert result.errors
    assert "BOGUS" in result.errors[0]["message"]


async def test_unexpected_exception_is_masked_and_logged(client, monkeypatch):
    async def explode(*_args, **_kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(repository, "list_products", explode)
    with capture_logs() as logs:
        response = await client.post(
            "/graphql",
            json={"query": "{ products(first: 1) { edges { cursor } } }"},
            headers={"x-request-id": "req-mask-1"},
        )
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert "secret" not in error["message"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-mask-1"}
    [entry] = [e for e in logs if e["event"] == "unexpected_error"]
    assert entry["request_id"] == "req-mask-1"
    assert entry["log_level"] == "error"
    assert "secret internal detail" in repr(entry["exc_info"])


@pytest.mark.parametrize(
    "query",
    [
        '{ product(id: "!!!") { id } }',
        '{ node(id: "UHJvZHVjdDp4") { id } }',
        "{ products(first: -1) { edges { cursor } } }",
        '{ products(first: 1, after: "garbage") { edges { cursor } } }',
    ],
)
async def test_bad_input_is_never_a_500(client, query):
    result = await gql(client, query)
    assert result.errors
    assert "INTERNAL_SERVER_ERROR" not in result.error_codes()


LISTING = "{ products(first: 20) { nodes { id name slug description variants { sku } } } }"


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
async def test_large_responses_are_compressed_as_the_client_asks(client, encoding):
    response = await client.post(
        "/graphql", json={"query": LISTING}, headers={"Accept-Encoding": encoding}
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == encoding
    assert "accept-encoding" in response.headers["vary"].lower()
    assert response.json()["data"]["products"]["nodes"]  # decoded as usual
    assert response.num_bytes_downloaded * 2 < len(response.content)


async def test_small_or_unwanted_responses_are_not_compressed(client):
    small = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Accept-Encoding": "gzip"}
    )
    assert "content-encoding" not in small.headers
    plain = await client.post(
        "/graphql", json={"query": LISTING}, headers={"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers
    assert len(plain.content) > 1024


CATALOG = "{ products(first: 2) { nodes { id name } } }"


async def test_public_catalog_gets_are_cacheable_and_conditional(client):
    first = await client.get("/graphql", params={"query": CATALOG})
    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=10"
    assert "authorization" in first.headers["vary"].lower()
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    again = await client.get("/graphql", params={"query": CATALOG}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other = await client.get(
        "/graphql", params={"query": CATALOG.replace("2", "3")}, headers={"If-None-Match": etag}
    )
    assert other.status_code == 200 and other.headers["etag"] != etag


@pytest.mark.parametrize(
    ("method", "query", "headers"),
    [
        ("POST", CATALOG, {}),
        ("GET", CATALOG, {"Authorization": "Bearer not-a-token"}),
        ("GET", '{ products: cart(id: "Q2FydDox") { id } }', {}),
        ("GET", "{ ... on Query { products(first: 1) { nodes { id } } } }", {}),
        ("GET", "{ me { id } }", {}),
    ],
)
async def test_everything_else_is_private(client, method, query, headers):
    if method == "GET":
        response = await client.get("/graphql", params={"query": query}, headers=headers)
    else:
        response = await client.post("/graphql", json={"query": query}, headers=headers)
    assert response.headers["cache-control"] == "private, no-store"
    if method == "POST":
        assert "etag" not in response.headers


def _sha(query: str) -> str:
    import hashlib

    return hashlib.sha256(query.encode()).hexdigest()


async def test_automatic_persisted_queries_follow_apollos_protocol(client):
    query = "{ products(first: 1) { nodes { id name } } }"
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": _sha(query)}}
    # 1. The hash alone: not known yet.
    unknown = await client.post("/graphql", json={"extensions": persisted})
    assert unknown.status_code == 200
    error = unknown.json()["errors"][0]
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    # 2. The document with its hash: run and kept.
    registered = await client.post("/graphql", json={"query": query, "extensions": persisted})
    assert registered.json()["data"]["products"]["nodes"]
    # 3. The hash alone again, by POST and by GET (short, cacheable URLs).
    by_hash = await client.post("/graphql", json={"extensions": persisted})
    assert by_hash.json()["data"] == registered.json()["data"]
    by_get = await client.get("/graphql", params={"extensions": orjson.dumps(persisted).decode()})
    assert by_get.status_code == 200
    assert by_get.json()["data"] == registered.json()["data"]
    assert by_get.headers["cache-control"].startswith("public")


@pytest.mark.parametrize(
    "extensions",
    [
        {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}},  # not the document's
        {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}},
        {"persistedQuery": {"version": 1, "sha256Hash": "abc"}},
        {"persistedQuery": "yes"},
    ],
)
async def test_bad_persisted_query_extensions_are_400s(client, extensions):
    response = await client.post(
        "/graphql", json={"query": "{ __typename }", "extensions": extensions}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_the_persisted_store_stays_bounded() -> None:
    from api.persisted import PersistedQueries

    store = PersistedQueries(max_entries=3, max_characters=40)
    for i in range(10):
        query = f"{{ a{i} }}"
        store.resolve(query, {"persistedQuery": {"version": 1, "sha256Hash": _sha(query)}})
    assert len(store) == 3
    big = "{ " + "b" * 50 + " }"
    store.resolve(big, {"persistedQuery": {"version": 1, "sha256Hash": _sha(big)}})
    assert len(store) == 3  # larger than the whole store: run, not kept
