"""The Chinese sentences pages give for the refusals they meet most, from the service's own English messages."""

from __future__ import annotations

import pytest

from jifen.domain.periods import Month
from jifen.errors import InvalidInput
from jifen.reports.error_sentences import sentence_for


def test_a_month_that_is_not_one() -> None:
    with pytest.raises(InvalidInput) as raised:
        Month.parse("2026-13")
    assert sentence_for(f"path.month: {raised.value.message}") == "“2026-13”不是有效的月份，应写作 YYYY-MM（如 2026-10）。"


@pytest.mark.parametrize(("message", "sentence"), [
    ("month 2026-11 is still running (until 2026-12-01 00:00 Asia/Shanghai): a published month never changes; "
     "publish it once it has ended",
     "2026-11 尚未结束（至 2026-12-01 00:00），已发布的月份不再改变，请在该月结束后发布。"),
    ("version 1 of 2026-10 is not the latest; version 3 is, publish that one (its diff ...)",
     "第1版不是 2026-10 的最新版本，最新为第3版：请发布最新版本（发布前可查看它与已发布版本的变动）。"),
    ("version 2 of 2026-10 is already published (by 自治区); a published version never changes",
     "2026-10 第2版已发布，已发布的版本不再改变。"),
    ("school '640423001' is outside the scope of user demo-school", "学校 640423001 不在您的管理范围内。"),
    ("appeal 2 is outside the scope of user demo-teacher", "申诉 2 不在您可查看的范围内。"),
    ("operation 12 of hite-pi6 is not one of the reports of teacher T1 (user t1); ...",
     "这条上报不是您本人的上报，不能申诉。"),
    # and at the command line
    ("month 2026-10 is not settled", "2026-10 尚未结算。"),
    ("version 7 of month 2026-10 is not settled", "2026-10 没有第7版，请在版本列表中选择。"),
    ("published month 2026-10 is not settled", "2026-10 尚未结算。"),
    ("教师 'T1' is not on the roster", "教师 T1 不在名册中。"),
    ("county '640104' is not on the roster", "县区 640104 不在名册中。"),
    ("学校 '640104001' is not in the settlement of 2026-10 (version 2)", "学校 640104001 不在 2026-10 的结算中。"),
    ("roster.csv: cannot read the file: No such file or directory",
     "无法读取文件 roster.csv（No such file or directory）。"),
    ("month 2099-01 has not begun (it is 2026-11-25 17:00 in Asia/Shanghai): there is nothing to settle yet",
     "2099-01 尚未开始，还没有可结算的内容。"),
    ("the roster of 2026-10 is empty: nothing to settle; import the roster first (jifen orgs import)",
     "2026-10 的名册为空，无法结算：请先导入名册（jifen orgs import）。"),
    ("2026-10 was settled again meanwhile; nothing was stored", "2026-10 刚被再次结算，本次结果未保存。"),
    ("unknown rule set 'nope'; shipped: ningxia-2022, shihe-2022", "没有名为 nope 的规则集。"),
    ("no user 'li'; create one with jifen users add", "没有用户 li：请先用 jifen users add 创建。"),
    ("r.xlsx: not a readable XLSX workbook (BadZipFile: File is not a zip file)",
     "r.xlsx 不是可读取的 XLSX 工作簿（文件已损坏，或不是 Excel 文件）。"),
])
def test_the_refusals_pages_and_the_command_line_meet_most(message: str, sentence: str) -> None:
    assert sentence_for(message) == sentence


def test_any_other_message_has_none() -> None:
    assert sentence_for("something else went wrong") is None
