"""The teacher's views said in Chinese, line by line: the explanation of a month (with its arithmetic) and the
points card. Plain lines, so that nothing is wrapped or lost when printed to a pipe."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jifen.reports.numbers import fixed, plain, signed
from jifen.reports.reasons import in_chinese

STATUS = {"qualified": "达标", "not_qualified": "不达标", "duplicate": "重复", "pending": "待核验",
          "rejected": "拒收"}
PERIODS = {"day": "每天", "week": "每周", "month": "每月", "year": "每年"}


def explanation_lines(data: dict[str, Any], tz: ZoneInfo) -> list[str]:
    rules = data["ruleset"]
    full_at = plain(rules["full_at"])
    if data.get("settled") is False:
        lines = _so_far_lines(data, tz)
    else:
        lines = _settled_lines(data, full_at)
    lines += ["", "人工调整"]
    if not data["adjustments"]:
        lines.append("- 无")
    names = {item["code"]: item["name"] for item in data["indicators"]}
    for entry in data["adjustments"]:
        pending = "" if entry["in_settlement"] else (
            "（本版之后录入，下次结算计入）" if data.get("settled", True) else "（结算时计入）")
        lines.append(f"- {_local(entry['created_at'], tz)} {names.get(entry['indicator'], entry['indicator'])} "
                     f"{signed(entry['points'])}：{entry['reason']}（录入人 {entry['author']}）{pending}")
    return lines + _operation_lines(data, names, tz)


def _so_far_lines(data: dict[str, Any], tz: ZoneInfo) -> list[str]:
    """A month not settled yet: no points, the qualifying counts so far."""
    rules = data["ruleset"]
    when = "本月进行中" if data.get("running") else "待结算"
    return [
        f"{data['month']} 积分说明（尚未结算，{when}，规则 {rules['name']} v{rules['version']}）"
        f"{data['teacher_name']} {data['teacher_id']}，学校 {data['school_code']}",
        f"得分待该月结算后给出；以下为截至 {_local(data['as_of'], tz)} 的达标次数和上报记录",
        *(f"计分方法：{method}" for method in data["methods"]),
        "",
        "指标明细（截至目前）",
        *(f"- {item['name']}（{item['code']}）：达标次数 {plain(item['count'])}"
          + _notes(item) for item in data["indicators"]),
    ]


def _settled_lines(data: dict[str, Any], full_at: str) -> list[str]:
    rules = data["ruleset"]
    lines = [
        f"{data['month']} 积分说明（第{data['version']}版{'，草稿 未发布' if data.get('state') == 'draft' else ''}"
        f"，规则 {rules['name']} v{rules['version']}）"
        f"{data['teacher_name']} {data['teacher_id']}，学校 {data['school_code']}",
        f"总分 {fixed(data['total'], 2)} = 指标得分 {fixed(data['points'], 2)} + 人工调整 {signed(data['adjustment'])}"
        f"；校内排名 {data['rank_in_school']}（总分由未取整的各项得分求和后四舍五入，与各项取整后之和可能差0.01）",
        *(f"计分方法：{method}" for method in data["methods"]),
        "",
        "指标明细",
    ]
    lines += [f"- {item['name']}（{item['code']}）：{_arithmetic(item, full_at)}" for item in data["indicators"]]
    return lines


def _operation_lines(data: dict[str, Any], names: dict[str, str], tz: ZoneInfo) -> list[str]:
    lines = ["", f"{data['month']} 上报记录（按接收顺序，共 {len(data['operations'])} 条）"]
    if not data["operations"]:
        lines.append("- 无")
    for op in data["operations"]:
        outcome = STATUS.get(op["status"], op["status"])
        reason = f"：{in_chinese(op['reason'])}" if op["reason"] and op["status"] != "qualified" else ""
        received_after = not op.get("before_version", True)
        if op.get("withdrawn_at") and received_after:  # never counted by this version: no "still counted"
            reason += f"（本版结算之后收到，未计入本版；{_local(op['withdrawn_at'], tz)} 已撤回，不计分）"
        elif op.get("withdrawn_at") and op.get("withdrawn_before_version", True):
            reason += f"（{_local(op['withdrawn_at'], tz)} 已撤回，不计分）"
        elif op.get("withdrawn_at"):
            reason += f"（{_local(op['withdrawn_at'], tz)} 撤回，在本版结算之后：本版仍计入，下次结算起不计分）"
        elif received_after:  # only what qualified is counted at the next settlement
            reason += ("（本版结算之后收到，未计入本版，下次结算计入）" if op["status"] == "qualified"
                       else "（本版结算之后收到，未计入本版）")
        if op.get("over_cap"):
            reason += f"（{over_cap_text(op.get('cap'))}）"
        lines.append(f"- {_local(op['occurred_at'], tz)} {op['app']} {op['id']} {op['action']} → "
                     f"{names.get(op['indicator'], op['indicator'])} {outcome}{reason}")
    return lines


def card_lines(data: dict[str, Any]) -> list[str]:
    last = data["last_month"]
    this = data["this_month"]
    credit = data["credits"]
    drafts = set(data.get("drafts", []))
    draft = "，草稿" if last["month"] in drafts else ""
    last_text = (f"{fixed(last['points'], 2)}（{last['month']} 第{last['version']}版{draft}）" if last["settled"]
                 else f"-（{last['month']} 尚未结算）")
    months = "、".join(f"{m['month'][5:]}月 {fixed(m['points'], 2)}{' 草稿' if m['month'] in drafts else ''}"
                       for m in data["months"]) or "无"
    if credit["credits"] is None:
        credit_text = "-（本规则无年度满分，不折算学分）"
    elif not credit["months_on_roster"]:
        credit_text = f"{fixed(credit['credits'], 2)} / {plain(credit['full'])}（本年尚无结算月份）"
    else:
        counted = credit.get("months_counted", credit["months_on_roster"])
        whole = counted == credit["months_on_roster"]  # a month of fixed points (Shihe) has no maximum: left out
        credit_text = (f"{fixed(credit['credits'], 2)} / {plain(credit['full'])}"
                       f"（{'年度积分' if whole else '计入学分的积分'} {fixed(credit['annual_points'], 2)} ÷ 年度满分 "
                       f"{plain(credit['annual_max'])}，在册 {credit['months_on_roster']} 个月"
                       + ("" if whole else f"，其中 {counted} 个月有满分、计入学分")
                       + (f"，含教师测评 {plain(credit['assessment_max'])}" if credit["assessment_max"] else "")
                       + "）")
    lines = [
        f"{data['year']} 年积分卡 {data['teacher_name']} {data['teacher_id']}，学校 {data['school_code']}"
        f"（截至 {data['on']}）",
        f"年度积分 {fixed(data['annual_points'], 2)}（已结算月份：{months}）",
        f"上月增加 {last_text}",
        f"本月积分操作 {this['qualified_operations']} 次（{this['month']}，截至 {data['on']}）",
    ]
    lines += [f"- {item['name']}（{item['code']}）{item['count']} 次" for item in this["indicators"]]
    lines.append(f"继续教育学分 {credit_text}")
    return lines


def _arithmetic(item: dict[str, Any], full_at: str) -> str:
    maximum = item["max"]
    cap = f"满分 {plain(maximum)}" if maximum is not None else "月度不设满分"
    count = plain(item["count"])
    if item["scoring"] == "relative":
        if not item["average"]:
            text = f"达标次数 {count}，全区平均 {fixed(0, 4)}，全区无达标操作，得分 {fixed(item['points'], 2)}（{cap}）"
        elif item["capped"] == "max":
            text = (f"达标次数 {count}，全区平均 {fixed(item['average'], 4)}，比值 {fixed(item['ratio'], 4)}，"
                    f"满分线 {fixed(item['full_at_count'], 4)}（平均的{full_at}倍），"
                    f"得分 {fixed(item['points'], 2)}（封顶）")
        else:
            text = (f"达标次数 {count}，全区平均 {fixed(item['average'], 4)}，比值 {fixed(item['ratio'], 4)}，"
                    f"满分线 {fixed(item['full_at_count'], 4)}（平均的{full_at}倍），"
                    f"得分 {plain(maximum)} × {count} ÷ {fixed(item['full_at_count'], 4)} = "
                    f"{fixed(item['points'], 2)}（{cap}）")
    elif item["scoring"] == "assessment":
        if item.get("score") is not None:
            text = (f"本月有测评，成绩 {plain(item['score'])}，得分 {plain(maximum)} × {plain(item['score'])} ÷ "
                    f"{plain(item['full_score'])} = {fixed(item['points'], 2)}（{cap}）")
        else:
            done = "本月有测评" if item["count"] else "本月无测评"
            text = f"{done}，按测评成绩折算，得分 {fixed(item['points'], 2)}（{cap}）"
    elif item["scoring"] == "fixed":
        caps = "，".join(f"{PERIODS.get(c['period'], c['period'])}最多 {c['count']} 次" for c in item["caps"])
        over = "，超出上限的不计分" if item["capped"] == "caps" else ""
        text = (f"达标次数 {count}，每次 {plain(item['per_action'])} 分" + (f"（{caps}）" if caps else "")
                + f"{over}，得分 {fixed(item['points'], 2)}（{cap}）{_notes(item)}")
    else:
        text = f"活跃 {count} 天，得分 {fixed(item['points'], 2)}（{cap}）{_notes(item)}"
    if item["adjustment"]:
        text += f"；人工调整 {signed(item['adjustment'])}，计 {fixed(item['total'], 2)}"
    return text


def period_name(period: dict[str, Any]) -> str:
    """A cap's period in words: the week of its dates, the year, the month, the day."""
    kind, first, last = period["period"], period["from"], period["to"]
    if kind == "week":
        return f"{first}至{last}这一周"
    if kind == "year":
        return f"{first[:4]}年"
    if kind == "month":
        return f"{first[:7]}这个月"
    return first


def over_cap_text(cap: dict[str, Any] | None) -> str:
    """Why a qualifying report earned nothing; when actions of other months used some of its period's cap, the
    period and the earlier actions that used it (a cap used up within the month needs no more words)."""
    if cap and cap.get("same_day"):
        return "当天已计一次，不重复计分"
    if not cap or not cap["used_before_month"]:
        return "超出次数上限，不计分"
    used = [f"此前月份的 {cap['used_before_month']} 次" if cap["used_before_month"] else "",
            f"本月较早的 {cap['used_in_month']} 次" if cap["used_in_month"] else ""]
    return (f"超出次数上限，不计分：{period_name(cap)}最多 {cap['count']} 次，已被"
            f"{'和'.join(u for u in used if u)}达标操作用满")


def _notes(item: dict[str, Any]) -> str:
    return "".join(f"；{note}" for note in period_notes(item))


def period_notes(item: dict[str, Any]) -> list[str]:
    """What reaches into the month from other months: cap periods begun before it whose earlier actions used some
    of the cap; a streak's runs of days, with their first day and the days carried in."""
    notes = [f"{period_name(p)}此前月份已有 {p['used_before_month']} 次达标操作计分（上限 {p['count']} 次）"
             for p in item.get("carried_in", [])]
    for run in item.get("streaks", []):
        note = f"自 {run['from']} 起连续活跃 {run['days']} 天"
        if run["days_before_month"]:
            note += f"（其中此前月份带入 {run['days_before_month']} 天）"
        if run["raised_from"]:
            day = (datetime.fromisoformat(run["raised_from"]) - datetime.fromisoformat(run["from"])).days + 1
            note += f"，{run['raised_from']} 起为连续第 {day} 天及以后"
        notes.append(note)
    return notes


def _local(instant: str, tz: ZoneInfo) -> str:
    return datetime.fromisoformat(instant).astimezone(tz).strftime("%Y-%m-%d %H:%M")
