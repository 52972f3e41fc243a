"""Anti-gaming at ingestion and in the settled reports, on SQLite and PostgreSQL (the ``runtime`` fixture).

- A teacher's sessions (actions whose conditions read ``duration_s``) span ``[occurred_at, +duration_s)``; one
  that overlaps a session of the same teacher qualified before it (any app, any indicator) is not_qualified,
  reason ``overlap``. A school runs many classes at once: its online classes overlap only in one room (the
  action's ``room``, 在线课堂's ``classroom_id``).
- An indicator's ``daily_cap`` admits ``count`` qualified reports per teacher (or school) and local day; the
  next ones are not_qualified, reason ``daily_cap``.
- The order received decides, within a batch, across batches and when a roster import resolves pending reports.
- Conditions come first: a report that fails them keeps their reason, and only qualified reports block.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console

from factories import CST, op, row
from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.reports.datasets import report
from jifen.reports.table import render
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.store import operations as operations_repo

NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


def at(hour: int, minute: int = 0, *, day: int = 10, month: int = 9) -> str:
    return datetime(2026, month, day, hour, minute, tzinfo=CST).isoformat()


class Ingestion:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)

    def send(self, app: str, items: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
        return [(str(r.status), r.reason) for r in self.ingest.submit(app, items, NOW)]

    def roster(self, *rows: Any, full: bool = False) -> dict[str, int]:
        return import_rows(self.ingest, list(rows), full=full, now=NOW).resolved

    def stored(self, app: str, ident: str) -> tuple[str, str | None]:
        with self.runtime.database.read() as connection:
            found = operations_repo.get(connection, app, ident)
        assert found is not None
        return found.status, found.reason

    def cap(self, indicator: str) -> int:
        cap = self.runtime.ruleset.rules.indicator(indicator).daily_cap
        assert cap is not None
        return cap.count


@pytest.fixture
def ing(runtime: Runtime) -> Ingestion:
    made = Ingestion(runtime)
    made.roster(row("T1", "S1"), row("T2", "S1"), row("T3", "S2", county_code="C2"))
    return made


Q = ("qualified", None)
OVERLAP = ("not_qualified", "overlap")
CAPPED = ("not_qualified", "daily_cap")


def session(teacher: str, when: str, minutes: float, **kw: Any) -> dict[str, Any]:
    return op("teaching.session", teacher=teacher, when=when, duration=minutes * 60, **kw)


# --- overlap ----------------------------------------------------------------------------------------------

def test_overlapping_sessions_in_one_batch_count_once_and_touching_ones_both_count(ing: Ingestion) -> None:
    assert ing.send("seewo-easinote5", [
        session("T1", at(10), 45, id="a"),
        session("T1", at(10, 30), 15, id="b"),  # inside a
        session("T1", at(9, 50), 15, id="c"),  # began before a, ends inside it
        session("T1", at(10, 45), 15, id="d"),  # begins as a ends: touching, no overlap
        session("T1", at(9, 45), 15, id="e"),  # ends as a begins
        session("T2", at(10, 30), 15, id="f"),  # another teacher
    ]) == [Q, OVERLAP, OVERLAP, Q, Q, Q]
    assert ing.stored("seewo-easinote5", "b") == OVERLAP


def test_the_later_received_session_is_the_one_that_does_not_count_across_batches(ing: Ingestion) -> None:
    assert ing.send("seewo-easinote5", [session("T1", at(14), 40, id="first")]) == [Q]
    # received later, though it began earlier
    assert ing.send("seewo-easinote5", [session("T1", at(13, 30), 45, id="later")]) == [OVERLAP]
    assert ing.stored("seewo-easinote5", "first") == Q
    assert ing.stored("seewo-easinote5", "later") == OVERLAP


def test_a_teacher_cannot_teach_in_two_apps_or_tutor_while_teaching(ing: Ingestion) -> None:
    assert ing.send("seewo-easinote5", [session("T1", at(8), 45)]) == [Q]
    assert ing.send("hite-pi6", [session("T1", at(8, 30), 20), session("T1", at(8, 45), 20)]) == [OVERLAP, Q]
    assert ing.send("digital-school", [
        op("tutoring.session", teacher="T1", when=at(9), duration=1200),  # overlaps hite-pi6's 08:45-09:05
        op("tutoring.session", teacher="T1", when=at(9, 5), duration=1200),
        op("qa.answer", teacher="T1", when=at(9, 10), duration=600),  # not a session, even with a duration
    ]) == [OVERLAP, Q, Q]


def test_sessions_overlap_across_midnight(ing: Ingestion) -> None:
    assert ing.send("smart-classroom", [session("T1", at(23, 30, day=9), 60)]) == [Q]  # until 00:30 on the 10th
    assert ing.send("smart-classroom", [session("T1", at(0, 15), 15), session("T1", at(0, 30), 15)]) == [
        OVERLAP, Q]


def test_only_qualified_sessions_block(ing: Ingestion) -> None:
    assert ing.send("seewo-easinote5", [
        session("T1", at(10), 10, id="short"),  # under 15 minutes: not qualified, blocks nothing
        session("T1", at(10, 5), 45, id="long"),  # 10:05-10:50
        session("T1", at(10, 30), 45, id="over"),  # overlaps long: not qualified, so it blocks nothing either
        session("T1", at(11), 15, id="after"),  # overlaps only "over"
    ]) == [("not_qualified", "duration_s 600 < 900"), Q, OVERLAP, Q]
    # the conditions come first: a short session that overlaps keeps its own reason
    assert ing.send("seewo-easinote5", [session("T1", at(10, 10), 5)]) == [("not_qualified", "duration_s 300 < 900")]


def test_a_schools_classes_overlap_only_in_one_room(ing: Ingestion) -> None:
    def lesson(school: str, room: str, when: str, **kw: Any) -> dict[str, Any]:
        return op("class.session", school=school, when=when, duration=2400, classroom_id=room, **kw)

    assert ing.send("online-classroom", [lesson("S1", "R1", at(10)), lesson("S1", "R2", at(10)),
                                         lesson("S1", "R1", at(10, 20)), lesson("S2", "R1", at(10)),
                                         lesson("S1", "R1", at(10, 40))]) == [Q, Q, OVERLAP, Q, Q]
    # across batches, from the store: the same class sent again under another id, and one across midnight
    assert ing.send("online-classroom", [lesson("S1", "R1", at(10), id="again"),
                                         lesson("S1", "R2", at(23, 50, day=9), id="late")]) == [OVERLAP, Q]
    assert ing.stored("online-classroom", "again") == OVERLAP
    assert ing.send("online-classroom", [lesson("S1", "R2", at(0, 20))]) == [OVERLAP]
    # one room however it is written: trimmed, in any case, a number as its value; anything else names no room
    assert ing.send("online-classroom", [lesson("S2", " r1 ", at(10, 20)), lesson("S2", 7, at(10)),
                                         lesson("S2", 7.0, at(10, 5)), lesson("S2", {}, at(12)),
                                         lesson("S2", False, at(12))]) == [
        OVERLAP, Q, OVERLAP, *[("rejected", "attributes.classroom_id must name a room: a string or a number")] * 2]


# --- daily cap --------------------------------------------------------------------------------------------

def test_the_daily_cap_admits_exactly_its_count(ing: Ingestion) -> None:
    cap = ing.cap("interactive_teaching")
    assert cap >= 8
    times = [at(6) if n == 0 else (datetime.fromisoformat(at(6)) + timedelta(minutes=20 * n)).isoformat()
             for n in range(cap + 2)]
    first = ing.send("hite-pi6", [session("T1", t, 15) for t in times[: cap - 1]])
    assert first == [Q] * (cap - 1)
    # across batches: the count-th qualifies, the next is over the cap
    assert ing.send("hite-pi6", [session("T1", times[cap - 1], 15), session("T1", times[cap], 15)]) == [Q, CAPPED]
    assert ing.send("seewo-easinote5", [session("T1", times[cap + 1], 15, id="more")]) == [CAPPED]
    assert ing.stored("seewo-easinote5", "more") == CAPPED


def test_the_daily_cap_is_per_local_day_and_per_teacher(ing: Ingestion) -> None:
    cap = ing.cap("lesson_prep")
    day10 = [op("lesson.create", teacher="T1", when=at(8)) for _ in range(cap - 1)]
    late = op("lesson.create", teacher="T1", when=at(23, 59))  # 15:59Z
    early = op("lesson.create", teacher="T1", when=at(0, 1, day=11))  # 16:01Z, the same UTC day
    assert ing.send("hite-pi6", [*day10, late, early]) == [Q] * (cap + 1)
    assert ing.send("hite-pi6", [
        op("lesson.create", teacher="T1", when="2026-09-10T02:00:00Z"),  # 10:00 on the 10th, local
        op("lesson.create", teacher="T2", when=at(12)),
        op("lesson.create", teacher="T1", when=at(12, day=11)),
    ]) == [CAPPED, Q, Q]


def test_a_cap_counts_the_indicator_from_every_app(ing: Ingestion) -> None:
    cap = ing.cap("lesson_prep")
    assert ing.send("hite-pi6", [op("lesson.create", teacher="T2", when=at(9)) for _ in range(cap - 1)]) == (
        [Q] * (cap - 1))
    assert ing.send("teaching-assistant", [op("courseware.upload", teacher="T2", when=at(9), format="ppt"),
                                           op("courseware.upload", teacher="T2", when=at(9), format="ppt")]) == [
        Q, CAPPED]


def test_school_indicators_are_capped_per_school(ing: Ingestion) -> None:
    cap = ing.cap("three_classrooms")
    classes = [op("class.session", school="S1", when=at(8), duration=1200, classroom_id=f"R{n}")
               for n in range(cap + 1)]
    other = op("class.session", school="S2", when=at(8), duration=1200, classroom_id="R0")
    assert ing.send("online-classroom", [*classes, other]) == [Q] * cap + [CAPPED, Q]
    assert ing.send("online-classroom", [op("class.session", school="S1", when=at(8, day=11), duration=1200,
                                            classroom_id="R0")]) == [Q]


# --- pending reports resolved by a roster import ----------------------------------------------------------

def test_pending_reports_are_resolved_with_overlap_and_cap_in_the_order_received(ing: Ingestion) -> None:
    cap = ing.cap("lesson_prep")
    assert ing.send("seewo-easinote5", [
        session("T9", at(10), 45, id="p1"),
        session("T9", at(10, 15), 15, id="p2"),  # overlaps p1
        session("T9", at(10, 45), 15, id="p3"),
    ]) == [("pending", "teacher_id 'T9' is not on the roster yet")] * 3
    assert {s for s, _ in ing.send("hite-pi6", [op("lesson.create", teacher="T9", when=at(8), id=f"l{n}")
                                                for n in range(cap + 1)])} == {"pending"}
    resolved = ing.roster(row("T9", "S9", county_code="C9"))
    assert resolved == {"qualified": 2 + cap, "not_qualified": 2}
    assert [ing.stored("seewo-easinote5", i) for i in ("p1", "p2", "p3")] == [Q, OVERLAP, Q]
    assert ing.stored("hite-pi6", f"l{cap - 1}") == Q
    assert ing.stored("hite-pi6", f"l{cap}") == CAPPED
    # and what they brought counts against what comes next
    assert ing.send("hite-pi6", [session("T9", at(10, 40), 15), op("lesson.create", teacher="T9", when=at(20))]) == [
        OVERLAP, CAPPED]


def test_pending_reports_count_against_what_qualified_before_them(ing: Ingestion) -> None:
    cap = ing.cap("lesson_prep")
    assert ing.send("hite-pi6", [op("lesson.create", teacher="T3", when=at(8)) for _ in range(cap - 1)]) == (
        [Q] * (cap - 1))
    assert ing.send("seewo-easinote5", [session("T3", at(10), 45)]) == [Q]
    ing.roster(row("T1", "S1"), row("T2", "S1"), row("T4", "S2", county_code="C2"), full=True)  # T3 leaves C2
    results = ing.send("hite-pi6", [
        op("lesson.create", teacher="T3", when=at(9), id="back1"),
        op("lesson.create", teacher="T3", when=at(9), id="back2"),
        session("T3", at(10, 30), 30, id="back3"),
        session("T3", at(10, 45), 30, id="back4"),
    ])
    assert {s for s, _ in results} == {"pending"}
    ing.roster(row("T1", "S1"), row("T2", "S1"), row("T3", "S2", county_code="C2"), full=True)  # T3 returns
    assert [ing.stored("hite-pi6", i) for i in ("back1", "back2", "back3", "back4")] == [Q, CAPPED, OVERLAP, Q]


# --- the review list in the settled reports ---------------------------------------------------------------

MONTH = "2026-09"
REGION = ("640000", "宁夏回族自治区")


def test_a_settled_month_shows_the_review_list_in_the_school_and_county_reports(runtime: Runtime) -> None:
    """20 teachers in 6 schools of 2 counties. T01 prepares 24 lessons (12 on each of two days), T02 3, T03 1:
    lesson_prep average 28/20 = 1.4, 5 x 1.4 = 7; the top 0.1 % of 20 is 1 teacher: T01 (ratio 24/1.4 = 17.14).
    School affairs: S6 10 records, S1 1 -> average 11/6, 5 x that = 9.17; S6 is the top school."""
    ing = Ingestion(runtime)
    schools = {"S1": "C1", "S2": "C1", "S3": "C1", "S4": "C2", "S5": "C2", "S6": "C2"}
    codes = list(schools)
    ing.roster(*[row(f"T{n:02d}", codes[(n - 1) % 6], county_code=schools[codes[(n - 1) % 6]])
                 for n in range(1, 21)], full=True)
    lessons = [op("lesson.create", teacher="T01", when=at(8, day=d)) for d in (3, 4) for _ in range(12)]
    lessons += [op("lesson.create", teacher="T02", when=at(8)) for _ in range(3)]
    lessons += [op("lesson.create", teacher="T03", when=at(8))]
    assert {s for s, _ in ing.send("hite-pi6", lessons)} == {"qualified"}
    affairs = [op("affair.record", school="S6", when=at(9), kind="notice") for _ in range(10)]
    affairs += [op("affair.record", school="S1", when=at(9), kind="meeting")]
    assert {s for s, _ in ing.send("school-affairs", affairs)} == {"qualified"}
    settle_month(runtime.database, runtime.ruleset, Month.parse(MONTH), REGION, NOW)

    with runtime.database.read() as connection:
        s1 = report(connection, "school", "S1", MONTH)
        s2 = report(connection, "school", "S2", MONTH)
        c1 = report(connection, "county", "C1", MONTH)
        c2 = report(connection, "county", "C2", MONTH)
        city = report(connection, "city", "Y1", MONTH)
    t01 = {"teacher_id": "T01", "teacher_name": "教师T01", "indicator": "lesson_prep", "indicator_name": "线上备课",
           "count": 24, "average": 1.4, "ratio": 17.14}
    assert s1["review"] == [t01]
    assert s2["review"] == []  # T02 is above 5 x the average but not in the top 0.1 %
    assert c1["review"] == [{"level": "teacher", **t01, "school_code": "S1"}]
    assert c2["review"] == [{"level": "school", "school_code": "S6", "school_name": "学校S6",
                             "indicator": "school_affairs", "indicator_name": "校务管理", "count": 10,
                             "average": 1.8333, "ratio": 5.45}]
    assert "review" not in city

    console = Console(record=True, width=160)
    console.print(render("county", c1))
    console.print(render("school", s2))
    text = console.export_text()
    assert text.count("待核查") == 1 and "T01" in text and "线上备课" in text and "17.14" in text
