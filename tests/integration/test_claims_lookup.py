"""The ids a batch claims are looked up once for every app of a group, by the (app, id) key.

The look-up joins the batch's (app, id) pairs to the operations as a VALUES list: each app's ids stay its own,
and on SQLite the join seeks the unique (app_code, external_id) index row by row, however large the store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from factories import at, op, row
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest, Submission
from jifen.runtime import Runtime
from jifen.store import lookups
from jifen.store import operations as repo
from jifen.store.database import Database

NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
APP, OTHER = "seewo-easinote5", "digital-textbook"


def test_claims_are_per_app_and_id(runtime: Runtime) -> None:
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    import_rows(ingest, [row("T1")], full=True, now=NOW, source="test roster")
    first = op("teaching.session", teacher="T1", when=at(10, 8), duration=2400, id="a")
    later = op("teaching.session", teacher="T1", when=at(10, 10), duration=2400, id="b")
    answers = ingest.submit_group([Submission(APP, [first]), Submission(OTHER, [later])], NOW)
    assert all(isinstance(a, list) for a in answers)
    with runtime.database.read() as connection:
        found = repo.claims(connection, [(APP, "a"), (APP, "b"), (OTHER, "b"), (OTHER, "a"), (APP, "a")])
    assert set(found) == {(APP, "a"), (OTHER, "b")}
    assert found[(APP, "a")].indicator == "interactive_teaching"
    assert found[(APP, "a")].status == answers[0][0].status  # type: ignore[index]
    assert found[(OTHER, "b")].payload_sha256 is not None
    with runtime.database.read() as connection:
        assert repo.claims(connection, []) == {}


def test_a_full_chunk_of_claims_seeks_the_unique_key_row_by_row(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'jifen.sqlite3'}")
    database.ensure_current()
    with database.transaction() as connection:  # the statistics of a 10-million-row store
        connection.execute(text("ANALYZE"))
        connection.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'operations'"))
        connection.execute(text(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES "
            "('operations', 'ix_operations_day_teacher_id_ends_at', '10000000 27000 10 2'), "
            "('operations', 'sqlite_autoindex_operations_1', '10000000 2000000 1')"))
    database.dispose()
    database = Database(database.url)  # a new connection reads the statistics
    rows = lookups.CHUNK
    statement = "EXPLAIN QUERY PLAN " + repo.CLAIMS["sqlite"].format(values="VALUES " + ", ".join(["(?, ?)"] * rows),
                                                           fence=lookups.FENCE["sqlite"])
    with database.read() as connection:
        plan = [r[3] for r in connection.exec_driver_sql(statement, tuple(v for n in range(rows)
                                                                             for v in (APP, f"id-{n}")))]
    database.dispose()
    assert any("SEARCH o USING INDEX" in step and "app_code=? AND external_id=?" in step for step in plan), plan
    assert not any("BLOOM FILTER" in step or "SCAN o" in step for step in plan), plan
