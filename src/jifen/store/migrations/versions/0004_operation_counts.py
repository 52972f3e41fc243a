"""operation counts per teacher or school, month and indicator

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 23:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('operation_counts',
    sa.Column('subject_kind', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('subject_kind', 'code', 'month', 'indicator', name=op.f('pk_operation_counts'))
    )
    # The counts of the operations already stored: qualified and not withdrawn, by teacher and by school.
    for kind, column in (('teacher', 'teacher_id'), ('school', 'school_code')):
        op.execute(
            "INSERT INTO operation_counts (subject_kind, code, month, indicator, count) "
            f"SELECT '{kind}', {column}, month, indicator, COUNT(*) FROM operations "
            f"WHERE status = 'qualified' AND withdrawn_at IS NULL AND {column} IS NOT NULL "
            f"GROUP BY {column}, month, indicator"
        )


def downgrade() -> None:
    op.drop_table('operation_counts')
