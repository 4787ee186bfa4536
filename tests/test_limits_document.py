"""Documents are measured before validation, in time linear in their size."""

from __future__ import annotations

import time

import pytest

from api.config import Limits, Settings
from tests.conftest import client_for, gql


def fan_out(levels: int) -> str:
    """Each fragment spreads the next one twice: 2^levels spreads in a few hundred bytes."""
    parts = ["query { ...F0 }"]
    for i in range(levels):
        parts.append(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}")
    parts.append(f"fragment F{levels} on Query {{ __typename }}")
    return "\n".join(parts)


async def timed(client, query, **kw):
    started = time.perf_counter()
    result = await gql(client, query, **kw)
    return result, (time.perf_counter() - started) * 1000


@pytest.mark.parametrize("levels", [8, 20, 40, 300])
async def test_fragment_fan_out_is_refused_fast(client, levels):
    # Each try sends a new document (a different comment), so no cache helps; the best of
    # three keeps one noisy moment on a shared machine from deciding.
    tries = [await timed(client, f"# try {i}\n" + fan_out(levels)) for i in range(3)]
    result, ms = tries[0][0], min(t[1] for t in tries)
    assert result.data is None
    assert result.error_codes() == ["QUERY_TOO_COMPLEX"], result.errors
    assert "fragment spreads" in result.errors[0]["message"]
    assert ms < 50, ms
    assert result.response.headers["x-request-id"]


async def test_refusal_time_does_not_grow_with_levels(client):
    # Best of a few tries each, so one noisy moment on a shared machine does not decide.
    async def best(levels: int) -> float:
        return min([(await timed(client, f"# {i}\n" + fan_out(levels)))[1] for i in range(5)])

    small, large = await best(10), await best(300)
    # 2^300 expanded spreads against 2^10, in a text 30 times as long: the time follows
    # the text, not the expansion.
    assert large < 50
    assert large < small * 60 + 5


async def test_small_fan_out_still_runs(client):
    result = await gql(client, fan_out(6))  # 64 spreads: within the 200 limit
    assert not result.errors
    assert result.data == {"__typename": "Query"}


async def test_fields_after_expansion_are_limited(client):
    # 30 fields, spread 128 times: 3,840 fields after expansion, under 200 spreads? No:
    # use two levels of 12 spreads = 144 spreads, 144 * 15 fields > 2,000.
    fields = " ".join(f"a{i}: __typename" for i in range(15))
    inner = " ".join("...B" for _ in range(12))
    query = (
        "query { ...A }\n"
        f"fragment A on Query {{ {' '.join('...M' for _ in range(12))} }}\n"
        f"fragment M on Query {{ {inner} }}\n"
        f"fragment B on Query {{ {fields} }}"
    )
    result = await gql(client, query)
    assert result.error_codes() == ["QUERY_TOO_COMPLEX"]
    assert "fields" in result.errors[0]["message"]


async def test_unused_fan_out_fragment_is_refused_too(client):
    """Validation looks at every fragment, used or not."""
    query = fan_out(30).replace("query { ...F0 }", "query { __typename }")
    # New documents each try, the best of three: as in test_fragment_fan_out_is_refused_fast
    # (a collection of the test process's own garbage once took 468 ms here).
    tries = [await timed(client, f"# try {i}\n" + query) for i in range(3)]
    result, ms = tries[0][0], min(t[1] for t in tries)
    assert result.error_codes() == ["QUERY_TOO_COMPLEX"]
    assert ms < 50, ms


async def test_fragment_cycle_is_refused(client):
    result = await gql(
        client, "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    )
    assert result.data is None
    assert result.errors
    assert "INTERNAL_SERVER_ERROR" not in result.error_codes()


async def test_long_fragment_chain_is_refused_not_crashed(client):
    n = 450
    parts = ["query { ...F0 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(n)]
    parts.append(f"fragment F{n} on Query {{ __typename }}")
    result = await gql(client, "\n".join(parts))
    assert result.data is None
    assert set(result.error_codes()) <= {"QUERY_TOO_COMPLEX", "GRAPHQL_PARSE_FAILED"}


async def test_token_length_is_limited(client):
    long_string = "x" * (64 * 1024 + 1)
    result = await gql(
        client, f'{{ products(first: 1, search: "{long_string}") {{ totalCount }} }}'
    )
    assert result.error_codes() == ["GRAPHQL_PARSE_FAILED"]
    assert "65,536" in result.errors[0]["message"] or "65536" in result.errors[0]["message"]
    assert len(result.response.content) < 2000


async def test_long_comment_is_a_long_token(client):
    result = await gql(client, "{ __typename } #" + "x" * (64 * 1024 + 10))
    assert result.error_codes() == ["GRAPHQL_PARSE_FAILED"]


async def test_token_count_is_limited(client):
    result = await gql(client, "{ " + "__typename " * 5000 + "}")
    assert result.error_codes() == ["GRAPHQL_PARSE_FAILED"]


async def test_syntax_error_has_a_code(client):
    result = await gql(client, "{ products(first: 1) { ")
    assert result.error_codes() == ["GRAPHQL_PARSE_FAILED"]


async def test_two_operations_need_an_operation_name(client):
    document = "query A { __typename } query B { __typename }"
    refused = await gql(client, document)
    assert refused.data is None
    assert refused.error_codes() == ["OPERATION_NOT_FOUND"]
    assert "operationName" in refused.errors[0]["message"]
    response = await client.post("/graphql", json={"query": document, "operationName": "B"})
    assert response.json()["data"] == {"__typename": "Query"}


async def test_two_anonymous_operations_are_refused(client):
    result = await gql(client, "{ __typename } { __typename }")
    assert result.data is None
    assert result.errors


async def test_unknown_operation_name_is_clipped(client):
    name = "x" * 500_000
    response = await client.post(
        "/graphql", json={"query": "query A { __typename }", "operationName": name}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "OPERATION_NOT_FOUND"
    assert len(response.content) < 2000
    assert "x" * 201 not in response.text


async def test_echoed_values_are_clipped_in_validation_errors(client):
    value = "y" * 5000
    result = await gql(client, f'{{ products(first: "{value}") {{ totalCount }} }}')
    assert result.errors
    assert all(len(e["message"]) <= 1001 for e in result.errors)
    assert "y" * 201 not in result.response.text


async def test_introspection_on_in_development(client):
    result = await gql(client, "{ __schema { queryType { name } } }")
    assert result.data == {"__schema": {"queryType": {"name": "Query"}}}


def production(**overrides):
    return {"environment": "production", "secret_key": "p" * 40, **overrides}


async def test_introspection_off_in_production(catalog_engine):
    async with client_for(catalog_engine, **production()) as c:
        for query in (
            "{ __schema { types { name } } }",
            '{ __type(name: "Product") { name } }',
            "query { ...I } fragment I on Query { __schema { queryType { name } } }",
        ):
            result = await gql(c, query)
            assert result.data is None
            assert result.error_codes() == ["INTROSPECTION_DISABLED"]
        # __typename is not introspection of the schema and stays available.
        assert (await gql(c, "{ __typename }")).data == {"__typename": "Query"}
        page = await c.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("application/json")
        assert (await c.get("/graphql/assets/graphiql.min.js")).status_code == 404


async def test_introspection_and_ide_can_be_switched_on_in_production(catalog_engine):
    async with client_for(catalog_engine, **production(introspection=True, graphiql=True)) as c:
        result = await gql(c, "{ __schema { queryType { name } } }")
        assert not result.errors
        page = await c.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200


def test_settings_switches_from_env(monkeypatch):
    monkeypatch.setenv("OMNI_ENV", "production")
    monkeypatch.setenv("OMNI_SECRET_KEY", "s" * 40)
    settings = Settings.from_env()
    assert not settings.introspection_enabled and not settings.graphiql_enabled
    monkeypatch.setenv("OMNI_INTROSPECTION", "true")
    assert Settings.from_env().introspection_enabled
    monkeypatch.setenv("OMNI_MAX_QUERY_COST", "500")
    assert Settings.from_env().limits.max_query_cost == 500
    monkeypatch.setenv("OMNI_BUDGET_DEVICE", "4000/200")
    budget = Settings.from_env().budgets.device
    assert (budget.maximum, budget.restore_rate) == (4000, 200)


def test_defaults_match_the_readme():
    limits = Limits()
    assert limits.max_fragment_spreads == 200 and limits.max_fields == 2000
    assert limits.max_query_cost == 1000
    assert limits.max_body_bytes == 1024 * 1024 and limits.max_token_length == 64 * 1024
    assert limits.request_deadline_s == 10 and limits.max_response_bytes == 4 * 1024 * 1024
    assert limits.header_timeout_s == 10 and limits.body_timeout_s == 30


async def test_nesting_past_the_parsers_limit_is_a_clean_error(client):
    """graphql-core's parser stops at 200 levels with a RecursionError: a GraphQL error,
    not a 500, and before anything else looks at the document."""
    deep = "{" + "a{" * 201 + "b" + "}" * 202
    response = await client.post("/graphql", json={"query": deep})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["GRAPHQL_PARSE_FAILED"]
    assert "too deeply" in body["errors"][0]["message"]
