"""The Chinese rendering of a month's versions and of a diff between two of them, as Rich tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Group
from rich.table import Table
from rich.text import Text

from jifen.reports.datasets import LEVEL_NAMES
from jifen.reports.numbers import fixed, plain, signed

STATES = {"draft": "草稿", "published": "已发布"}
CAUSES = {"count": "达标次数", "average": "全区平均", "adjustment": "人工调整"}
PERIOD = "同一上限周期或连续登录中其他月份的上报有变化"
LEVEL_ORDER = ("region", "city", "county", "school", "teacher")


def versions_table(data: dict[str, Any], tz: ZoneInfo) -> Group:
    table = Table(title=f"{data['month']} 结算版本", title_justify="left")
    for header in ("版本", "状态", "结算时间", "规则", "发布时间", "发布人", "报表显示"):
        table.add_column(header, justify="right" if header == "版本" else "left")
    for v in data["versions"]:
        table.add_row(str(v["version"]), STATES.get(v["state"], v["state"]), _local(v["created_at"], tz),
                      f"{v['ruleset']['name']} v{v['ruleset']['version']}", _local(v["published_at"], tz),
                      v["published_by"] or "-", "是" if v["shown"] else "")
    parts: list[Any] = [table]
    if data["inputs_changed"]:
        latest = data["versions"][-1]["version"]
        parts.append(Text(f"第{latest}版之后输入有变化（迟到或待核验的上报、撤回、人工调整、名册导入）：下次结算将生成第"
                          f"{latest + 1}版"))
    return Group(*parts)


def diff_tables(data: dict[str, Any]) -> Group:
    to_state = STATES.get(data["to_state"], data["to_state"])
    counts = "、".join(f"{LEVEL_NAMES[lv]} {n}" for lv, n in data["counts"].items() if n) or "无变动"
    lines = [f"{data['month']} 第{data['from_version']}版（{STATES.get(data['from_state'], '')}）→ "
             f"第{data['to_version']}版（{to_state}）变动：{counts}"]
    if data["ruleset"]["changed"]:
        lines.append(f"规则变化：{data['ruleset']['from']} → {data['ruleset']['to']}")
    if len(data["changes"]) < data["total_changes"]:
        lines.append(f"列出变动最大的 {len(data['changes'])} 项（共 {data['total_changes']} 项；--limit 调整）")
    parts: list[Any] = [Text(line) for line in lines]
    for level in LEVEL_ORDER:
        rows = [c for c in data["changes"] if c["level"] == level]
        if rows:
            parts.append(_level_table(level, rows))
            # reasons as whole lines under the table: long, and never to be wrapped into a narrow column
            parts.extend(Text(f"- {c['code']} {c['name']}：{why(c)}") for c in rows)
    return Group(*parts)


def _level_table(level: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{LEVEL_NAMES[level]}变动（按变动大小；原因见表下）", title_justify="left")
    for header in ("代码", "名称", "原总分", "新总分", "变化", "原排名", "新排名"):
        table.add_column(header, justify="left" if header in {"代码", "名称"} else "right")
    for c in rows:
        table.add_row(c["code"], c["name"], fixed(c["old_total"], 2), fixed(c["new_total"], 2),
                      signed(c["change"]), _rank(c["old_rank"]), _rank(c["new_rank"]))
    return table


def why(change: dict[str, Any]) -> str:
    """The reasons of one unit's move, in a line."""
    parts = {"joined": ["新进入结算"], "left": ["不再在结算中"]}.get(change["status"], [])
    parts += [_reason(r, change["level"]) for r in change["reasons"]]
    parts += _events(change.get("events") or [])
    if not parts:
        parts.append("总分未变，排名随同级变动")
    return "；".join(parts)


def _events(events: list[dict[str, Any]]) -> list[str]:
    """What happened between the versions: reports received or withdrawn (their ids, a few; those of another month
    of the same cap period or streak with their month), adjustments."""
    said = []
    months = sorted({e.get("month") for e in events if e.get("month")})
    for of in ["", *months]:
        for kind, label in (("received", "两版之间收到"), ("withdrawn", "两版之间撤回")):
            ids = [e["id"] for e in events if e["kind"] == kind and (e.get("month") or "") == of]
            if ids:
                said.append(f"{label}{f' {of} 的' if of else ''}上报 {len(ids)} 条"
                            f"（{'、'.join(ids[:3])}{'等' if len(ids) > 3 else ''}）")
    said += [f"人工调整 {signed(e['points'])}：{e['reason']}（录入人 {e['author']}）"
             for e in events if e["kind"] == "adjustment"]
    said += [_roster(e) for e in events if e["kind"] == "roster"]
    return said


def _roster(event: dict[str, Any]) -> str:
    """A roster entry recorded between the versions: where it puts the teacher or school, from which month."""
    since = f"自 {event['from_month']} 起" if event.get("from_month") else ""
    if "school" in event:
        where = f"在学校 {event['school']}" if event["school"] else "离开名册"
    else:
        where = f"属县区 {event['county']}" if event["active"] else "停用"
    return f"名册导入：{since}{where}"


def _reason(reason: dict[str, Any], level: str) -> str:
    kind = reason["kind"]
    if kind == "indicator":
        old, new = reason["old"] or {}, reason["new"] or {}
        bits = [f"{CAUSES[c]} {plain(old.get(k))}→{plain(new.get(k))}"
                for c, k in (("count", "count"), ("average", "average"), ("adjustment", "adjustment"))
                if c in reason["causes"]]
        if "rules" in reason["causes"]:
            bits.append("计分规则变化")
        if "period" in reason["causes"]:
            bits.append(PERIOD)
        said = f"{reason['name']}：{'，'.join(bits)}，得分 {plain(old.get('points'))}→{plain(new.get('points'))}"
        if old.get("points") == new.get("points") and old.get("adjustment") == new.get("adjustment"):
            said += "（保留两位小数未变，总分由未舍入的得分相加，变动在尾数）"
        return said
    if kind == "moved":
        where = "学校" if level == "teacher" else "上级"
        said = f"调动：{where} {reason['from'] or '-'} → {reason['to'] or '-'}"
        if "above" in reason:
            above = {"teacher": "县区", "school": "市"}.get(level, "上级")
            said += f"（{above} {reason['above']['from'] or '-'} → {reason['above']['to'] or '-'}）"
        return said
    if kind == "members":
        bits = []
        if reason["joined"]:
            bits.append(f"新加入 {len(reason['joined'])}（{'、'.join(reason['joined'][:3])}）")
        if reason["left"]:
            bits.append(f"离开 {len(reason['left'])}（{'、'.join(reason['left'][:3])}）")
        if reason["moved"]:
            largest = "、".join(f"{m['code']} {signed(m['change'])}" for m in reason["largest"])
            bits.append(f"{reason['moved']} 个下级总分变化（最大：{largest}）")
        return "成员：" + "，".join(bits)
    return f"规则 {reason['from']} → {reason['to']}"


def _rank(rank: int | None) -> str:
    return "-" if rank is None else str(rank)


def _local(instant: str | None, tz: ZoneInfo) -> str:
    return "-" if instant is None else datetime.fromisoformat(instant).astimezone(tz).strftime("%Y-%m-%d %H:%M")
