"""A county's supplied figures (``usage_data.county_usage``) as sheets for the bulletin's attachments: national
platform registration, online classes, digital-school resources, and the project classrooms' weekly use with
the figures to doubt."""

from __future__ import annotations

from typing import Any

from jifen.reports.bulletin_findings import figure, weeks_text
from jifen.reports.sheet import Cell, Sheet

FLAG_KINDS = {"repeated": "连续多周数据重复", "zero": "连续多周未使用", "below_standard": "低于使用标准"}


def has_figures(usage: dict[str, Any] | None) -> bool:
    """Whether anything was supplied for the month: a registration export, online classes or resources."""
    if not usage:
        return False
    registration = usage.get("registration") or {}
    online = (usage.get("online_classes") or {}).get("rows") or []
    digital = (usage.get("digital_school") or {}).get("rows") or []
    return bool(registration.get("as_of") or any(r.get("classes") for r in online)
                or any(r.get("microlectures") or r.get("moocs") for r in digital))


def has_classrooms(usage: dict[str, Any] | None) -> bool:
    return bool(((usage or {}).get("classroom_usage") or {}).get("rows"))


def figures(usage: dict[str, Any], county_name: str, month_label: str) -> list[Sheet]:
    """Registration, online classes and digital school: one sheet each."""
    registration = usage.get("registration") or {}
    as_of = f"（截至{registration['as_of']}）" if registration.get("as_of") else "（未导入）"
    reg_rows: list[list[Cell]] = [
        [r["school_name"], r["school_code"], r["teachers_registered"], r["teachers"], r["teacher_rate"],
         r["students_registered"], r["students"], r["student_rate"], r["parents_registered"]]
        for r in registration.get("rows") or []]
    online = usage.get("online_classes") or {}
    standard = online.get("standard_per_week")
    online_rows: list[list[Cell]] = [
        [r["school_name"], r["school_code"], r["rooms"], r["classes"], r["per_room"], r["per_room_per_week"],
         "是" if r.get("meets_standard") else "否"] for r in online.get("rows") or []]
    digital = usage.get("digital_school") or {}
    digital_rows: list[list[Cell]] = [
        [r["school_name"], r["school_code"], r["teachers"], r["microlectures"], r["moocs"],
         r["microlectures_per_teacher"], r["moocs_per_teacher"]] for r in digital.get("rows") or []]
    since = f"{online.get('term_start', '')}开学至{month_label}"
    if online.get("counted_from") and online["counted_from"] != online.get("term_start"):  # as the bulletin says
        since = f"{online['counted_from']}平台有开课记录以来至{month_label}"
    return [
        Sheet(title=f"{county_name}国家中小学智慧教育平台注册情况{as_of}", name="国家平台注册",
              headers=["学校名称", "学校代码", "教师注册人数", "教师总数", "教师注册率", "学生注册人数", "在校学生数",
                       "学生注册率", "家长注册人数"],
              rows=reg_rows, numeric=frozenset(), percent=frozenset({4, 7}), filename="国家平台注册"),
        Sheet(title=f"{county_name}在线课堂开课情况（{since}，标准每室每周{figure(standard)}节）", name="在线课堂",
              headers=["学校名称", "学校代码", "在线教室数", "开课节数", "每室开课节数", "每室周均开课节数", "达到标准"],
              rows=online_rows, numeric=frozenset({4, 5}), filename="在线课堂"),
        Sheet(title=f"{county_name}数字学校应用情况（{digital.get('term_start', '')}开学至{month_label}）",
              name="数字学校", headers=["学校名称", "学校代码", "教师数", "知识点微课", "慕课", "师均微课", "师均慕课"],
              rows=digital_rows, numeric=frozenset({5, 6}), filename="数字学校"),
    ]


def classrooms(usage: dict[str, Any], county_name: str, month_label: str) -> list[Sheet]:
    """The project classrooms' use per school and room type, and the figures a bureau should doubt."""
    found = usage.get("classroom_usage") or {}
    names = {t["code"]: t["name"] for t in found.get("room_types") or []}
    weeks = found.get("weeks") or []
    span = weeks_text(weeks, str) if weeks else month_label
    use_rows: list[list[Cell]] = [
        [r["school_name"], r["school_code"], names.get(r["room_type"], r["room_type"]), r["rooms"], r["uses"],
         r["per_room_per_week"]] for r in found.get("rows") or []]
    flag_rows: list[list[Cell]] = [
        [f["school_name"], f["school_code"], names.get(f.get("room_type") or "", "全部类型"),
         FLAG_KINDS.get(f["kind"], f["kind"]), f["weeks"], f["message"]] for f in found.get("flags") or []]
    return [
        Sheet(title=f"{county_name}中小学校“互联网+教育”项目教室使用情况统计（{span}）", name="项目教室使用",
              headers=["学校名称", "学校代码", "教室类型", "间数", "周均使用次数", "每室周均使用次数"],
              rows=use_rows, numeric=frozenset({4, 5}), filename="项目教室使用"),
        Sheet(title=f"{county_name}项目教室存疑数据（{month_label}）", name="存疑数据",
              headers=["学校名称", "学校代码", "教室类型", "问题", "周数", "说明"],
              rows=flag_rows, numeric=frozenset(), filename="存疑数据"),
    ]
