"""app credentials, nonces, batches, withdrawal

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 23:06:21.521359
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('batches',
    sa.Column('app_code', sa.String(length=64), nullable=False),
    sa.Column('batch_id', sa.String(length=128), nullable=False),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('app_code', 'batch_id', name=op.f('pk_batches'))
    )
    op.create_table('request_nonces',
    sa.Column('app_key', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=128), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('app_key', 'nonce', name=op.f('pk_request_nonces'))
    )
    with op.batch_alter_table('request_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_nonces_seen_at'), ['seen_at'], unique=False)

    op.create_table('app_credentials',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('app_code', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('secret_encrypted', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['app_code'], ['apps.code'], name=op.f('fk_app_credentials_app_code_apps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_credentials')),
    sa.UniqueConstraint('key', name=op.f('uq_app_credentials_key'))
    )
    with op.batch_alter_table('app_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_credentials_app_code'), ['app_code'], unique=False)

    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('payload_sha256')

    with op.batch_alter_table('app_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_credentials_app_code'))

    op.drop_table('app_credentials')
    with op.batch_alter_table('request_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_nonces_seen_at'))

    op.drop_table('request_nonces')
    op.drop_table('batches')
