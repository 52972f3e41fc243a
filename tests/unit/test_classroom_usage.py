"""Weekly classroom usage: weeks, checks, averages and the flags a bureau should doubt (pure functions)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jifen.domain.classroom_usage import (
    ROOM_TYPE_CODES,
    Figure,
    averages,
    below_standard_flags,
    figure_problem,
    flag_message,
    monday_of,
    per_room,
    repeated_flags,
    week_start,
    weeks_of_month,
    zero_flags,
)
from jifen.errors import InvalidInput

APRIL = weeks_of_month(2023, 4)  # 3, 10, 17, 24 April 2023


def week(n: int) -> date:
    """The n-th Monday counted from 6 March 2023 (0), so 4 is 3 April."""
    return date(2023, 3, 6) + timedelta(days=7 * n)


def fig(school: str, n: int, room_type: str = "online_interactive", rooms: int = 3, uses: int = 15) -> Figure:
    return Figure(school, week(n), room_type, rooms, uses)


def test_the_eight_room_types_in_the_bulletins_order() -> None:
    assert ROOM_TYPE_CODES == ("online_interactive", "tablet", "vr", "reading", "maker_robot", "calligraphy",
                               "music", "pen_paper")


def test_weeks_are_named_by_their_monday_and_belong_to_its_month() -> None:
    assert APRIL == [date(2023, 4, 3), date(2023, 4, 10), date(2023, 4, 17), date(2023, 4, 24)]
    assert weeks_of_month(2023, 5)[0] == date(2023, 5, 1)
    assert monday_of(date(2023, 4, 21)) == date(2023, 4, 17)
    assert week_start(date(2023, 4, 17)) == date(2023, 4, 17)
    with pytest.raises(InvalidInput, match=r"2023-04-19 is a Wednesday; weeks start on Monday: 2023-04-17"):
        week_start(date(2023, 4, 19))


@pytest.mark.parametrize(("room_type", "rooms", "uses", "problem"), [
    ("online_interactive", 3, 15, None),
    ("tablet", 0, 0, None),
    ("gym", 1, 1, ("room_type", "'gym' is not a room type")),
    ("vr", -1, 0, ("rooms", "-1 is not between 0 and 1000")),
    ("vr", 1.5, 0, ("rooms", "1.5 is not a whole number")),
    ("vr", True, 0, ("rooms", "True is not a whole number")),
    ("vr", 1, "5", ("uses", "'5' is not a whole number")),
    ("vr", 0, 4, ("uses", "4 uses with no rooms")),
])
def test_figures_are_checked_and_the_field_named(room_type: str, rooms: object, uses: object,
                                                 problem: tuple[str, str] | None) -> None:
    found = figure_problem(room_type, rooms, uses)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found[0] == problem[0] and found[1].startswith(problem[1])


def test_averages_are_uses_per_room_week_over_the_weeks_reported() -> None:
    figures = [fig("A", 4, rooms=3, uses=15), fig("A", 5, rooms=3, uses=29), fig("A", 6, rooms=3, uses=0),
               fig("B", 5, rooms=2, uses=1), fig("B", 5, "tablet", rooms=0, uses=0),
               fig("C", 5, "tablet", rooms=13, uses=1), fig("A", 3, rooms=3, uses=90)]  # week 3 is in March
    rows = averages(figures, APRIL)
    assert [(a.school_code, a.room_type, a.weeks, a.rooms, a.uses, a.per_room_per_week) for a in rows] == [
        ("A", "online_interactive", 3, 3.0, 14.67, 4.89),
        ("B", "online_interactive", 1, 2.0, 1.0, 0.5),
        ("C", "tablet", 1, 13.0, 1.0, 0.08),
    ]


def test_the_same_figures_for_three_weeks_running_are_flagged() -> None:
    same = [fig("A", n) for n in (4, 5, 6)] + [fig("A", n, "vr", 1, 2) for n in (4, 5, 6)]
    assert [(f.school_code, f.room_type, f.kind, f.weeks) for f in repeated_flags(same, APRIL, 3)] == [
        ("A", None, "repeated", 3)]
    assert repeated_flags(same, APRIL, 4) == []


def test_a_change_in_any_type_or_a_missing_week_breaks_the_run() -> None:
    changed = [fig("A", n) for n in (4, 5, 6)] + [fig("A", 5, "vr", 1, 2)]
    assert repeated_flags(changed, APRIL, 3) == []
    gap = [fig("A", n) for n in (4, 5, 7)]
    assert repeated_flags(gap, APRIL, 3) == []


def test_a_run_counts_from_before_the_month_but_must_reach_into_it() -> None:
    from_march = [fig("A", n) for n in (2, 3, 4)]  # 20 and 27 March, 3 April
    assert [f.weeks for f in repeated_flags(from_march, APRIL, 3)] == [3]
    only_march = [fig("A", n) for n in (0, 1, 2, 3)]
    assert repeated_flags(only_march, APRIL, 3) == []


def test_nothing_used_is_not_a_repeat_but_a_zero() -> None:
    idle = [fig("A", n, uses=0) for n in (4, 5, 6)]
    assert repeated_flags(idle, APRIL, 3) == []
    flags = zero_flags(idle, APRIL, 2)
    assert [(f.school_code, f.room_type, f.kind, f.weeks, f.rooms) for f in flags] == [
        ("A", "online_interactive", "zero", 3, 3)]
    assert flag_message(flags[0], "贺兰五小") == "贺兰五小在线互动教室（3间）连续3周使用次数为0。"


def test_one_idle_week_or_no_rooms_is_not_flagged() -> None:
    assert zero_flags([fig("A", 4, uses=0), fig("A", 5, uses=3), fig("A", 6, uses=0)], APRIL, 2) == []
    assert zero_flags([fig("A", n, rooms=0, uses=0) for n in (4, 5)], APRIL, 2) == []
    after = [fig("A", n, uses=0) for n in (7, 8)]  # 24 April and 1 May: reaches into April by one week only
    assert [f.weeks for f in zero_flags(after, APRIL, 2)] == []
    assert [f.weeks for f in zero_flags(after, APRIL, 1)] == [1]


def test_below_the_standard_only_for_types_with_one() -> None:
    rows = averages([fig("A", 4, rooms=3, uses=12), fig("B", 4, rooms=1, uses=5), fig("C", 4, "vr", 2, 0)], APRIL)
    flags = below_standard_flags(rows, {"online_interactive": 5.0})
    assert [(f.school_code, f.room_type, f.rate, f.weeks) for f in flags] == [("A", "online_interactive", 4.0, 1)]
    assert flag_message(flags[0], "铁东小学") == "铁东小学在线互动教室每室周均使用4次，低于每周5次的标准。"


def test_the_repeat_message_quotes_the_bulletin() -> None:
    flags = repeated_flags([fig("A", n) for n in (4, 5, 6, 7)], APRIL, 3)
    assert flag_message(flags[0], "某小学") == "某小学连续4周报送的项目教室数据重复不变，真假难辨，请核实。"


def test_the_thresholds_come_from_the_settings() -> None:
    from jifen.config import Settings
    from jifen.reports.usage_data import FigureSettings

    figures = FigureSettings.from_settings(Settings(usage_repeat_weeks=4, usage_standards={"vr": 2},
                                                    registration_threshold=0.5, online_class_standard=4))
    assert (figures.usage.repeat_weeks, figures.usage.zero_weeks, dict(figures.usage.standards)) == (4, 2, {"vr": 2})
    assert (figures.registration_threshold, figures.online_standard_per_week) == (0.5, 4)
    with pytest.raises(InvalidInput, match="JIFEN_USAGE_STANDARDS: gym is not a room type"):
        FigureSettings.from_settings(Settings(usage_standards={"gym": 1}))


def test_the_term_starts_on_1_march_or_1_september() -> None:
    from jifen.domain.periods import Month
    from jifen.reports.usage_data import default_term_start

    assert default_term_start(Month(2023, 4)) == date(2023, 3, 1)
    assert default_term_start(Month(2023, 3)) == date(2023, 3, 1)
    assert default_term_start(Month(2023, 2)) == date(2022, 9, 1)
    assert default_term_start(Month(2023, 12)) == date(2023, 9, 1)
    assert default_term_start(Month(2024, 1)) == date(2023, 9, 1)


def test_uses_per_room_round_half_up_as_every_published_figure() -> None:
    assert per_room(9, 8) == 1.13  # 1.125: half up, not to the even 1.12
    assert per_room(3, 0) is None
