"""A bounded, seeded fuzz run against the endpoint: documents generated from schema.graphql
(valid ones, and invalid ones in NEGATIVE mode) and raw bodies. Whatever comes in, the
answer is JSON with a request id, within the deadline, never a 5xx, never internal text."""

from __future__ import annotations

import re
import time
from datetime import UTC
from pathlib import Path

import hypothesis_graphql
from graphql import print_ast
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode

SDL = (Path(__file__).resolve().parents[1] / "schema.graphql").read_text(encoding="utf-8")
DEADLINE_S = 10
LEAKS = re.compile(r"Traceback|sqlalchemy|asyncpg|psycopg|File \"/|site-packages", re.I)


FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


def check(response, elapsed: float) -> None:
    assert elapsed < DEADLINE_S, elapsed
    assert response.status_code < 500, (response.status_code, response.text[:500])
    assert response.headers.get("x-request-id")
    assert response.headers["content-type"].startswith(("application/json", "text/html"))
    assert not LEAKS.search(response.text), response.text[:500]
    assert "INTERNAL_SERVER_ERROR" not in response.text, response.text[:500]


async def post(client, payload):
    started = time.perf_counter()
    response = await client.post("/graphql", json=payload)
    check(response, time.perf_counter() - started)


def scalars():
    import graphql

    return {
        "Decimal": st.decimals(allow_nan=False, allow_infinity=False, places=2).map(
            lambda d: graphql.StringValueNode(value=str(d))
        ),
        "Date": st.dates().map(lambda d: graphql.StringValueNode(value=d.isoformat())),
        "DateTime": st.datetimes(timezones=st.just(UTC)).map(
            lambda d: graphql.StringValueNode(value=d.isoformat())
        ),
    }


@FUZZ
@given(document=hypothesis_graphql.queries(SDL, custom_scalars=scalars(), print_ast=print_ast))
async def test_fuzz_queries(client, document):
    await post(client, {"query": document})


@FUZZ
@given(
    document=hypothesis_graphql.queries(
        SDL, custom_scalars=scalars(), print_ast=print_ast, mode=Mode.NEGATIVE
    )
)
async def test_fuzz_invalid_queries(client, document):
    await post(client, {"query": document})


@settings(FUZZ, max_examples=60)
@given(document=hypothesis_graphql.mutations(SDL, custom_scalars=scalars(), print_ast=print_ast))
async def test_fuzz_mutations(writer, document):
    await post(writer, {"query": document})


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=30,
)


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=300),
        JSON.map(lambda v: __import__("orjson").dumps(v)),
        st.fixed_dictionaries(
            {"query": st.text(max_size=200)},
            optional={"variables": JSON, "operationName": JSON, "extensions": JSON},
        ).map(lambda v: __import__("orjson").dumps(v)),
    ),
    content_type=st.sampled_from(["application/json", "text/plain", "", "application/graphql"]),
)
async def test_fuzz_raw_bodies(client, body, content_type):
    started = time.perf_counter()
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post("/graphql", content=body, headers=headers)
    check(response, time.perf_counter() - started)
