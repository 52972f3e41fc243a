"""appeals: a teacher's request that a report be credited, and every step of its review

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 03:45:00.000000

``appeals`` holds one row per appeal with its current state (at most one open or approved per operation: a partial
unique index); ``appeal_steps`` holds every step taken, by whom and when. An approved appeal names its adjustment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
HELD = sa.text("state IN ('submitted', 'school_approved', 'approved')")


def upgrade() -> None:
    op.create_table(
        "appeals",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("operation_id", Id, nullable=False),
        sa.Column("teacher_id", sa.String(length=64), nullable=False),
        sa.Column("school_code", sa.String(length=64), nullable=False),
        sa.Column("county_code", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("filed_by", sa.String(length=200), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("points", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("settlement_version", sa.Integer(), nullable=True),
        sa.Column("adjustment_id", Id, nullable=True),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.id"], name=op.f("fk_appeals_operation_id_operations")),
        sa.ForeignKeyConstraint(["adjustment_id"], ["adjustments.id"],
                                name=op.f("fk_appeals_adjustment_id_adjustments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeals_teacher_id"), ["teacher_id"], unique=False)
        batch_op.create_index("ix_appeals_school_code_state", ["school_code", "state"], unique=False)
        batch_op.create_index("ix_appeals_county_code_state", ["county_code", "state"], unique=False)
        batch_op.create_index("ix_appeals_operation_held", ["operation_id"], unique=True, sqlite_where=HELD,
                              postgresql_where=HELD)
    op.create_table(
        "appeal_steps",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("appeal_id", Id, nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeals.id"], name=op.f("fk_appeal_steps_appeal_id_appeals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_steps")),
    )
    with op.batch_alter_table("appeal_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeal_steps_appeal_id"), ["appeal_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("appeal_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeal_steps_appeal_id"))
    op.drop_table("appeal_steps")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index("ix_appeals_operation_held", sqlite_where=HELD, postgresql_where=HELD)
        batch_op.drop_index("ix_appeals_county_code_state")
        batch_op.drop_index("ix_appeals_school_code_state")
        batch_op.drop_index(batch_op.f("ix_appeals_teacher_id"))
    op.drop_table("appeals")
