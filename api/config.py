"""Settings from the environment (12-factor). Documented in the README."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SECRET = "dev-insecure-secret-change-me"


class ConfigError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    data_dir: Path = Path(".omni")
    environment: str = "development"
    secret_key: str = DEFAULT_SECRET
    max_page_size: int = 100
    log_level: str = "INFO"
    db_pool_size: int = 10

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls) -> Settings:
        settings = cls(
            database_url=os.environ.get("DATABASE_URL") or None,
            data_dir=Path(os.environ.get("OMNI_DATA_DIR", ".omni")),
            environment=os.environ.get("OMNI_ENV", "development"),
            secret_key=os.environ.get("OMNI_SECRET_KEY", DEFAULT_SECRET),
            log_level=os.environ.get("OMNI_LOG_LEVEL", "INFO").upper(),
            db_pool_size=int(os.environ.get("OMNI_DB_POOL_SIZE", "10")),
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


def asyncpg_url(url: str) -> str:
    """Accept postgres://, postgresql:// or postgresql+asyncpg:// and return the asyncpg form."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ConfigError(f"DATABASE_URL must be a PostgreSQL URL, got {url.split(':', 1)[0]}://…")
