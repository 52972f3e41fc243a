"""Operations written by the bulk path read back exactly as SQLAlchemy writes and reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from jifen.store import operations as repo
from jifen.store.tables import operations


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])))
def test_instants_are_written_as_sqlalchemy_writes_them_on_sqlite(moment: datetime) -> None:
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        sqlalchemy_own = operations.c.occurred_at.type.dialect_impl(connection.dialect).bind_processor(
            connection.dialect)
        assert repo._bound(connection, "occurred_at")(moment) == sqlalchemy_own(moment)
    engine.dispose()


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        repo._sqlite_instant(datetime(2026, 1, 1))
    assert repo._sqlite_instant(None) is None
