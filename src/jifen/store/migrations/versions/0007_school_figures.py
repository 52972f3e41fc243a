"""figures schools and the national platform supply: weekly classroom usage, platform registration

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 03:05:00.000000

``classroom_usage`` holds one row per school, week (its Monday, Asia/Shanghai) and room type; a resubmission
replaces the row. ``school_registration`` holds the national platform's registration counts per school as of
the date of the platform's export.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classroom_usage",
        sa.Column("school_code", sa.String(length=64), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("room_type", sa.String(length=32), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("school_code", "week_start", "room_type", name=op.f("pk_classroom_usage")),
    )
    with op.batch_alter_table("classroom_usage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_classroom_usage_week_start"), ["week_start"], unique=False)

    op.create_table(
        "school_registration",
        sa.Column("school_code", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("school_name", sa.String(length=200), nullable=False),
        sa.Column("teachers_registered", sa.Integer(), nullable=False),
        sa.Column("teachers", sa.Integer(), nullable=False),
        sa.Column("students_registered", sa.Integer(), nullable=False),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.Column("parents_registered", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("school_code", "as_of", name=op.f("pk_school_registration")),
    )
    with op.batch_alter_table("school_registration", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_registration_as_of"), ["as_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("school_registration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_registration_as_of"))
    op.drop_table("school_registration")
    with op.batch_alter_table("classroom_usage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classroom_usage_week_start"))
    op.drop_table("classroom_usage")
