"""A county's monthly figures beside the points, as plain JSON-able values for the bulletin (通报) and exports:
national-platform registration, online-classroom classes since the start of the term, digital-school
micro-lectures and MOOCs per teacher, and the weekly use of the project classrooms with the figures to doubt.

Every school of the county on the roster appears in the registration, online-class and digital-school rows, with
zeros (and rates of None) where nothing was supplied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy
from sqlalchemy import select

from jifen.domain import classroom_usage as usage
from jifen.domain import registration
from jifen.domain.periods import Month
from jifen.domain.scores import figure_half_up
from jifen.errors import InvalidInput, NotFound
from jifen.store import school_figures as repo
from jifen.store.tables import counties

if TYPE_CHECKING:
    from jifen.config import Settings

ONLINE_CLASS_INDICATOR = "three_classrooms"
ONLINE_CLASS_APP = "online-classroom"
ONLINE_CLASS_ACTIONS = ("class.session",)
DIGITAL_SCHOOL_INDICATOR = "teaching_resources"
DIGITAL_SCHOOL_APP = "digital-school"
MICROLECTURE = "microlecture.upload"
MOOC = "mooc.add"
TERM_STARTS = ((3, 1), (9, 1))  # spring and autumn terms


def within_rules(usage: dict[str, Any], reported: set[tuple[str, str]]) -> dict[str, Any]:
    """The figures, less the sections read from actions the month's rule set does not have (``reported``: its
    (app, action) pairs): Shihe's catalog has no online classes and no digital school, so no school can be held
    to their standards. Such a section keeps no rows and says ``outside_rules``."""
    out = dict(usage)
    for section, actions in (("online_classes", {(ONLINE_CLASS_APP, a) for a in ONLINE_CLASS_ACTIONS}),
                             ("digital_school", {(DIGITAL_SCHOOL_APP, a) for a in (MICROLECTURE, MOOC)})):
        if not actions & reported:
            out[section] = {"rows": [], "outside_rules": True}
    return out


@dataclass(frozen=True)
class FigureSettings:
    """The thresholds the dataset applies; ``from_settings`` reads them from the JIFEN_* settings."""

    usage: usage.Thresholds = field(default_factory=usage.Thresholds)
    registration_threshold: float = registration.DEFAULT_THRESHOLD
    online_standard_per_week: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> FigureSettings:
        unknown = sorted(set(settings.usage_standards) - set(usage.ROOM_TYPE_CODES))
        if unknown:
            raise InvalidInput(f"JIFEN_USAGE_STANDARDS: {', '.join(unknown)} is not a room type; room types: "
                               f"{', '.join(usage.ROOM_TYPE_CODES)}")
        return cls(usage.Thresholds(settings.usage_repeat_weeks, settings.usage_zero_weeks,
                                    dict(settings.usage_standards)),
                   settings.registration_threshold, settings.online_class_standard)


def default_term_start(month: Month) -> date:
    """The most recent 1 March or 1 September on or before the month's first day."""
    first = date(month.year, month.month, 1)
    candidates = [date(year, m, d) for year in (month.year - 1, month.year) for m, d in TERM_STARTS]
    return max(c for c in candidates if c <= first)


def county_usage(connection: sqlalchemy.Connection, county_code: str, month: str, *,
                 term_start: date | None = None, figures: FigureSettings | None = None,
                 as_of: date | None = None, received_by: datetime | None = None) -> dict[str, Any]:
    """The county's figures for the month (``YYYY-MM``); ``term_start`` defaults to ``default_term_start``.
    ``as_of``: the day the figures are read on; in a month still running, the weeks of online classes end with it,
    not with the month's last day. ``received_by``: the reports counted as they stood then (a settlement's time,
    so that a bulletin of a version reads what the version read)."""
    parsed = Month.parse(month)
    settings = figures or FigureSettings()
    if connection.scalar(select(counties.c.code).where(counties.c.code == county_code)) is None:
        raise NotFound(f"county {county_code!r} is not on the roster")
    start = term_start or default_term_start(parsed)
    end = date(parsed.next().year, parsed.next().month, 1)
    if start >= end:
        raise InvalidInput(f"term_start: {start.isoformat()} is not before the end of {parsed}",
                           details=[{"path": "term_start", "message": "after the month"}])
    if as_of is not None and as_of < date(parsed.year, parsed.month, 1):
        raise InvalidInput(f"as_of: {as_of.isoformat()} is before {parsed}: its figures are read from the month on",
                           details=[{"path": "as_of", "message": "before the month"}])
    schools = repo.county_schools(connection, county_code, str(parsed))  # the roster the month is settled on
    return {
        "county_code": county_code,
        "month": str(parsed),
        "registration": _registration(connection, schools, end, settings.registration_threshold, as_of),
        "online_classes": _online_classes(connection, county_code, schools, start, end,
                                          settings.online_standard_per_week,
                                          min(end, as_of + timedelta(days=1)) if as_of else end, str(parsed),
                                          received_by),
        "digital_school": _digital_school(connection, county_code, schools, start, end, str(parsed), received_by),
        "classroom_usage": _classroom_usage(connection, schools, parsed, settings.usage),
    }


def _registration(connection: sqlalchemy.Connection, schools: list[repo.RosterSchool], month_end: date,
                  threshold: float, read_on: date | None = None) -> dict[str, Any]:
    """The latest platform export dated no later than the end of the following month: a month's bulletin is
    written early in the next one, from the export of that day; read on a day (``read_on``), none after it."""
    codes = [s.code for s in schools]
    following = Month(month_end.year, month_end.month).next()
    latest = date(following.year, following.month, 1) - timedelta(days=1)
    as_of = repo.latest_registration_date(connection, codes, min(latest, read_on) if read_on else latest)
    found = repo.registrations(connection, codes, as_of) if as_of else {}
    rows = []
    for s in schools:
        r = found.get(s.code)
        if r is None:  # not in the export: nothing known, not zero (its figures and rates stay empty)
            rows.append({"school_code": s.code, "school_name": s.name, "imported": False,
                         **dict.fromkeys(registration.COUNTS), "teacher_rate": None, "student_rate": None})
            continue
        counts = {name: getattr(r, name) for name in registration.COUNTS}
        rows.append({"school_code": s.code, "school_name": s.name, "imported": True,
                     "teachers_registered": counts["teachers_registered"], "teachers": counts["teachers"],
                     "teacher_rate": registration.rate(counts["teachers_registered"], counts["teachers"]),
                     "students_registered": counts["students_registered"], "students": counts["students"],
                     "student_rate": registration.rate(counts["students_registered"], counts["students"]),
                     "parents_registered": counts["parents_registered"]})
    return {"as_of": as_of.isoformat() if as_of else None, "threshold": threshold,
            "totals": registration.totals(rows), "rows": rows, "below": registration.below(rows, threshold)}


def _online_classes(connection: sqlalchemy.Connection, county_code: str, schools: list[repo.RosterSchool],
                    start: date, end: date, standard: float, weeks_end: date, month: str,
                    received_by: datetime | None) -> dict[str, Any]:
    """Qualifying online classes per online classroom since the term began (a school with none on the roster
    counts as one, as in scoring), and per week up to ``weeks_end``: the weeks are counted from the term's
    start, or from the week of the region's first reported class of the term when the platform began reporting
    later (a school is not held to classes from before anyone could report them)."""
    first = repo.first_operation_day(connection, indicator=ONLINE_CLASS_INDICATOR, app_code=ONLINE_CLASS_APP,
                                     actions=ONLINE_CLASS_ACTIONS, first_day=start, end_day=end,
                                     received_by=received_by)
    counted_from = max(start, usage.monday_of(first)) if first else start  # from the week of that class
    weeks = max(1, (weeks_end - counted_from).days) / 7  # at least a day, so that a first day divides
    classes = repo.school_operation_counts(connection, county_code, indicator=ONLINE_CLASS_INDICATOR,
                                           app_code=ONLINE_CLASS_APP, actions=ONLINE_CLASS_ACTIONS,
                                           first_day=start, end_day=weeks_end, month=month,  # in the weeks counted
                                           received_by=received_by)
    rows = []
    for s in schools:
        count = classes.get(s.code, 0)
        per_room = count / max(s.online_classrooms, 1)
        per_week = figure_half_up(per_room / weeks)
        rows.append({"school_code": s.code, "school_name": s.name, "rooms": s.online_classrooms, "classes": count,
                     "per_room": figure_half_up(per_room), "per_room_per_week": per_week,
                     "meets_standard": per_week >= standard})
    rows.sort(key=lambda r: (-r["per_room"], r["school_code"]))
    return {"term_start": start.isoformat(), "counted_from": counted_from.isoformat(), "weeks": figure_half_up(weeks),
            "standard_per_week": standard, "rows": rows}


def _digital_school(connection: sqlalchemy.Connection, county_code: str, schools: list[repo.RosterSchool],
                    start: date, end: date, month: str, received_by: datetime | None) -> dict[str, Any]:
    """Qualifying micro-lectures and MOOCs since the term began, per school of the teacher at the month's end."""
    counts = repo.teacher_operation_counts(connection, county_code, indicator=DIGITAL_SCHOOL_INDICATOR,
                                           app_code=DIGITAL_SCHOOL_APP, actions=(MICROLECTURE, MOOC),
                                           first_day=start, end_day=end, month=month, received_by=received_by)
    rows = []
    for s in schools:
        lectures, moocs = counts.get((s.code, MICROLECTURE), 0), counts.get((s.code, MOOC), 0)
        rows.append({"school_code": s.code, "school_name": s.name, "teachers": s.teachers,
                     "microlectures": lectures, "moocs": moocs,
                     "microlectures_per_teacher": figure_half_up(lectures / s.teachers) if s.teachers else None,
                     "moocs_per_teacher": figure_half_up(moocs / s.teachers) if s.teachers else None})
    rows.sort(key=lambda r: (-r["microlectures"], r["school_code"]))
    return {"term_start": start.isoformat(), "rows": rows}


RUN_WEEKS = 26  # how far back a run of repeated or unused weeks is followed: about a term


def _classroom_usage(connection: sqlalchemy.Connection, schools: list[repo.RosterSchool], month: Month,
                     thresholds: usage.Thresholds) -> dict[str, Any]:
    """The month's weeks (by their Monday) averaged per school and room type; flags from runs of weeks that reach
    into the month, read back a term (RUN_WEEKS), so that a run is told at its whole length."""
    names = {s.code: s.name for s in schools}
    month_weeks = usage.weeks_of_month(month.year, month.month)
    reach = max(thresholds.repeat_weeks, thresholds.zero_weeks, RUN_WEEKS) - 1
    stored = repo.usage(connection, list(names), month_weeks[0] - timedelta(days=7 * reach), month_weeks[-1])
    figures = [s.figure for s in stored]
    with_data = sorted({f.week for f in figures if f.week in set(month_weeks)})
    averages = usage.averages(figures, month_weeks)
    flags = (usage.repeated_flags(figures, month_weeks, thresholds.repeat_weeks)
             + usage.zero_flags(figures, month_weeks, thresholds.zero_weeks)
             + usage.below_standard_flags(averages, thresholds.standards))
    reported: dict[str, set[date]] = {}
    for f in figures:
        if f.week in set(month_weeks):
            reported.setdefault(f.school_code, set()).add(f.week)
    return {
        "weeks": [w.isoformat() for w in with_data],
        "month_weeks": [w.isoformat() for w in month_weeks],
        # the schools that did not report every week of the month (none: not at all), each with its weeks reported
        "unreported": [{"school_code": code, "school_name": name, "weeks": len(reported.get(code, ()))}
                       for code, name in names.items() if len(reported.get(code, ())) < len(month_weeks)],
        "room_types": [{"code": t.code, "name": t.name, "standard_per_week": thresholds.standards.get(t.code)}
                       for t in usage.ROOM_TYPES],
        "rows": [{"school_code": a.school_code, "school_name": names[a.school_code], "room_type": a.room_type,
                  "rooms": _plain(a.rooms), "uses": _plain(a.uses), "per_room_per_week": a.per_room_per_week}
                 for a in averages],
        "flags": [{"school_code": f.school_code, "school_name": names[f.school_code], "room_type": f.room_type,
                   "kind": f.kind, "weeks": f.weeks, "message": usage.flag_message(f, names[f.school_code])}
                  for f in flags],
    }


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value
