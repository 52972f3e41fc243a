"""The readable Chinese rendering of a report dataset, as a Rich table."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table

from jifen.reports.datasets import LEVEL_NAMES

_RANKED = {"schools": "school", "counties": "county", "cities": "city", "teachers": "teacher"}


def render(level: str, data: dict[str, Any]) -> Group:
    name = data.get(f"{level}_name") or ""
    code = data["teacher_id"] if level == "teacher" else data[f"{level}_code"]
    title = f"{data['month']} {LEVEL_NAMES[level]}积分报表（{version_label(data)}）{name} {code}"
    parts: list[Any] = []
    summary = Table(title=title, show_header=False, title_justify="left")
    summary.add_row("总分", _fmt(data["total"]))
    if level == "school":
        summary.add_row("教师平均分", _fmt(data["teacher_average"]))
        summary.add_row("学校指标得分", _fmt(data["school_points"]))
    if level == "teacher":
        summary.add_row("所在学校", str(data["school_code"]))
    parts.append(summary)
    if "indicators" in data:
        table = Table(title="指标明细", title_justify="left")
        for header in ("指标分类", "指标名称", "赋分对象", "达标次数", "全区平均", "得分", "最高分"):
            table.add_column(header, justify="right" if header in {"达标次数", "全区平均", "得分", "最高分"} else "left")
        for item in data["indicators"]:
            table.add_row(item["category"], item["name"], "教师" if item["subject"] == "teacher" else "学校",
                          _fmt(item["count"]) + _mean_of(level, item["subject"]), _fmt(item["average"]),
                          _fmt(item["points"]), _fmt(item["max"]))
        parts.append(table)
    for key, child in _RANKED.items():
        if key in data:
            ranking = Table(title=f"{LEVEL_NAMES[child]}排名", title_justify="left")
            for header in ("排名", "代码", "名称", "总分"):
                ranking.add_column(header, justify="right" if header in {"排名", "总分"} else "left")
            id_key = "teacher_id" if child == "teacher" else f"{child}_code"
            for row in data[key]:
                ranking.add_row(str(row["rank"]), row[id_key], row[f"{child}_name"], _fmt(row["total"]))
            parts.append(ranking)
    if data.get("review"):
        parts.append(_review(data["review"]))
    if data.get("adjustments"):
        parts.append(_adjustments(data["adjustments"], {i["code"]: i["name"] for i in data.get("indicators", [])}))
    return Group(*parts)


def _mean_of(level: str, subject: str) -> str:
    """What a count above a teacher's is: a school's teachers' mean (人均), a county's schools' mean (校均), and
    so on up; a school's own count of a school indicator is a count."""
    if level == "teacher" or (level == "school" and subject == "school"):
        return ""
    return "（人均）" if level == "school" else "（校均）" if level == "county" else "（均值）"


def version_label(data: dict[str, Any]) -> str:
    """第N版, and 草稿 when the version is a draft not yet published (its figures may still change)."""
    draft = "，草稿 未发布" if data.get("state") == "draft" else ""
    return f"第{data['version']}版{draft}"


def _review(rows: list[dict[str, Any]]) -> Table:
    """待核查: counts above the review ratio times the region average, in the top share, before publishing."""
    table = Table(title="待核查", title_justify="left")
    for header in ("代码", "名称", "所在学校", "指标", "达标次数", "全区平均", "倍数"):
        table.add_column(header, justify="right" if header in {"达标次数", "全区平均", "倍数"} else "left")
    for row in rows:
        if "teacher_id" in row:  # a school's report leaves out the school_code of its own teachers
            who = (row["teacher_id"], row["teacher_name"], row.get("school_code") or "-")
        else:
            who = (row["school_code"], row["school_name"], "-")
        table.add_row(*who, row["indicator_name"], _fmt(row["count"]), _fmt(row["average"]), _fmt(row["ratio"]))
    return table


def _adjustments(entries: list[dict[str, Any]], names: dict[str, str]) -> Table:
    """人工调整: separate entries added after scoring; those recorded after this version count from the next."""
    table = Table(title="人工调整", title_justify="left")
    for header in ("指标", "分值", "原因", "录入人", "本版计入"):
        table.add_column(header, justify="right" if header == "分值" else "left")
    for entry in entries:
        table.add_row(names.get(entry["indicator"], entry["indicator"]), _fmt(entry["points"]), entry["reason"],
                      entry["author"], "是" if entry["in_settlement"] else "否（下次结算计入）")
    return table


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)
