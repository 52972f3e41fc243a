"""The tables, as SQLAlchemy Core. Alembic migrations create them; this module only describes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer(), "sqlite")
MAX_STORED_VERSION = 2**31 - 1  # a settlement's version is a 32-bit column


class UtcDateTime(TypeDecorator[datetime]):
    """Stored as UTC; read back timezone-aware on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


cities = Table(
    "cities", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
)

counties = Table(
    "counties", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("city_code", String(32), ForeignKey("cities.code"), nullable=False),
)

schools = Table(
    "schools", metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("county_code", String(32), ForeignKey("counties.code"), nullable=False),
    Column("online_classrooms", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
)

teachers = Table(
    "teachers", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("school_code", String(64), ForeignKey("schools.code"), nullable=False, index=True),
    Column("active", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

apps = Table(
    "apps", metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("registered_at", UtcDateTime, nullable=False),
)

app_tokens = Table(
    "app_tokens", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("app_code", String(64), ForeignKey("apps.code"), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(32), nullable=False),
    Column("scope_code", String(64), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

operations = Table(
    "operations", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("app_code", String(64), nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("indicator", String(64), nullable=False),
    Column("teacher_id", String(64), nullable=True),  # looked up through (teacher_id, day)
    Column("school_code", String(64), nullable=True),  # and (school_code, day), below
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("month", String(7), nullable=False),
    Column("day", String(10), nullable=True),  # local date, for daily caps
    Column("ends_at", UtcDateTime, nullable=True),  # occurred_at + duration_s, for overlapping sessions
    Column("duration_s", Float, nullable=True),
    Column("attributes", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=True),
    Column("received_at", UtcDateTime, nullable=False),
    Column("payload_sha256", String(64), nullable=True),  # the report as sent: a resend must match it
    Column("withdrawn_at", UtcDateTime, nullable=True),  # withdrawn by its app: kept, no longer counted
    UniqueConstraint("app_code", "external_id"),
    Index("ix_operations_month_status_indicator", "month", "status", "indicator"),
    # pending reports wait for their teacher or school; the rest are never looked up by status alone
    Index("ix_operations_pending", "id", sqlite_where=text("status = 'pending'"),
          postgresql_where=text("status = 'pending'")),
    # the day first: reports arrive for today, so new entries land together (migration 0011); ends_at: overlapping
    # sessions; a teacher's month is read as its days
    Index("ix_operations_day_teacher_id_ends_at", "day", "teacher_id", "ends_at"),
    Index("ix_operations_day_school_code", "day", "school_code"),
)

content_hashes = Table(
    "content_hashes", metadata,
    Column("sha256", String(128), primary_key=True),
    Column("operation_id", Id, ForeignKey("operations.id"), nullable=False),
)

rejections = Table(
    "rejections", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("app_code", String(64), nullable=False),
    Column("external_id", String(128), nullable=True),
    Column("action", String(64), nullable=True),
    Column("indicator", String(64), nullable=True),
    Column("payload", JSON, nullable=True),
    Column("reason", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_rejections_app_code_external_id", "app_code", "external_id"),
)

settlements = Table(
    "settlements", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("month", String(7), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # draft, or published (then never changed again)
    Column("ruleset_name", String(64), nullable=False),
    Column("ruleset_version", Integer, nullable=False),
    Column("ruleset_sha256", String(64), nullable=False),
    Column("region_code", String(32), nullable=False),
    Column("region_name", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime, nullable=True),
    Column("published_by", String(200), nullable=True),
    # the sum of month_inputs.revision over the months this version read (jifen.settle.inputs), read first
    Column("inputs_revision", Integer, nullable=False, server_default="0"),
    UniqueConstraint("month", "version"),
)

# A marker per month, raised in the same transaction as every change to what the month's settlement reads
# (operations counted or no longer counted, adjustments, roster imports): jifen.store.month_inputs.
month_inputs = Table(
    "month_inputs", metadata,
    Column("month", String(7), primary_key=True),
    Column("revision", Integer, nullable=False),
)

settlement_units = Table(
    "settlement_units", metadata,
    Column("settlement_id", Id, ForeignKey("settlements.id"), primary_key=True),
    Column("level", String(8), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("parent_code", String(64), nullable=True),
    Column("total", Numeric(12, 2), nullable=False),
    Column("rank", Integer, nullable=True),
    Column("teacher_average", Numeric(12, 2), nullable=True),
    Column("school_points", Numeric(12, 2), nullable=True),
    Index("ix_settlement_units_settlement_id_level_parent_code", "settlement_id", "level", "parent_code"),
)

settlement_indicators = Table(
    "settlement_indicators", metadata,
    Column("settlement_id", Id, ForeignKey("settlements.id"), primary_key=True),
    Column("level", String(8), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("indicator", String(64), primary_key=True),
    Column("count", Numeric(18, 4), nullable=False),
    Column("average", Numeric(18, 4), nullable=False),
    Column("points", Numeric(12, 2), nullable=False),
    Column("adjustment", Numeric(12, 2), nullable=False, server_default="0"),
)

settlement_reviews = Table(
    "settlement_reviews", metadata,
    Column("settlement_id", Id, ForeignKey("settlements.id"), primary_key=True),
    Column("level", String(8), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("indicator", String(64), primary_key=True),
    Column("parent_code", String(64), nullable=True),
    Column("count", Numeric(18, 4), nullable=False),
    Column("average", Numeric(18, 4), nullable=False),
)

rulesets = Table(
    "rulesets", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("effective_from", String(7), nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("content", Text, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)

region_rulesets = Table(
    "region_rulesets", metadata,
    Column("from_month", String(7), primary_key=True),
    Column("ruleset_name", String(64), nullable=False),
    Column("set_at", UtcDateTime, nullable=False),
)

roster_history = Table(
    "roster_history", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("teacher_id", String(64), nullable=False),
    Column("from_month", String(7), nullable=False),
    Column("school_code", String(64), nullable=True),  # null: the teacher left
    Column("teacher_name", String(200), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Index("ix_roster_history_teacher_id_from_month", "teacher_id", "from_month"),
)

school_history = Table(
    "school_history", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("school_code", String(64), nullable=False),
    Column("from_month", String(7), nullable=False),
    Column("name", String(200), nullable=False),
    Column("county_code", String(32), nullable=False),
    Column("online_classrooms", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Index("ix_school_history_school_code_from_month", "school_code", "from_month"),
)

adjustments = Table(
    "adjustments", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("month", String(7), nullable=False, index=True),
    Column("level", String(8), nullable=False),  # teacher or school
    Column("code", String(64), nullable=False),
    Column("indicator", String(64), nullable=False),
    Column("points", Numeric(12, 2), nullable=False),
    Column("reason", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

app_credentials = Table(
    "app_credentials", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("app_code", String(64), ForeignKey("apps.code"), nullable=False, index=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("secret_encrypted", Text, nullable=False),  # never in the clear: encrypted with the server key
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

request_nonces = Table(
    "request_nonces", metadata,
    Column("app_key", String(64), primary_key=True),
    Column("nonce", String(128), primary_key=True),
    Column("seen_at", UtcDateTime, nullable=False, index=True),
)

batches = Table(
    "batches", metadata,
    Column("app_code", String(64), primary_key=True),
    Column("batch_id", String(128), primary_key=True),
    Column("request_sha256", String(64), nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Qualified, not withdrawn operations per teacher or school, month and indicator, kept current as they are stored
# (jifen.store.operation_counts): subject_kind 'teacher' counts by teacher_id, 'school' by school_code, so an
# operation carrying both counts once under each, as a GROUP BY over either column would.
# Keyed by month first (migration 0012): a month's counts are one range, and the ones a month's reports change are
# that month's pages, however many months are kept.
operation_counts = Table(
    "operation_counts", metadata,
    Column("subject_kind", String(8), nullable=False),
    Column("code", String(64), nullable=False),
    Column("month", String(7), nullable=False),
    Column("indicator", String(64), nullable=False),
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("month", "subject_kind", "code", "indicator"),
)

# Figures schools and the national platform supply (jifen.store.school_figures): weekly classroom usage per
# school, week (its Monday, Asia/Shanghai) and room type, replaced on resubmission; the platform's registration
# counts per school as of the date of its export.
classroom_usage = Table(
    "classroom_usage", metadata,
    Column("school_code", String(64), primary_key=True),
    Column("week_start", Date, primary_key=True),
    Column("room_type", String(32), primary_key=True),
    Column("rooms", Integer, nullable=False),
    Column("uses", Integer, nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Index("ix_classroom_usage_week_start", "week_start"),
)

school_registration = Table(
    "school_registration", metadata,
    Column("school_code", String(64), primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("school_name", String(200), nullable=False),
    Column("teachers_registered", Integer, nullable=False),
    Column("teachers", Integer, nullable=False),
    Column("students_registered", Integer, nullable=False),
    Column("students", Integer, nullable=False),
    Column("parents_registered", Integer, nullable=False),
    Column("imported_at", UtcDateTime, nullable=False),
    Column("imported_by", String(200), nullable=False),
    Index("ix_school_registration_as_of", "as_of"),
)

# Web sign-in (jifen.store.web_accounts): a user's password hash (argon2id), failed sign-ins by the name typed
# (known or not, so that a lock-out says nothing about which names exist), the lock a name is under, and the
# server-side sessions behind the signed session cookies (only the SHA-256 of a session id is stored).
user_passwords = Table(
    "user_passwords", metadata,
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

login_failures = Table(
    "login_failures", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_name", String(200), nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    Index("ix_login_failures_user_name_failed_at", "user_name", "failed_at"),
)

login_locks = Table(
    "login_locks", metadata,
    Column("user_name", String(200), primary_key=True),
    Column("locked_until", UtcDateTime, nullable=False),
)

web_sessions = Table(
    "web_sessions", metadata,
    Column("id_sha256", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

# Appeals (申诉, jifen.store.appeals): a teacher's request that a report which did not count be credited, reviewed
# by the school's admin and then the county's. The school and county are those of the teacher when filed. At most
# one appeal per operation is open or approved (the partial unique index); every step is a row of appeal_steps,
# and nothing is deleted. An approved appeal names the adjustment that credits it.
APPEAL_HELD = text("state IN ('submitted', 'school_approved', 'approved')")

appeals = Table(
    "appeals", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("operation_id", Id, ForeignKey("operations.id"), nullable=False),
    Column("teacher_id", String(64), nullable=False, index=True),
    Column("school_code", String(64), nullable=False),
    Column("county_code", String(32), nullable=False),
    Column("month", String(7), nullable=False),
    Column("indicator", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("filed_by", String(200), nullable=False),
    Column("filed_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("points", Numeric(12, 2), nullable=True),  # the credit, once approved
    Column("settlement_version", Integer, nullable=True),  # the version the credit was worked out from
    Column("adjustment_id", Id, ForeignKey("adjustments.id"), nullable=True),
    Index("ix_appeals_school_code_state", "school_code", "state"),
    Index("ix_appeals_county_code_state", "county_code", "state"),
    Index("ix_appeals_operation_held", "operation_id", unique=True, sqlite_where=APPEAL_HELD,
          postgresql_where=APPEAL_HELD),
)

appeal_steps = Table(
    "appeal_steps", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("appeal_id", Id, ForeignKey("appeals.id"), nullable=False, index=True),
    Column("step", String(16), nullable=False),
    Column("state", String(16), nullable=False),  # the state the step led to
    Column("actor", String(200), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("note", Text, nullable=True),
    Column("at", UtcDateTime, nullable=False),
)
