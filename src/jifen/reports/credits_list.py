"""The year's continuing-education credits of every teacher of a unit: the list a bureau hands to the
continuing-education registry (继续教育学分), worked out as each teacher's card works them out
(:mod:`jifen.reports.card`, DOMAIN.md "Decisions").

A teacher is listed under the school that held them in the latest month of the year they were settled in (the
roster at that month's end, as the settlement read it), with every settled month of the year ended by the day
asked: each month read with the version reports show (the latest published, else the latest draft).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from jifen.domain import credits as credit_rules
from jifen.domain.periods import Month
from jifen.errors import InvalidInput
from jifen.reports import datasets
from jifen.reports.card import months_ended, monthly_teacher_max, yearly_assessment_max
from jifen.reports.numbers import number
from jifen.reports.sheet import Sheet
from jifen.store import desk_queries
from jifen.store import settlements as repo

LEVELS = ("school", "county", "city", "region")


@dataclass
class _Teacher:
    name: str
    school_code: str
    points: list[Decimal]
    maxima: list[Decimal]
    assessments: list[Decimal]


def credits_list(connection: Connection, level: str, code: str, on: date) -> dict[str, Any]:
    """The credits of the teachers of a school, county, city or the region (``level``, ``code``) for the year of
    ``on``, counting the months ended by then."""
    if level not in LEVELS:
        raise InvalidInput(f"level {level!r} is not one of {', '.join(LEVELS)}")
    months = [str(Month(on.year, n)) for n in range(1, months_ended(on) + 1)]
    shown = desk_queries.shown_versions(connection, months)
    records = sorted(shown.values(), key=lambda r: r.month)
    teachers: dict[str, _Teacher] = {}
    schools: dict[str, tuple[str, str | None]] = {}  # code -> (name, county), as the latest month holds them
    counties: dict[str, tuple[str, str | None]] = {}  # code -> (name, city)
    for record in records:  # oldest first: a later month's school and names replace an earlier one's
        rules = datasets.settlement_rules(connection, record)
        monthly, assessment = monthly_teacher_max(rules), yearly_assessment_max(rules)
        for _id, teacher_id, name, school_code, total in repo.level_rows(connection, [record.id], "teacher"):
            found = teachers.setdefault(teacher_id, _Teacher(name, school_code or "", [], [], []))
            found.name, found.school_code = name, school_code or ""
            found.points.append(total)
            found.maxima.append(monthly)
            found.assessments.append(assessment)
        for level_name, held in (("school", schools), ("county", counties)):
            held.update((c, (n, parent)) for _id, c, n, parent, _t in repo.level_rows(connection, [record.id],
                                                                                       level_name))
    rows = []
    for teacher_id, found in teachers.items():
        county = schools.get(found.school_code, ("", None))[1] or ""
        chain = {"school": found.school_code, "county": county, "city": counties.get(county, ("", None))[1] or ""}
        if level != "region" and chain[level] != code:
            continue
        annual, maximum, earned, counted = credit_rules.of_year(zip(found.points, found.maxima, found.assessments,
                                                                    strict=True))
        rows.append({"teacher_id": teacher_id, "name": found.name, "school_code": found.school_code,
                     "school_name": schools.get(found.school_code, ("", None))[0], "county_code": county,
                     "county_name": counties.get(county, ("", None))[0], "months_on_roster": len(found.points),
                     "months_counted": counted,
                     "annual_points": number(annual), "annual_max": number(maximum), "credits": number(earned)})
    rows.sort(key=lambda r: (r["county_code"], r["school_code"], r["teacher_id"]))
    return {"level": level, "code": code, "year": on.year, "on": on.isoformat(),
            "months": [{"month": r.month, "version": r.version, "draft": not r.published} for r in records],
            "full": number(credit_rules.FULL_CREDITS), "teachers": rows}


def sheet(data: dict[str, Any]) -> Sheet:
    """The list as rows for a file: one teacher a row, by county, school and teacher id. 计入月数: the months
    scored under rules with a maximum, which alone count toward credits (fixed points have none)."""
    drafts = [m["month"][5:] + "月" for m in data["months"] if m["draft"]]
    title = (f"{data['year']} 年继续教育学分（{datasets.LEVEL_NAMES[data['level']]} {data['code']}，截至 {data['on']}，"
             f"满分 {data['full']}）" + (f"；草稿月份：{'、'.join(drafts)}" if drafts else ""))
    headers = ["教师编号", "姓名", "学校代码", "学校", "县区", "在册月数", "计入月数", "计入积分", "年度满分",
               "继续教育学分"]
    body = [[r["teacher_id"], r["name"], r["school_code"], r["school_name"], r["county_name"], r["months_on_roster"],
             r["months_counted"], r["annual_points"], r["annual_max"], r["credits"]] for r in data["teachers"]]
    return Sheet(title=title, name="继续教育学分", headers=headers, rows=body, numeric=frozenset({7, 8, 9}),
                 filename=f"继续教育学分_{data['code']}_{data['year']}")
