"""the (teacher, day) index of operations also holds when each session ends

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 15:20:00.000000

Whether a new session overlaps one stored needs the stored sessions of its teacher's day (and the day before)
that end after it begins. With ``ends_at`` in the index, a look-up reads those from the index alone, instead of
reading the row of every session of both days (jifen.store.operations.sessions_overlapping).
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.create_index("ix_operations_teacher_id_day_ends_at", ["teacher_id", "day", "ends_at"], unique=False)
        batch_op.drop_index("ix_operations_teacher_id_day")


def downgrade() -> None:
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.create_index("ix_operations_teacher_id_day", ["teacher_id", "day"], unique=False)
        batch_op.drop_index("ix_operations_teacher_id_day_ends_at")
