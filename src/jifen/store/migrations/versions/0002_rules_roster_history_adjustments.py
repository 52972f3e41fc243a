"""rule sets over time, roster history, adjustments, review lists

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 22:30:03.912779
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('adjustments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('points', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustments'))
    )
    with op.batch_alter_table('adjustments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adjustments_month'), ['month'], unique=False)

    op.create_table('region_rulesets',
    sa.Column('from_month', sa.String(length=7), nullable=False),
    sa.Column('ruleset_name', sa.String(length=64), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('from_month', name=op.f('pk_region_rulesets'))
    )
    op.create_table('roster_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('teacher_id', sa.String(length=64), nullable=False),
    sa.Column('from_month', sa.String(length=7), nullable=False),
    sa.Column('school_code', sa.String(length=64), nullable=True),
    sa.Column('teacher_name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_history'))
    )
    with op.batch_alter_table('roster_history', schema=None) as batch_op:
        batch_op.create_index('ix_roster_history_teacher_id_from_month', ['teacher_id', 'from_month'], unique=False)

    op.create_table('rulesets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.String(length=7), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rulesets')),
    sa.UniqueConstraint('sha256', name=op.f('uq_rulesets_sha256'))
    )
    with op.batch_alter_table('rulesets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rulesets_name'), ['name'], unique=False)

    op.create_table('school_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('school_code', sa.String(length=64), nullable=False),
    sa.Column('from_month', sa.String(length=7), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('county_code', sa.String(length=32), nullable=False),
    sa.Column('online_classrooms', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_history'))
    )
    with op.batch_alter_table('school_history', schema=None) as batch_op:
        batch_op.create_index('ix_school_history_school_code_from_month', ['school_code', 'from_month'], unique=False)

    op.create_table('settlement_reviews',
    sa.Column('settlement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('parent_code', sa.String(length=64), nullable=True),
    sa.Column('count', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('average', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_settlement_reviews_settlement_id_settlements')),
    sa.PrimaryKeyConstraint('settlement_id', 'level', 'code', 'indicator', name=op.f('pk_settlement_reviews'))
    )
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('day', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_operations_school_code_day', ['school_code', 'day'], unique=False)
        batch_op.create_index('ix_operations_teacher_id_day', ['teacher_id', 'day'], unique=False)

    with op.batch_alter_table('settlement_indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adjustment', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('settlement_indicators', schema=None) as batch_op:
        batch_op.drop_column('adjustment')

    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.drop_index('ix_operations_teacher_id_day')
        batch_op.drop_index('ix_operations_school_code_day')
        batch_op.drop_column('ends_at')
        batch_op.drop_column('day')

    op.drop_table('settlement_reviews')
    with op.batch_alter_table('school_history', schema=None) as batch_op:
        batch_op.drop_index('ix_school_history_school_code_from_month')

    op.drop_table('school_history')
    with op.batch_alter_table('rulesets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rulesets_name'))

    op.drop_table('rulesets')
    with op.batch_alter_table('roster_history', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_history_teacher_id_from_month')

    op.drop_table('roster_history')
    op.drop_table('region_rulesets')
    with op.batch_alter_table('adjustments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adjustments_month'))

    op.drop_table('adjustments')
