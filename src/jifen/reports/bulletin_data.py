"""The dataset of a county's monthly bulletin (通报): one plain, JSON-able dict every format renders.

``dataset`` reads the month's shown settlement (its schools, their totals and points per indicator), last month's
if it was settled, and the schools' usage figures; ``compose`` turns those plain rows into the bulletin's
dataset with no database, so a fixture can drive it directly.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from jifen.config import Settings
from jifen.domain.periods import Month
from jifen.domain.scores import figure_half_up
from jifen.errors import InvalidInput, NotFound
from jifen.reports import datasets, usage_sheets
from jifen.rules.schema import RuleSet
from jifen.reports.bulletin_findings import Thresholds, bands, monthly, problems, ranked
from jifen.reports.numbers import number
from jifen.store import settlements as repo

Row = dict[str, Any]
AREAS = ("县", "区", "市", "旗")  # how a bulletin speaks of its own county: 全县, 全区, 全市, 全旗


def title(county_name: str) -> str:
    """关于全县中小学教育云平台应用情况的通报, 全区 for a district, and so on."""
    last = county_name[-1:]
    return f"关于全{last if last in AREAS else '县'}中小学教育云平台应用情况的通报"
USAGE_MISSING = "本月未导入学校应用数据"


def month_label(month: str) -> str:
    """2023-04 -> 2023年4月."""
    parsed = Month.parse(month)
    return f"{parsed.year}年{parsed.month}月"


def attachment_names(county_name: str, month: str, usage: Row | None) -> list[str]:
    """The attachments' titles, also their file names (with .xlsx): the points report, with the supplied
    figures when there are any, and the project classrooms' use when schools reported it."""
    label = month_label(month)
    points = f"{county_name}中小学教育云平台月度积分报表（{label}）"
    names = [points + "及国家平台、在线课堂、数字学校应用数据" if usage_sheets.has_figures(usage) else points]
    if usage_sheets.has_classrooms(usage):
        names.append(f"{county_name}中小学校“互联网+教育”项目教室使用情况统计（{label}）")
    return names


def compose(*, county_code: str, county_name: str, month: str, version: int | None, state: str | None,
            indicators: list[Row], schools: list[Row], previous: list[Row] | None, previous_month: str | None,
            usage: Row | None, issued_on: date, thresholds: Thresholds) -> Row:
    """The bulletin's dataset from plain rows: ``indicators`` ``{code, name, category, subject, max, annual_max}``,
    ``schools`` (and last month's ``previous``) ``{code, name, total, points: {indicator: points}}`` (and
    ``earned``, the points with each indicator's adjustments, which the problems judge by), ``usage``
    as ``usage_data.county_usage`` answers it (None when there is none)."""
    scored = [i for i in indicators if monthly(i)]
    yearly = [i for i in indicators if i.get("max") is not None and not monthly(i)]
    return {
        "county_code": county_code, "county_name": county_name, "month": month, "month_label": month_label(month),
        "version": version, "state": state, "issuer": f"{county_name}教育体育局", "title": title(county_name),
        "issued_on": issued_on.isoformat(), "previous_month": previous_month,
        "full_marks": {"monthly": number_sum(i["max"] for i in scored),
                       "yearly": [{"name": i["name"], "max": i["max"]} for i in yearly]},
        "indicators": indicators,
        "schools": ranked(schools),
        "bands": bands(schools, indicators, thresholds),
        "problems": problems(schools, indicators, previous, usage, thresholds),
        "usage": usage,
        "attachments": attachment_names(county_name, month, usage),
    }


def number_sum(values: Any) -> int | float:
    total = sum(float(v) for v in values)
    return int(total) if total == int(total) else figure_half_up(total)


def thresholds(settings: Settings) -> Thresholds:
    """The bands and the full-marks share the settings give; the other thresholds keep their defaults."""
    if settings.bulletin_lower_points > settings.bulletin_leading_points:
        raise InvalidInput(f"JIFEN_BULLETIN_LOWER_POINTS ({settings.bulletin_lower_points:g}) is above "
                           f"JIFEN_BULLETIN_LEADING_POINTS ({settings.bulletin_leading_points:g})")
    return Thresholds(leading=settings.bulletin_leading_points, lower=settings.bulletin_lower_points,
                      full_marks_share=settings.bulletin_full_marks_share)


def dataset(connection: Connection, county_code: str, month: str, settings: Settings, *, issued_on: date) -> Row:
    """The bulletin of a county for a month, from the version reports show (the latest published, else draft)."""
    record = datasets.settlement_for(connection, month)
    county = repo.unit(connection, record.id, "county", county_code)
    if county is None:
        raise NotFound(f"县区 {county_code!r} is not in the settlement of {record.month} (version {record.version})")
    rules = datasets.settlement_rules(connection, record)
    indicators = [{"code": i.code, "name": i.name, "category": i.category, "subject": i.subject,
                   "max": number(i.monthly_max), "annual_max": number(i.annual_max)} for i in rules.indicators]
    before = repo.shown(connection, str(Month.parse(month).previous()))
    return compose(
        county_code=county_code, county_name=county.name, month=record.month, version=record.version,
        state=record.status, indicators=indicators, schools=_schools(connection, record.id, county_code),
        previous=_schools(connection, before.id, county_code) if before else None,
        previous_month=before.month if before else None,
        usage=county_usage(connection, county_code, record.month, settings, issued_on, record.created_at, rules),
        issued_on=issued_on, thresholds=thresholds(settings))


def _schools(connection: Connection, settlement_id: int, county_code: str) -> list[Row]:
    members = repo.children(connection, settlement_id, "school", county_code)
    points = repo.indicators_of(connection, settlement_id, "school", [m.code for m in members])
    return [{"code": m.code, "name": m.name, "total": number(m.total),
             "points": {r.indicator: number(r.points) for r in points.get(m.code, [])},
             "earned": {r.indicator: number(r.points + r.adjustment) for r in points.get(m.code, [])},
             "adjustment": number(sum((r.adjustment for r in points.get(m.code, [])), Decimal(0)))}
            for m in members]


def county_usage(connection: Connection, county_code: str, month: str,
                 settings: Settings | None = None, as_of: date | None = None,
                 received_by: datetime | None = None, rules: RuleSet | None = None) -> Row | None:
    """The schools' usage figures of the month (registration, online classes, digital school, classrooms), or
    None where there are none to read (no usage module, or the county is no longer on the roster); each section
    of the bulletin then says it has no data. With ``rules``, the month's rule set: sections of actions it does not
    have are left out (``usage_data.within_rules``)."""
    try:
        from jifen.reports import usage_data
    except ImportError:
        return None
    options: dict[str, Any] = {"as_of": as_of} if as_of is not None else {}
    if received_by is not None:  # the reports as the version read them
        options["received_by"] = received_by
    if settings is not None and hasattr(usage_data, "FigureSettings"):
        options["figures"] = usage_data.FigureSettings.from_settings(settings)
    try:
        found: Row = usage_data.county_usage(connection, county_code, month, **options)
    except NotFound:
        return None
    if rules is not None:
        found = usage_data.within_rules(found, {(app.code, a.action) for app in rules.apps for a in app.actions})
    return found
