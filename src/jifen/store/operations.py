"""Operations repository: what apps reported, with status and reason; the region's content hashes."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select, text, update

from jifen.domain.operations import Status
from jifen.store import lookups, operation_counts
from jifen.store.tables import UtcDateTime, content_hashes, operations, rejections


@dataclass(frozen=True)
class Stored:
    id: int
    app_code: str
    external_id: str
    action: str
    indicator: str
    teacher_id: str | None
    school_code: str | None
    occurred_at: datetime
    duration_s: float | None
    attributes: dict[str, Any]
    status: str
    reason: str | None
    received_at: datetime
    withdrawn_at: datetime | None = None
    payload_sha256: str | None = None  # None for reports stored before fingerprints (migration 0003)
    month: str = ""  # local month, as stored

    @property
    def counted(self) -> tuple[str | None, str | None, str, str]:
        """What jifen.store.operation_counts counts it under: (teacher_id, school_code, month, indicator)."""
        return (self.teacher_id, self.school_code, self.month, self.indicator)


# Withdrawn operations stay on record but count nowhere: every "qualified" read below also asks this.
_NOT_WITHDRAWN = operations.c.withdrawn_at.is_(None)


def _stored(row: Any) -> Stored:
    return Stored(**{k: row._mapping[k] for k in Stored.__dataclass_fields__})


def existing(connection: Connection, app_code: str, external_ids: Iterable[str]) -> dict[str, Stored]:
    found: dict[str, Stored] = {}
    for chunk in lookups.chunks(external_ids):
        rows = connection.execute(
            select(operations).where(operations.c.app_code == app_code, operations.c.external_id.in_(chunk))
        )
        found.update((row.external_id, _stored(row)) for row in rows)
    return found


@dataclass(frozen=True)
class Claim:
    """What an app's id was first answered: enough to tell a resend (duplicate) from a conflict."""

    indicator: str
    status: str
    payload_sha256: str | None
    withdrawn: bool = False  # withdrawn by its app since


def claims(connection: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Claim]:
    """What each (app, external id) stored before was first answered: one look-up for the ids of every app."""
    rows = lookups.rows_joined(connection, CLAIMS[connection.dialect.name], list(dict.fromkeys(keys)))
    return {(row[0], row[1]): Claim(row[2], row[3], row[4], row[5] is not None) for row in rows}


# A join to the (app_code, external_id) key, fenced like the joins below (jifen.store.lookups.FENCE), and on
# PostgreSQL a seek for each key in a lateral subquery (see jifen.store.lookups).
CLAIMS = {
    "sqlite": "SELECT app_code, external_id, indicator, status, payload_sha256, withdrawn_at FROM ("
              "WITH wanted (app_code, external_id) AS ({values}) "
              "SELECT o.app_code, o.external_id, o.indicator, o.status, o.payload_sha256, o.withdrawn_at "
              "FROM wanted w "
              "JOIN operations o ON o.app_code = w.app_code AND o.external_id = w.external_id{fence}) AS joined",
    "postgresql": "SELECT o.app_code, o.external_id, o.indicator, o.status, o.payload_sha256, o.withdrawn_at "
                  "FROM ({values}) AS w (app_code, external_id) CROSS JOIN LATERAL (SELECT * FROM operations o "
                  "WHERE o.app_code = w.app_code AND o.external_id = w.external_id OFFSET 0) AS o",
}


def get(connection: Connection, app_code: str, external_id: str) -> Stored | None:
    return existing(connection, app_code, [external_id]).get(external_id)


def last_rejection(connection: Connection, app_code: str, external_id: str) -> dict[str, Any] | None:
    row = connection.execute(
        select(rejections)
        .where(rejections.c.app_code == app_code, rejections.c.external_id == external_id)
        .order_by(rejections.c.id.desc())
        .limit(1)
    ).first()
    return dict(row._mapping) if row else None


def seen_contents(connection: Connection, hashes: Iterable[str]) -> set[str]:
    rows = lookups.rows_in(connection, "SELECT sha256 FROM content_hashes WHERE sha256 IN ({keys})",
                           list(dict.fromkeys(hashes)))
    return {row[0] for row in rows}


def insert(connection: Connection, rows: list[dict[str, Any]], *, with_ids: bool = True) -> list[int]:
    """Store operations (dicts keyed by column); returns their ids in order, or none without ``with_ids``.

    The ids are taken first (the sequence on PostgreSQL; on SQLite, past the largest, which is safe under the
    writer's lock every ingestion transaction holds), then the rows go in by COPY on PostgreSQL and by one
    prepared statement on SQLite: the bulk paths, without a round trip or a statement per row. On PostgreSQL,
    without ``with_ids`` the column's default takes them, which saves asking the sequence first."""
    if not rows:
        return []
    if connection.dialect.name == "postgresql" and not with_ids:
        copy_rows(connection, "operations", _COLUMNS, (tuple(_pg_value(c, row[c]) for c in _COLUMNS) for row in rows))
        return []
    if connection.dialect.name == "postgresql":
        ids = list(connection.scalars(text(
            "SELECT nextval(pg_get_serial_sequence('operations', 'id')) FROM generate_series(1, :n)"
        ), {"n": len(rows)}))
        copy_rows(connection, "operations", ("id", *_COLUMNS),
                  ((i, *(_pg_value(c, row[c]) for c in _COLUMNS)) for i, row in zip(ids, rows, strict=True)))
        return ids
    first = int(connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM operations").scalar_one()) + 1
    ids = list(range(first, first + len(rows)))
    convert = [(n, p) for n, p in enumerate((_bound(connection, c) for c in _COLUMNS), start=1) if p is not _same]
    values = operator.itemgetter(*_COLUMNS)
    params = []
    for i, row in zip(ids, rows, strict=True):
        stored = [i, *values(row)]
        for n, process in convert:
            stored[n] = process(stored[n])
        params.append(tuple(stored))
    connection.exec_driver_sql(
        f"INSERT INTO operations (id, {', '.join(_COLUMNS)}) VALUES (?{', ?' * len(_COLUMNS)})", params)
    return ids if with_ids else []


_COLUMNS = tuple(c.name for c in operations.columns if c.name not in ("id", "withdrawn_at"))


def _bound(connection: Connection, column: str) -> Callable[[Any], Any]:
    """SQLAlchemy's own conversion of a column's values for the driver (on SQLite: datetimes and JSON as text),
    except for instants on SQLite, written directly in the same text form: the conversion runs for every
    stored report, and SQLAlchemy's takes several calls each. ``_same`` where the value goes as it is."""
    if connection.dialect.name == "sqlite" and isinstance(operations.c[column].type, UtcDateTime):
        return _sqlite_instants()
    processor = operations.c[column].type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    if processor is not None and column == "attributes":
        return _remembering_empty(processor)
    return processor or _same


def _same(value: Any) -> Any:
    return value


def _remembering_empty(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A JSON column's conversion, its answer for an empty object worked out once: many reports (sessions) carry
    no attributes, and the conversion takes a microsecond even for those."""
    empty = processor({})

    def write(value: Any) -> Any:
        return empty if type(value) is dict and not value else processor(value)

    return write


_EPOCH, _NAIVE_EPOCH = datetime(1970, 1, 1, tzinfo=UTC), datetime(1970, 1, 1)


def _sqlite_instant(value: datetime | None) -> str | None:
    """An aware instant as SQLAlchemy's SQLite DATETIME stores it: UTC, 'YYYY-MM-DD HH:MM:SS.ffffff'.

    The same text as ``value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")``, in fewer
    and cheaper calls: the naive UTC time as an offset from the epoch, and isoformat without keywords."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    utc = _NAIVE_EPOCH + (value - _EPOCH)
    text = utc.isoformat(" ")
    return text if utc.microsecond else text + ".000000"  # isoformat leaves out a zero fraction


def _sqlite_instants() -> Callable[[datetime | None], str | None]:
    """_sqlite_instant, remembering its last answer: a column written for a batch often holds one instant
    throughout (``received_at``), the very same object."""
    last: list[Any] = [None, None]

    def write(value: datetime | None) -> str | None:
        if value is not last[0]:
            last[0], last[1] = value, _sqlite_instant(value)
        return last[1]

    return write


def _pg_value(column: str, value: Any) -> Any:
    if column == "attributes":
        return json.dumps(value)  # as SQLAlchemy's JSON type writes it: non-ASCII escaped, lone surrogates too
    return value


def copy_rows(connection: Connection, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    """PostgreSQL COPY of rows into a table, inside the connection's transaction."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def refresh_statistics(connection: Connection) -> None:
    """PostgreSQL: fresh planner statistics for the operations after a large back-fill. Planned on the statistics
    of an empty table (autovacuum may be off, or come much later), a month's look-ups read it row by row."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE operations, operation_counts, content_hashes")


def add_contents(connection: Connection, pairs: list[tuple[str, int]]) -> None:
    if pairs:
        connection.execute(content_hashes.insert(), [{"sha256": s, "operation_id": i} for s, i in pairs])


def add_rejections(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(rejections.insert(), rows)


def pending(connection: Connection) -> list[Stored]:
    rows = connection.execute(
        select(operations).where(operations.c.status == Status.PENDING, _NOT_WITHDRAWN).order_by(operations.c.id)
    )
    return [_stored(r) for r in rows]


def set_outcome(connection: Connection, operation_id: int, status: str, reason: str | None) -> None:
    connection.execute(
        update(operations).where(operations.c.id == operation_id).values(status=status, reason=reason)
    )


@dataclass(frozen=True)
class SessionRow:
    teacher_id: str
    app_code: str
    action: str
    occurred_at: datetime
    duration_s: float
    day: str  # local


# The look-ups below read every status and keep the qualified operations here: the (teacher or school, day)
# index finds the rows, and a teacher's or school's day holds few.

def sessions_overlapping(connection: Connection, windows: Iterable[tuple[str, str, datetime, datetime]]
                         ) -> list[SessionRow]:
    """Qualified reports with a duration that may overlap a window (teacher, local day it began, start, end): those
    of the window's teacher and day that end after it starts, whether or not they begin before it ends (the
    caller compares the spans; jifen.ingest.antigaming).

    One seek of the (teacher, day, ends_at) index per window, so that only sessions ending after a report of the
    batch begins are read, however full the teachers' days already are: on SQLite the index alone gives their ids
    (SESSIONS_NEAR), and their rows are read by id after; on PostgreSQL one statement reads them."""
    instant = _bound(connection, "occurred_at")
    written: dict[datetime, Any] = {}  # a session's start comes in a window for each of its days

    def once(value: datetime) -> Any:
        if value not in written:
            written[value] = instant(value)
        return written[value]

    wanted = list(dict.fromkeys((t, d, once(b)) for t, d, b, _e in windows))
    rows = lookups.rows_joined(connection, SESSIONS_NEAR[connection.dialect.name], wanted, casts=("", "", "::timestamptz"))
    if connection.dialect.name == "sqlite":
        rows = lookups.rows_in(connection, SESSIONS_BY_ID, list(dict.fromkeys(row[0] for row in rows)))
    found = dict.fromkeys(tuple(r) for r in rows if r[6] == Status.QUALIFIED)  # a session may be near two windows
    return [SessionRow(r[0], r[1], r[2], _instant(r[3]), r[4], r[5]) for r in found]


@dataclass(frozen=True)
class RoomSessionRow:
    school_code: str
    app_code: str
    action: str
    occurred_at: datetime
    duration_s: float
    day: str  # local
    attributes: dict[str, Any]


def room_sessions_overlapping(connection: Connection, windows: Iterable[tuple[str, str, datetime]]
                              ) -> list[RoomSessionRow]:
    """Qualified school reports with a duration that may overlap a window (school, local day it began, start):
    those of the school and day that end after the window's earliest start (the caller reads their rooms and
    compares the spans). Schools hold few classes a day: the (day, school) index finds them."""
    earliest: dict[tuple[str, str], datetime] = {}
    for school, day, start in windows:
        key = (school, day)
        earliest[key] = min(start, earliest.get(key, start))
    found = []
    c = operations.c
    days = sorted({day for _school, day in earliest})  # a batch's classes fall on a few days
    # the days and the schools as two lists, their pairs sorted out here: SQLite seeks the (day, school) index for
    # lists, but reads the whole table for a list of pairs
    for chunk in lookups.chunks(sorted({school for school, _day in earliest})):
        rows = connection.execute(select(c.school_code, c.app_code, c.action, c.occurred_at, c.duration_s, c.day,
                                         c.attributes, c.ends_at).where(
            c.day.in_(days), c.school_code.in_(chunk),
            c.duration_s.is_not(None), c.withdrawn_at.is_(None), c.status == Status.QUALIFIED))
        found.extend(RoomSessionRow(*r[:7]) for r in rows
                     if (r.school_code, r.day) in earliest and r.ends_at > earliest[(r.school_code, r.day)])
    return found


# On SQLite the joins run inside a fenced subquery and the filters outside it (jifen.store.lookups.FENCE); on
# PostgreSQL each key seeks the index in a lateral subquery, the filters outside it (see jifen.store.lookups).
# SQLite reads the sessions near each window from the index alone (it covers the look-up), then their rows by id:
# joined back to operations in the same statement, its planner builds a Bloom filter by reading every row.
SESSIONS_NEAR = {
    "sqlite": "SELECT id FROM (WITH windows (teacher_id, day, starts) AS ({values}) SELECT o.id FROM windows w "
              "JOIN operations o ON o.teacher_id = w.teacher_id AND o.day = w.day AND o.ends_at > w.starts{fence})",
    "postgresql": "SELECT o.teacher_id, o.app_code, o.action, o.occurred_at, o.duration_s, o.day, o.status "
                  "FROM ({values}) AS w (teacher_id, day, starts) CROSS JOIN LATERAL (SELECT * FROM operations o "
                  "WHERE o.teacher_id = w.teacher_id AND o.day = w.day AND o.ends_at > w.starts OFFSET 0) AS o "
                  "WHERE o.duration_s IS NOT NULL AND o.withdrawn_at IS NULL",
}
SESSIONS_BY_ID = ("SELECT teacher_id, app_code, action, occurred_at, duration_s, day, status FROM operations "
                  "WHERE id IN ({keys}) AND duration_s IS NOT NULL AND withdrawn_at IS NULL")
QUALIFIED_PER_DAY = {
    "sqlite": "SELECT code, indicator, day, status, count(*) FROM ("
              "WITH wanted (code, indicator, day) AS ({values}) "
              "SELECT o.{column} AS code, o.indicator, o.day, o.status, o.withdrawn_at FROM wanted w "
              "JOIN operations o ON o.{column} = w.code AND o.day = w.day AND o.indicator = w.indicator{fence}) "
              "AS joined WHERE withdrawn_at IS NULL GROUP BY code, indicator, day, status",
    "postgresql": "SELECT o.{column}, o.indicator, o.day, o.status, count(*) "
                  "FROM ({values}) AS w (code, indicator, day) CROSS JOIN LATERAL (SELECT * FROM operations o "
                  "WHERE o.{column} = w.code AND o.day = w.day AND o.indicator = w.indicator OFFSET 0) AS o "
                  "WHERE o.withdrawn_at IS NULL GROUP BY o.{column}, o.indicator, o.day, o.status",
}


def _instant(value: Any) -> datetime:
    """A timestamp as the driver returns it (text on SQLite), timezone-aware in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def qualified_per_day(connection: Connection, subject_column: str, keys: Iterable[tuple[str, str, str]]
                      ) -> list[tuple[str, str, str, int]]:
    """(teacher or school, indicator, local day, count) of qualified operations, for these
    (teacher or school, indicator, local day)."""
    column = {"teacher_id": "teacher_id", "school_code": "school_code"}[subject_column]
    sql = QUALIFIED_PER_DAY[connection.dialect.name].replace("{column}", column)
    rows = lookups.rows_joined(connection, sql, list(dict.fromkeys(keys)))
    return [(r[0], r[1], r[2], int(r[4])) for r in rows if r[3] == Status.QUALIFIED]


def qualified_counts(connection: Connection, month: str, subject_column: str) -> list[tuple[str, str, int]]:
    """(subject code, indicator, count) of the month's qualified operations, per teacher or per school.

    Read from the counts kept as operations are stored (jifen.store.operation_counts), not by grouping them."""
    kind = {"teacher_id": "teacher", "school_code": "school"}[subject_column]
    return operation_counts.of_month(connection, kind, month)


def qualified_attributes(connection: Connection, month: str, indicator: str) -> list[tuple[str, dict[str, Any]]]:
    rows = connection.execute(
        select(operations.c.teacher_id, operations.c.attributes).where(
            operations.c.month == month,
            operations.c.status == Status.QUALIFIED,
            operations.c.indicator == indicator,
            _NOT_WITHDRAWN,
        )
    )
    return [(r.teacher_id, r.attributes) for r in rows]


def qualified_times(connection: Connection, indicators: list[str], start: datetime, end: datetime,
                    subject_column: str) -> list[tuple[str, str, datetime]]:
    """(teacher or school, indicator, occurred_at) of qualified operations in [start, end)."""
    subject = operations.c[subject_column]
    rows = connection.execute(
        select(subject, operations.c.indicator, operations.c.occurred_at).where(
            operations.c.indicator.in_(indicators),
            operations.c.status == Status.QUALIFIED,
            _NOT_WITHDRAWN,
            operations.c.occurred_at >= start,
            operations.c.occurred_at < end,
        )
    )
    return [(r[0], r[1], r[2]) for r in rows]


def withdraw(connection: Connection, app_code: str, external_id: str, now: datetime) -> Stored | None:
    """Mark the app's operation withdrawn at ``now`` unless it already is; the operation as it now stands."""
    connection.execute(
        update(operations)
        .where(operations.c.app_code == app_code, operations.c.external_id == external_id, _NOT_WITHDRAWN)
        .values(withdrawn_at=now)
    )
    return get(connection, app_code, external_id)


@dataclass(frozen=True)
class Event:
    """A report of a month that came in or was withdrawn within a span of time (see ``events_between``)."""

    teacher_id: str | None
    school_code: str | None
    app_code: str
    external_id: str
    indicator: str
    status: str
    received_at: datetime
    withdrawn_at: datetime | None


def events_between(connection: Connection, month: str, start: datetime, end: datetime) -> list[Event]:
    """The month's reports received, or withdrawn, after ``start`` and up to ``end``, in received order: what one
    version of the month had not seen and the next did (the pending ones a roster import qualified excepted: their
    judgment leaves no time)."""
    received = operations.c.received_at
    withdrawn = operations.c.withdrawn_at
    rows = connection.execute(
        select(operations.c.teacher_id, operations.c.school_code, operations.c.app_code, operations.c.external_id,
               operations.c.indicator, operations.c.status, received, withdrawn)
        .where(operations.c.month == month,
               ((received > start) & (received <= end)) | ((withdrawn > start) & (withdrawn <= end)))
        .order_by(operations.c.id))
    return [Event(*row) for row in rows]


def judged_from(connection: Connection, month: str) -> int:
    """How many reports of ``month`` and later are stored judged (qualified or not): by the rules in force when
    they arrived."""
    return int(connection.scalar(select(func.count()).select_from(operations).where(
        operations.c.month >= month, operations.c.status.in_([Status.QUALIFIED, Status.NOT_QUALIFIED]))) or 0)


def months_with_reports(connection: Connection, months: Iterable[str]) -> set[str]:
    """Those of these local months that hold at least one stored report (one seek of the month index each)."""
    return {month for month in months if connection.execute(
        select(operations.c.id).where(operations.c.month == month).limit(1)).first() is not None}


def status_counts(connection: Connection, month: str | None = None) -> dict[str, int]:
    query = select(operations.c.status, func.count()).group_by(operations.c.status)
    if month:
        query = query.where(operations.c.month == month)
    counts = {r[0]: int(r[1]) for r in connection.execute(query)}
    rejected = select(func.count()).select_from(rejections)
    counts[Status.REJECTED] = int(connection.scalar(rejected) or 0)
    return counts
