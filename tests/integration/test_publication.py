"""Publication and re-settlement, on SQLite and PostgreSQL: a draft until published, a published version never
changed, late reports, pending reports, withdrawals and adjustments making version N+1 with the right diff, and the
schedule settling what is due.

The region (figures as in test_api_reports, worked out from DOMAIN.md's scoring rule):

    city 640100: county 640104: school S1 (T1, T2), school S2 (T3)
                 county 640122: school S3 (T4)
    city 640200: county 640202: school S4 (T5)

Version 1 of 2026-09: T1 two interactive sessions -> avg 2/5 = 0.4, full at 0.8: T1 20; S3 one online class: 15.
    schools S1 10, S2 0, S3 15, S4 0; counties 640104 5, 640122 15, 640202 0; cities 10, 0; region 5.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from factories import CST, at, op, row
from jifen.domain.organisations import RosterRow
from jifen.domain.periods import Month
from jifen.errors import Conflict, InvalidInput, NotSettled
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.ingest.withdrawal import withdraw
from jifen.reports import datasets
from jifen.reports.card import card
from jifen.reports.versions import diff_data
from jifen.reports.versions_text import why
from jifen.runtime import Runtime
from jifen.settle.adjustments import AdjustmentRequest, add_adjustment
from jifen.settle.due import describe, month_states, run_due
from jifen.settle.publication import list_versions, publish
from jifen.settle.schedule import CHANGED, FIRST, Schedule
from jifen.settle.service import settle_month

MONTH = "2026-09"
SEPTEMBER = Month(2026, 9)
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=CST)
REGION = ("640000", "宁夏回族自治区")
Y1, Y2 = "640100", "640200"
C1, C2, C3 = "640104", "640122", "640202"
S1, S2, S3, S4 = "640104001", "640104002", "640122001", "640202001"
SCHEDULE = Schedule(day=1, hour=2, grace=timedelta(hours=48), retention_months=13, tz=CST)


def _roster() -> list[RosterRow]:
    return [
        row("T1", S1, county_code=C1, city_code=Y1), row("T2", S1, county_code=C1, city_code=Y1),
        row("T3", S2, county_code=C1, city_code=Y1, online_classrooms=0),
        row("T4", S3, county_code=C2, city_code=Y1),
        row("T5", S4, county_code=C3, city_code=Y2),
    ]


@pytest.fixture
def region(runtime: Runtime) -> Runtime:
    ingest = _ingest(runtime)
    import_rows(ingest, _roster(), full=True, now=NOW)
    ingest.submit("hite-pi6", [op("teaching.session", teacher="T1", duration=900, when=at(d), id=f"t1-{d}")
                               for d in (3, 4)], NOW)
    ingest.submit("online-classroom", [op("class.session", school=S3, duration=1200, classroom_id="R1")], NOW)
    assert _settle(runtime) == 1
    return runtime


def _ingest(runtime: Runtime) -> Ingest:
    return Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)


def _settle(runtime: Runtime, now: datetime = NOW) -> int:
    return settle_month(runtime.database, runtime.ruleset, SEPTEMBER, REGION, now, runtime.tz).version


def _report(runtime: Runtime, level: str, code: str, version: int | None = None) -> dict[str, Any]:
    with runtime.database.read() as connection:
        return datasets.report(connection, level, code, MONTH, version)


def _diff(runtime: Runtime, **options: Any) -> dict[str, Any]:
    with runtime.database.read() as connection:
        return diff_data(connection, MONTH, **options)


def _moves(data: dict[str, Any]) -> list[tuple[str, str, float]]:
    return [(c["level"], c["code"], c["change"]) for c in data["changes"]]


def _changed(runtime: Runtime) -> bool:
    return list_versions(runtime.database, MONTH).inputs_changed


def test_a_settlement_is_a_draft_shown_as_such_until_published(region: Runtime) -> None:
    listing = list_versions(region.database, MONTH)
    assert [(v.version, v.status) for v in listing.versions] == [(1, "draft")]
    assert (listing.shown.version if listing.shown else None, listing.inputs_changed) == (1, False)
    assert _report(region, "region", REGION[0])["state"] == "draft"
    on = datetime(2026, 10, 15, tzinfo=CST).date()
    with region.database.read() as connection:
        assert card(connection, "T1", on, region.tz, region.ruleset.rules)["drafts"] == [MONTH]

    record = publish(region.database, MONTH, None, "region-admin", NOW)
    assert (record.version, record.status, record.published_by, record.published_at) == (
        1, "published", "region-admin", NOW)
    assert _report(region, "region", REGION[0])["state"] == "published"
    with region.database.read() as connection:
        assert card(connection, "T1", on, region.tz, region.ruleset.rules)["drafts"] == []
    with pytest.raises(Conflict, match="already published"):
        publish(region.database, MONTH, 1, "someone", NOW)


def test_another_rule_set_in_force_is_a_change_of_the_months_inputs(region: Runtime) -> None:
    """As ``settle --due`` judges: the versions list says the inputs changed once another rule set is in force."""
    assert list_versions(region.database, MONTH, region.rulebook.for_month).inputs_changed is False
    region.rulebook.use("shihe-2022", SEPTEMBER, NOW)
    assert list_versions(region.database, MONTH, region.rulebook.for_month).inputs_changed is True
    region.rulebook.use("ningxia-2022", SEPTEMBER, NOW)
    assert list_versions(region.database, MONTH, region.rulebook.for_month).inputs_changed is False


def test_publishing_refuses_an_older_version_a_missing_one_and_a_blank_name(region: Runtime) -> None:
    assert _settle(region) == 2
    with pytest.raises(Conflict, match="not the latest; version 2 is"):
        publish(region.database, MONTH, 1, "region-admin", NOW)
    for missing in (7, 0):
        with pytest.raises(NotSettled, match=f"version {missing} of month 2026-09"):
            publish(region.database, MONTH, missing, "region-admin", NOW)
    with pytest.raises(NotSettled, match="month 2026-08 is not settled"):
        publish(region.database, "2026-08", None, "region-admin", NOW)
    with pytest.raises(InvalidInput, match="^by: "):
        publish(region.database, MONTH, None, "  ", NOW)
    assert publish(region.database, MONTH, 2, "region-admin", NOW).version == 2


def test_a_late_report_makes_version_2_with_its_diff_and_leaves_version_1_as_published(region: Runtime) -> None:
    publish(region.database, MONTH, 1, "region-admin", NOW)
    before = {level: _report(region, level, code) for level, code in
              (("teacher", "T2"), ("school", S1), ("county", C1), ("region", REGION[0]))}
    assert not _changed(region)

    # received in October for September: T2's session; avg 3/5 = 0.6, full at 1.2: T2 20/1.2 = 16.67
    late = NOW + timedelta(days=5)
    _ingest(region).submit("hite-pi6", [op("teaching.session", teacher="T2", duration=900, when=at(20))], late)
    assert _changed(region)
    assert _settle(region, late) == 2
    assert not _changed(region)

    # reports still show the published version 1, unchanged; version 2 is a draft until published
    for level, code in (("teacher", "T2"), ("school", S1), ("county", C1), ("region", REGION[0])):
        assert _report(region, level, code) == before[level]
        assert _report(region, level, code, 1) == before[level]
    assert (_report(region, "teacher", "T2", 2)["total"], _report(region, "teacher", "T2", 2)["state"]) == (
        16.67, "draft")

    data = _diff(region)
    assert (data["from_version"], data["from_state"], data["to_version"], data["to_state"]) == (
        1, "published", 2, "draft")
    # S1 (20 + 50/3) / 2 = 18.33; 640104 (55/3 + 0) / 2 = 9.17; 640100 (55/6 + 15) / 2 = 12.08; region 6.04
    assert _moves(data) == [("teacher", "T2", 16.67), ("school", S1, 8.33), ("county", C1, 4.17),
                            ("city", Y1, 2.08), ("region", REGION[0], 1.04)]
    t2 = data["changes"][0]
    assert (t2["old_total"], t2["new_total"], t2["old_rank"], t2["new_rank"], t2["status"]) == (0, 16.67, 2, 2,
                                                                                             "changed")
    assert t2["reasons"] == [{
        "kind": "indicator", "indicator": "interactive_teaching", "name": "互动授课", "causes": ["count", "average"],
        "old": {"count": 0, "average": 0.4, "points": 0, "adjustment": 0},
        "new": {"count": 1, "average": 0.6, "points": 16.67, "adjustment": 0}}]
    assert [(e["kind"], e["app"], e["indicator"], e["status"]) for e in t2["events"]] == [
        ("received", "hite-pi6", "interactive_teaching", "qualified")], "the late report, named"
    assert "两版之间收到上报 1 条" in why(t2)
    s1_members = [r for r in data["changes"][1]["reasons"] if r["kind"] == "members"]
    assert s1_members == [{"kind": "members", "joined": [], "left": [], "moved": 1,
                           "largest": [{"code": "T2", "change": 16.67}]}]
    assert data["counts"] == {"teacher": 1, "school": 1, "county": 1, "city": 1, "region": 1}

    publish(region.database, MONTH, 2, "region-admin", late)
    assert _report(region, "teacher", "T2")["total"] == 16.67
    assert _report(region, "teacher", "T2", 1) == before["teacher"]


def test_a_withdrawal_makes_a_new_version_without_the_report(region: Runtime) -> None:
    withdraw(region.database, "hite-pi6", "t1-3", NOW)  # T1 keeps one session: avg 1/5, full at 0.4: still 20
    assert _changed(region)
    assert _settle(region) == 2
    data = _diff(region, level="teacher")
    assert data["changes"] == []  # T1 capped at 20 either way; only the averages moved
    assert data["total_changes"] == 0
    withdraw(region.database, "hite-pi6", "t1-4", NOW)  # no session left: T1 20 -> 0
    assert _settle(region) == 3
    data = _diff(region)
    assert (data["from_version"], data["to_version"]) == (2, 3)
    t1 = data["changes"][0]
    assert (t1["code"], t1["change"], t1["reasons"][0]["causes"]) == ("T1", -20, ["count", "average"])


def test_an_adjustment_makes_a_new_version_with_the_adjustment_as_its_reason(region: Runtime) -> None:
    publish(region.database, MONTH, 1, "region-admin", NOW)
    add_adjustment(region.database, region.ruleset.rules,
                   AdjustmentRequest("teacher", "T3", MONTH, "tutoring", "2.5", "线下辅导补录"),
                   author="county-1", now=NOW, region_code=REGION[0])
    assert _changed(region)
    assert _settle(region) == 2
    data = _diff(region)
    t3 = next(c for c in data["changes"] if c["code"] == "T3")
    assert t3["change"] == 2.5
    assert t3["reasons"] == [{"kind": "indicator", "indicator": "tutoring", "name": "课后辅导",
                              "causes": ["adjustment"],
                              "old": {"count": 0, "average": 0, "points": 0, "adjustment": 0},
                              "new": {"count": 0, "average": 0, "points": 0, "adjustment": 2.5}}]


def test_a_diff_names_the_withdrawals_and_adjustments_made_between_its_versions(region: Runtime) -> None:
    later, latest = NOW + timedelta(days=1), NOW + timedelta(days=2)
    withdraw(region.database, "hite-pi6", "t1-3", later)
    withdraw(region.database, "hite-pi6", "t1-4", later)
    add_adjustment(region.database, region.ruleset.rules,
                   AdjustmentRequest("teacher", "T1", MONTH, "tutoring", "-2.5", "核查：重复上报"),
                   author="county-1", now=later, region_code=REGION[0])
    assert _settle(region, latest) == 2
    t1 = next(c for c in _diff(region)["changes"] if c["code"] == "T1")
    assert [(e["kind"], e.get("id"), e.get("reason")) for e in t1["events"]] == [
        ("withdrawn", "t1-3", None), ("withdrawn", "t1-4", None), ("adjustment", None, "核查：重复上报")]
    line = why(t1)
    assert "两版之间撤回上报 2 条（t1-3、t1-4）" in line and "人工调整 -2.50：核查：重复上报（录入人 county-1）" in line
    backwards = next(c for c in _diff(region, from_version=2, to_version=1)["changes"] if c["code"] == "T1")
    assert backwards["events"] == [], "nothing happens from a later version to an earlier one"


def test_a_pending_report_whose_teacher_arrives_later_joins_the_next_version(region: Runtime) -> None:
    ingest = _ingest(region)
    results = ingest.submit("hite-pi6", [op("teaching.session", teacher="T6", duration=900, when=at(12))], NOW)
    assert [str(r.status) for r in results] == ["pending"]
    assert not _changed(region)  # a pending report counts nowhere yet
    import_rows(ingest, [row("T6", S4, county_code=C3, city_code=Y2)], full=False, now=NOW)
    assert _changed(region)
    assert _settle(region) == 2
    data = _diff(region, level="teacher")
    t6 = next(c for c in data["changes"] if c["code"] == "T6")  # avg 3/6 = 0.5, full at 1: T6 20
    assert (t6["status"], t6["old_total"], t6["new_total"], t6["parent_code"]) == ("joined", None, 20, S4)
    s4 = next(c for c in _diff(region, level="school")["changes"] if c["code"] == S4)
    assert {"kind": "members", "joined": ["T6"], "left": [], "moved": 0, "largest": []} in s4["reasons"]


def test_a_diff_says_a_roster_import_brought_a_teacher_in_or_moved_one_to_another_county(region: Runtime) -> None:
    ingest = _ingest(region)
    ingest.submit("hite-pi6", [op("teaching.session", teacher="T6", duration=900, when=at(12))], NOW)
    later = NOW + timedelta(minutes=5)
    import_rows(ingest, [row("T6", S4, county_code=C3, city_code=Y2), row("T1", S3, county_code=C2, city_code=Y1)],
                full=False, now=later, effective_from=SEPTEMBER)
    assert _settle(region, later + timedelta(minutes=5)) == 2
    changes = {c["code"]: c for c in _diff(region, level="teacher")["changes"]}
    t6, t1 = changes["T6"], changes["T1"]
    assert t6["status"] == "joined"
    assert [{k: e[k] for k in ("kind", "school", "from_month")} for e in t6["events"]] == [
        {"kind": "roster", "school": S4, "from_month": "2026-09"}]
    assert "名册导入：自 2026-09 起在学校 640202001" in why(t6)
    assert {"kind": "moved", "from": S1, "to": S3, "above": {"from": C1, "to": C2}} in t1["reasons"]
    assert "调动：学校 640104001 → 640122001（县区 640104 → 640122）" in why(t1)
    unmoved = {c["code"]: c for c in _diff(region, level="school")["changes"]}
    assert all(e["kind"] != "roster" for c in unmoved.values() for e in c["events"]), "schools restated, not moved"


def test_an_import_says_which_newly_qualified_reports_are_of_months_before_its_roster(region: Runtime) -> None:
    """September is published; T6's September report waits for T6. An import without a date holds from October, so
    the report qualifies but T6 is not on September's roster: the import says so, and with --effective-from
    2026-09 T6 joins September's next version."""
    ingest = _ingest(region)
    ingest.submit("hite-pi6", [op("teaching.session", teacher="T6", duration=900, when=at(12), id="t6-sep")], NOW)
    publish(region.database, MONTH, None, "region-admin", NOW)
    result = import_rows(ingest, [row("T6", S4, county_code=C3, city_code=Y2)], full=False, now=NOW)
    assert (result.from_month, result.resolved, result.before_from) == ("2026-10", {"qualified": 1}, {MONTH: 1})
    assert _settle(region) == 2
    assert all(c["code"] != "T6" for c in _diff(region, level="teacher")["changes"]), "not on September's roster"
    again = import_rows(ingest, [row("T6", S4, county_code=C3, city_code=Y2)], full=False, now=NOW,
                        effective_from=SEPTEMBER)
    assert (again.resolved, again.before_from) == ({}, {}), "nothing was pending any more"
    assert _settle(region) == 3
    t6 = next(c for c in _diff(region, level="teacher")["changes"] if c["code"] == "T6")
    assert (t6["status"], t6["new_total"]) == ("joined", 20)


def test_the_schedule_settles_last_month_once_and_again_when_its_inputs_change(runtime: Runtime) -> None:
    ingest = _ingest(runtime)
    import_rows(ingest, [row("T1", S1, county_code=C1, city_code=Y1)], full=True, now=NOW)
    ingest.submit("hite-pi6", [op("teaching.session", teacher="T1", duration=900, when=at(3))], NOW)
    due_at = SCHEDULE.due_at(SEPTEMBER)
    assert run_due(runtime.database, runtime.rulebook.for_month, REGION, SCHEDULE, due_at - timedelta(seconds=1)) \
        == []
    first = run_due(runtime.database, runtime.rulebook.for_month, REGION, SCHEDULE, due_at)
    assert [(o.due.month, o.due.reason, o.summary.version if o.summary else None) for o in first] == [
        (SEPTEMBER, FIRST, 1)]
    assert run_due(runtime.database, runtime.rulebook.for_month, REGION, SCHEDULE, due_at + timedelta(hours=1)) == []

    late = due_at + timedelta(days=3)
    ingest.submit("hite-pi6", [op("teaching.session", teacher="T1", duration=900, when=at(4))], late)
    again = run_due(runtime.database, runtime.rulebook.for_month, REGION, SCHEDULE, late)
    assert [(o.due.month, o.due.reason, o.due.after_version, o.summary.version if o.summary else None)
            for o in again] == [(SEPTEMBER, CHANGED, 1, 2)]
    assert [v.status for v in list_versions(runtime.database, MONTH).versions] == ["draft", "draft"]


def test_a_missed_month_with_reports_is_settled_by_the_next_run(runtime: Runtime) -> None:
    """The run of early October never happened; in November the schedule settles October as last month, and
    September too, which holds a report, but not August, which holds none."""
    ingest = _ingest(runtime)
    import_rows(ingest, [row("T1", S1, county_code=C1, city_code=Y1)], full=True, now=NOW)
    ingest.submit("hite-pi6", [op("teaching.session", teacher="T1", duration=900, when=at(3))], NOW)
    november = SCHEDULE.due_at(Month(2026, 10))
    states = {s.month: s for s in month_states(runtime.database, SCHEDULE.window(november),
                                               runtime.rulebook.for_month)}
    assert (states[SEPTEMBER].has_reports, states[Month(2026, 8)].has_reports) == (True, False)
    outcomes = run_due(runtime.database, runtime.rulebook.for_month, REGION, SCHEDULE, november)
    assert [(o.due.month, o.due.reason, o.summary.version if o.summary else None) for o in outcomes] == [
        (SEPTEMBER, FIRST, 1), (Month(2026, 10), FIRST, 1)]


def test_a_scheduler_that_lost_the_race_stores_nothing(region: Runtime) -> None:
    with pytest.raises(Conflict, match="settled again meanwhile"):
        settle_month(region.database, region.ruleset, SEPTEMBER, REGION, NOW, region.tz, only_after=0)
    assert settle_month(region.database, region.ruleset, SEPTEMBER, REGION, NOW, region.tz, only_after=1).version == 2
    assert len(list_versions(region.database, MONTH).versions) == 2


def test_another_rule_set_makes_settled_months_due_again(region: Runtime) -> None:
    (state,) = month_states(region.database, [SEPTEMBER], region.rulebook.for_month)
    assert (state.latest_version, state.inputs_changed) == (1, False)
    region.rulebook.use("shihe-2022", SEPTEMBER, NOW)
    (state,) = month_states(region.database, [SEPTEMBER], region.rulebook.for_month)
    assert (state.latest_version, state.inputs_changed) == (1, True)


def test_a_diff_needs_two_versions(region: Runtime) -> None:
    with pytest.raises(InvalidInput, match="only version 1"):
        _diff(region)
    assert _diff(region, from_version=1, to_version=1)["changes"] == []
    with pytest.raises(NotSettled, match="version 4"):
        _diff(region, to_version=4)
    with pytest.raises(InvalidInput, match="level 'school '"):
        _diff(region, from_version=1, level="school ")


def test_a_roster_import_changes_only_the_months_it_restates(region: Runtime) -> None:
    ingest = _ingest(region)
    publish(region.database, MONTH, 1, "region-admin", NOW)
    # without an effective month an import states the roster from the first month not yet published: October
    import_rows(ingest, [row("T7", S4, county_code=C3, city_code=Y2)], full=False, now=NOW)
    assert not _changed(region)
    import_rows(ingest, [row("T7", S4, county_code=C3, city_code=Y2)], full=False, now=NOW,
                effective_from=SEPTEMBER)
    assert _changed(region)
    assert _settle(region) == 2
    t7 = next(c for c in _diff(region, level="teacher")["changes"] if c["code"] == "T7")
    assert (t7["status"], t7["new_total"]) == ("joined", 0)


def test_the_same_roster_sent_again_leaves_a_settled_month_be(region: Runtime) -> None:
    """A bureau re-sends the roster file it sent before: September's roster is as it was, so the schedule has
    nothing to settle again; a teacher's new name, a school's classrooms or a county's name is a change."""
    ingest = _ingest(region)
    import_rows(ingest, _roster(), full=True, now=NOW)
    import_rows(ingest, _roster()[:1], full=False, now=NOW)
    assert not _changed(region)
    renamed = [replace(r, teacher_name="新名字") if r.teacher_id == "T2" else r for r in _roster()]
    import_rows(ingest, renamed, full=True, now=NOW)
    assert _changed(region)
    assert _settle(region) == 2 and not _changed(region)
    for changed in ([replace(r, online_classrooms=3) if r.school_code == S3 else r for r in renamed],
                    [replace(r, county_name="新县区") if r.county_code == C3 else r for r in renamed]):
        import_rows(ingest, changed, full=True, now=NOW)
        assert _changed(region)
        assert _settle(region) > 2 and not _changed(region)
    import_rows(ingest, renamed[1:], full=True, now=NOW)  # T1 left
    assert _changed(region)
    assert _settle(region) > 4 and not _changed(region)
    # an entry dated after the months restated: each settled month is compared on its own
    import_rows(ingest, [row("T8", S4, county_code=C3, city_code=Y2)], full=False, now=NOW,
                effective_from=Month(2026, 10))
    assert not _changed(region), "September's roster is as it was"
    import_rows(ingest, renamed[1:2], full=False, now=NOW)
    assert not _changed(region)


def test_a_late_report_changes_the_later_months_a_streak_or_cap_reads_back_into(runtime: Runtime) -> None:
    october = Month(2026, 10)
    runtime.rulebook.use("shihe-2022", Month(2026, 1), NOW)
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    import_rows(ingest, [row("T1", S1, county_code=C1, city_code=Y1)], full=True, now=NOW)
    late = datetime(2026, 11, 1, tzinfo=CST)
    ingest.submit("space", [op("login", teacher="T1", when=at(1, month="2026-10"))], late)
    for month in (SEPTEMBER, october):
        settle_month(runtime.database, runtime.rulebook.for_month(month), month, REGION, late, runtime.tz)
    assert not list_versions(runtime.database, "2026-10").inputs_changed
    # a September login lengthens October's run of days: both months are out of date
    ingest.submit("space", [op("login", teacher="T1", when=at(30, month="2026-09"))], late)
    assert list_versions(runtime.database, MONTH).inputs_changed
    assert list_versions(runtime.database, "2026-10").inputs_changed
    states = month_states(runtime.database, [SEPTEMBER, october], runtime.rulebook.for_month)
    assert [(s.month, s.inputs_changed) for s in states] == [(SEPTEMBER, True), (october, True)]


def test_the_schedule_keeps_a_version_whose_figures_a_change_left_as_they_were(runtime: Runtime) -> None:
    """Shihe's October reads the year back (caps per year): a login of February changes February's inputs and so
    October's, but none of October's figures; the scheduled run keeps version 1, which no longer shows as changed.
    A login of 31 October does change them: version 2. ``jifen settle`` by hand always makes a version."""
    october = Month(2026, 10)
    runtime.rulebook.use("shihe-2022", Month(2026, 1), NOW)
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    import_rows(ingest, [row("T1", S1, county_code=C1, city_code=Y1)], full=True, now=NOW)
    late = datetime(2026, 11, 4, 9, 0, tzinfo=CST)
    ingest.submit("space", [op("login", teacher="T1", when=at(day, month="2026-10")) for day in (1, 2)], late)
    settle_month(runtime.database, runtime.rulebook.for_month(october), october, REGION, late, runtime.tz)

    ingest.submit("space", [op("login", teacher="T1", when=at(10, month="2026-02"))], late)
    assert list_versions(runtime.database, "2026-10").inputs_changed
    outcomes = [o for o in run_due(runtime.database, runtime.rulebook.for_month, REGION, SCHEDULE, late)
                if str(o.due.month) == "2026-10"]
    assert [(o.summary.version, o.summary.unchanged) for o in outcomes if o.summary] == [(1, True)]
    assert "figures unchanged, version 1 kept" in describe(outcomes[0])
    assert [v.version for v in list_versions(runtime.database, "2026-10").versions] == [1]
    assert not list_versions(runtime.database, "2026-10").inputs_changed

    ingest.submit("space", [op("login", teacher="T1", when=at(31, month="2026-10"))], late)
    again = [o for o in run_due(runtime.database, runtime.rulebook.for_month, REGION, SCHEDULE, late)
             if str(o.due.month) == "2026-10"]
    assert [(o.summary.version, o.summary.unchanged) for o in again if o.summary] == [(2, False)]
    by_hand = settle_month(runtime.database, runtime.rulebook.for_month(october), october, REGION, late, runtime.tz)
    assert (by_hand.version, by_hand.unchanged) == (3, False)


def test_a_late_report_leaves_a_relatively_scored_later_month_alone(region: Runtime) -> None:
    october = Month(2026, 10)
    settle_month(region.database, region.ruleset, october, REGION, NOW, region.tz)
    _ingest(region).submit("hite-pi6", [op("teaching.session", teacher="T2", duration=900, when=at(20))], NOW)
    assert (_changed(region), list_versions(region.database, "2026-10").inputs_changed) == (True, False)


def test_two_schedulers_at_once_settle_a_month_once(runtime: Runtime) -> None:
    import_rows(_ingest(runtime), [row("T1", S1, county_code=C1, city_code=Y1)], full=True, now=NOW)
    due_at = SCHEDULE.due_at(SEPTEMBER)
    start = threading.Barrier(2)
    outcomes: list[Any] = []

    def scheduler() -> None:
        start.wait()
        outcomes.extend(run_due(runtime.database, runtime.rulebook.for_month, REGION, SCHEDULE, due_at))

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [v.version for v in list_versions(runtime.database, MONTH).versions] == [1]
    assert sum(1 for o in outcomes if o.summary is not None) == 1
    assert all("settled again meanwhile" in o.skipped for o in outcomes if o.summary is None)


def _shihe_october(runtime: Runtime) -> tuple[Ingest, Month]:
    """Shihe in force all year; T1 and T2 at S1; T1 two sessions on 1-2 October (Thursday, Friday: the week of
    Monday 28 September) and a profile completed in January and again in October; October settled once."""
    october = Month(2026, 10)
    runtime.rulebook.use("shihe-2022", Month(2026, 1), NOW)
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    import_rows(ingest, [row("T1", S1, county_code=C1, city_code=Y1), row("T2", S1, county_code=C1, city_code=Y1)],
                full=True, now=NOW)
    first = datetime(2026, 11, 2, 9, 0, tzinfo=CST)
    ingest.submit("space", [
        op("teaching.session", teacher="T1", duration=900, when=at(day, month="2026-10"), id=f"oct-{day}")
        for day in (1, 2)] + [
        op("teaching.session", teacher="T2", duration=900, when=at(5, month="2026-10"), id="t2-oct-5"),
        op("profile.complete", teacher="T1", when=at(10, month="2026-01"), id="profile-jan"),
        op("profile.complete", teacher="T1", when=at(10, month="2026-10"), id="profile-oct"),
    ], first)
    settle_month(runtime.database, runtime.rulebook.for_month(october), october, REGION, first, runtime.tz)
    return ingest, october


def test_points_moved_by_other_months_of_a_cap_period_say_so_with_those_months_reports(runtime: Runtime) -> None:
    """Late September sessions of the week of 28 September use October's weekly cap, and a January profile
    withdrawn frees October's yearly one: the rules did not change, so neither is 'the rules'; the average of a
    fixed indicator (which moved too: T2's late October session) is no cause either."""
    ingest, october = _shihe_october(runtime)
    later = datetime(2026, 11, 3, 9, 0, tzinfo=CST)
    ingest.submit("space", [
        op("teaching.session", teacher="T1", duration=900, when=at(day, month="2026-09"), id=f"sep-{day}")
        for day in (28, 29)] + [
        op("teaching.session", teacher="T2", duration=900, when=at(6, month="2026-10"), id="t2-oct-6")], later)
    withdraw(runtime.database, "space", "profile-jan", later)
    settle_month(runtime.database, runtime.rulebook.for_month(october), october, REGION,
                 later + timedelta(hours=1), runtime.tz)
    with runtime.database.read() as connection:
        data = diff_data(connection, "2026-10", level="teacher")
    assert data["ruleset"]["changed"] is False
    t1 = next(c for c in data["changes"] if c["code"] == "T1")
    causes = {r["indicator"]: r["causes"] for r in t1["reasons"] if r["kind"] == "indicator"}
    assert causes == {"teaching.session": ["period"], "profile.complete": ["period"]}
    session = next(r for r in t1["reasons"] if r.get("indicator") == "teaching.session")
    assert (session["old"]["points"], session["new"]["points"]) == (10, 0)
    assert session["old"]["average"] != session["new"]["average"], "the average moved, yet is no cause"
    assert sorted((e["kind"], e["id"], e["month"]) for e in t1["events"]) == [
        ("received", "sep-28", "2026-09"), ("received", "sep-29", "2026-09"), ("withdrawn", "profile-jan", "2026-01")]
    text = why(t1)
    assert "计分规则变化" not in text and "全区平均" not in text
    assert "互动授课：同一上限周期或连续登录中其他月份的上报有变化，得分 10→0" in text
    assert "两版之间收到 2026-09 的上报 2 条（sep-28、sep-29）" in text
    assert "两版之间撤回 2026-01 的上报 1 条（profile-jan）" in text
    t2 = next(c for c in data["changes"] if c["code"] == "T2")
    assert [r["causes"] for r in t2["reasons"] if r["kind"] == "indicator"] == [["count"]]
