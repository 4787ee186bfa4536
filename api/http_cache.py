"""HTTP caching of GraphQL answers: which ones a CDN may keep, and conditional GETs.

A response is public only when nobody in particular asked (no token, no device key), it
was a GET, it answered without errors, and every root field it selected reads the public
catalog (products, categories, stores, promotions): what such a request returns depends on
nothing but the document and its variables (never the channel). Everything else is
`private, no-store`. Root fields are read from the document itself, since a response key
can be an alias (`{ products: cart(id: …) { … } }`).

GET answers carry a weak ETag over their data and errors (not `extensions`, whose cost
figures change on every request), and `If-None-Match` with it is answered `304`.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import orjson
from graphql import DocumentNode, FieldNode, GraphQLError, OperationDefinitionNode, parse
from starlette.requests import Request
from starlette.responses import Response

PUBLIC_ROOT_FIELDS = frozenset(
    {
        "products",
        "product",
        "productVariant",
        "categories",
        "category",
        "stores",
        "store",
        "promotions",
        "__typename",
    }
)
PRIVATE = "private, no-store"
# The document the request runs (set by the view once it has read the request: a
# persisted query's GET carries only its hash).
current_query: ContextVar[str | None] = ContextVar("current_query", default=None)
# What a CDN (or a browser) holds on to of a public GET answer besides the body.
VARY = "Authorization, X-Omni-Device-Key"


def single_query(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    """The one query operation the request runs, or None (a mutation, or ambiguous)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation.value != "query":
        return None
    return operations[0]


def selects_only_the_catalog(operation: OperationDefinitionNode) -> bool:
    # A fragment at the root could select anything: not public.
    return all(
        isinstance(selection, FieldNode) and selection.name.value in PUBLIC_ROOT_FIELDS
        for selection in operation.selection_set.selections
    )


@functools.lru_cache(maxsize=1024)
def reads_only_the_catalog(query: str, operation_name: str | None) -> bool:
    # Cached: the same few documents come back on every page view, and parsing one again
    # for each answer would cost more than the check. Only asked of answers without
    # errors, so of documents the guard (api/limits) has already let through.
    try:
        document = parse(query, no_location=True)
    except GraphQLError:
        return False
    operation = single_query(document, operation_name)
    return operation is not None and selects_only_the_catalog(operation)


def is_public(request: Request, anonymous: bool, data: Mapping[str, Any]) -> bool:
    if request.method != "GET" or not anonymous or data.get("errors"):
        return False
    headers = request.headers
    if "authorization" in headers or "x-omni-device-key" in headers:
        return False
    query = current_query.get()
    return query is not None and reads_only_the_catalog(
        query, request.query_params.get("operationName")
    )


def etag_of(data: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(
        orjson.dumps({"data": data.get("data"), "errors": data.get("errors")})
    ).hexdigest()
    return f'W/"{digest[:32]}"'


def matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110's weak comparison: `*` or any listed tag with the same opaque value."""
    wanted = etag.removeprefix("W/")
    return any(
        tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted
        for tag in if_none_match.split(",")
    )


def apply(
    request: Request,
    response: Response,
    data: Mapping[str, Any],
    anonymous: bool,
    max_age_s: int,
) -> Response:
    """Set Cache-Control (and, for GET, ETag); a matching If-None-Match becomes a 304."""
    public = response.status_code == 200 and is_public(request, anonymous, data)
    cache_control = f"public, max-age={max_age_s}" if public else PRIVATE
    response.headers["cache-control"] = cache_control
    if public:
        response.headers["vary"] = VARY
    if request.method != "GET" or response.status_code != 200:
        return response
    etag = etag_of(data)
    response.headers["etag"] = etag
    condition = request.headers.get("if-none-match")
    if condition is not None and matches(condition, etag):
        headers = {"etag": etag, "cache-control": cache_control}
        if public:
            headers["vary"] = VARY
        return Response(status_code=304, headers=headers)
    return response
