"""the counts of qualified operations are keyed by month first

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 22:00:00.000000

``operation_counts`` was keyed (subject_kind, code, month, indicator). Every read but one names the month (a
settlement reads a month's counts; a teacher's card, a teacher's month), and with the code first the settlement
read every month kept (thirteen of them with the retention window) to find one, and each report's count landed on
the page of its teacher's range, spread over every month's rows. Keyed by month first, a month's counts are one
range and the counts a month's reports change are that month's pages, however many months are kept. The one read
without a month, whether a teacher was counted in a year, names the year's months.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_COLUMNS = "subject_kind, code, month, indicator, count"


def _key(order: list[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("pk_operation_counts", "operation_counts", type_="primary")
        op.create_primary_key("pk_operation_counts", "operation_counts", order)
        return
    # SQLite cannot change a table's key in place: the table is made again and its rows copied
    op.rename_table("operation_counts", "operation_counts_before")
    op.create_table(
        "operation_counts",
        sa.Column("subject_kind", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*order, name=op.f("pk_operation_counts")),
    )
    op.execute(f"INSERT INTO operation_counts ({_COLUMNS}) SELECT {_COLUMNS} FROM operation_counts_before")
    op.drop_table("operation_counts_before")


def upgrade() -> None:
    _key(["month", "subject_kind", "code", "indicator"])


def downgrade() -> None:
    _key(["subject_kind", "code", "month", "indicator"])
