"""The Chinese sentence for a refusal the service words in English (its messages are for integrators): the refusals
people meet most on the pages and at the command line, each told in its own words. A page gives any other its
status's sentence (jifen.web.pages.rendering); the English message still follows, as the details."""

from __future__ import annotations

import re

LEVELS = {"teacher": "教师", "school": "学校", "county": "县区", "city": "市", "region": "自治区"}
_LEVEL = r"(?P<level>teacher|school|county|city|region|教师|学校|县区|市|自治区)"

_SENTENCES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), sentence) for pattern, sentence in (
    (r"month '(?P<month>[^']*)' is not YYYY-MM", "“{month}”不是有效的月份，应写作 YYYY-MM（如 2026-10）。"),
    (r"month (?P<month>\d{4}-\d{2}) is still running \(until (?P<until>\S+ \S+)",
     "{month} 尚未结束（至 {until}），已发布的月份不再改变，请在该月结束后发布。"),
    (r"version (?P<version>\d+) of (?P<month>\S+) is not the latest; version (?P<latest>\d+) is",
     "第{version}版不是 {month} 的最新版本，最新为第{latest}版：请发布最新版本（发布前可查看它与已发布版本的变动）。"),
    (r"version (?P<version>\d+) of (?P<month>\S+) is already published",
     "{month} 第{version}版已发布，已发布的版本不再改变。"),
    (r"^(?P<level>teacher|school|county|city|region) '(?P<code>[^']*)' is outside the scope of user",
     "{level} {code} 不在您的管理范围内。"),
    (r"^appeal (?P<appeal>\d+) is outside the scope of user", "申诉 {appeal} 不在您可查看的范围内。"),
    (r"is not one of the reports of teacher", "这条上报不是您本人的上报，不能申诉。"),
    (r"^(?:\w+ )?month (?P<month>\d{4}-\d{2}) is not settled$", "{month} 尚未结算。"),
    (r"^version (?P<version>\d+) of month (?P<month>\d{4}-\d{2}) is not settled$",
     "{month} 没有第{version}版，请在版本列表中选择。"),
    (rf"^{_LEVEL} '(?P<code>[^']*)' is not on the roster", "{level} {code} 不在名册中。"),
    (rf"^{_LEVEL} '(?P<code>[^']*)' is not in the settlement of (?P<month>\d{{4}}-\d{{2}})",
     "{level} {code} 不在 {month} 的结算中。"),
    (r"^(?P<file>.+): cannot read the file: (?P<why>.*)$", "无法读取文件 {file}（{why}）。"),
    (r"^(?P<file>.+): not a readable XLSX workbook", "{file} 不是可读取的 XLSX 工作簿（文件已损坏，或不是 Excel 文件）。"),
    (r"^(?P<file>.+): not a readable CSV file", "{file} 不是可读取的 CSV 文件。"),
    (r"^(?P<file>.+): the file is neither UTF-8 nor GB18030 text", "{file} 的编码既不是 UTF-8 也不是 GB18030，请另存为 CSV UTF-8。"),
    (r"^month (?P<month>\d{4}-\d{2}) has not begun", "{month} 尚未开始，还没有可结算的内容。"),
    (r"^the roster of (?P<month>\S+) is empty", "{month} 的名册为空，无法结算：请先导入名册（jifen orgs import）。"),
    (r"^no month is settled yet", "还没有结算过任何月份。"),
    (r"^(?P<month>\d{4}-\d{2}) was settled again meanwhile", "{month} 刚被再次结算，本次结果未保存。"),
    (r"^unknown rule set '(?P<name>[^']*)'", "没有名为 {name} 的规则集。"),
    (r"^no user '(?P<name>[^']*)'", "没有用户 {name}：请先用 jifen users add 创建。"),
))


def sentence_for(message: str) -> str | None:
    """The Chinese sentence of a refusal the pages meet often, or None."""
    for pattern, sentence in _SENTENCES:
        found = pattern.search(message)
        if found:
            values = found.groupdict()
            if "level" in values:
                values["level"] = LEVELS.get(values["level"], values["level"])
            return sentence.format(**values)
    return None
