"""Reasons said in Chinese for people; the stored reasons (the API's) stay as they are."""

from __future__ import annotations

import pytest

from jifen.reports.reasons import in_chinese


@pytest.mark.parametrize(("stored", "said"), [
    ("duration_s 423 < 900", "时长（秒）为 423，须不少于 900"),
    ("attributes.sync_count 2 < 3", "同步次数为 2，须不少于 3"),
    ("attributes.public is false, needs true", "是否公开为否，须为是"),
    ('attributes.review is "pending", needs "approved"', "审核结果为“待审核”，须为“审核通过”"),
    ("attributes.format 'docx' not in edux, ppt, pptx", "文件格式为“docx”，须为“edux”、“ppt”、“pptx”之一"),
    ("attributes.kind 'reminder' not in upload_document, evaluate, vote and attributes.kind is \"reminder\", needs "
     "\"comment\"", "类型为“提醒”，须为“上传文档”、“评价”、“投票”之一；或者类型为“提醒”，须为“评论”"),
    ('attributes.score is "80", needs 80', "测评成绩为“80”，须为80"),
    ("attributes.score 120 not between 0 and 100", "测评成绩为 120，须在 0 至 100 之间"),
    ("attributes.classroom_id is empty", "在线教室为空"),
    ("occurred_at is more than 5 minutes in the future", "发生时间晚于当前时间 5 分钟以上"),
    ("action 'nope' is not in the catalog of app 'hite-pi6'", "应用 hite-pi6 的接入目录中没有动作 nope"),
    ("school_id is missing (action class.session is scored for the school)", "缺少学校（动作 class.session 计入学校）"),
    ("duration_s must be a number of seconds", "时长须为秒数"),
    ("field 'extra' is not part of the envelope; put it in attributes", "字段“extra”不属于上报信封，请放入 attributes"),
    ("id already received with different content (stored as qualified, withdrawn since)",
     "该 id 已以不同内容上报过（已存为 qualified，已撤回）"),
    ("occurred_at 1990-01-01 is older than the retention window of 13 months (the earliest month accepted is "
     "2025-11)", "发生日期 1990-01-01 早于保留期（13 个月，最早受理 2025-11）"),
    ("occurred_at '2026-09-01T10:00:00' has no UTC offset", "发生时间“2026-09-01T10:00:00”缺少时区偏移（如 +08:00）"),
    ("attributes.chars 12 < 30 and attributes.kind 'comment' not in upload_document, vote",
     "字数为 12，须不少于 30；或者类型为“评论”，须为“上传文档”、“投票”之一"),
    ("duplicate_content", "内容与区域内已计分的内容重复，不重复计分"),
    ("not_first_of_year", "本年度已有一次测评计分，只计首次"),
    ("overlap", "与同一时段已计分的授课重叠，同一时段只计一次"),
    ("daily_cap", "已达该指标每天的次数上限"),
    ("teacher_id 'T9' is not on the roster yet", "教师 T9 尚未在花名册中，导入花名册后自动核验"),
    ("credited by appeal 12", "已由申诉 12 补计，不重复计分"),
    ("attributes.sync_count is missing", "缺少同步次数"),
    ("attributes.new_field 1 < 2", "new_field为 1，须不少于 2"),
])
def test_the_engines_reasons_are_said_in_chinese(stored: str, said: str) -> None:
    assert in_chinese(stored) == said


@pytest.mark.parametrize("stored", [None, "", "something the engine never writes", "duration_s 1 < 2 but also x"])
def test_other_reasons_are_shown_as_stored(stored: str | None) -> None:
    assert in_chinese(stored) == stored
