"""A report's reason said in Chinese, for the pages and texts teachers and bureaus read.

The API answers apps with the reasons as stored (codes such as ``duplicate_content``, and conditions such as
``duration_s 600 < 900``: a public contract apps may parse). People read them here: each clause the rules engine
writes (jifen.rules.conditions, jifen.ingest.antigaming, pending and appeal reasons) becomes a Chinese sentence;
a reason of another shape is shown as stored. Pure.
"""

from __future__ import annotations

import re

FIELDS = {
    "duration_s": "时长（秒）", "attributes.sync_count": "同步次数", "attributes.resources": "资源数",
    "attributes.coursewares": "课件数", "attributes.format": "文件格式", "attributes.chars": "字数",
    "attributes.kind": "类型", "attributes.public": "是否公开", "attributes.shared": "是否分享",
    "attributes.review": "审核结果", "attributes.score": "测评成绩", "attributes.role": "测评身份",
    "attributes.students": "学生数", "attributes.participants": "参与人数", "attributes.person_times": "批阅人次",
    "attributes.count": "数量", "attributes.works_reviewed": "点评作品数", "attributes.content_sha256": "内容指纹",
    "attributes.classroom_id": "在线教室",
}
CODES = {
    "duplicate_content": "内容与区域内已计分的内容重复，不重复计分",
    "not_first_of_year": "本年度已有一次测评计分，只计首次",
    "overlap": "与同一时段已计分的授课重叠，同一时段只计一次",
    "daily_cap": "已达该指标每天的次数上限",
}
_FIELD = r"(?P<field>duration_s|attributes\.[A-Za-z0-9_]+)"
_CLAUSES: list[tuple[re.Pattern[str], str]] = [
    # the envelope and the time, as ingestion rejects them
    (re.compile(r"occurred_at is more than (?P<n>\d+) minutes? in the future"), "发生时间晚于当前时间 {n} 分钟以上"),
    (re.compile(r"occurred_at is more than (?P<n>\d+) seconds? in the future"), "发生时间晚于当前时间 {n} 秒以上"),
    (re.compile(r"occurred_at (?P<day>\d{4}-\d{2}-\d{2}) is older than the retention window of (?P<m>\d+) months "
                r"\(the earliest month accepted is (?P<first>\d{4}-\d{2})\)"),
     "发生日期 {day} 早于保留期（{m} 个月，最早受理 {first}）"),
    (re.compile(r"occurred_at (?P<v>'[^']*') has no UTC offset"), "发生时间“{v}”缺少时区偏移（如 +08:00）"),
    (re.compile(r"occurred_at (?P<v>'[^']*') is not ISO 8601"), "发生时间“{v}”不是 ISO 8601 格式"),
    (re.compile(r"occurred_at must be an ISO 8601 string with offset"), "发生时间须为带时区偏移的 ISO 8601 字符串"),
    (re.compile(r"(?P<who>teacher_id|school_id) is missing \(action (?P<a>\S+) is scored for the teacher\)"),
     "缺少{who}（动作 {a} 计入教师）"),
    (re.compile(r"(?P<who>teacher_id|school_id) is missing \(action (?P<a>\S+) is scored for the school\)"),
     "缺少{who}（动作 {a} 计入学校）"),
    (re.compile(r"(?P<who>occurred_at|action|id) is missing"), "缺少{who}"),
    (re.compile(r"duration_s must be a number of seconds"), "时长须为秒数"),
    (re.compile(r"duration_s must not be negative"), "时长不能为负数"),
    (re.compile(r"duration_s must be at most (?P<n>\d+) \(24 hours\)"), "时长不能超过 {n} 秒（24 小时）"),
    (re.compile(r"(?P<what>item|attributes) must be a JSON object"), "{what} 须为 JSON 对象"),
    (re.compile(r"field (?P<f>'[^']*') is not part of the envelope; put it in attributes"),
     "字段“{f}”不属于上报信封，请放入 attributes"),
    (re.compile(r"action (?P<a>'[^']*') is not in the catalog of app (?P<app>'[^']*')"),
     "应用 {app} 的接入目录中没有动作 {a}"),
    (re.compile(r"id already received with different content \(stored as (?P<st>[a-z_]+), withdrawn since\)"),
     "该 id 已以不同内容上报过（已存为 {st}，已撤回）"),
    (re.compile(r"id already received with different content \(stored as (?P<st>[a-z_]+)\)"),
     "该 id 已以不同内容上报过（已存为 {st}）"),
    (re.compile(r"id is not a string of 1-128 characters"), "id 须为 1 至 128 个字符的字符串"),
    (re.compile(r"(?P<f>[\w.]+) must not contain NUL characters"), "{f} 不能包含 NUL 字符"),
    (re.compile(r"(?P<f>[\w.]+) must not contain lone surrogates"), "{f} 不能包含孤立的代理字符"),
    (re.compile(r"(?P<field>attributes\.[\w.]+) must name a room: a string or a number"),
     "{field}须为教室名称：字符串或数字"),
    (re.compile(_FIELD + r" (?P<actual>\S+) not between (?P<low>\S+) and (?P<high>\S+)"),
     "{field}为 {actual}，须在 {low} 至 {high} 之间"),
    (re.compile(_FIELD + r" (?P<actual>\S+) < (?P<least>\S+)"), "{field}为 {actual}，须不少于 {least}"),
    (re.compile(_FIELD + r" '(?P<actual>[^']*)' not in (?P<values>[^ ,]+(?:, [^ ,]+)*)"),
     "{field}为{actual}，须为{values}之一"),
    (re.compile(_FIELD + r" is (?P<actual>\S+), needs (?P<needed>\S+)"), "{field}为{actual}，须为{needed}"),
    (re.compile(_FIELD + r" is missing"), "缺少{field}"),
    (re.compile(_FIELD + r" is empty"), "{field}为空"),
    (re.compile(_FIELD + r" must be a number"), "{field}须为数字"),
    (re.compile(r"(?P<who>teacher_id|school_id) '(?P<subject>[^']*)' is not on the roster yet"),
     "{who} {subject} 尚未在花名册中，导入花名册后自动核验"),
    (re.compile(r"credited by appeal (?P<appeal>\d+)"), "已由申诉 {appeal} 补计，不重复计分"),
    (re.compile(r"\b(?P<code>duplicate_content|not_first_of_year|overlap|daily_cap)\b"), "{code}"),
]
_WORDS = {"true": "是", "false": "否", "teacher_id": "教师", "school_id": "学校", "occurred_at": "发生时间",
          "action": "动作", "item": "每条上报", "id": "编号（id）"}
# The values the shipped rule sets name, as a teacher knows them; any other value is shown as sent
VALUES = {
    "upload_document": "上传文档", "upload_resource": "上传资源", "upload_image": "上传图片", "evaluate": "评价",
    "vote": "投票", "comment": "评论", "reminder": "提醒", "like": "点赞",
    "approved": "审核通过", "pending": "待审核", "rejected": "未通过",
    "principal": "校长", "teacher": "教师", "researcher": "教研员", "student": "学生",
    "enrolment": "招生", "course_selection": "选课", "timetable": "排课", "exam": "考试",
    "notice": "通知", "approval": "审批", "meeting": "会议", "attendance": "考勤", "survey": "问卷",
    "data_report": "数据上报",
}
_QUOTES = "\"'"


def in_chinese(reason: str | None) -> str | None:
    """The reason in Chinese, clause by clause; unknown shapes as stored. Clauses are joined by "and" only where
    none of a condition's alternatives was met (``any``: a part of ``all`` not met is said alone), so they are
    said as alternatives: "；或者"."""
    if not reason:
        return reason
    said: list[str] = []
    rest = reason
    while rest:
        found = _clause(rest)
        if found is None:
            return reason  # not a reason of the engine's: shown as stored, whole
        text, end = found
        said.append(text)
        rest = rest[end:]
        if rest.startswith(" and "):
            rest = rest[len(" and "):]
        elif rest:
            return reason
    return "；或者".join(said)


def _clause(text: str) -> tuple[str, int] | None:
    for pattern, sentence in _CLAUSES:
        match = pattern.match(text)
        if match:
            values = {key: _word(key, value) for key, value in match.groupdict().items()}
            return sentence.format(**values), match.end()
    return None


def _word(key: str, value: str) -> str:
    if key == "field":
        return FIELDS.get(value, value.removeprefix("attributes."))
    if key == "code":
        return CODES.get(value, value)
    if key == "values":
        return "、".join(_value(v) for v in value.split(", "))
    if key in ("actual", "needed"):
        return _value(value)
    return _WORDS.get(value, value.strip(_QUOTES))


def _value(value: str) -> str:
    """A value a report sent or a condition needs: a known one by its Chinese name, text in quotes, a number or
    a truth value as such."""
    text = value.strip(_QUOTES)
    if text in _WORDS and text == value:
        return _WORDS[text]
    if text != value or not _is_number(text):
        return f"“{VALUES.get(text, text)}”"
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
