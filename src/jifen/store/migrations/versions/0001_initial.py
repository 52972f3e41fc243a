"""roster, apps, users, operations and settlements

Revision ID: 0001
Revises:
Create Date: 2026-11-23 21:58:37.524745
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('apps',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_apps'))
    )
    op.create_table('cities',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_cities'))
    )
    op.create_table('operations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column('app_code', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('teacher_id', sa.String(length=64), nullable=True),
    sa.Column('school_code', sa.String(length=64), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operations')),
    sa.UniqueConstraint('app_code', 'external_id', name=op.f('uq_operations_app_code_external_id'))
    )
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.create_index('ix_operations_month_status_indicator', ['month', 'status', 'indicator'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_school_code'), ['school_code'], unique=False)
        batch_op.create_index('ix_operations_status', ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_teacher_id'), ['teacher_id'], unique=False)

    op.create_table('rejections',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column('app_code', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=True),
    sa.Column('indicator', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rejections'))
    )
    with op.batch_alter_table('rejections', schema=None) as batch_op:
        batch_op.create_index('ix_rejections_app_code_external_id', ['app_code', 'external_id'], unique=False)

    op.create_table('settlements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ruleset_name', sa.String(length=64), nullable=False),
    sa.Column('ruleset_version', sa.Integer(), nullable=False),
    sa.Column('ruleset_sha256', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=32), nullable=False),
    sa.Column('region_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlements')),
    sa.UniqueConstraint('month', 'version', name=op.f('uq_settlements_month_version'))
    )
    op.create_table('users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('scope_code', sa.String(length=64), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('name', name=op.f('uq_users_name')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_users_token_sha256'))
    )
    op.create_table('app_tokens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column('app_code', sa.String(length=64), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['app_code'], ['apps.code'], name=op.f('fk_app_tokens_app_code_apps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_tokens')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_app_tokens_token_sha256'))
    )
    op.create_table('content_hashes',
    sa.Column('sha256', sa.String(length=128), nullable=False),
    sa.Column('operation_id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.ForeignKeyConstraint(['operation_id'], ['operations.id'], name=op.f('fk_content_hashes_operation_id_operations')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_content_hashes'))
    )
    op.create_table('counties',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('city_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['city_code'], ['cities.code'], name=op.f('fk_counties_city_code_cities')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_counties'))
    )
    op.create_table('settlement_indicators',
    sa.Column('settlement_id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('average', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('points', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_settlement_indicators_settlement_id_settlements')),
    sa.PrimaryKeyConstraint('settlement_id', 'level', 'code', 'indicator', name=op.f('pk_settlement_indicators'))
    )
    op.create_table('settlement_units',
    sa.Column('settlement_id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_code', sa.String(length=64), nullable=True),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('teacher_average', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('school_points', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_settlement_units_settlement_id_settlements')),
    sa.PrimaryKeyConstraint('settlement_id', 'level', 'code', name=op.f('pk_settlement_units'))
    )
    with op.batch_alter_table('settlement_units', schema=None) as batch_op:
        batch_op.create_index('ix_settlement_units_settlement_id_level_parent_code', ['settlement_id', 'level', 'parent_code'], unique=False)

    op.create_table('schools',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('county_code', sa.String(length=32), nullable=False),
    sa.Column('online_classrooms', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['counties.code'], name=op.f('fk_schools_county_code_counties')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_schools'))
    )
    op.create_table('teachers',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('school_code', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_code'], ['schools.code'], name=op.f('fk_teachers_school_code_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teachers'))
    )
    with op.batch_alter_table('teachers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teachers_school_code'), ['school_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('teachers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teachers_school_code'))

    op.drop_table('teachers')
    op.drop_table('schools')
    with op.batch_alter_table('settlement_units', schema=None) as batch_op:
        batch_op.drop_index('ix_settlement_units_settlement_id_level_parent_code')

    op.drop_table('settlement_units')
    op.drop_table('settlement_indicators')
    op.drop_table('counties')
    op.drop_table('content_hashes')
    op.drop_table('app_tokens')
    op.drop_table('users')
    op.drop_table('settlements')
    with op.batch_alter_table('rejections', schema=None) as batch_op:
        batch_op.drop_index('ix_rejections_app_code_external_id')

    op.drop_table('rejections')
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operations_teacher_id'))
        batch_op.drop_index('ix_operations_status')
        batch_op.drop_index(batch_op.f('ix_operations_school_code'))
        batch_op.drop_index('ix_operations_month_status_indicator')

    op.drop_table('operations')
    op.drop_table('cities')
    op.drop_table('apps')
