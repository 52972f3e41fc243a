"""Where a teacher or school sits on the roster: the chain of codes up to the region, for scope checks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from jifen.store.tables import cities, counties, schools, teachers

_CHUNK = 900


@dataclass(frozen=True)
class TeacherEntry:
    id: str
    name: str
    subject: str
    school_code: str
    active: bool


def teacher(connection: Connection, teacher_id: str) -> TeacherEntry | None:
    row = connection.execute(
        select(teachers.c.id, teachers.c.name, teachers.c.subject, teachers.c.school_code, teachers.c.active)
        .where(teachers.c.id == teacher_id)
    ).first()
    return TeacherEntry(row.id, row.name, row.subject, row.school_code, bool(row.active)) if row else None


def lineages(connection: Connection, level: str, codes: Iterable[str], region_code: str) -> dict[str, dict[str, str]]:
    """For each known teacher id or school code (active or not): {"teacher"?, "school", "county", "city", "region"}.

    Codes that are not on the roster are left out.
    """
    wanted = list(dict.fromkeys(codes))
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        if level == "teacher":
            query = (
                select(teachers.c.id, schools.c.code, schools.c.county_code, counties.c.city_code)
                .join(schools, schools.c.code == teachers.c.school_code)
                .join(counties, counties.c.code == schools.c.county_code)
                .where(teachers.c.id.in_(chunk))
            )
            for r in connection.execute(query):
                found[r[0]] = {"teacher": r[0], "school": r[1], "county": r[2], "city": r[3], "region": region_code}
        elif level == "school":
            query = (
                select(schools.c.code, schools.c.county_code, counties.c.city_code)
                .join(counties, counties.c.code == schools.c.county_code)
                .where(schools.c.code.in_(chunk))
            )
            for r in connection.execute(query):
                found[r[0]] = {"school": r[0], "county": r[1], "city": r[2], "region": region_code}
        else:
            raise ValueError(f"lineages of level {level!r}")
    return found


def chain_of(connection: Connection, level: str, code: str, region_code: str) -> dict[str, str] | None:
    """The codes from a school, county or city on the roster, or the region, up to the region; None for a code
    that names none."""
    if level == "region":
        return {"region": region_code} if code == region_code else None
    named = named_lineage(connection, level, code, region_code)
    return named[1] if named is not None else None


def named_lineage(connection: Connection, level: str, code: str, region_code: str
                  ) -> tuple[str, dict[str, str]] | None:
    """A school's, county's or city's name on the roster and its chain of codes up to the region; None when it is
    not on the roster."""
    if level == "school":
        query = (select(schools.c.name, schools.c.code.label("school"), schools.c.county_code.label("county"),
                        counties.c.city_code.label("city"))
                 .join(counties, counties.c.code == schools.c.county_code).where(schools.c.code == code))
    elif level == "county":
        query = (select(counties.c.name, counties.c.code.label("county"), counties.c.city_code.label("city"))
                 .where(counties.c.code == code))
    elif level == "city":
        query = select(cities.c.name, cities.c.code.label("city")).where(cities.c.code == code)
    else:
        raise ValueError(f"named_lineage of level {level!r}")
    row = connection.execute(query).mappings().first()
    if row is None:
        return None
    return row["name"], {**{k: v for k, v in row.items() if k != "name"}, "region": region_code}


@dataclass(frozen=True)
class OpenSchool:
    code: str
    name: str
    county_code: str
    city_code: str


def open_schools(connection: Connection, level: str, code: str) -> list[OpenSchool]:
    """The schools on the roster now under a unit (``level`` school, county, city or region), by code."""
    query = (select(schools.c.code, schools.c.name, schools.c.county_code, counties.c.city_code)
             .join(counties, counties.c.code == schools.c.county_code)
             .where(schools.c.active.is_(True)).order_by(schools.c.code))
    column = {"school": schools.c.code, "county": schools.c.county_code, "city": counties.c.city_code}.get(level)
    if column is not None:
        query = query.where(column == code)
    return [OpenSchool(*row) for row in connection.execute(query)]
