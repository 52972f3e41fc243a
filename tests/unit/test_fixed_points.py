"""The Shihe rule set's caps and streak, on examples worked by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from jifen.domain.periods import Month
from jifen.rules.loader import load_shipped
from jifen.settle.fixed import admissions, period_days, refusals, runs, score, window_start

SHIHE = load_shipped("shihe-2022").rules
NOV = Month(2026, 11)  # 2026-11-01 is a Sunday; Monday 2026-11-02 starts a week


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00")


def days(first: str, n: int) -> list[datetime]:
    start = date.fromisoformat(first)
    return [datetime.combine(start + timedelta(days=i), datetime.min.time()).replace(hour=8) for i in range(n)]


def test_weekly_cap_admits_the_earliest_five_of_each_monday_to_sunday_week() -> None:
    share = SHIHE.indicator("resource.share")  # 1 point each, 5 a week
    week = [at("2026-11-02", h) for h in range(8, 15)]  # 7 on Monday
    later = [at("2026-11-09"), at("2026-11-15", 20)]  # next week: Monday and Sunday
    result = score(share, week + later, NOV)
    assert (result.count, result.admitted, result.points) == (9, 7, 7)


def test_a_week_that_starts_in_the_previous_month_counts_its_earlier_days() -> None:
    article = SHIHE.indicator("article.publish")  # 5 points, 1 a week
    # Week of Monday 2026-10-26 to Sunday 2026-11-01: one article on Oct 27 uses the week's cap
    result = score(article, [at("2026-10-27"), at("2026-11-01"), at("2026-11-02")], NOV)
    assert (result.count, result.admitted, result.points) == (2, 1, 5)
    assert window_start(NOV, [article]) <= date(2026, 10, 26)


def test_yearly_cap_is_used_up_by_an_earlier_month() -> None:
    profile = SHIHE.indicator("profile.complete")  # 20 once a year
    assert score(profile, [at("2026-11-05")], NOV).points == 20
    assert score(profile, [at("2026-03-01"), at("2026-11-05")], NOV).points == 0
    assert score(profile, [at("2025-11-05"), at("2026-11-05")], NOV).points == 20  # a new year
    assert window_start(NOV, [profile]) == date(2026, 1, 1)


def test_the_earliest_actions_are_admitted_whatever_order_they_arrive_in() -> None:
    session = SHIHE.indicator("teaching.session")  # 5 points, 2 a week
    arrivals = [at("2026-11-06"), at("2026-11-03"), at("2026-11-04"), at("2026-11-02", 23)]
    assert score(session, arrivals, NOV).points == 10
    # which ones, in the order given: Monday 23:00 and Tuesday; Wednesday and Friday are over the week's two
    assert admissions(session, arrivals) == [False, True, False, True]
    tie = [at("2026-11-02"), at("2026-11-02"), at("2026-11-02")]
    assert admissions(session, tie) == [True, True, False], "at the same instant, the order given decides"


def test_login_streak_rises_from_the_eighth_consecutive_day_and_restarts_after_a_break() -> None:
    login = SHIHE.indicator("login")  # 1 a day; 2 a day from the 8th consecutive day
    # Nov 2-11 (10 days): days 1-7 give 1 each, days 8-10 give 2 each = 7 + 6 = 13
    # break on Nov 12; Nov 13-14 restart at 1 each = 2; three logins on one day count once
    logins = days("2026-11-02", 10) + [at("2026-11-13", h) for h in (7, 12, 20)] + [at("2026-11-14")]
    result = score(login, logins, NOV)
    assert (result.count, result.points) == (12, 15)


def test_a_run_that_began_last_month_keeps_its_length() -> None:
    login = SHIHE.indicator("login")
    # Oct 26-31 (6 days) then Nov 1-3: Nov 1 is day 7 (1 point), Nov 2 and 3 are days 8 and 9 (2 each)
    result = score(login, days("2026-10-26", 9), NOV)
    assert (result.count, result.points) == (3, 5)
    assert window_start(NOV, [login]) <= date(2026, 10, 25)


def test_which_cap_refused_an_action_and_the_days_of_its_period() -> None:
    session = SHIHE.indicator("teaching.session")  # 5 points, 2 a week
    actions = [at("2026-11-02"), at("2026-10-27"), at("2026-11-01"), at("2026-10-26")]
    assert refusals(session, actions) == [None, None, 0, None]  # Nov 1 closes the week the 26th opened
    assert admissions(session, actions) == [True, True, False, True]
    [week] = session.caps
    assert period_days(week, date(2026, 11, 1)) == (date(2026, 10, 26), date(2026, 11, 1))
    [year] = SHIHE.indicator("profile.complete").caps
    assert period_days(year, date(2026, 11, 1)) == (date(2026, 1, 1), date(2026, 12, 31))


def test_runs_of_days() -> None:
    found = runs([date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 3), date(2026, 11, 1)])
    assert found == [(date(2026, 10, 31), date(2026, 11, 1)), (date(2026, 11, 3), date(2026, 11, 3))]
