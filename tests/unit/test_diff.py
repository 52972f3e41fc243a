"""The difference between two versions, from hand-made figures: who moved, by how much, in what order, and why."""

from __future__ import annotations

from decimal import Decimal

from jifen.reports.versions_text import why
from jifen.settle.diff import (
    IndicatorChange,
    IndicatorFigures,
    Members,
    Moved,
    RulesetChanged,
    UnitFigures,
    VersionFigures,
    changed_keys,
    diff,
)

D = Decimal


def unit(parent: str | None, total: str, rank: int | None = 1, name: str = "") -> UnitFigures:
    return UnitFigures(name, parent, D(total), rank)


def ind(count: str, average: str, points: str, adjustment: str = "0") -> IndicatorFigures:
    return IndicatorFigures(D(count), D(average), D(points), D(adjustment))


# Version 1: region R > city Y > county C > schools S1 (t1, t2), S2 (t3)
V1_UNITS = {
    ("region", "R"): unit(None, "5"), ("city", "Y"): unit("R", "5"), ("county", "C"): unit("Y", "5"),
    ("school", "S1"): unit("C", "10", 1), ("school", "S2"): unit("C", "0", 2),
    ("teacher", "t1"): unit("S1", "20", 1), ("teacher", "t2"): unit("S1", "0", 2), ("teacher", "t3"): unit("S2", "0"),
}
V1_INDICATORS = {
    ("teacher", "t1"): {"interactive_teaching": ind("2", "0.4", "20")},
    ("teacher", "t2"): {"interactive_teaching": ind("0", "0.4", "0")},
    ("teacher", "t3"): {"interactive_teaching": ind("0", "0.4", "0")},
}


def version(number: int, units: dict, indicators: dict, sha: str = "a") -> VersionFigures:  # type: ignore[type-arg]
    return VersionFigures(number, "ningxia-2022 v1" if sha == "a" else "other v2", sha, units, indicators)


def test_equal_versions_have_no_difference() -> None:
    v1 = version(1, V1_UNITS, V1_INDICATORS)
    result = diff(v1, version(2, dict(V1_UNITS), dict(V1_INDICATORS)))
    assert (result.from_version, result.to_version, result.ruleset, result.changes) == (1, 2, None, ())


def test_a_late_report_moves_its_teacher_and_everything_above_largest_first() -> None:
    # t2's late session: average 0.4 -> 0.6, t2 0 -> 16.67; t1 stays at 20 (capped) and is not listed
    units = {**V1_UNITS, ("teacher", "t2"): unit("S1", "16.67", 2), ("school", "S1"): unit("C", "18.33", 1),
             ("county", "C"): unit("Y", "9.17"), ("city", "Y"): unit("R", "9.17"), ("region", "R"): unit(None, "9.17")}
    indicators = {
        ("teacher", "t1"): {"interactive_teaching": ind("2", "0.6", "20")},
        ("teacher", "t2"): {"interactive_teaching": ind("1", "0.6", "16.67")},
        ("teacher", "t3"): {"interactive_teaching": ind("0", "0.6", "0")},
    }
    result = diff(version(1, V1_UNITS, V1_INDICATORS), version(2, units, indicators))
    assert [(c.level, c.code, c.change) for c in result.changes] == [
        ("teacher", "t2", D("16.67")), ("school", "S1", D("8.33")),
        ("region", "R", D("4.17")), ("city", "Y", D("4.17")), ("county", "C", D("4.17"))]
    t2 = result.changes[0]
    assert (t2.old.total, t2.new.total, t2.old.rank, t2.new.rank, t2.status) == (D(0), D("16.67"), 2, 2, "changed")
    assert t2.reasons == (IndicatorChange("interactive_teaching", ind("0", "0.4", "0"), ind("1", "0.6", "16.67"),
                                          ("count", "average")),)
    assert result.changes[1].reasons == (Members((), (), 1, (("t2", D("16.67")),)),)
    assert result.count("teacher") == 1 and result.count("county") == 1


def test_an_adjustment_is_named_as_the_cause() -> None:
    units = {**V1_UNITS, ("teacher", "t3"): unit("S2", "2.5")}
    indicators = {**V1_INDICATORS, ("teacher", "t3"): {"interactive_teaching": ind("0", "0.4", "0"),
                                                       "tutoring": ind("0", "0", "0", "2.5")}}
    before = {**V1_INDICATORS, ("teacher", "t3"): {"interactive_teaching": ind("0", "0.4", "0"),
                                                   "tutoring": ind("0", "0", "0")}}
    result = diff(version(1, V1_UNITS, before), version(2, units, indicators))
    (t3,) = result.changes
    assert t3.reasons == (IndicatorChange("tutoring", ind("0", "0", "0"), ind("0", "0", "0", "2.5"), ("adjustment",)),)


def test_a_roster_move_a_new_teacher_and_one_who_left() -> None:
    units = dict(V1_UNITS)
    units[("teacher", "t3")] = unit("S1", "0", 3)  # t3 moved to S1
    del units[("teacher", "t2")]  # t2 left
    units[("teacher", "t4")] = unit("S2", "0")  # t4 joined S2
    result = diff(version(1, V1_UNITS, V1_INDICATORS), version(2, units, V1_INDICATORS))
    by_key = {(c.level, c.code): c for c in result.changes}
    assert by_key[("teacher", "t3")].reasons == (Moved("S2", "S1"),)
    assert (by_key[("teacher", "t2")].status, by_key[("teacher", "t2")].change) == ("left", D(0))
    assert by_key[("teacher", "t4")].status == "joined"
    assert (by_key[("teacher", "t4")].old, by_key[("teacher", "t4")].reasons) == (None, ())
    # the schools' totals did not change, so they are not listed; their members would be named if they were
    assert ("school", "S1") not in by_key


def test_a_move_to_a_school_of_another_county_names_both_counties() -> None:
    units = {**V1_UNITS, ("county", "C2"): unit("Y", "0", 2), ("school", "S3"): unit("C2", "0", 3),
             ("teacher", "t3"): unit("S3", "0")}
    result = diff(version(1, {**V1_UNITS, ("county", "C2"): unit("Y", "0", 2), ("school", "S3"): unit("C2", "0", 3)},
                          V1_INDICATORS), version(2, units, V1_INDICATORS))
    by_key = {(c.level, c.code): c for c in result.changes}
    assert by_key[("teacher", "t3")].reasons == (Moved("S2", "S3", "C", "C2"),)


def test_an_indicator_whose_points_did_not_move_is_no_reason() -> None:
    # t1's late lesson moves its lesson_prep points; the interactive_teaching average moves too (t2's late
    # session), but t1's points there stay capped at 20: that indicator is no reason of t1's move
    old_indicators = {**V1_INDICATORS, ("teacher", "t1"): {"interactive_teaching": ind("2", "0.4", "20"),
                                                             "lesson_prep": ind("1", "1", "5")}}
    units = {**V1_UNITS, ("teacher", "t1"): unit("S1", "25", 1)}
    indicators = {("teacher", "t1"): {"interactive_teaching": ind("2", "0.6", "20"),
                                      "lesson_prep": ind("2", "1", "10")},
                  ("teacher", "t2"): {"interactive_teaching": ind("1", "0.6", "16.67")},
                  ("teacher", "t3"): {"interactive_teaching": ind("0", "0.6", "0")}}
    result = diff(version(1, V1_UNITS, old_indicators), version(2, units, indicators))
    by_key = {(c.level, c.code): c for c in result.changes}
    assert [r.indicator for r in by_key[("teacher", "t1")].reasons] == ["lesson_prep"]  # type: ignore[union-attr]


def test_a_total_that_moved_by_a_cent_is_explained_by_the_indicators_whose_figures_moved() -> None:
    # the region average moved: t2's points round to the same cent, the total summed from exact points does not
    old_indicators = {**V1_INDICATORS, ("teacher", "t2"): {"interactive_teaching": ind("1", "4.7438", "18.97"),
                                                             "lesson_prep": ind("1", "1", "5")}}
    old_units = {**V1_UNITS, ("teacher", "t2"): unit("S1", "69.11", 2)}
    indicators = {**V1_INDICATORS, ("teacher", "t2"): {"interactive_teaching": ind("1", "4.7443", "18.97"),
                                                         "lesson_prep": ind("1", "1", "5")}}
    units = {**V1_UNITS, ("teacher", "t2"): unit("S1", "69.10", 2)}
    result = diff(version(1, old_units, old_indicators), version(2, units, indicators))
    (change,) = result.changes
    assert [(r.indicator, r.causes) for r in change.reasons] == [  # type: ignore[union-attr]
        ("interactive_teaching", ("average",))]
    said = why({"status": "changed", "level": "teacher", "events": [], "reasons": [{
        "kind": "indicator", "name": "互动授课", "causes": ["average"],
        "old": {"count": 1, "average": 4.7438, "points": 18.97}, "new": {"count": 1, "average": 4.7443, "points": 18.97}}]})
    assert said == "互动授课：全区平均 4.7438→4.7443，得分 18.97→18.97（保留两位小数未变，总分由未舍入的得分相加，变动在尾数）"
    assert "总分未变" not in said


def test_membership_is_a_reason_of_the_schools_that_moved() -> None:
    units = {**V1_UNITS, ("teacher", "t1"): unit("S2", "20", 1), ("school", "S1"): unit("C", "0", 2),
             ("school", "S2"): unit("C", "20", 1)}
    result = diff(version(1, V1_UNITS, V1_INDICATORS), version(2, units, V1_INDICATORS))
    by_key = {(c.level, c.code): c for c in result.changes}
    assert by_key[("school", "S1")].reasons == (Members((), ("t1",), 0, ()),)
    assert by_key[("school", "S2")].reasons == (Members(("t1",), (), 0, ()),)
    assert [(c.level, c.code) for c in result.changes][:2] == [("school", "S2"), ("school", "S1")]  # +20 before -10


def test_a_rank_change_alone_is_listed_after_every_move() -> None:
    units = {**V1_UNITS, ("teacher", "t2"): unit("S1", "25", 1), ("teacher", "t1"): unit("S1", "20", 2),
             ("school", "S1"): unit("C", "22.5", 1)}
    result = diff(version(1, V1_UNITS, V1_INDICATORS), version(2, units, V1_INDICATORS))
    assert result.changes[-1].code == "t1"
    assert (result.changes[-1].change, result.changes[-1].old.rank, result.changes[-1].new.rank) == (D(0), 1, 2)


def test_a_new_rule_set_is_a_reason_of_every_unit() -> None:
    units = {**V1_UNITS, ("teacher", "t1"): unit("S1", "15", 1)}
    indicators = {**V1_INDICATORS, ("teacher", "t1"): {"interactive_teaching": ind("2", "0.4", "15")}}
    result = diff(version(1, V1_UNITS, V1_INDICATORS), version(2, units, indicators, sha="b"))
    assert result.ruleset == RulesetChanged("ningxia-2022 v1", "other v2")
    (t1,) = result.changes
    assert t1.reasons == (IndicatorChange("interactive_teaching", ind("2", "0.4", "20"), ind("2", "0.4", "15"),
                                          ("rules",)), result.ruleset)


def test_changed_keys_ignore_a_new_name() -> None:
    renamed = {**V1_UNITS, ("school", "S2"): unit("C", "0", 2, name="新名字")}
    assert changed_keys(V1_UNITS, renamed) == set()


def test_fixed_points_moved_under_the_same_rules_are_moved_by_other_months_of_their_period() -> None:
    """Under unchanged rules a fixed or streak indicator whose count and adjustment stayed moved with the other
    months of its cap period or run of days; the region average is no cause where the scoring does not read it.
    A relatively scored indicator keeps its causes; a rule set that changed stays 'rules'."""
    scoring = {"teaching.session": "fixed", "login": "streak", "interactive_teaching": "relative"}
    units = {("teacher", "t1"): unit("S1", "30")}
    before = {("teacher", "t1"): {"teaching.session": ind("2", "0.25", "10"), "login": ind("10", "3", "20"),
                                  "interactive_teaching": ind("2", "0.4", "20")}}
    after_units = {("teacher", "t1"): unit("S1", "24")}
    after = {("teacher", "t1"): {"teaching.session": ind("2", "0.2222", "0"), "login": ind("10", "3", "24"),
                                 "interactive_teaching": ind("2", "0.6", "20")}}

    def figures(number: int, units_: dict, indicators: dict,  # type: ignore[type-arg]
                sha: str = "a") -> VersionFigures:
        return VersionFigures(number, "shihe-2022 v1", sha, units_, indicators, scoring)

    [change] = diff(figures(1, units, before), figures(2, after_units, after)).changes
    assert [(r.indicator, r.causes) for r in change.reasons if isinstance(r, IndicatorChange)] == [
        ("login", ("period",)), ("teaching.session", ("period",))]
    [changed_rules] = diff(figures(1, units, before), figures(2, after_units, after, sha="b")).changes
    assert [r.causes for r in changed_rules.reasons if isinstance(r, IndicatorChange)] == [("rules",), ("rules",)]
    # without the scoring (figures of old callers), the average stays a cause as it was
    [unknown] = diff(version(1, units, before), version(2, after_units, after)).changes
    assert [r.causes for r in unknown.reasons if isinstance(r, IndicatorChange)] == [("rules",), ("average",)]
