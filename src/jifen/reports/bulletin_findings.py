"""What a county bulletin (通报) says about a month, worked out from plain rows: no SQL, no files.

The rows are the county's schools with their total and points per indicator, the indicators with their monthly
full marks, last month's schools if the month before was settled, and the school usage figures (``usage_data``).
From them come the bands of the ranking and the problems, each with the schools or indicators it names and a
suggestion sentence. Everything returned is plain JSON-able data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from jifen.domain.scores import exact, figure_half_up

Row = dict[str, Any]

TEACHING, RESEARCH, EVALUATION, MANAGEMENT = "教学", "研修", "评价", "管理"
ONLINE_CLASSES = "three_classrooms"

# The groups of the problems section, in the order the bulletin prints them (seed 002's 二、(一)-(五)).
PLATFORM, NATIONAL, ONLINE, DIGITAL, CLASSROOMS = "platform", "national", "online", "digital", "classrooms"
GROUPS = {PLATFORM: "教育云平台应用方面", NATIONAL: "国家智慧教育平台应用情况", ONLINE: "在线课堂开课情况",
          DIGITAL: "数字学校应用情况", CLASSROOMS: "“互联网+教育”项目教室使用情况"}


@dataclass(frozen=True)
class Thresholds:
    """Where the bands start and what counts as a problem; the first three come from the settings."""

    leading: float = 60           # 分值60分以上: the leading band
    lower: float = 40             # 40-60 the middle band, below it 应用情况较差
    full_marks_share: float = 0.10  # an indicator "almost nobody" reaches in full: fewer schools than this share
    low_share: float = 0.30       # a category's points are low when its county average is under this share of max
    high_share: float = 0.50      # last month's points counted as high from this share of the maximum
    fall_share: float = 0.20      # a fall worth naming: at least this share of the maximum, month over month
    systemic_zero_share: float = 0.50  # an indicator at zero in this share of schools is a platform-wide gap
    detail_share: float = 0.35    # a leader's indicator is named when it earns at least this share of full marks


def monthly(indicator: Row) -> bool:
    """An indicator scored every month against full marks (教师测评 is once a year; fixed points have no max)."""
    return indicator.get("max") is not None and indicator.get("annual_max") != indicator.get("max")


def ranked(schools: list[Row]) -> list[Row]:
    """Highest total first, ties by code ascending (DOMAIN.md), with the rank written in."""
    order = sorted(schools, key=lambda s: (-s["total"], s["code"]))
    return [{**s, "rank": i} for i, s in enumerate(order, start=1)]


def bands(schools: list[Row], indicators: list[Row], thresholds: Thresholds) -> dict[str, Any]:
    """The three bands of section 一(一); leading schools carry their points against full marks in the indicators
    where they earn at least ``detail_share`` of them (seed 002 names a leader's strong indicators, not all)."""
    order = ranked(schools)
    scored = [i for i in indicators if monthly(i)]

    def detail(school: Row) -> Row:
        points = school.get("points", {})
        shown = [{"code": i["code"], "name": i["name"], "points": points[i["code"]], "max": i["max"]}
                 for i in scored
                 if float(points.get(i["code"]) or 0) >= thresholds.detail_share * float(i["max"])]
        return {**school, "indicators": shown}

    return {
        "leading_points": thresholds.leading, "lower_points": thresholds.lower,
        "leading": [detail(s) for s in order if s["total"] >= thresholds.leading],
        "middle": [s for s in order if thresholds.lower <= s["total"] < thresholds.leading],
        "low": [s for s in order if s["total"] < thresholds.lower],
    }


def problems(schools: list[Row], indicators: list[Row], previous: list[Row] | None, usage: Row | None,
             thresholds: Thresholds) -> list[Row]:
    """Every problem the month's figures show, each ``{group, kind, text, suggestion, ...}``, in print order."""
    scored = [i for i in indicators if monthly(i)]
    found = [*_rare_full_marks(schools, scored, thresholds), *_low_category(schools, scored, RESEARCH, thresholds),
             *_low_category(schools, scored, EVALUATION, thresholds), *_management(schools, scored),
             *_fell(schools, scored, previous, thresholds), *_zero_streak(schools, scored, previous, thresholds),
             *_usage(usage)]
    order = list(GROUPS)
    return sorted(found, key=lambda p: order.index(p["group"]))  # stable: the order within a group stays


def _points(school: Row, code: str) -> float:
    """A school's points on an indicator with its adjustments there (an approved appeal's credit among them):
    what it earned, as the problems judge it."""
    return float(_earned(school).get(code) or 0)


def _earned(school: Row) -> dict[str, Any]:
    """Points per indicator with the adjustments on each (``earned``), or the points alone when not given."""
    earned: dict[str, Any] = school.get("earned", school.get("points", {}))
    return earned


def _names(schools: list[Row]) -> str:
    return "、".join(s["name"] for s in schools)


def _rare_full_marks(schools: list[Row], scored: list[Row], thresholds: Thresholds) -> list[Row]:
    """Teaching indicators that fewer than ``full_marks_share`` of the schools reach in full."""
    if not schools:
        return []
    rare = []
    for ind in (i for i in scored if i["category"] == TEACHING):
        full = [s for s in schools if _points(s, ind["code"]) >= float(ind["max"])]
        if len(full) < thresholds.full_marks_share * len(schools):
            rare.append({"code": ind["code"], "name": ind["name"], "full": len(full)})
    if not rare:
        return []
    names = "、".join(r["name"] for r in rare)
    counts = "，".join(f"{r['name']}{r['full']}所" for r in rare)
    return [{"group": PLATFORM, "kind": "rare_full_marks", "indicators": rare,
             "text": f"在教学应用方面，{names}还有一定差距，满分几乎没有（{len(schools)}所学校中获满分的：{counts}）。",
             "suggestion": "各校仍然要重视希沃白板、鸿合、数字教材、教学助手等教育云已接入教学应用的使用方法。"}]


_CATEGORY_TEXT = {
    RESEARCH: ("low_research", "在教师研修方面，{names}得分偏低（校均：{averages}）。",
               "学校要加强名师工作室、课程社区、宁教云圈子、日志等教研工具的探索研究。"),
    EVALUATION: ("low_evaluation", "各校在{names}方面积分值普遍较低（校均：{averages}），应用力度不够，亟待加强。",
                 "对接教育云平台提出需求进一步改进，学校要把评价应用纳入日常教学管理。"),
}


def _low_category(schools: list[Row], scored: list[Row], category: str, thresholds: Thresholds) -> list[Row]:
    """Research or evaluation indicators whose county average is under ``low_share`` of full marks."""
    if not schools:
        return []
    low = []
    for ind in (i for i in scored if i["category"] == category):
        average = sum((exact(_points(s, ind["code"])) for s in schools), Fraction(0)) / len(schools)
        if average < exact(thresholds.low_share) * exact(ind["max"]):
            low.append({"code": ind["code"], "name": ind["name"], "average": figure_half_up(average),
                        "max": ind["max"]})
    if not low:
        return []
    kind, text, suggestion = _CATEGORY_TEXT[category]
    averages = "；".join(f"{i['name']}{figure(i['average'])}分，满分{figure(i['max'])}分" for i in low)
    return [{"group": PLATFORM, "kind": kind, "indicators": low,
             "text": text.format(names="、".join(i["name"] for i in low), averages=averages),
             "suggestion": suggestion}]


def _management(schools: list[Row], scored: list[Row]) -> list[Row]:
    """Schools with no management points at all, and how many reach full marks on every management indicator."""
    managed = [i for i in scored if i["category"] == MANAGEMENT]
    if not managed or not schools:
        return []
    none = [s for s in ranked(schools) if all(_points(s, i["code"]) == 0 for i in managed)]
    full = [s for s in schools if all(_points(s, i["code"]) >= float(i["max"]) for i in managed)]
    if not none:
        return []
    names = "、".join(i["name"] for i in managed)
    text = f"部分学校在使用教育云平台进行学校管理方面有待加强，{len(none)}所学校{names}没有得分：{_names(none)}。"
    if full:
        text += f"有{len(full)}所学校在{names}分值为满分，说明只要应用得当，这个分数是可以拿到的。"
    return [{"group": PLATFORM, "kind": "no_management", "schools": [s["code"] for s in none],
             "full_schools": len(full), "text": text,
             "suggestion": "没有得分或分数较低的学校要虚心向高积分学校学习，交流得分经验。"}]


def _by_code(rows: list[Row] | None) -> dict[str, Row]:
    return {r["code"]: r for r in rows or []}


def _group_of(code: str) -> str:
    return ONLINE if code == ONLINE_CLASSES else PLATFORM


def _fell(schools: list[Row], scored: list[Row], previous: list[Row] | None, thresholds: Thresholds) -> list[Row]:
    """Per indicator: schools high last month (from ``high_share`` of max) that lost ``fall_share`` of max or more."""
    before = _by_code(previous)
    found = []
    for ind in scored:
        top = float(ind["max"])
        falls = []
        for school in ranked(schools):
            last = _earned(before.get(school["code"], {})).get(ind["code"])
            if last is None:
                continue
            now = _points(school, ind["code"])
            if float(last) >= thresholds.high_share * top and float(last) - now >= thresholds.fall_share * top:
                falls.append({"code": school["code"], "name": school["name"], "before": last, "now": now})
        if falls:
            each = "，".join(f"{f['name']}由{figure(f['before'])}分降至{figure(f['now'])}分" for f in falls)
            found.append({"group": _group_of(ind["code"]), "kind": "fell", "indicator": ind["code"],
                          "schools": falls,
                          "text": f"部分学校{ind['name']}积分较上月明显下降导致失分：{each}。",
                          "suggestion": f"以上{len(falls)}所学校要主动对接云平台相关项目人员查找失分原因，争取下月不再失分。"})
    return found


def _zero_streak(schools: list[Row], scored: list[Row], previous: list[Row] | None,
                 thresholds: Thresholds) -> list[Row]:
    """Per indicator: schools at zero this month and last, unless most schools are at zero (a platform gap)."""
    before = _by_code(previous)
    found = []
    for ind in scored:
        zero_now = [s for s in ranked(schools) if _points(s, ind["code"]) == 0]
        if not schools or len(zero_now) >= thresholds.systemic_zero_share * len(schools):
            continue
        streak = [s for s in zero_now
                  if _earned(before.get(s["code"], {})).get(ind["code"]) is not None
                  and float(_earned(before[s["code"]])[ind["code"]]) == 0]
        if streak:
            suggestion = ("学校须要关注上直播课时在区平台是否能看到直播并和区平台做好对接。" if ind["code"] == ONLINE_CLASSES
                          else f"学校要查明{ind['name']}没有得分的原因，尽快开展相关应用。")
            found.append({"group": _group_of(ind["code"]), "kind": "zero_streak", "indicator": ind["code"],
                          "schools": [s["code"] for s in streak],
                          "text": f"{_names(streak)}{ind['name']}积分连续两月为0。", "suggestion": suggestion})
    return found


def _usage(usage: Row | None) -> list[Row]:
    """Problems from the school usage figures: registration under the threshold, online classes under the
    standard, classroom figures flagged (repeated unchanged, zero for weeks, below the standard)."""
    if not usage:
        return []
    found = []
    registration = usage.get("registration") or {}
    if registration.get("below") and registration.get("as_of"):
        below = registration["below"]
        share = f"{float(registration.get('threshold', 0.6)) * 100:g}%"
        each = "，".join(f"{r['school_name']}{percent(r.get('student_rate'))}" for r in below)
        found.append({"group": NATIONAL, "kind": "registration_below", "schools": [r["school_code"] for r in below],
                      "text": f"{len(below)}所学校学生注册率低于{share}：{each}。",
                      "suggestion": "各校要提高认识，加大对国家智慧教育平台应用和推广力度，尽快完成师生注册。"})
    online = usage.get("online_classes") or {}
    short = [r for r in online.get("rows") or [] if r.get("meets_standard") is False]
    if short:
        standard = figure(online.get("standard_per_week", 5))
        each = "，".join(f"{r['school_name']}每室每周{figure(r.get('per_room_per_week'))}节" for r in short)
        found.append({"group": ONLINE, "kind": "online_below_standard", "schools": [r["school_code"] for r in short],
                      "text": f"部分学校在线课堂开课节数不够，低于每周{standard}课时的标准：{each}。",
                      "suggestion": "学校须要重视设备使用率并提高开课率。"})
    flags = (usage.get("classroom_usage") or {}).get("flags") or []
    for kind, text, suggestion in _FLAG_TEXT:
        chosen = [f for f in flags if f.get("kind") == kind]
        if chosen:
            # each message is a sentence of its own; joined into one, they keep the closing stop for the last
            each = "；".join((f.get("message") or f"{f['school_name']}{f.get('room_type', '')}").rstrip("。")
                            for f in chosen)
            found.append({"group": CLASSROOMS, "kind": kind, "schools": [f["school_code"] for f in chosen],
                          "text": text.format(each=each), "suggestion": suggestion})
    return found


_FLAG_TEXT = [
    ("repeated", "有学校连续多周报送数据重复不变，真假难辨：{each}。",
     "学校校长要亲自主抓项目教室应用工作，安排分管领导和管理人员层层落实，如实填报学校项目教室应用情况。"),
    ("zero", "部分学校项目教室连续几周使用率为0：{each}。",
     "学校要加大项目教室及信息化设施使用力度，把项目教室排入课表。"),
    ("below_standard", "部分学校项目教室周使用次数低于标准：{each}。",
     "学校要结合教学实际制定项目教室使用计划，提高使用率。"),
]


def figure(value: Any) -> str:
    """A figure as the bulletin writes it: 15, 4.17, 0 (no trailing zeros)."""
    if value is None:
        return "-"
    number = figure_half_up(value)
    return f"{number:.2f}".rstrip("0").rstrip(".") if number != int(number) else str(int(number))


def percent(rate: Any) -> str:
    """A rate as 54.8%: a fraction (0-1) is multiplied out, a figure above 1 is taken as a percentage already."""
    if rate is None:
        return "-"
    value = float(rate)
    return f"{figure(value * 100 if value <= 1 else value)}%"


def weeks_text(weeks: list[str], day: Any) -> str:
    """The weeks (their Mondays) a figure is taken from: a run as its first week and length, else each of them."""
    mondays = [date.fromisoformat(w) for w in weeks]
    if all((b - a).days == 7 for a, b in zip(mondays, mondays[1:])):
        return f"{day(weeks[0])}起{len(weeks)}周"
    return f"{'、'.join(day(w) for w in weeks)}起的{len(weeks)}周"
