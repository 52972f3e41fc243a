"""the (teacher, day) and (school, day) indexes of operations lead with the day

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 21:30:00.000000

Reports arrive for today. Led by the teacher, each new report's entry lands on a page of its own teacher's range,
spread over the whole index: a batch of a thousand reports of a thousand teachers writes a thousand pages, and in a
store of millions of operations most of them are not in memory. Led by the day, a day's entries are together, so
the pages written are the few of the current days however much is stored. The look-ups name the day and the
teacher (or school) exactly, as before; a teacher's month is read as that month's days, one seek each.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from jifen.config import Settings

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


_TEACHER_FIRST = {"ix_operations_teacher_id_day_ends_at": ["teacher_id", "day", "ends_at"],
                  "ix_operations_school_code_day": ["school_code", "day"]}
_DAY_FIRST = {"ix_operations_day_teacher_id_ends_at": ["day", "teacher_id", "ends_at"],
              "ix_operations_day_school_code": ["day", "school_code"]}


def _replace(made: dict[str, list[str]], dropped: dict[str, list[str]]) -> None:
    with op.batch_alter_table("operations", schema=None) as batch_op:
        for name, columns in made.items():
            batch_op.create_index(name, columns, unique=False)
        for name in dropped:
            batch_op.drop_index(name)


def _fill_days() -> None:
    """Reports stored before revision 0002 have no local day, and a teacher's month is now read by its days: they
    are given theirs, in the region's time zone (JIFEN_TIMEZONE), as ingestion gives it."""
    bind = op.get_bind()
    missing = bind.execute(sa.text("SELECT id, occurred_at FROM operations WHERE day IS NULL")).all()
    if not missing:
        return
    tz = ZoneInfo(Settings().timezone)
    days = []
    for op_id, occurred_at in missing:
        instant = datetime.fromisoformat(occurred_at) if isinstance(occurred_at, str) else occurred_at
        instant = instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant
        days.append({"id": op_id, "day": instant.astimezone(tz).date().isoformat()})
    bind.execute(sa.text("UPDATE operations SET day = :day WHERE id = :id"), days)


def upgrade() -> None:
    _fill_days()
    _replace(_DAY_FIRST, _TEACHER_FIRST)


def downgrade() -> None:
    _replace(_TEACHER_FIRST, _DAY_FIRST)
