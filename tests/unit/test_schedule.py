"""Which months the schedule settles, at the boundary times: day, hour and grace, time zone, December to January."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from jifen.domain.periods import Month
from jifen.settle.schedule import CHANGED, FIRST, Due, MonthState, Schedule, due

CST = ZoneInfo("Asia/Shanghai")
SCHEDULE = Schedule(day=1, hour=2, grace=timedelta(hours=48), retention_months=13, tz=CST)
SEPTEMBER = Month(2026, 9)


def test_a_month_falls_due_at_the_day_and_hour_of_the_next_month_plus_the_grace() -> None:
    assert SCHEDULE.due_at(SEPTEMBER) == datetime(2026, 10, 3, 2, tzinfo=CST)
    assert Schedule(5, 23, timedelta(0), 13, CST).due_at(SEPTEMBER) == datetime(2026, 10, 5, 23, tzinfo=CST)


def test_the_previous_month_is_due_from_that_instant_on_and_not_a_second_before() -> None:
    at = datetime(2026, 10, 3, 2, tzinfo=CST)
    assert due(at - timedelta(seconds=1), SCHEDULE, []) == []
    assert due(at, SCHEDULE, []) == [Due(SEPTEMBER, FIRST, 0)]
    assert due(at + timedelta(days=20), SCHEDULE, []) == [Due(SEPTEMBER, FIRST, 0)]


def test_the_time_zone_decides_both_the_month_and_the_hour() -> None:
    # 2026-10-02T18:00Z is 02:00 on the 3rd in Shanghai: due; a minute earlier it is not
    assert due(datetime(2026, 10, 2, 18, 0, tzinfo=UTC), SCHEDULE, []) == [Due(SEPTEMBER, FIRST, 0)]
    assert due(datetime(2026, 10, 2, 17, 59, tzinfo=UTC), SCHEDULE, []) == []
    # a region on UTC: the same instant is still the 2nd there
    in_utc = Schedule(1, 2, timedelta(hours=48), 13, ZoneInfo("UTC"))
    assert due(datetime(2026, 10, 2, 18, 0, tzinfo=UTC), in_utc, []) == []
    assert due(datetime(2026, 10, 3, 2, 0, tzinfo=UTC), in_utc, []) == [Due(SEPTEMBER, FIRST, 0)]


def test_december_falls_due_in_january_of_the_next_year() -> None:
    december = Month(2026, 12)
    assert SCHEDULE.due_at(december) == datetime(2027, 1, 3, 2, tzinfo=CST)
    assert due(datetime(2027, 1, 3, 1, 59, tzinfo=CST), SCHEDULE, []) == []
    assert due(datetime(2027, 1, 3, 2, tzinfo=CST), SCHEDULE, []) == [Due(december, FIRST, 0)]
    # 2026-12-31T16:00Z is already January 1st 00:00 in Shanghai; a minute before, November is the last month
    assert due(datetime(2026, 12, 31, 16, 0, tzinfo=UTC), Schedule(1, 0, timedelta(0), 13, CST), []) == [
        Due(december, FIRST, 0)]
    assert due(datetime(2026, 12, 31, 15, 59, tzinfo=UTC), Schedule(1, 0, timedelta(0), 13, CST), []) == [
        Due(Month(2026, 11), FIRST, 0)]


def test_a_grace_period_can_carry_into_a_later_day() -> None:
    late = Schedule(28, 23, timedelta(hours=30), 13, CST)  # 28th 23:00 + 30 h = 30th 05:00
    assert late.due_at(SEPTEMBER) == datetime(2026, 10, 30, 5, tzinfo=CST)
    assert due(datetime(2026, 10, 30, 4, 59, tzinfo=CST), late, []) == []
    assert due(datetime(2026, 10, 30, 5, tzinfo=CST), late, []) == [Due(SEPTEMBER, FIRST, 0)]


def test_a_month_already_settled_is_due_again_only_when_its_inputs_changed() -> None:
    now = datetime(2026, 10, 10, tzinfo=CST)
    assert due(now, SCHEDULE, [MonthState(SEPTEMBER, 1)]) == []
    assert due(now, SCHEDULE, [MonthState(SEPTEMBER, 2, inputs_changed=True)]) == [Due(SEPTEMBER, CHANGED, 2)]


def test_changed_months_within_retention_are_due_oldest_first() -> None:
    now = datetime(2026, 10, 10, tzinfo=CST)  # retention 13: 2025-09 to 2026-09
    states = [MonthState(Month(2026, 5), 3, True), MonthState(Month(2025, 9), 1, True),
              MonthState(Month(2025, 8), 1, True), MonthState(Month(2026, 6), 1, False)]
    assert due(now, SCHEDULE, states) == [
        Due(Month(2025, 9), CHANGED, 1), Due(Month(2026, 5), CHANGED, 3), Due(SEPTEMBER, FIRST, 0)]


def test_an_older_month_is_settled_for_the_first_time_only_when_it_holds_reports() -> None:
    # last month always; an older month never settled when reports are stored for it (a run missed), so that a
    # new installation does not settle a year of empty months
    now = datetime(2026, 10, 10, tzinfo=CST)
    states = [MonthState(Month(2026, 7), None, has_reports=False), MonthState(SEPTEMBER, 1)]
    assert due(now, SCHEDULE, states) == []
    states = [MonthState(Month(2026, 6), None, has_reports=True), MonthState(Month(2026, 7), None),
              MonthState(SEPTEMBER, 1)]
    assert due(now, SCHEDULE, states) == [Due(Month(2026, 6), FIRST, 0)]
    assert due(now, SCHEDULE, [MonthState(Month(2025, 8), None, has_reports=True)]) == [Due(SEPTEMBER, FIRST, 0)], (
        "outside retention")


def test_the_running_month_is_never_settled_by_the_schedule() -> None:
    now = datetime(2026, 10, 31, 23, 59, tzinfo=CST)
    assert due(now, SCHEDULE, [MonthState(Month(2026, 10), 1, True), MonthState(SEPTEMBER, 1)]) == []
    # nor a month settled by hand before it fell due
    early = datetime(2026, 10, 2, tzinfo=CST)
    assert due(early, SCHEDULE, [MonthState(SEPTEMBER, 1, True)]) == []


def test_the_window_is_the_retention_before_the_current_month() -> None:
    window = SCHEDULE.window(datetime(2026, 1, 15, tzinfo=CST))
    assert (window[0], window[-1], len(window)) == (Month(2024, 12), Month(2025, 12), 13)
    assert Schedule(1, 2, timedelta(0), 1, CST).window(datetime(2026, 1, 15, tzinfo=CST)) == [Month(2025, 12)]
