"""Anti-gaming as pure logic: which actions are sessions, session spans, and the daily caps in the rule data."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jifen.domain.operations import Report
from jifen.ingest.antigaming import DAILY_CAP, OVERLAP, Span, Usage, is_session, teacher_session
from jifen.rules.loader import load_shipped, shipped_names
from jifen.rules.schema import ActionRule, Indicator

TZ = ZoneInfo("Asia/Shanghai")
NINGXIA = load_shipped("ningxia-2022").rules


@pytest.mark.parametrize("name", shipped_names())
def test_every_daily_cap_says_why(name: str) -> None:
    for indicator in load_shipped(name).rules.indicators:
        if indicator.daily_cap is not None:
            assert indicator.daily_cap.count >= 1
            assert indicator.daily_cap.why.strip(), indicator.code


def test_the_interactive_teaching_cap_allows_a_full_teaching_day() -> None:
    cap = NINGXIA.indicator("interactive_teaching").daily_cap
    assert cap is not None and cap.count >= 8  # a full day: 8 lessons, each one session
    capped = {i.code for i in NINGXIA.indicators if i.daily_cap is not None}
    assert capped == {i.code for i in NINGXIA.indicators} - {"literacy_assessment"}  # that one is once a year


def test_sessions_are_the_actions_whose_conditions_read_the_duration() -> None:
    sessions = {(app.code, rule.action) for app in NINGXIA.apps for rule in app.actions if is_session(rule)}
    assert sessions == {(app, "teaching.session") for app in (
        "seewo-easinote5", "digital-textbook", "hite-pi6", "smart-classroom", "teaching-assistant")} | {
        ("digital-school", "tutoring.session"), ("online-classroom", "class.session")}
    assert teacher_session(NINGXIA, "digital-school", "tutoring.session")
    assert not teacher_session(NINGXIA, "online-classroom", "class.session")  # a school's classes
    assert not teacher_session(NINGXIA, "digital-school", "qa.answer")
    assert not teacher_session(NINGXIA, "no-such-app", "teaching.session")


def _at(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 9, day, hour, minute, tzinfo=TZ)


def test_spans_are_half_open_and_a_longer_than_a_day_session_counts_as_a_day() -> None:
    first = Span.of(_at(8), 2700)
    assert first.overlaps(Span.of(_at(8, 44), 900))
    assert not first.overlaps(Span.of(_at(8, 45), 900))  # touching
    assert not Span.of(_at(8, 45), 900).overlaps(first)
    assert Span.of(_at(7), 7200).overlaps(first)  # containing
    assert Span.of(_at(8), 1e15).end == _at(8) + timedelta(days=1)  # and no overflow
    assert Span.of(_at(23, 30), 3600).start_days(TZ) == ["2026-09-09", "2026-09-10", "2026-09-11"]


def _session(teacher: str, start: datetime, duration: float) -> tuple[Report, ActionRule, Indicator]:
    app = NINGXIA.app("hite-pi6")
    rule = app.action("teaching.session") if app else None
    assert rule is not None
    report = Report(f"{teacher}-{start}", "teaching.session", start, teacher, None, duration)
    return report, rule, NINGXIA.indicator("interactive_teaching")


def test_usage_remembers_sessions_across_midnight_and_counts_per_day() -> None:
    usage = Usage()
    late = _session("T1", _at(23, 30, day=9), 3600)  # until 00:30 on the 10th
    assert usage.check(*late, TZ) is None
    usage.record(*late, TZ)
    assert usage.check(*_session("T1", _at(0, 15), 900), TZ) == OVERLAP
    assert usage.check(*_session("T1", _at(0, 30), 900), TZ) is None
    assert usage.check(*_session("T2", _at(0, 15), 900), TZ) is None
    cap = NINGXIA.indicator("interactive_teaching").daily_cap
    assert cap is not None
    for n in range(cap.count):
        usage.record(*_session("T3", _at(6) + timedelta(minutes=20 * n), 900), TZ)
    assert usage.check(*_session("T3", _at(23), 900), TZ) == DAILY_CAP
    assert usage.check(*_session("T3", _at(0, 30, day=11), 900), TZ) is None
