"""Taking in the figures schools and the national platform supply: checked, scoped, stored all or nothing.

Weekly classroom usage comes from the API (one school and week) or a usage sheet (many); registration from the
platform's export. ``user`` is the API caller, whose scope must cover each school (None: the CLI, trusted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jifen.access.scopes import covers
from jifen.domain.classroom_usage import ROOM_TYPE_CODES, Figure, figure_problem, monday_of, week_start
from jifen.domain.periods import parse_day
from jifen.domain.registration import Registration
from jifen.errors import Forbidden, InvalidInput, NotFound
from jifen.ingest import registration_sheet, usage_sheet
from jifen.store import school_figures as repo
from jifen.store import roster_history, units
from jifen.store.access import User
from jifen.store.database import Database

SUBMITTERS = ("school_admin", "county_admin", "city_admin", "region_admin")
BY_LIMIT = 200


@dataclass(frozen=True)
class UsageImport:
    rows: int
    schools: int
    weeks: list[date]
    figures: int


@dataclass(frozen=True)
class RegistrationImport:
    as_of: date
    schools: int
    skipped: list[str]  # rows naming a school that is not on the roster, as "row N: name"


def parse_week(text: str, *, field_name: str = "week") -> date:
    return week_start(parse_day(text, field_name), field_name=field_name)


def submit_week(database: Database, school_code: str, week: date, rooms: Mapping[str, Any], *, user: User | None,
                by: str, now: datetime, tz: ZoneInfo, region_code: str) -> list[repo.StoredFigure]:
    """Store one school's figures for one week (each room type given replaces its earlier figure); answers the
    school's figures for that week as stored."""
    _may_submit(user)
    week = week_start(week)
    _not_ahead(week, now, tz, "week")
    if not isinstance(rooms, Mapping) or not rooms:
        raise InvalidInput("rooms: give at least one room type", details=[{"path": "rooms", "message": "empty"}])
    figures = []
    for room_type, entry in rooms.items():
        if not isinstance(entry, Mapping) or set(entry) != {"rooms", "uses"}:
            raise _invalid(f"rooms.{room_type}", 'must be {"rooms": N, "uses": N}')
        problem = figure_problem(room_type, entry["rooms"], entry["uses"])
        if problem is not None:
            path = "rooms" if problem[0] == "room_type" else f"rooms.{room_type}.{problem[0]}"
            raise _invalid(path, problem[1])
        figures.append(Figure(school_code, week, room_type, entry["rooms"], entry["uses"]))
    with database.transaction() as connection:
        _covered(connection, user, [school_code], region_code)
        _on_roster(connection, [(school_code, week, "week")])
        repo.replace_usage(connection, figures, submitted_at=now, submitted_by=_by(by))
        return repo.usage(connection, [school_code], week, week)


def school_usage(database: Database, school_code: str, first: date, last: date, *, user: User | None,
                 region_code: str) -> list[repo.StoredFigure]:
    """A school's stored figures for the weeks whose Monday falls from ``first`` to ``last``."""
    if last < first:
        raise _invalid("to", f"{last.isoformat()} is before from {first.isoformat()}")
    with database.read() as connection:
        _covered(connection, user, [school_code], region_code, reading=True)
        return repo.usage(connection, [school_code], first, last)


def import_usage(database: Database, data: bytes, filename: str, *, user: User | None, by: str, now: datetime,
                 tz: ZoneInfo, region_code: str) -> UsageImport:
    """Store every row of a usage sheet, or nothing when any row is wrong or outside the user's scope."""
    _may_submit(user)
    # a row of the county's sheet left blank is a school that did not report here (a school's admin fills in their
    # own row of the sheet the bureau hands out): not stored, nor checked against the user's scope
    rows = [r for r in usage_sheet.read_sheet(data, filename) if r.rooms]
    if not rows:
        raise InvalidInput(f"{filename}: no row holds any figures; fill in each school's rooms and uses "
                           "(0 and 0 for a room type it has none of)")
    for r in rows:
        _not_ahead(r.week, now, tz, f"{filename} row {r.row}")
    figures = [Figure(r.school_code, r.week, room_type, rooms, uses)
               for r in rows for room_type, (rooms, uses) in r.rooms.items()]
    with database.transaction() as connection:
        known = repo.school_names(connection, [r.school_code for r in rows])
        unknown = [r for r in rows if r.school_code not in known]
        if unknown and (user is None or user.role == "region_admin"):
            problems = [{"path": f"row {r.row}", "message": f"row {r.row}: school {r.school_code!r} is not on the "
                                                            f"roster"} for r in unknown]
            raise InvalidInput(f"{filename} {problems[0]['message']}", details=problems[:usage_sheet.MAX_PROBLEMS])
        _covered(connection, user, [r.school_code for r in rows], region_code)
        _on_roster(connection, [(r.school_code, r.week, f"row {r.row}") for r in rows])
        repo.replace_usage(connection, figures, submitted_at=now, submitted_by=_by(by))
    return UsageImport(rows=len(rows), schools=len({r.school_code for r in rows}),
                       weeks=sorted({r.week for r in rows}), figures=len(figures))


def usage_template(database: Database, county_code: str | None, week: date | None) -> bytes:
    """The blank sheet, with the county's schools listed when a county is given."""
    schools: list[tuple[str, str]] = []
    if county_code:
        with database.read() as connection:
            schools = [(s.code, s.name) for s in repo.county_schools(connection, county_code)]
        if not schools:
            raise InvalidInput(f"county {county_code!r} has no schools on the roster")
    return usage_sheet.template(schools, week_start(week) if week else None)


def import_registration(database: Database, data: bytes, filename: str, as_of: date, *, by: str,
                        now: datetime) -> RegistrationImport:
    """Store the platform's registration counts as of a date; schools are matched by code, else by their name on
    the roster. Rows naming a school not on the roster are skipped and listed."""
    rows = registration_sheet.read_sheet(data, filename)
    with database.transaction() as connection:
        by_name = repo.schools_by_name(connection)
        names = repo.school_names(connection, [r.school_code for r in rows if r.school_code])
        stored: dict[str, Registration] = {}
        skipped: list[str] = []
        problems: list[dict[str, Any]] = []
        for r in rows:
            code = r.school_code if r.school_code in names else None
            if code is None and not r.school_code:
                matches = by_name.get(r.school_name, [])
                if len(matches) > 1:
                    problems.append({"path": f"row {r.row}", "message": f"row {r.row}: {r.school_name} names "
                                     f"{len(matches)} schools on the roster ({', '.join(matches)}); add 学校代码"})
                    continue
                code = matches[0] if matches else None
            if code is None:
                skipped.append(f"row {r.row}: {r.school_code or r.school_name}")
                continue
            if code in stored:
                problems.append({"path": f"row {r.row}", "message": f"row {r.row}: school {code} is listed twice"})
                continue
            stored[code] = Registration(code, r.school_name or names.get(code, ""), **r.counts)
        if problems:
            raise InvalidInput(f"{filename} {problems[0]['message']}",
                               details=problems[:registration_sheet.MAX_PROBLEMS])
        if not stored:
            raise InvalidInput(f"{filename}: none of its {len(rows)} schools is on the roster")
        repo.replace_registration(connection, as_of, list(stored.values()), imported_at=now, imported_by=_by(by))
    return RegistrationImport(as_of, len(stored), skipped)


def figures_json(stored: list[repo.StoredFigure], tz: ZoneInfo) -> list[dict[str, Any]]:
    """Stored figures by week: {"week", "rooms": {type: {"rooms", "uses", "per_room", "submitted_at",
    "submitted_by"}}} in the order of the room types."""
    weeks: dict[date, dict[str, Any]] = {}
    order = {code: i for i, code in enumerate(ROOM_TYPE_CODES)}
    for s in sorted(stored, key=lambda s: (s.figure.week, order.get(s.figure.room_type, len(order)))):
        f = s.figure
        weeks.setdefault(f.week, {})[f.room_type] = {
            "rooms": f.rooms, "uses": f.uses, "per_room": round(f.uses / f.rooms, 2) if f.rooms else None,
            "submitted_at": s.submitted_at.astimezone(tz).isoformat(), "submitted_by": s.submitted_by}
    return [{"week": week.isoformat(), "rooms": rooms} for week, rooms in weeks.items()]


def _may_submit(user: User | None) -> None:
    if user is not None and user.role not in SUBMITTERS:
        raise Forbidden(f"user {user.name} is a {user.role}; classroom usage is submitted by school, county, city "
                        f"or region admins")


def _covered(connection: Any, user: User | None, school_codes: list[str], region_code: str, *,
             reading: bool = False) -> None:
    chains = units.lineages(connection, "school", school_codes, region_code)
    for code in dict.fromkeys(school_codes):
        chain = chains.get(code)
        if user is not None and (chain is None or not covers(user, chain)):
            if chain is not None or user.role != "region_admin":
                raise Forbidden(f"school {code!r} is outside the scope of user {user.name}")
        if chain is None:
            if reading or user is not None:
                raise NotFound(f"school {code!r} is not on the roster")
            raise _invalid("school_code", f"school {code!r} is not on the roster")


def _on_roster(connection: Any, weeks: list[tuple[str, date, str]]) -> None:
    """Each (school, week, where) names a school on the roster of the week's month (the month of its Monday, which
    the week's figures count in): a school that left reports no later week, one not yet on it no earlier one."""
    known: dict[tuple[str, str], bool] = {}
    for code, week, where in weeks:
        month = f"{week.year:04d}-{week.month:02d}"
        if (code, month) not in known:
            known[(code, month)] = roster_history.on_roster_at(connection, "school", code, month)
        if not known[(code, month)]:
            raise _invalid(where, f"school {code!r} is not on the roster of {month}, the month of week "
                                  f"{week.isoformat()}: its figures would count nowhere")


def _not_ahead(week: date, now: datetime, tz: ZoneInfo, where: str) -> None:
    this_week = monday_of(now.astimezone(tz).date())
    if week > this_week:
        raise _invalid(where, f"week {week.isoformat()} has not begun (this week starts {this_week.isoformat()})")


def _by(by: str) -> str:
    text = by.strip()
    if not text or len(text) > BY_LIMIT:
        raise _invalid("by", f"must be 1 to {BY_LIMIT} characters")
    return text


def _invalid(path: str, message: str) -> InvalidInput:
    return InvalidInput(f"{path}: {message}", details=[{"path": path, "message": message}])
