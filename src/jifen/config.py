"""Settings: read once from the environment (prefix ``JIFEN_``) and passed in, never imported as a global."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "jifen"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone of the IANA database (e.g. Asia/Shanghai)") from None
        return value

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    ruleset: str = "ningxia-2022"
    region_code: str = "640000"
    region_name: str = "宁夏回族自治区"
    site_name: str | None = None  # the pages' heading; unset: 宁夏教育云 for Ningxia, else the region's name + 教育云
    timezone: str = "Asia/Shanghai"
    max_batch_items: int = Field(default=5000, ge=1)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    future_tolerance_s: int = Field(default=300, ge=0)
    retention_months: int = Field(default=13, ge=0)  # the current month and this many before it are accepted
    rate_limit_per_s: float = Field(default=50.0, ge=0)  # requests per second per app; 0 turns the limit off
    rate_limit_burst: int = Field(default=100, ge=1)
    secret_key: SecretStr | None = None  # Fernet key for app secrets; unset: secret.key in data_dir
    # A month falls due for settlement on this day and hour of the next month (local time), plus the grace period
    settle_day: int = Field(default=1, ge=1, le=28)
    settle_hour: int = Field(default=2, ge=0, le=23)
    settle_grace_hours: float = Field(default=48, ge=0)
    auto_settle: bool = True  # jifen serve settles due months by itself, checking every auto_settle_interval_s
    auto_settle_interval_s: float = Field(default=300, gt=0)
    # Where settlements are computed: the embedded engine (DuckDB), the exact Python reference, SQLite, the store's
    # PostgreSQL server, or Spark at spark_master. Every engine publishes the same figures.
    settle_engine: Literal["duckdb", "python", "sqlite", "postgres", "spark"] = "duckdb"
    spark_master: str = "local[2]"
    # The county bulletin (jifen bulletin): schools from bulletin_leading_points lead, under bulletin_lower_points
    # they are named as poor; an indicator whose full marks fewer than bulletin_full_marks_share of the schools
    # reach is a problem; pdf_font: the Chinese TrueType font (.ttf, .ttc) embedded in the PDF (unset: found)
    bulletin_leading_points: float = Field(default=60, ge=0)
    bulletin_lower_points: float = Field(default=40, ge=0)
    bulletin_full_marks_share: float = Field(default=0.10, ge=0, le=1)
    pdf_font: Path | None = None
    # Figures schools and the national platform supply (jifen.reports.usage_data): a school's classroom figures are
    # doubted when the same for usage_repeat_weeks weeks running, or a room type sits unused for usage_zero_weeks;
    # usage_standards: uses per room per week by room type (JSON); schools under registration_threshold of students
    # registered are listed; online classes per classroom per week against online_class_standard.
    usage_repeat_weeks: int = Field(default=3, ge=2)
    usage_zero_weeks: int = Field(default=2, ge=1)
    usage_standards: dict[str, float] = Field(default_factory=lambda: {"online_interactive": 5.0})
    registration_threshold: float = Field(default=0.6, ge=0, le=1)
    online_class_standard: float = Field(default=5.0, ge=0)
    # Web pages: the key that signs session cookies (unset: session.key in data_dir, made on first use), how long a
    # session lasts, and the lock-out: login_max_failures failed sign-ins within login_window_minutes lock the
    # name for login_lock_minutes
    session_secret: SecretStr | None = None
    session_hours: float = Field(default=12, gt=0)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: float = Field(default=15, gt=0)
    login_lock_minutes: float = Field(default=15, gt=0)
    # Unified identity (统一身份认证): OpenID Connect when oidc_issuer is set (discovery at
    # {oidc_issuer}/.well-known/openid-configuration; register {public_url}/login/oidc/callback with the provider), CAS
    # when cas_server_url is set (tickets validated at {cas_server_url}{cas_validate_path}; CAS 2.0 servers:
    # /serviceValidate). The platform user signs in as the Jifen user whose name is the oidc_username_claim claim (CAS:
    # the CAS user, or its cas_username_attribute attribute); no account is ever made by signing in. local_login false
    # turns password sign-in off. public_url: the address users reach Jifen at (unset: taken from each request).
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid profile"
    oidc_username_claim: str = "preferred_username"
    cas_server_url: str | None = None
    cas_validate_path: str = "/p3/serviceValidate"
    cas_username_attribute: str | None = None
    local_login: bool = True
    public_url: str | None = None

    @property
    def heading(self) -> str:
        """What the pages call the platform (JIFEN_SITE_NAME, else made from the region's name)."""
        if self.site_name:
            return self.site_name
        return "宁夏教育云" if self.region_name == "宁夏回族自治区" else f"{self.region_name}教育云"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "jifen.sqlite3"

    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL: a plain ``postgresql://`` URL is given the psycopg driver."""
        url = self.database_url or f"sqlite:///{self.sqlite_path}"
        return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url
