"""publication of settlements and a per-month marker of changed inputs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 00:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('month_inputs',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_month_inputs'))
    )
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('published_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('inputs_revision', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.drop_column('inputs_revision')
        batch_op.drop_column('published_by')
        batch_op.drop_column('published_at')

    op.drop_table('month_inputs')
