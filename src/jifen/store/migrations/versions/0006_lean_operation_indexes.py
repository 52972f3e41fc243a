"""fewer indexes on operations: every index is written on every report stored

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 01:00:00.000000

``teacher_id`` and ``school_code`` alone are served by the (teacher_id, day) and (school_code, day) indexes;
``status`` alone is only ever asked for pending reports, a handful at a time, so a partial index replaces it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_index("ix_operations_teacher_id")
        batch_op.drop_index("ix_operations_school_code")
        batch_op.drop_index("ix_operations_status")
        batch_op.create_index("ix_operations_pending", ["id"], unique=False, sqlite_where=PENDING,
                              postgresql_where=PENDING)


def downgrade() -> None:
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_index("ix_operations_pending", sqlite_where=PENDING, postgresql_where=PENDING)
        batch_op.create_index("ix_operations_status", ["status"], unique=False)
        batch_op.create_index("ix_operations_school_code", ["school_code"], unique=False)
        batch_op.create_index("ix_operations_teacher_id", ["teacher_id"], unique=False)
