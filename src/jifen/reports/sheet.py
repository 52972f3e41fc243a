"""A score report as plain rows: the one shape every file format (xlsx, csv) renders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jifen.reports.datasets import CHILD, LEVEL_NAMES
from jifen.reports.table import version_label

Cell = str | int | float | None


@dataclass(frozen=True)
class Sheet:
    """A title, Chinese headers and data rows; ``numeric`` marks the columns that hold points (or other figures
    with decimals), ``percent`` those that hold rates."""

    title: str
    name: str
    headers: list[str]
    rows: list[list[Cell]]
    numeric: frozenset[int]
    filename: str
    percent: frozenset[int] = frozenset()  # columns of rates (0..1), shown as percentages


def school_makeup(data: dict[str, Any]) -> str:
    """How a school's total is made: its teachers' average plus its own indicators' points, each named."""
    own = [i for i in data.get("indicators", []) if i["subject"] == "school"]
    adjusted = sum(i.get("adjustment") or 0 for i in own)  # the school's own adjustments, within its points
    parts = "、".join([*(f"{i['name']} {i['points']:.2f}" for i in own),
                      *([f"人工调整 {adjusted:+.2f}"] if adjusted else [])])
    return (f"总分 {data['total']:.2f} = 教师平均分 {data['teacher_average']:.2f} + 学校指标得分 "
            f"{data['school_points']:.2f}" + (f"（{parts}）" if parts else ""))


def rows(level: str, data: dict[str, Any]) -> Sheet:
    """Turn ``sheet_data.dataset`` into rows: 排名, 名称, 代码, points per indicator, 人工调整 (when a member has
    one), 总分, 较上月.

    较上月 is blank when last month has no settlement (or the member was not in it), never a zero that
    would read as "no change".
    """
    sheet = data["sheet"]
    member = "teacher" if level == "teacher" else CHILD[level]
    name_header = "姓名" if member == "teacher" else "名称"
    indicators = sheet["indicators"]
    adjusted = sheet.get("adjusted", False)
    headers = ["排名", name_header, "代码", *(i["name"] for i in indicators), *(["人工调整"] if adjusted else []),
               "总分", "较上月"]
    body = [[r["rank"], r["name"], r["code"], *(r["points"].get(i["code"]) for i in indicators),
             *([r["adjustment"]] if adjusted else []), r["total"], r["change"]] for r in sheet["rows"]]
    code = data["teacher_id"] if level == "teacher" else data[f"{level}_code"]
    unit_name = data.get(f"{level}_name") or ""
    title = f"{data['month']} {LEVEL_NAMES[level]}积分报表（{version_label(data)}）{unit_name} {code}"
    if level == "school" and data.get("teacher_average") is not None:
        title += f"：{school_makeup(data)}"
    return Sheet(title=title, name=f"{LEVEL_NAMES[member]}积分", headers=headers, rows=body,
                 numeric=frozenset(range(3, len(headers))),
                 filename=f"{LEVEL_NAMES[level]}积分报表_{code}_{data['month']}_v{data['version']}")
