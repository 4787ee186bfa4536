"""Malformed requests are JSON 400s with a code and the request id, never 500s."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import client_for, gql

MAX_BODY = 1024 * 1024


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    request_id = response.headers["x-request-id"]
    body = response.json()
    [error] = body["errors"]
    assert error["extensions"]["code"] == code, body
    assert error["extensions"]["requestId"] == request_id
    return body


@pytest.mark.parametrize("raw", [b"null", b"123", b'"str"', b"true", b"{not json", b""])
async def test_bodies_that_are_not_a_json_object(client, raw):
    response = await client.post(
        "/graphql", content=raw, headers={"content-type": "application/json"}
    )
    assert_json_error(response, 400, "BAD_REQUEST")


async def test_batches_are_refused(client):
    response = await client.post("/graphql", json=[{"query": "{ __typename }"}])
    body = assert_json_error(response, 400, "BAD_REQUEST")
    assert "Batched" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_wrong_content_types(client, content_type):
    response = await client.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers={"content-type": content_type}
    )
    assert_json_error(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"query": ""},
        {"query": None},
        {"query": 5},
        {"query": "{ __typename }", "variables": [1]},
        {"query": "{ __typename }", "variables": "x"},
        {"query": "{ __typename }", "operationName": 7},
        {"query": "{ __typename }", "extensions": []},
    ],
)
async def test_badly_shaped_requests(client, payload):
    assert_json_error(await client.post("/graphql", json=payload), 400, "BAD_REQUEST")


async def test_get_with_broken_variables(client):
    response = await client.get(
        "/graphql", params={"query": "{ __typename }", "variables": "{oops"}
    )
    assert_json_error(response, 400, "BAD_REQUEST")


async def test_get_without_query(client):
    response = await client.get("/graphql", headers={"accept": "application/json"})
    assert_json_error(response, 400, "BAD_REQUEST")


def nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("depth", [33, 1000, 5000])
async def test_deeply_nested_variables(client, depth):
    body = '{"query":"query($v: String) { __typename }","variables":{"v":' + (
        '{"a":' * depth + '"x"' + "}" * depth + "}}"
    )
    response = await client.post(
        "/graphql", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert_json_error(response, 400, "BAD_REQUEST")


async def test_variables_within_depth_are_fine(client):
    result = await gql(
        client,
        "query($v: String) { products(first: 1, search: $v) { totalCount } }",
        {"v": "x", "w": nested(20)},
    )
    assert not result.errors


async def test_nul_anywhere_is_refused(client):
    response = await client.post(
        "/graphql", json={"query": "{ __typename }", "variables": {"a": [{"b": "x\x00"}]}}
    )
    assert_json_error(response, 400, "BAD_USER_INPUT")


async def test_body_over_the_limit_is_413(client):
    body = json.dumps({"query": "{ __typename } #" + "x" * (MAX_BODY + 10)}).encode()
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert_json_error(response, 413, "PAYLOAD_TOO_LARGE")


async def test_chunked_body_over_the_limit_is_413(client):
    async def chunks():
        yield b'{"query": "{ __typename } #'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = await client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_json_error(response, 413, "PAYLOAD_TOO_LARGE")


async def test_body_limit_is_configurable(catalog_engine):
    from api.config import Limits

    async with client_for(catalog_engine, limits=Limits(max_body_bytes=100)) as c:
        response = await c.post("/graphql", json={"query": "{ __typename }" + " " * 200})
        assert_json_error(response, 413, "PAYLOAD_TOO_LARGE")


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


async def test_cursor_nested_50000_deep(client):
    cursor = b64('{"s":' + "[" * 50_000 + "]" * 50_000 + "}")
    result = await gql(
        client, "query($c: String) { products(first: 1, after: $c) { totalCount } }", {"c": cursor}
    )
    assert result.errors
    assert "INTERNAL_SERVER_ERROR" not in result.error_codes()


async def test_deep_cursor_within_body_limits(client):
    cursor = b64('{"s":"x","v":' + "[" * 900 + "]" * 900 + "}")
    result = await gql(
        client, "query($c: String) { products(first: 1, after: $c) { totalCount } }", {"c": cursor}
    )
    assert result.error_codes() == ["INVALID_CURSOR"] or result.error_codes() == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("amount", ["1e-999999999", "1e999999999", "0.001", "-1", "NaN"])
async def test_price_filter_out_of_range_or_precision(client, amount):
    result = await gql(
        client,
        "query($p: Decimal) { products(first: 1, filter: {priceMin: $p}) { totalCount } }",
        {"p": amount},
    )
    assert result.errors
    assert "INTERNAL_SERVER_ERROR" not in result.error_codes()


@pytest.mark.parametrize("number", ["1e999", "123456789012345678901234567890", "-1e400"])
async def test_numbers_out_of_range_in_variables(client, number):
    body = '{"query":"query($n: Int) { products(first: $n) { totalCount } }","variables":{"n":'
    response = await client.post(
        "/graphql",
        content=(body + number + "}}").encode(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code in (200, 400)
    assert "INTERNAL_SERVER_ERROR" not in response.text


@pytest.mark.parametrize(
    "raw", ["Product:1_0", "Product: 1", "Product:١", "Product:01", "Product:+1", "product:1"]
)
async def test_only_canonical_global_ids(client, raw):
    result = await gql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": b64(raw)})
    assert result.data == {"node": None}
    assert result.error_codes() == ["BAD_USER_INPUT"]


async def test_padded_global_id_is_not_canonical(client):
    result = await gql(
        client, "query($id: ID!) { node(id: $id) { id } }", {"id": b64("Product:1") + "="}
    )
    assert result.error_codes() == ["BAD_USER_INPUT"]
    canonical = await gql(
        client, "query($id: ID!) { node(id: $id) { id } }", {"id": b64("Product:1")}
    )
    assert canonical.data == {"node": {"id": b64("Product:1")}}


async def test_unexpected_errors_escaping_the_app_are_json(client, monkeypatch):
    from api import http

    async def explode(*_args, **_kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(http.OmniGraphQL, "get_context", explode)
    response = await client.post("/graphql", json={"query": "{ __typename }"})
    body = assert_json_error(response, 500, "INTERNAL_SERVER_ERROR")
    assert "secret" not in json.dumps(body)


# -- CORS -------------------------------------------------------------------------------


async def test_cors_preflight_from_a_local_storefront(client):
    response = await client.options(
        "/graphql",
        headers={
            "origin": "http://localhost:3000",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, x-omni-channel, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "x-omni-channel", "x-omni-device-key", "x-request-id"):
        assert header in allowed
    actual = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"origin": "http://localhost:3000"}
    )
    assert actual.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "x-request-id" in actual.headers["access-control-expose-headers"].lower()


async def test_cors_refuses_other_origins_in_development(client):
    response = await client.options(
        "/graphql",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in response.headers


async def test_cors_in_production_only_configured_origins(catalog_engine):
    prod = {"environment": "production", "secret_key": "p" * 40}
    async with client_for(catalog_engine, **prod) as c:
        response = await c.options(
            "/graphql",
            headers={"origin": "http://localhost:3000", "access-control-request-method": "POST"},
        )
        assert "access-control-allow-origin" not in response.headers
    async with client_for(catalog_engine, cors_origins=("https://shop.song.vn",), **prod) as c:
        response = await c.options(
            "/graphql",
            headers={"origin": "https://shop.song.vn", "access-control-request-method": "POST"},
        )
        assert response.headers["access-control-allow-origin"] == "https://shop.song.vn"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_json_405(client, method):
    response = await client.request(method, "/graphql", json={"query": "{ __typename }"})
    assert_json_error(response, 405, "METHOD_NOT_ALLOWED")


async def test_unknown_path_is_json_404(client):
    response = await client.get("/nope")
    assert_json_error(response, 404, "NOT_FOUND")
    assert (await client.post("/healthz")).status_code == 405


async def test_validation_errors_have_a_code(client):
    result = await gql(client, "{ products(first: 1) { nope } }")
    assert result.error_codes() == ["GRAPHQL_VALIDATION_FAILED"]
    bad_variable = await gql(
        client, "query($n: Int) { products(first: $n) { totalCount } }", {"n": "many"}
    )
    assert bad_variable.error_codes() == ["GRAPHQL_VALIDATION_FAILED"]
