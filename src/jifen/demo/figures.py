"""The figures a county supplies beside the apps' reports, made up for the demo: the weekly use of its schools'
project classrooms (the usage sheet) and the national platform's registration export, both as XLSX workbooks in
the shapes Jifen reads.

Usage is varied (room counts per type, uses per room around each type's typical rate, changing week to week) with
the things a bureau should doubt put in on purpose: one school sends the same figures every week, one leaves a
room type unused for weeks, one uses its online interactive rooms below the standard. A few schools of the region,
one of them in the demo county, have under 60 % of their students registered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

import openpyxl
from openpyxl.styles import Font

from jifen.domain.classroom_usage import ROOM_TYPE_CODES, ROOM_TYPES, weeks_of_month
from jifen.domain.organisations import RosterRow
from jifen.errors import InvalidInput
from jifen.ingest.usage_sheet import headers as usage_headers

# room type -> (chance a school has such rooms, most rooms, typical uses per room a week)
ROOMS: dict[str, tuple[float, int, float]] = {
    "tablet": (0.6, 3, 11.0), "vr": (0.3, 1, 3.0), "reading": (0.55, 2, 6.0), "maker_robot": (0.45, 2, 4.0),
    "calligraphy": (0.35, 1, 3.0), "music": (0.4, 2, 5.0), "pen_paper": (0.2, 4, 9.0),
}
ONLINE_USES = 7.5   # online interactive rooms: typical uses per room a week (the standard is 5)
LOW_ONLINE_USES = 2.0
IDLE_TYPE = "vr"
LOW_REGISTRATION = 0.1  # share of the region's schools with few students registered
REGISTRATION_HEADERS = ["序号", "学校代码", "学校名称", "所属区县", "教师总数", "教师注册人数", "在校学生数",
                        "学生注册人数", "家长注册人数"]


@dataclass(frozen=True)
class SchoolWeek:
    school_code: str
    school_name: str
    week: date
    rooms: dict[str, tuple[int, int]]  # room type -> (rooms, uses)


@dataclass(frozen=True)
class Roles:
    """The schools whose figures a bureau should doubt, by code."""

    repeated: str
    idle: str
    low_online: str


def classroom_weeks(rows: list[RosterRow], county_code: str, month: str, seed: int) -> tuple[list[SchoolWeek],
                                                                                              Roles]:
    """Each school of the county, each week of the month (``YYYY-MM``, weeks by their Monday)."""
    rng = random.Random(f"{seed}:{month}:usage")
    schools: dict[str, RosterRow] = {}
    for r in rows:
        if r.county_code == county_code:
            schools.setdefault(r.school_code, r)
    codes = sorted(schools)
    if not codes:
        raise InvalidInput(f"demo figures: county {county_code} has no schools on the roster")
    order = rng.sample(codes, len(codes))
    roles = Roles(repeated=order[0], idle=order[1 % len(order)], low_online=order[2 % len(order)])
    weeks = weeks_of_month(int(month[:4]), int(month[5:]))
    out: list[SchoolWeek] = []
    for code in codes:
        school = schools[code]
        rooms = _inventory(rng, school, roles)
        rates = {t: (LOW_ONLINE_USES if code == roles.low_online else ONLINE_USES) if t == "online_interactive"
                 else ROOMS[t][2] * rng.uniform(0.7, 1.3) for t in rooms}
        fixed = {t: (n, max(1, _uses(rng, n, rates[t]))) for t, n in rooms.items()}
        previous: dict[str, tuple[int, int]] = {}
        for index, week in enumerate(weeks):
            if code == roles.repeated:
                figures = dict(fixed)  # the same sheet copied week after week
            else:
                figures = {t: (n, _uses(rng, n, rates[t])) for t, n in rooms.items()}
                busiest = max(figures, key=lambda t: figures[t][1], default=None)
                if figures == previous and busiest is not None:  # honest figures do not repeat by chance here
                    figures[busiest] = (figures[busiest][0], figures[busiest][1] + 1)
            if code == roles.idle and index > 0:
                figures[IDLE_TYPE] = (rooms[IDLE_TYPE], 0)
            previous = figures
            out.append(SchoolWeek(code, school.school_name, week, figures))
    return out, roles


def _inventory(rng: random.Random, school: RosterRow, roles: Roles) -> dict[str, int]:
    online = school.online_classrooms or (1 if school.school_code == roles.low_online else 0)
    rooms = {"online_interactive": online} if online else {}
    for room_type, (chance, most, _uses_) in ROOMS.items():
        if rng.random() < chance or (room_type == IDLE_TYPE and school.school_code == roles.idle):
            rooms[room_type] = rng.randint(1, most)
    if school.school_code == roles.repeated and not set(rooms) - {IDLE_TYPE}:
        rooms["tablet"] = 1  # figures copied week after week need some use to copy
    return {t: rooms[t] for t in ROOM_TYPE_CODES if t in rooms}


def _uses(rng: random.Random, rooms: int, per_room: float) -> int:
    return max(0, round(rng.gauss(rooms * per_room, max(1.0, rooms * per_room * 0.25))))


def usage_workbook(weeks: list[SchoolWeek]) -> bytes:
    """The usage sheet a county collects from its schools: one row per school and week."""
    names = usage_headers()
    columns = {t.code: names.index(f"{t.name}间数") for t in ROOM_TYPES}
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None  # a new workbook always has one sheet
    ws.title = "项目教室周使用情况"
    ws.append(names)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for w in weeks:
        line: list[Any] = [None] * len(names)
        line[:3] = [w.school_code, w.school_name, w.week]
        for room_type, (rooms, uses) in w.rooms.items():
            line[columns[room_type]], line[columns[room_type] + 1] = rooms, uses
        ws.append(line)
    for (cell,) in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        cell.number_format = "yyyy-mm-dd"
    return _saved(book)


def registration_workbook(rows: list[RosterRow], county_code: str, as_of: date, seed: int) -> tuple[bytes,
                                                                                                   list[str]]:
    """The platform's export for every school of the region; answers it with the codes of the schools made to have
    under 60 % of their students registered (at least one of them in ``county_code``)."""
    rng = random.Random(f"{seed}:{as_of.isoformat()}:registration")
    schools: dict[str, RosterRow] = {}
    teachers: dict[str, int] = {}
    for r in rows:
        schools.setdefault(r.school_code, r)
        teachers[r.school_code] = teachers.get(r.school_code, 0) + 1
    codes = sorted(schools)
    low = {c for c in codes if rng.random() < LOW_REGISTRATION}
    local = [c for c in codes if schools[c].county_code == county_code]
    if local and not low & set(local):
        low.add(rng.choice(local))
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "注册情况"
    ws.append([f"国家中小学智慧教育平台注册情况统计（截至{as_of.year}年{as_of.month}月{as_of.day}日）"])
    ws.append(REGISTRATION_HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    sums = [0] * 5
    for number, code in enumerate(codes, start=1):
        school = schools[code]
        staff = teachers[code] + rng.randint(0, 3)
        per_teacher = 16 if school.school_name.endswith("小学") else 13
        students = round(staff * per_teacher * rng.uniform(0.8, 1.2))
        share = rng.uniform(0.3, 0.58) if code in low else rng.uniform(0.66, 0.97)
        students_registered = round(students * share)
        counts = [staff, min(staff, round(staff * rng.uniform(0.82, 1.0))), students, students_registered,
                  round(students_registered * rng.uniform(0.5, 0.9))]
        sums = [a + b for a, b in zip(sums, counts)]
        ws.append([number, code, school.school_name, school.county_name, *counts])
    ws.append([None, None, "合计", None, *sums])
    for (cell,) in ws.iter_rows(min_row=3, min_col=2, max_col=2):
        cell.number_format = "@"
    return _saved(book), sorted(low)


def _saved(book: openpyxl.Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()
