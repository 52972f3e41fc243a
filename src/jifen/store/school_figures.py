"""Figures schools and the national platform supply: weekly classroom usage and platform registration.

Plus the counts the monthly figures read from the roster and the stored operations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from jifen.domain.classroom_usage import Figure
from jifen.domain.registration import COUNTS, Registration
from jifen.store import lookups, roster_history
from jifen.store.tables import classroom_usage, operations, school_registration, schools, teachers

_CHUNK = 300


@dataclass(frozen=True)
class StoredFigure:
    figure: Figure
    submitted_at: datetime
    submitted_by: str


@dataclass(frozen=True)
class RosterSchool:
    code: str
    name: str
    online_classrooms: int
    teachers: int


def replace_usage(connection: Connection, figures: Sequence[Figure], *, submitted_at: datetime,
                  submitted_by: str) -> None:
    """Store figures, replacing any earlier ones of the same school, week and room type."""
    rows = [{"school_code": f.school_code, "week_start": f.week, "room_type": f.room_type, "rooms": f.rooms,
             "uses": f.uses, "submitted_at": submitted_at, "submitted_by": submitted_by} for f in figures]
    _upsert(connection, classroom_usage, rows, ["rooms", "uses", "submitted_at", "submitted_by"])


def usage(connection: Connection, school_codes: Iterable[str], first: date, last: date) -> list[StoredFigure]:
    """The stored figures of the schools for the weeks from ``first`` to ``last`` (inclusive), by week."""
    codes = list(dict.fromkeys(school_codes))
    found: list[StoredFigure] = []
    for start in range(0, len(codes), _CHUNK):
        query = (select(classroom_usage)
                 .where(classroom_usage.c.school_code.in_(codes[start:start + _CHUNK]),
                        classroom_usage.c.week_start >= first, classroom_usage.c.week_start <= last))
        for r in connection.execute(query):
            found.append(StoredFigure(Figure(r.school_code, r.week_start, r.room_type, r.rooms, r.uses),
                                      r.submitted_at, r.submitted_by))
    return sorted(found, key=lambda s: (s.figure.week, s.figure.school_code, s.figure.room_type))


def replace_registration(connection: Connection, as_of: date, rows: Sequence[Registration], *,
                         imported_at: datetime, imported_by: str) -> None:
    """Store the platform's counts as of a date, replacing an earlier import of the same schools and date."""
    values = [{"school_code": r.school_code, "as_of": as_of, "school_name": r.school_name,
               "teachers_registered": r.teachers_registered, "teachers": r.teachers,
               "students_registered": r.students_registered, "students": r.students,
               "parents_registered": r.parents_registered, "imported_at": imported_at, "imported_by": imported_by}
              for r in rows]
    _upsert(connection, school_registration, values, ["school_name", *COUNTS, "imported_at", "imported_by"])


def _upsert(connection: Connection, table: Table, rows: list[dict[str, Any]], replaced: list[str]) -> None:
    """Insert rows; a row whose primary key is stored already replaces the ``replaced`` columns (concurrent
    writers of the same key both succeed, the later one last)."""
    if not rows:
        return
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[connection.dialect.name]
    statement = insert(table)
    keys = [c.name for c in table.primary_key.columns]
    upsert = statement.on_conflict_do_update(index_elements=keys,
                                             set_={name: statement.excluded[name] for name in replaced})
    for start in range(0, len(rows), _CHUNK):
        connection.execute(upsert, rows[start:start + _CHUNK])


def latest_registration_date(connection: Connection, school_codes: Sequence[str], not_after: date) -> date | None:
    """The latest date on or before ``not_after`` for which any of the schools has registration counts."""
    latest: date | None = None
    for start in range(0, len(school_codes), _CHUNK):
        found = connection.scalar(select(func.max(school_registration.c.as_of)).where(
            school_registration.c.school_code.in_(school_codes[start:start + _CHUNK]),
            school_registration.c.as_of <= not_after))
        if found is not None and (latest is None or found > latest):
            latest = found
    return latest


def registrations(connection: Connection, school_codes: Sequence[str], as_of: date) -> dict[str, Registration]:
    """Each school's counts of its latest export on or before ``as_of``: an export naming some schools only leaves
    the others at their earlier counts."""
    found: dict[str, Registration] = {}
    for start in range(0, len(school_codes), _CHUNK):
        query = select(school_registration).where(
            school_registration.c.as_of <= as_of,
            school_registration.c.school_code.in_(school_codes[start:start + _CHUNK])
        ).order_by(school_registration.c.as_of)  # the latest last, and kept
        for r in connection.execute(query):
            found[r.school_code] = Registration(r.school_code, r.school_name, r.teachers_registered, r.teachers,
                                                r.students_registered, r.students, r.parents_registered)
    return found


def county_schools(connection: Connection, county_code: str, month: str | None = None) -> list[RosterSchool]:
    """The county's schools on the roster, by code, with their online classrooms and active teachers: as they
    stand now, or at the end of ``month`` (YYYY-MM), the roster that month is settled on."""
    if month is None:
        staff = (select(teachers.c.school_code, func.count().label("n"))
                 .where(teachers.c.active.is_(True)).group_by(teachers.c.school_code).subquery())
        query = (select(schools.c.code, schools.c.name, schools.c.online_classrooms, staff.c.n)
                 .select_from(schools.outerjoin(staff, staff.c.school_code == schools.c.code))
                 .where(schools.c.county_code == county_code, schools.c.active.is_(True))
                 .order_by(schools.c.code))
    else:
        at = roster_history.schools_at(month).subquery()
        on = roster_history.teachers_at(month).subquery()
        staff = select(on.c.school_code, func.count().label("n")).group_by(on.c.school_code).subquery()
        query = (select(at.c.school_code.label("code"), at.c.name, at.c.online_classrooms, staff.c.n)
                 .select_from(at.outerjoin(staff, staff.c.school_code == at.c.school_code))
                 .where(at.c.county_code == county_code).order_by(at.c.school_code))
    return [RosterSchool(r.code, r.name, int(r.online_classrooms), int(r.n or 0)) for r in connection.execute(query)]


def school_names(connection: Connection, codes: Iterable[str]) -> dict[str, str]:
    """Names of the schools on the roster (active or not) among ``codes``."""
    wanted = list(dict.fromkeys(codes))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = select(schools.c.code, schools.c.name).where(schools.c.code.in_(wanted[start:start + _CHUNK]))
        found.update((r.code, r.name) for r in connection.execute(query))
    return found


def schools_by_name(connection: Connection) -> dict[str, list[str]]:
    """Every school name on the roster with the codes that carry it (a name can be shared)."""
    found: dict[str, list[str]] = {}
    for r in connection.execute(select(schools.c.code, schools.c.name).order_by(schools.c.code)):
        found.setdefault(r.name, []).append(r.code)
    return found


def school_operation_counts(connection: Connection, county_code: str, *, indicator: str, app_code: str,
                            actions: Sequence[str], first_day: date, end_day: date, month: str,
                            received_by: datetime | None = None) -> dict[str, int]:
    """Qualified, not withdrawn operations of an app's school-scored actions per school of the county at the end
    of ``month``, on local days from ``first_day`` up to (not including) ``end_day``."""
    at = roster_history.schools_at(month).subquery()
    county = list(connection.scalars(select(at.c.school_code).where(at.c.county_code == county_code)))
    found: dict[str, int] = {}
    for chunk in lookups.chunks(county):  # the county's schools as a list, not a join (see teacher_operation_counts)
        query = (select(operations.c.school_code, func.count())
                 .where(*_counted(indicator, app_code, actions, first_day, end_day, received_by),
                        operations.c.school_code.in_(chunk))
                 .group_by(operations.c.school_code))
        found.update((r[0], int(r[1])) for r in connection.execute(query))
    return found


def first_operation_day(connection: Connection, *, indicator: str, app_code: str, actions: Sequence[str],
                        first_day: date, end_day: date, received_by: datetime | None = None) -> date | None:
    """The first local day, region-wide, with a qualified operation of the app's actions in the period."""
    day = connection.scalar(select(func.min(operations.c.day))
                            .where(*_counted(indicator, app_code, actions, first_day, end_day, received_by)))
    return date.fromisoformat(day) if day else None


def teacher_operation_counts(connection: Connection, county_code: str, *, indicator: str, app_code: str,
                             actions: Sequence[str], first_day: date, end_day: date,
                             month: str, received_by: datetime | None = None) -> dict[tuple[str, str], int]:
    """Qualified, not withdrawn operations of an app's teacher actions per (school of the teacher at the end of
    ``month``, action), for the schools of the county then.

    Two queries, put together here: the county's teachers at the month's end, and the operations counted per
    teacher. Joined in one statement, a planner takes the roster's latest-row subqueries for a handful of rows
    and, at a province's size, reads the month's operations once per teacher or worse (minutes, not seconds)."""
    on, at = roster_history.teachers_at(month).subquery(), roster_history.schools_at(month).subquery()
    school_of: dict[str, str] = {teacher_id: school for teacher_id, school in connection.execute(
        select(on.c.teacher_id, on.c.school_code).select_from(on.join(at, at.c.school_code == on.c.school_code))
        .where(at.c.county_code == county_code))}
    query = (select(operations.c.teacher_id, operations.c.action, func.count())
             .where(*_counted(indicator, app_code, actions, first_day, end_day, received_by),
                    operations.c.teacher_id.is_not(None))
             .group_by(operations.c.teacher_id, operations.c.action))
    found: Counter[tuple[str, str]] = Counter()
    for teacher_id, action, count in connection.execute(query):
        if teacher_id in school_of:
            found[(school_of[teacher_id], action)] += int(count)
    return dict(found)


def _counted(indicator: str, app_code: str, actions: Sequence[str], first_day: date, end_day: date,
             received_by: datetime | None = None) -> list[Any]:
    """The conditions of a count; month, status and indicator first, as the operations index has them. With
    ``received_by``, the operations as they stood then: received by then, and not withdrawn by then."""
    last_day = end_day - timedelta(days=1)
    kept = (operations.c.withdrawn_at.is_(None) if received_by is None else
            or_(operations.c.withdrawn_at.is_(None), operations.c.withdrawn_at > received_by))
    return [and_(operations.c.month >= f"{first_day:%Y-%m}", operations.c.month <= f"{last_day:%Y-%m}",
                 operations.c.status == "qualified", operations.c.indicator == indicator,
                 operations.c.app_code == app_code, operations.c.action.in_(list(actions)), kept,
                 operations.c.day >= first_day.isoformat(), operations.c.day < end_day.isoformat(),
                 *([operations.c.received_at <= received_by] if received_by is not None else []))]
