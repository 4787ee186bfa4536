"""CORS: which browser storefronts on other origins may call the API (OMNI_CORS_ORIGINS)."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from api.config import Settings

# Development: any port on the local machine, so a storefront dev server just works.
LOCAL_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"

ALLOWED_HEADERS = [
    "Authorization",
    "Content-Type",
    "Accept",
    "X-Omni-Channel",
    "X-Omni-Device-Key",
    "X-Request-Id",
]
EXPOSED_HEADERS = ["X-Request-Id", "Retry-After"]


def cors_middleware(settings: Settings) -> Middleware:
    origins = settings.cors_origins
    regex = None
    if origins is None:
        origins = ()
        regex = None if settings.is_production else LOCAL_ORIGINS
    return Middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_origin_regex=regex,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        # Tokens travel in Authorization, never in cookies.
        allow_credentials=False,
        max_age=600,
    )
