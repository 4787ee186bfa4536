"""Settings from the environment (12-factor). Documented in the README."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from domain.money import MINOR_UNITS, currency_code
from domain.pricing.model import Rules

DEFAULT_SECRET = "dev-insecure-secret-change-me"

KIB = 1024
MIB = 1024 * KIB


class ConfigError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Budget:
    """A leaky bucket of query-cost points: holds `maximum`, refills `restore_rate` a second."""

    maximum: float
    restore_rate: float

    @classmethod
    def parse(cls, name: str, raw: str) -> Budget:
        maximum, sep, rate = raw.partition("/")
        try:
            budget = cls(float(maximum), float(rate))
        except ValueError:
            raise ConfigError(f"{name} must look like 1000/50 (maximum/restore rate)") from None
        if not sep or budget.maximum <= 0 or budget.restore_rate <= 0:
            raise ConfigError(f"{name} must look like 1000/50 (maximum/restore rate)")
        return budget


@dataclass(frozen=True, slots=True)
class Budgets:
    """Per kind of client. Devices and staff serve many people from one credential."""

    anonymous: Budget = Budget(1000, 50)
    customer: Budget = Budget(1000, 50)
    device: Budget = Budget(2000, 100)
    staff: Budget = Budget(2000, 100)


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may ask of the server (README, "Limits")."""

    max_body_bytes: int = 1 * MIB
    max_token_length: int = 64 * KIB
    max_tokens: int = 4000
    max_fragment_spreads: int = 200
    max_fields: int = 2000
    max_query_cost: int = 1000
    max_input_depth: int = 32
    max_echo_length: int = 200
    request_deadline_s: float = 10.0
    statement_timeout_s: float = 10.0
    max_response_bytes: int = 4 * MIB
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0


@dataclass(frozen=True, slots=True)
class Pricing:
    """How the price book rounds and what points are worth (README, "Prices")."""

    rounding_unit: Decimal = Decimal(1)
    point_value: Decimal = Decimal(1000)
    points_cap_percent: Decimal = Decimal(50)
    delivery_fee: Decimal = Decimal(30_000)
    free_delivery_from: Decimal | None = Decimal(500_000)

    def rules(self) -> Rules:
        minor = Decimal(1).scaleb(-MINOR_UNITS.get(currency_code(), 2))
        return Rules(
            minor_unit=minor,
            rounding_unit=max(self.rounding_unit, minor),
            point_value=self.point_value,
            points_cap=self.points_cap_percent / 100,
            free_delivery_from=self.free_delivery_from,
        )


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    data_dir: Path = Path(".omni")
    environment: str = "development"
    secret_key: str = DEFAULT_SECRET
    max_page_size: int = 100
    log_level: str = "INFO"
    db_pool_size: int = 10
    limits: Limits = field(default_factory=Limits)
    budgets: Budgets = field(default_factory=Budgets)
    pricing: Pricing = field(default_factory=Pricing)
    cart_max_lines: int = 100
    cart_max_quantity: int = 99
    # Points earned: one per this many đồng paid for goods, times the tier's multiplier.
    spend_per_point: Decimal = Decimal(10_000)
    # Days after collection, delivery or a counter sale in which goods may be returned.
    return_days: int = 30
    # How long a CDN or browser may keep a public catalog answer (api/http_cache.py).
    public_max_age_s: int = 10
    # The per-process cache of public catalog answers (api/response_cache). Off unless asked
    # for here (tests); `Settings.from_env` turns it on unless OMNI_RESPONSE_CACHE=0.
    response_cache: bool = False
    response_cache_entries: int = 5000
    response_cache_mb: int = 32
    response_cache_ttl_s: int = 300
    # Execute known query documents through compiled plans (api/core/plans.py).
    compiled_plans: bool = True
    # Accept only the documents registered with `omni documents register` (api/trusted.py).
    trusted_documents: bool = False
    # None: on outside production, off in production.
    introspection: bool | None = None
    graphiql: bool | None = None
    # None: localhost origins outside production, none in production.
    cors_origins: tuple[str, ...] | None = None

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def introspection_enabled(self) -> bool:
        return not self.is_production if self.introspection is None else self.introspection

    @property
    def graphiql_enabled(self) -> bool:
        return not self.is_production if self.graphiql is None else self.graphiql

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        defaults = Limits()
        limits = Limits(
            max_body_bytes=_int("OMNI_MAX_BODY_BYTES", defaults.max_body_bytes),
            max_token_length=_int("OMNI_MAX_TOKEN_LENGTH", defaults.max_token_length),
            max_tokens=_int("OMNI_MAX_TOKENS", defaults.max_tokens),
            max_fragment_spreads=_int("OMNI_MAX_FRAGMENT_SPREADS", defaults.max_fragment_spreads),
            max_fields=_int("OMNI_MAX_FIELDS", defaults.max_fields),
            max_query_cost=_int("OMNI_MAX_QUERY_COST", defaults.max_query_cost),
            request_deadline_s=_float("OMNI_REQUEST_DEADLINE", defaults.request_deadline_s),
            statement_timeout_s=_float("OMNI_STATEMENT_TIMEOUT", defaults.statement_timeout_s),
            max_response_bytes=_int("OMNI_MAX_RESPONSE_BYTES", defaults.max_response_bytes),
            header_timeout_s=_float("OMNI_HEADER_TIMEOUT", defaults.header_timeout_s),
            body_timeout_s=_float("OMNI_BODY_TIMEOUT", defaults.body_timeout_s),
        )
        default_budgets = Budgets()
        budgets = Budgets(
            **{
                kind: _budget(f"OMNI_BUDGET_{kind.upper()}", getattr(default_budgets, kind))
                for kind in ("anonymous", "customer", "device", "staff")
            }
        )
        origins = env.get("OMNI_CORS_ORIGINS")
        settings = cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=Path(env.get("OMNI_DATA_DIR", ".omni")),
            environment=env.get("OMNI_ENV", "development"),
            secret_key=env.get("OMNI_SECRET_KEY", DEFAULT_SECRET),
            log_level=env.get("OMNI_LOG_LEVEL", "INFO").upper(),
            db_pool_size=_int("OMNI_DB_POOL_SIZE", 10),
            limits=limits,
            budgets=budgets,
            pricing=Pricing(
                rounding_unit=_decimal("OMNI_PRICE_ROUNDING_UNIT", Decimal(1)),
                point_value=_decimal("OMNI_POINT_VALUE", Decimal(1000)),
                points_cap_percent=_decimal("OMNI_POINTS_CAP_PERCENT", Decimal(50), maximum=100),
                delivery_fee=_decimal("OMNI_DELIVERY_FEE", Decimal(30_000)),
                free_delivery_from=_free_from(os.environ.get("OMNI_FREE_DELIVERY_FROM")),
            ),
            cart_max_lines=_int("OMNI_CART_MAX_LINES", 100),
            cart_max_quantity=_int("OMNI_CART_MAX_QUANTITY", 99),
            spend_per_point=_decimal("OMNI_SPEND_PER_POINT", Decimal(10_000)),
            return_days=_int("OMNI_RETURN_DAYS", 30),
            public_max_age_s=_int("OMNI_PUBLIC_MAX_AGE", 10),
            response_cache=_bool("OMNI_RESPONSE_CACHE") is not False,
            response_cache_entries=_int("OMNI_RESPONSE_CACHE_ENTRIES", 5000),
            response_cache_mb=_int("OMNI_RESPONSE_CACHE_MB", 32),
            response_cache_ttl_s=_int("OMNI_RESPONSE_CACHE_TTL", 300),
            trusted_documents=_bool("OMNI_TRUSTED_DOCUMENTS") is True,
            compiled_plans=_bool("OMNI_COMPILED_PLANS") is not False,
            introspection=_bool("OMNI_INTROSPECTION"),
            graphiql=_bool("OMNI_GRAPHIQL"),
            cors_origins=(
                tuple(o.strip() for o in origins.split(",") if o.strip())
                if origins is not None
                else None
            ),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.is_production and self.secret_key == DEFAULT_SECRET:
            raise ConfigError(
                "OMNI_SECRET_KEY must be set to a real secret when OMNI_ENV=production"
            )
        if self.is_production and len(self.secret_key) < 32:
            raise ConfigError("OMNI_SECRET_KEY must be at least 32 characters in production")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw[:40]!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive")
    return value


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw[:40]!r}") from None
    if not value > 0:
        raise ConfigError(f"{name} must be positive")
    return value


def _decimal(name: str, default: Decimal, maximum: Decimal | int | None = None) -> Decimal:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = Decimal(raw.strip())
    except ArithmeticError:
        raise ConfigError(f"{name} must be a number, got {raw[:40]!r}") from None
    if not value.is_finite() or value <= 0 or (maximum is not None and value > maximum):
        limit = f" and at most {maximum}" if maximum is not None else ""
        raise ConfigError(f"{name} must be above 0{limit}")
    return value


def _free_from(raw: str | None) -> Decimal | None:
    """Unset: 500,000; "off" or "none": delivery is never free by amount."""
    if raw is None or not raw.strip():
        return Decimal(500_000)
    if raw.strip().lower() in ("off", "none"):
        return None
    return _decimal("OMNI_FREE_DELIVERY_FROM", Decimal(500_000))


def _budget(name: str, default: Budget) -> Budget:
    raw = os.environ.get(name)
    return Budget.parse(name, raw) if raw else default


def _bool(name: str) -> bool | None:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return None
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw[:40]!r}")


def asyncpg_url(url: str) -> str:
    """Accept postgres://, postgresql:// or postgresql+asyncpg:// and return the asyncpg form."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ConfigError(f"DATABASE_URL must be a PostgreSQL URL, got {url.split(':', 1)[0]}://…")
