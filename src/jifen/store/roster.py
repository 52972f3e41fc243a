"""Roster repository: cities, counties, schools and teachers, now (``load``) and month by month (``load_for_month``).

``teachers`` and ``schools`` hold the current roster, as the latest import left it whatever its effective month;
ingestion checks reports against them. Settlement reads the roster history instead (see ``roster_history``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from jifen.domain.organisations import City, County, Roster, RosterRow, School, Teacher
from jifen.domain.periods import Month
from jifen.store import lookups, month_inputs
from jifen.store import roster_history as history
from jifen.store.settlements import PUBLISHED
from jifen.store.tables import cities, counties, schools, settlements, teachers


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    unchanged: int
    left: int
    schools: int
    moved_teachers: tuple[tuple[str, str, str], ...] = ()  # (teacher, school before, school now)
    moved_schools: tuple[tuple[str, str, str], ...] = ()  # (school, county before, county now)
    # (county, "name" or "city", before, now): counties are not dated, so this holds for every month, settled or not
    changed_counties: tuple[tuple[str, str, str, str], ...] = ()


def load(connection: Connection) -> Roster:
    """The current roster: active schools and their active teachers."""
    school_rows = connection.execute(select(schools).where(schools.c.active.is_(True))).all()
    teacher_rows = connection.execute(
        select(teachers.c.id, teachers.c.name, teachers.c.subject, teachers.c.school_code).where(
            teachers.c.active.is_(True)
        )
    ).all()
    return _roster(
        connection,
        {r.code: School(r.code, r.name, r.county_code, r.online_classrooms) for r in school_rows},
        [Teacher(r.id, r.name, r.subject, r.school_code) for r in teacher_rows],
    )


def load_for_month(connection: Connection, month: str) -> Roster:
    """The roster as it stood at the end of ``month`` (YYYY-MM), from the roster history."""
    school_rows = connection.execute(history.schools_at(month)).all()
    teacher_rows = connection.execute(history.teachers_at(month)).all()
    return _roster(
        connection,
        {r.school_code: School(r.school_code, r.name, r.county_code, r.online_classrooms) for r in school_rows},
        [Teacher(r.teacher_id, r.teacher_name, r.subject, r.school_code) for r in teacher_rows],
    )


def _roster(connection: Connection, open_schools: dict[str, School], staff: list[Teacher]) -> Roster:
    """The schools and the teachers at them, with the counties and cities above them (names as they are now)."""
    county_codes = {s.county_code for s in open_schools.values()}
    all_counties = {r.code: County(r.code, r.name, r.city_code) for r in connection.execute(select(counties))}
    used_counties = {code: c for code, c in all_counties.items() if code in county_codes}
    city_codes = {c.city_code for c in used_counties.values()}
    all_cities = {r.code: City(r.code, r.name) for r in connection.execute(select(cities))}
    return Roster(
        cities={code: c for code, c in all_cities.items() if code in city_codes},
        counties=used_counties,
        schools=open_schools,
        teachers={t.id: t for t in staff if t.school_code in open_schools},
    )


def first_unpublished_month(connection: Connection) -> str:
    """The month after the latest published settlement; ``ALL_MONTHS`` while nothing is published."""
    latest = connection.scalar(select(func.max(settlements.c.month)).where(settlements.c.status == PUBLISHED))
    return history.ALL_MONTHS if latest is None else str(Month.parse(latest).next())


def active_teachers(connection: Connection, ids: Iterable[str]) -> set[str]:
    return _present(connection, teachers.c.id, teachers.c.active, ids)


def active_schools(connection: Connection, codes: Iterable[str]) -> set[str]:
    return _present(connection, schools.c.code, schools.c.active, codes)


def _present(connection: Connection, key, active, values: Iterable[str]) -> set[str]:  # type: ignore[no-untyped-def]
    rows = lookups.rows_in(connection, f"SELECT {key.name} FROM {key.table.name} WHERE {active.name} = {{p}} "
                           f"AND {key.name} IN ({{keys}})", list(set(values)), (True,))
    return {row[0] for row in rows}


def apply(connection: Connection, rows: list[RosterRow], *, full: bool, from_month: str,
          now: datetime) -> ImportSummary:
    """Add and update the roster from validated rows; with ``full`` the rows are the whole roster.

    The current tables take the rows as they are; the history takes them from ``from_month`` on.
    """
    settled = month_inputs.settled_from(connection, from_month)
    # without entries dated after F the roster is one and the same from F on: one month stands for all of them
    alike = not history.dated_after(connection, from_month)
    probes = settled[:1] if alike else settled
    stated = {month: load_for_month(connection, month) for month in probes}  # as their settlements read them
    history.record(connection, rows, full=full, from_month=from_month, now=now)
    described_before = {r.code: (r.name, r.city_code) for r in connection.execute(select(counties))}
    changed_counties = tuple(
        (r.county_code, what, before, now_)
        for r in {r.county_code: r for r in rows}.values() if r.county_code in described_before
        for what, before, now_ in (("name", described_before[r.county_code][0], r.county_name),
                                   ("city", described_before[r.county_code][1], r.city_code))
        if before != now_)
    _upsert(connection, cities, "code", {r.city_code: {"name": r.city_name} for r in rows})
    _upsert(
        connection, counties, "code",
        {r.county_code: {"name": r.county_name, "city_code": r.city_code} for r in rows},
    )
    # settled months whose roster it changes are out of date (their next scheduled run settles them again); an
    # import that restates a month as it was (the same file sent again) leaves it be
    changed = [m for m in probes if load_for_month(connection, m) != stated[m]]
    month_inputs.bump(connection, settled if alike and changed else changed)
    school_values = {
        r.school_code: {"name": r.school_name, "county_code": r.county_code,
                        "online_classrooms": r.online_classrooms, "active": True}
        for r in rows
    }
    school_counties = {code: county for code, county in connection.execute(
        select(schools.c.code, schools.c.county_code).where(schools.c.active.is_(True)))}
    moved_schools = tuple((code, school_counties[code], values["county_code"])
                          for code, values in school_values.items()
                          if school_counties.get(code, values["county_code"]) != values["county_code"])
    _upsert(connection, schools, "code", school_values)
    before = {r.id: r for r in connection.execute(select(teachers))}
    added = updated = unchanged = 0
    inserts: list[dict[str, object]] = []
    for row in rows:
        values = {"name": row.teacher_name, "subject": row.subject, "school_code": row.school_code, "active": True}
        old = before.get(row.teacher_id)
        if old is None:
            inserts.append({"id": row.teacher_id, "updated_at": now, **values})
            added += 1
        elif any(getattr(old, k) != v for k, v in values.items()):
            connection.execute(
                update(teachers).where(teachers.c.id == row.teacher_id).values(updated_at=now, **values)
            )
            updated += 1
        else:
            unchanged += 1
    if inserts:
        connection.execute(teachers.insert(), inserts)
    left = 0
    if full:  # the whole roster of the counties the file lists
        listed = {r.teacher_id for r in rows}
        counties_listed = {r.county_code for r in rows}
        in_scope = {code for code, county in school_counties.items() if county in counties_listed}
        in_scope |= set(school_values)  # a school moved in from another county: its staff is in the file
        leaving = [tid for tid, old in before.items()
                   if old.active and tid not in listed and old.school_code in in_scope]
        _set_inactive(connection, teachers.c.id, leaving, updated_at=now)
        left = len(leaving)
        closed = [
            code for code in connection.scalars(select(schools.c.code).where(schools.c.active.is_(True)))
            if code in in_scope and code not in school_values
        ]
        _set_inactive(connection, schools.c.code, closed)
    moved_teachers = tuple((row.teacher_id, before[row.teacher_id].school_code, row.school_code) for row in rows
                           if row.teacher_id in before and before[row.teacher_id].active
                           and before[row.teacher_id].school_code != row.school_code)
    return ImportSummary(added=added, updated=updated, unchanged=unchanged, left=left,
                         schools=len(school_values), moved_teachers=moved_teachers, moved_schools=moved_schools,
                         changed_counties=changed_counties)


def _set_inactive(connection: Connection, key, values: list[str], **extra: object) -> None:  # type: ignore[no-untyped-def]
    for chunk in lookups.chunks(values):
        connection.execute(key.table.update().where(key.in_(chunk)).values(active=False, **extra))


def _upsert(connection: Connection, table, key: str, values: dict[str, dict[str, object]]) -> None:  # type: ignore[no-untyped-def]
    column = table.c[key]
    existing = {r._mapping[key]: r._mapping for r in connection.execute(select(table))}
    inserts = []
    for code, fields in values.items():
        old = existing.get(code)
        if old is None:
            inserts.append({key: code, **fields})
        elif any(old[k] != v for k, v in fields.items()):
            connection.execute(table.update().where(column == code).values(**fields))
    if inserts:
        connection.execute(table.insert(), inserts)
