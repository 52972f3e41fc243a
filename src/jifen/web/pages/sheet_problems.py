"""The problems of an uploaded sheet, said in Chinese for the page that shows them.

The sheet readers (jifen.ingest.usage_sheet, jifen.ingest.sheet_cells) name each problem by row and column in the
words the API and the CLI answer with; a school admin reads them here. A problem of another shape is shown as it
is. Pure.
"""

from __future__ import annotations

import re

WEEKDAYS = {"Monday": "星期一", "Tuesday": "星期二", "Wednesday": "星期三", "Thursday": "星期四", "Friday": "星期五",
            "Saturday": "星期六", "Sunday": "星期日"}
_WHERE = re.compile(r"^row (?P<row>\d+), column (?P<column>[A-Z]+) \((?P<header>[^)]*)\): (?P<what>.*)$")
_WHAT: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^the school code is empty$"), "学校代码为空"),
    (re.compile(r"^the week is empty$"), "周开始日期为空"),
    (re.compile(r"^empty; write 0 when there is none$"), "为空；没有时请填 0"),
    (re.compile(r"^(?P<value>.+) is not a whole number$"), "{value} 不是整数"),
    (re.compile(r"^(?P<value>-?\d+) is not between 0 and (?P<limit>\d+)$"), "{value} 不在 0 至 {limit} 之间"),
    (re.compile(r"^(?P<value>.+) is not a date YYYY-MM-DD$"), "{value} 不是日期（应为 YYYY-MM-DD）"),
    (re.compile(r"^(?P<value>.+) is not a date in the calendar$"), "{value} 不是有效的日期"),
    (re.compile(r"^(?P<day>\S+) is outside the years (?P<first>\d+)-(?P<last>\d+)$"),
     "{day} 不在 {first}–{last} 年之间"),
    (re.compile(r"^(?P<day>\S+) is a (?P<weekday>\w+); weeks start on Monday: (?P<monday>\S+)$"),
     "{day} 是{weekday}；每周从星期一开始，应为 {monday}"),
    (re.compile(r"^(?P<uses>\d+) uses with (?:0|no) rooms(?:: give the number of rooms)?$"),
     "教室间数为 0，却有 {uses} 次使用"),
    (re.compile(r"^(?P<uses>\d+) uses in (?P<rooms>\d+) rooms is more than (?P<most>\d+) a room a week .*$"),
     "{rooms} 间教室一周 {uses} 次使用，超过每间每周 {most} 次（每天每节都在使用），请核对是否多填了 0"),
    (re.compile(r"^school (?P<school>\S+) week (?P<week>\S+) is also on row (?P<row>\d+)$"),
     "学校 {school} 的 {week} 这一周在第 {row} 行已有"),
]
_WHOLE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?P<file>.+): not an XLSX workbook \(\w+\)$"), "{file}：不是 XLSX 工作簿，请上传 .xlsx 文件"),
    (re.compile(r"^(?P<file>.+): no school rows below the header \(row (?P<row>\d+)\)$"),
     "{file}：表头（第 {row} 行）下没有学校数据"),
    (re.compile(r"^(?P<file>.+): no header row with (?P<header>\S+) in the first (?P<rows>\d+) rows; .*$"),
     "{file}：前 {rows} 行中找不到含“{header}”的表头行，请使用下载的模板"),
    (re.compile(r"^(?:(?P<file>.+) )?row (?P<row>\d+): missing column (?P<columns>.+)$"),
     "第 {row} 行（表头）缺少列：{columns}"),
    (re.compile(r"^missing column (?P<columns>.+)$"), "表头缺少列：{columns}"),
    (re.compile(r"^(?:(?P<file>.+) )?row (?P<row>\d+): school '(?P<school>[^']*)' is not on the roster of "
                r"(?P<month>\S+), the month of week (?P<week>\S+):.*$"),
     "第 {row} 行：学校 {school} 不在 {month} 的名册上（{week} 这一周所在月份），其数据不会计入"),
]


def in_chinese(problem: str) -> str:
    """One problem of a sheet in Chinese; one the readers never write, as it is."""
    where = _WHERE.match(problem)
    if where is not None:
        what = _said(where["what"], _WHAT)
        return f"第 {where['row']} 行 {where['column']} 列（{where['header']}）：{what or where['what']}"
    return _said(problem, _WHOLE) or _said(problem, _WHAT) or problem


def _said(text: str, patterns: list[tuple[re.Pattern[str], str]]) -> str | None:
    for pattern, sentence in patterns:
        match = pattern.match(text)
        if match is not None:
            values = {k: WEEKDAYS.get(v, v) if k == "weekday" else _columns(v) if k == "columns" else (v or "")
                      for k, v in match.groupdict().items()}
            return sentence.format(**values)
    return None


def _columns(text: str) -> str:
    return (text.replace("the columns of at least one room type, e.g. ", "至少一种教室类型的两列，例如 ")
            .replace(" and ", " 和 ").replace(" (or ", "（或 ").replace(")", "）"))
