"""The Chinese sentence a page gives for a refusal the service words in English (its messages are for integrators):
the refusals people meet most on the pages, each told in its own words; any other gets its status's sentence
(jifen.web.pages.rendering). The English message still follows, as the details."""

from __future__ import annotations

import re

LEVELS = {"teacher": "教师", "school": "学校", "county": "县区", "city": "市", "region": "自治区"}

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
))


def sentence_for(message: str) -> str | None:
    """The Chinese sentence of a refusal the pages meet often, or None."""
    for pattern, sentence in _SENTENCES:
        found = pattern.search(message)
        if found:
            values = found.groupdict()
            if "level" in values:
                values["level"] = LEVELS[values["level"]]
            return sentence.format(**values)
    return None
