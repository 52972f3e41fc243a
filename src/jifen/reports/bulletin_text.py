"""The bulletin's text: its dataset written out as blocks (title, headings, paragraphs...) in Chinese.

Every format renders the same blocks, so the DOCX, PDF and HTML say the same words; a block is
``{"kind": ..., "text": ...}`` with kind one of ``BLOCK_KINDS``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jifen.reports.bulletin_data import AREAS
from jifen.reports.bulletin_findings import GROUPS, figure, percent, weeks_text

Row = dict[str, Any]
BLOCK_KINDS = ("head", "title", "note", "addressees", "heading", "subheading", "paragraph", "attachment",
               "signature", "date")
ORDINALS = "一二三四五六七八九十"
NEXT_STEPS = (
    "本次通报所涉指标只是智慧校园认定标准中的一部分，各学校要针对此次通报中所发现的问题立即进行整改，对照智慧校园建设管理办法"
    "和认定标准中各级指标开展自查自纠，尽快查漏补缺，举一反三，狠抓智慧校园内涵建设；加大国家智慧教育平台应用推广工作力度，"
    "围绕平台助学助教助管助研，发掘、培育创新应用的典型案例，如实报送项目教室使用情况。教育体育局将继续按月通报各学校应用情况。"
)


def blocks(data: Row) -> list[Row]:
    """The whole bulletin, top to bottom."""
    out: list[Row] = [_block("head", data["issuer"]), _block("title", data["title"])]
    if data.get("state") == "draft":
        out.append(_block("note", f"（草稿：依据{data['month_label']}积分第{data['version']}版，该版本尚未发布）"))
    out.append(_block("addressees", "各中小学："))
    out.append(_block("paragraph", _opening(data)))
    out.append(_block("heading", "一、基本应用情况"))
    sections = [_points_section(data), _registration(data), _online_classes(data), _digital_school(data),
                _classrooms(data)]
    for number, (title, paragraphs) in enumerate(sections):
        out.append(_block("subheading", f"（{ORDINALS[number]}）{title}"))
        out.extend(_block("paragraph", p) for p in paragraphs)
    out.append(_block("heading", "二、存在问题及建议"))
    out.extend(_problems(data))
    out.append(_block("heading", "三、下一步工作要求"))
    out.append(_block("paragraph", NEXT_STEPS))
    names = data["attachments"]
    if len(names) == 1:
        out.append(_block("attachment", f"附件：{names[0]}"))
    else:
        out.extend(_block("attachment", f"{'附件：' if n == 1 else ''}{n}.{name}") for n, name in enumerate(names, 1))
    out.append(_block("signature", data["issuer"]))
    out.append(_block("date", _chinese_date(date.fromisoformat(data["issued_on"]))))
    return out


def _block(kind: str, text: str) -> Row:
    return {"kind": kind, "text": text}


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _day(value: Any) -> str:
    """2023-05-05 (or a date) as 2023年5月5日; other text as it is."""
    try:
        return _chinese_date(value if isinstance(value, date) else date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _area(data: Row) -> str:
    """县, 区, 市 or 旗: how the bulletin speaks of its own county (全县, 全区)."""
    last = data["county_name"][-1:]
    return last if last in AREAS else "县"


def _opening(data: Row) -> str:
    month = int(data["month"][5:])
    within = [name for key, name in (("online_classes", "在线课堂"), ("digital_school", "数字学校"))
              if not _usage(data, key).get("outside_rules")]  # the sections the month's rule set has actions for
    term = f"本学期{'、'.join(within)}应用数据、" if within else ""
    return (f"为加快我{_area(data)}智慧校园建设步伐，提高教育云平台和“互联网+教育”项目教室使用率，推动国家智慧教育平台深度融入教育教学"
            f"全过程，现将各学校{month}月份教育云平台积分情况、{term}国家平台注册推广及项目教室周应用"
            f"情况通报如下，希望各校加强交流、互相学习、努力提升。")


def _points_section(data: Row) -> tuple[str, list[str]]:
    month = int(data["month"][5:])
    marks = data["full_marks"]
    yearly = "".join(f"，{y['name']}年度满分{figure(y['max'])}分" for y in marks["yearly"])
    # a rule set of fixed points per action (Shihe's) has no monthly full marks to name
    monthly = f"月度积分满分为{figure(marks['monthly'])}分{yearly}" if marks["monthly"] else yearly.lstrip("，")
    title = f"{month}月份教育云平台积分情况（{monthly}）" if monthly else f"{month}月份教育云平台积分情况"
    found = data["bands"]
    top, low = figure(found["leading_points"]), figure(found["lower_points"])
    if not data["schools"]:
        return title, [f"本月积分中没有本{_area(data)}学校。"]
    leaders = "；".join(_leader(s) for s in found["leading"])
    paragraphs = [
        f"全{_area(data)}{len(data['schools'])}所学校按积分由高到低排列。分值{top}分以上的学校有{len(found['leading'])}所"
        + (f"：{leaders}。" if leaders else "。"),
        f"分值{low}分-{top}分的学校有{len(found['middle'])}所" + _listing(found["middle"]),
        f"分值{low}分以下、应用情况较差的学校有{len(found['low'])}所" + _listing(found["low"]),
    ]
    return title, paragraphs


def _leader(school: Row) -> str:
    parts = "，".join(f"{i['name']}{figure(i['points'])}分（满分{figure(i['max'])}分）" for i in school["indicators"])
    adjustment = float(school.get("adjustment") or 0)
    if adjustment:  # an entry of its own: the indicators' points plus it make the total
        parts += ("，" if parts else "") + f"人工调整{'+' if adjustment > 0 else ''}{figure(adjustment)}分"
    return f"{school['name']}{figure(school['total'])}分" + (f"：其中{parts}" if parts else "")


def _listing(schools: list[Row]) -> str:
    if not schools:
        return "。"
    return "：" + "、".join(f"{s['name']}{figure(s['total'])}分" for s in schools) + "。"


def _usage(data: Row, key: str) -> Row:
    return (data.get("usage") or {}).get(key) or {}


def _registration(data: Row) -> tuple[str, list[str]]:
    title = "国家智慧教育平台注册情况"
    found = _usage(data, "registration")
    rows = found.get("rows") or []
    if not rows or not found.get("as_of"):  # every school has a row, of zeros, until an export is imported
        return title, ["本月未导入国家平台注册数据。"]
    t = found.get("totals") or {}
    as_of = f"截至{_day(found['as_of'])}，" if found.get("as_of") else ""
    people = sum(int(t.get(k) or 0) for k in ("teachers_registered", "students_registered", "parents_registered"))
    text = (f"{as_of}国家中小学智慧教育平台{data['county_name']}注册人数{people}人，其中教师注册人数"
            f"{t.get('teachers_registered', 0)}人，注册率{_rate(t.get('teachers_registered'), t.get('teachers'))}；"
            f"学生注册人数{t.get('students_registered', 0)}人，注册率{_rate(t.get('students_registered'), t.get('students'))}；"
            f"家长注册人数{t.get('parents_registered', 0)}人。")
    reported = [r for r in rows if r.get("imported", True)]
    complete = [r for r in reported if r.get("student_rate") is not None and float(r["student_rate"]) >= 1]
    text += f"{len(reported)}所学校中有{len(complete)}所学校学生注册率达100%"
    below = found.get("below") or []
    threshold = percent(found.get("threshold", 0.6))
    if below:
        each = "，".join(f"{r['school_name']}{percent(r.get('student_rate'))}" for r in below)
        text += f"；学生注册率低于{threshold}的{len(below)}所学校分别为：{each}。"
    else:
        text += f"，没有学生注册率低于{threshold}的学校。"
    missing = [r["school_name"] for r in rows if not r.get("imported", True)]
    if missing:
        text += f"另有{len(missing)}所学校未在导出数据中，注册情况不明：{'，'.join(missing)}。"
    return title, [text]


def _rate(part: Any, whole: Any) -> str:
    return percent(float(part) / float(whole)) if part is not None and whole else "-"


OUTSIDE_RULES = "本月适用的积分规则不含{what}，本项不作统计。"


def _online_classes(data: Row) -> tuple[str, list[str]]:
    title = "在线课堂开课情况"
    found = _usage(data, "online_classes")
    rows = found.get("rows") or []
    if found.get("outside_rules"):
        return title, [OUTSIDE_RULES.format(what="在线课堂开课")]
    if not rows:
        return title, ["本月未导入在线课堂开课数据。"]
    standard = figure(found.get("standard_per_week", 5))
    since = f"从{_day(found['term_start'])}开学至今" if found.get("term_start") else "本学期"
    if found.get("counted_from") and found["counted_from"] != found.get("term_start"):
        since = f"从{_day(found['counted_from'])}平台有开课记录以来"
    weeks = f"（{figure(found['weeks'])}周）" if found.get("weeks") else ""
    order = sorted(rows, key=lambda r: (-float(r.get("per_room") or 0), r["school_code"]))
    good = [r for r in order if r.get("meets_standard")]
    short = [r for r in order if not r.get("meets_standard")]
    text = (f"教育厅智慧校园认定标准要求：推动三个课堂融合应用，平均开课率不低于{standard}课时/周。各学校主讲端{since}{weeks}"
            f"每室开课节数")
    text += ("，达到标准的学校有" + "、".join(_classes(r) for r in good)) if good else "，没有学校达到标准"
    text += ("；未达到标准的学校有" + "、".join(_classes(r) for r in short) + "。") if short else "。"
    return title, [text]


def _classes(row: Row) -> str:
    return f"{row['school_name']}{figure(row.get('per_room'))}节（每周{figure(row.get('per_room_per_week'))}节）"


def _digital_school(data: Row) -> tuple[str, list[str]]:
    title = "数字学校应用情况"
    rows = _usage(data, "digital_school").get("rows") or []
    if _usage(data, "digital_school").get("outside_rules"):
        return title, [OUTSIDE_RULES.format(what="数字学校微课、慕课")]
    if not rows:
        return title, ["本月未导入数字学校应用数据。"]
    if not any(r.get("microlectures") or r.get("moocs") for r in rows):
        return title, ["本学期各学校均未上传知识点微课和慕课资源。"]
    micro = _most(rows, "microlectures")
    moocs = _most(rows, "moocs")
    text = "各学校知识点微课资源数：" + "、".join(
        f"{r['school_name']}{figure(r['microlectures'])}节（师均{figure(r.get('microlectures_per_teacher'))}件）"
        for r in micro) + "。" if micro else "各学校均未上传知识点微课。"
    text += "慕课资源数：" + "、".join(
        f"{r['school_name']}{figure(r['moocs'])}件（师均{figure(r.get('moocs_per_teacher'))}件）"
        for r in moocs) + "。" if moocs else "各学校均未上传慕课资源。"
    return title, [text]


def _most(rows: list[Row], key: str) -> list[Row]:
    """The rows with some of ``key``, most first, ties by school code."""
    return sorted((r for r in rows if r.get(key)), key=lambda r: (-float(r[key]), r["school_code"]))


def _classrooms(data: Row) -> tuple[str, list[str]]:
    found = _usage(data, "classroom_usage")
    weeks = found.get("weeks") or []
    span = f"（取{weeks_text(weeks, _day)}各校报送数据）" if weeks else ""
    title = f"“互联网+教育”项目教室使用情况{span}"
    rows = found.get("rows") or []
    if not rows:
        return title, ["本月未导入项目教室周使用数据。"]
    paragraphs = []
    types = found.get("room_types") or [{"code": c, "name": c, "standard_per_week": None}
                                         for c in dict.fromkeys(r["room_type"] for r in rows)]
    for room_type in types:
        chosen = sorted((r for r in rows if r["room_type"] == room_type["code"]),
                        key=lambda r: (-float(r.get("per_room_per_week") or 0), r["school_code"]))
        if not chosen:
            continue
        each = "，".join(f"{r['school_name']}{figure(r.get('per_room_per_week'))}次" for r in chosen)
        standard = room_type.get("standard_per_week")
        rule = f"（标准：每室每周不少于{figure(standard)}次）" if standard else ""
        paragraphs.append(f"{len(paragraphs) + 1}. {room_type['name']}：全{_area(data)}{len(chosen)}所学校有{room_type['name']}，"
                          f"每室周使用情况{rule}：{each}。")
    missing = found.get("unreported") or []
    if missing:
        total = len(found.get("month_weeks") or [])
        none = [m["school_name"] for m in missing if not m["weeks"]]
        some = [f"{m['school_name']}（报送{m['weeks']}周）" for m in missing if m["weeks"]]
        said = ([f"未报送的学校：{'，'.join(none)}"] if none else []) + (
            [f"部分周未报送的学校：{'，'.join(some)}，其周均数据按已报送的周计算"] if some else [])
        paragraphs.append(f"本月共{total}周，{'；'.join(said)}。")
    return title, paragraphs



def _problems(data: Row) -> list[Row]:
    problems = data["problems"]
    if not problems:
        return [_block("paragraph", "本月数据未显示突出问题，各校要保持应用力度。")]
    out = []
    groups = [g for g in GROUPS if any(p["group"] == g for p in problems)]
    for number, group in enumerate(groups):
        out.append(_block("subheading", f"（{ORDINALS[number]}）{GROUPS[group]}"))
        chosen = [p for p in problems if p["group"] == group]
        for index, problem in enumerate(chosen, start=1):
            out.append(_block("paragraph", f"{index}. {problem['text']}建议：{problem['suggestion']}"))
    return out
