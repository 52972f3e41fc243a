"""Roster history: which teachers and schools were on the roster, month by month.

Every import writes one entry for each teacher and each school in its file, at its from month F: the month of
``effective_from`` or, without one, the first month not yet published (``ALL_MONTHS`` while nothing is).

The supersede rule: an import at F states the roster from F on, so it replaces the history of what it states
from F on. Before writing its entries it deletes the entries at months >= F of the teachers and schools in the
file; a ``full`` import states every teacher and school of the counties its file lists (a county's bureau sends its
own county; the others are left as they are), so it deletes every entry at months >= F of those counties' teachers
and schools and then writes, at F, a leave entry (``school_code`` NULL) for each teacher of those counties on the
roster just before F and missing from the file, and an inactive entry for each such school. A teacher or school
therefore has at most one entry per month, and the roster at the end of month m is, per teacher and per school, the entry with the greatest from_month <= m.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Select, Table, and_, delete, func, select

from jifen.domain.organisations import RosterRow
from jifen.store import lookups
from jifen.store.tables import roster_history, school_history

# The from month of an import that states the roster for every month (nothing published yet).
ALL_MONTHS = "0000-01"


def record(connection: Connection, rows: Iterable[RosterRow], *, full: bool, from_month: str,
           now: datetime) -> None:
    """Write the history entries of an import at ``from_month``, superseding what it restates."""
    teachers = {r.teacher_id: r for r in rows}
    schools = {r.school_code: r for r in teachers.values()}
    restated_teachers, restated_schools = list(teachers), list(schools)
    if full:  # and the other teachers and schools of the counties and schools in the file: those there just before
        # F, or at a month from F on (a school moved in from another county brings its whole staff into the file)
        counties = {r.county_code for r in teachers.values()}
        open_before = {e.school_code: e for e in connection.execute(
            schools_as_of(school_history.c.from_month < from_month))}
        scoped = {code for code, e in open_before.items() if e.county_code in counties} | set(schools)
        scoped.update(connection.scalars(select(school_history.c.school_code).where(
            school_history.c.from_month >= from_month, school_history.c.county_code.in_(counties))))
        staff_before = {e.teacher_id: e for e in connection.execute(
            teachers_as_of(roster_history.c.from_month < from_month)) if e.school_code in scoped}
        restated_teachers.extend(staff_before)
        for chunk in lookups.chunks(scoped):
            restated_teachers.extend(connection.scalars(select(roster_history.c.teacher_id).where(
                roster_history.c.from_month >= from_month, roster_history.c.school_code.in_(chunk))))
        restated_teachers = list(dict.fromkeys(restated_teachers))
        restated_schools = list(dict.fromkeys([*restated_schools, *sorted(scoped)]))
    _delete_from(connection, roster_history.c.teacher_id, restated_teachers, from_month)
    _delete_from(connection, school_history.c.school_code, restated_schools, from_month)
    teacher_entries: list[dict[str, Any]] = [
        {"teacher_id": r.teacher_id, "from_month": from_month, "school_code": r.school_code,
         "teacher_name": r.teacher_name, "subject": r.subject, "recorded_at": now}
        for r in teachers.values()
    ]
    school_entries: list[dict[str, Any]] = [
        {"school_code": r.school_code, "from_month": from_month, "name": r.school_name,
         "county_code": r.county_code, "online_classrooms": r.online_classrooms, "active": True,
         "recorded_at": now}
        for r in schools.values()
    ]
    if full:
        teacher_entries.extend(
            {"teacher_id": e.teacher_id, "from_month": from_month, "school_code": None,
             "teacher_name": e.teacher_name, "subject": e.subject, "recorded_at": now}
            for e in staff_before.values() if e.teacher_id not in teachers
        )
        school_entries.extend(
            {"school_code": e.school_code, "from_month": from_month, "name": e.name, "county_code": e.county_code,
             "online_classrooms": e.online_classrooms, "active": False, "recorded_at": now}
            for code, e in open_before.items() if e.county_code in counties and code not in schools
        )
    if teacher_entries:
        connection.execute(roster_history.insert(), teacher_entries)
    if school_entries:
        connection.execute(school_history.insert(), school_entries)


def dated_after(connection: Connection, month: str) -> bool:
    """Whether any teacher's or school's entry holds from a month after ``month``."""
    return any(connection.scalar(select(table.c.from_month).where(table.c.from_month > month).limit(1)) is not None
               for table in (roster_history, school_history))


def recorded_between(connection: Connection, month: str, start: datetime, end: datetime
                     ) -> tuple[list[Any], list[Any]]:
    """The teachers' and the schools' entries recorded after ``start`` and up to ``end`` that state the roster of
    ``month`` (their from month at or before it), in the order recorded."""
    def entries(table: Table, *columns: Column[Any]) -> list[Any]:
        h = table.c
        return list(connection.execute(
            select(*columns, h.from_month, h.recorded_at)
            .where(h.recorded_at > start, h.recorded_at <= end, h.from_month <= month)
            .order_by(h.recorded_at, h.id)))

    t, s = roster_history.c, school_history.c
    return entries(roster_history, t.teacher_id, t.school_code), entries(school_history, s.school_code,
                                                                         s.county_code, s.active)


def teachers_as_of(condition: ColumnElement[bool]) -> Select[Any]:
    """The teachers on the roster (school_code not NULL) per their latest entry meeting ``condition``."""
    h = roster_history.c
    return _latest(roster_history, h.teacher_id, condition).with_only_columns(
        h.teacher_id, h.teacher_name, h.subject, h.school_code
    ).where(h.school_code.is_not(None))


def schools_as_of(condition: ColumnElement[bool]) -> Select[Any]:
    """The active schools per their latest entry meeting ``condition``."""
    h = school_history.c
    return _latest(school_history, h.school_code, condition).with_only_columns(
        h.school_code, h.name, h.county_code, h.online_classrooms
    ).where(h.active.is_(True))


def on_roster_at(connection: Connection, level: str, code: str, month: str) -> bool:
    """Whether a teacher (``level`` teacher) or an active school is on the roster at the end of ``month``."""
    if level == "teacher":
        found = teachers_as_of(and_(roster_history.c.from_month <= month, roster_history.c.teacher_id == code))
    else:
        found = schools_as_of(and_(school_history.c.from_month <= month, school_history.c.school_code == code))
    return connection.execute(found.limit(1)).first() is not None


def teachers_at(month: str) -> Select[Any]:
    """The teachers on the roster at the end of ``month``."""
    return teachers_as_of(roster_history.c.from_month <= month)


def schools_at(month: str) -> Select[Any]:
    """The active schools at the end of ``month``."""
    return schools_as_of(school_history.c.from_month <= month)


def _latest(table: Table, key: Column[str], condition: ColumnElement[bool]) -> Select[Any]:
    """Per key, the one entry with the greatest from_month among those meeting ``condition`` (set-based)."""
    latest = (
        select(key.label("key"), func.max(table.c.from_month).label("from_month"))
        .where(condition)
        .group_by(key)
        .subquery("latest")
    )
    return select(table).join(latest, and_(key == latest.c.key, table.c.from_month == latest.c.from_month))


def _delete_from(connection: Connection, key: Column[str], values: list[str], from_month: str) -> None:
    table = key.table
    for chunk in lookups.chunks(values):
        connection.execute(delete(table).where(key.in_(chunk), table.c.from_month >= from_month))
