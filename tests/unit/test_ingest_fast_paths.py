"""The ingestion path's quicker ways of working out what it stores agree with the plain ways they replace.

Local days (cached per date), stored instants (SQLite text), fingerprints (the canonical JSON written a field
at a time), the limits worked out once per ``now``, and catalog entries looked up once per local month.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from jifen.domain.operations import Outcome, Report
from jifen.domain.periods import Month
from jifen.ingest import antigaming
from jifen.ingest.idempotency import payload_sha256
from jifen.ingest.qualify import check_fields, outside_retention, resolve_action
from jifen.ingest.catalog import Catalog
from jifen.rules.loader import load_shipped
from jifen.rules.schema import RuleSet
from jifen.store import operations as repo

# Shanghai (no DST since 1991, but DST before), zones with DST, half- and quarter-hour offsets, and UTC.
ZONES = [ZoneInfo(name) for name in ("Asia/Shanghai", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
                                     "Pacific/Chatham", "Europe/London", "UTC")]
OFFSETS = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5)), timezone(timedelta(hours=13, minutes=45))]
RULES = load_shipped("ningxia-2022").rules

instants = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2100, 12, 30),
                        timezones=st.sampled_from([*OFFSETS, *ZONES]))


def _month_edges() -> list[datetime]:
    """Instants a microsecond and a second either side of local midnight on the 1st of each month, 1985-2030."""
    edges = []
    for tz in ZONES:
        for year in range(1985, 2031):
            for month in range(1, 13):
                midnight = datetime(year, month, 1, tzinfo=tz).astimezone(UTC)
                edges += [midnight + timedelta(microseconds=d) for d in (-1_000_000, -1, 0, 1, 1_000_000)]
    return edges


def test_local_days_agree_with_zoneinfo_around_every_month_and_year_boundary() -> None:
    for moment in _month_edges():
        for tz in ZONES:
            expected = moment.astimezone(tz).date().isoformat()
            assert antigaming.local_day(moment, tz) == expected, (moment, tz)
            assert antigaming.day_text(moment.astimezone(tz)) == expected


@settings(max_examples=500, deadline=None)
@given(instants, st.sampled_from(ZONES))
def test_local_days_agree_with_zoneinfo(moment: datetime, tz: ZoneInfo) -> None:
    assert antigaming.local_day(moment, tz) == moment.astimezone(tz).date().isoformat()


@settings(max_examples=300, deadline=None)
@given(instants, st.floats(0, 2 * 86400), st.sampled_from(ZONES))
def test_the_days_a_session_can_have_begun_on_are_the_local_days_from_a_day_before(
        start: datetime, duration: float, tz: ZoneInfo) -> None:
    span = antigaming.Span.of(start, duration)
    first = (span.start - antigaming.LONGEST_SESSION).astimezone(tz).date()
    last = span.end.astimezone(tz).date()
    assert span.start_days(tz) == [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9998, 12, 30), timezones=st.sampled_from(
    [*OFFSETS, *ZONES])))
def test_stored_instants_are_the_text_sqlalchemy_would_write(moment: datetime) -> None:
    expected = moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    assert repo._sqlite_instant(moment) == expected
    write = repo._sqlite_instants()
    assert write(moment) == expected
    assert write(moment) == expected  # remembered
    assert write(None) is None
    assert write(moment + timedelta(microseconds=1)) != expected


_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=12) | st.sampled_from(
    ["\ud800", "\u2028", "\x1f", "é", "教师", '"\\'])
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | _text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_text, children, max_size=3),
    max_leaves=8,
)


@st.composite
def reports(draw: st.DrawFn) -> Report:
    duration = draw(st.none() | st.integers(0, 86400) | st.floats(0, 86400) | st.integers(-(2**70), 2**70))
    return Report(draw(_text), draw(_text), draw(instants), draw(st.none() | _text), draw(st.none() | _text),
                  duration, draw(st.dictionaries(_text, _json, max_size=4)))


def _reference_sha256(report: Report) -> str:
    """payload_sha256 as first written: the canonical JSON of the normalised envelope as a dict."""
    duration: Any = report.duration_s
    if isinstance(duration, float) and duration.is_integer():
        duration = int(duration)
    normalised = {"id": report.id, "action": report.action,
                  "occurred_at": report.occurred_at.astimezone(UTC).isoformat(), "teacher_id": report.teacher_id,
                  "school_id": report.school_id, "duration_s": duration, "attributes": report.attributes}
    text = json.dumps(normalised, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@settings(max_examples=500, deadline=None)
@given(reports())
def test_fingerprints_are_the_canonical_json_of_the_normalised_envelope(report: Report) -> None:
    assert payload_sha256(report) == _reference_sha256(report)


@settings(max_examples=300, deadline=None)
@given(instants, instants, st.integers(0, 30))
def test_the_retention_window_is_the_plain_month_arithmetic(occurred: datetime, now: datetime, months: int) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    local, today = occurred.astimezone(tz), now.astimezone(tz)
    inside = (today.year * 12 + today.month) - (local.year * 12 + local.month) <= months
    assert (outside_retention(occurred, now, tz, months) is None) is inside


def test_the_future_tolerance_ends_exactly_at_now_plus_the_tolerance() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    rule = RULES.app("hite-pi6").action("teaching.session")  # type: ignore[union-attr]
    assert rule is not None
    for now in (datetime(2026, 10, 2, tzinfo=UTC), datetime(2026, 10, 2, 3, tzinfo=timezone(timedelta(hours=8)))):
        for tolerance, said in ((0, "0 seconds"), (30, "30 seconds"), (60, "1 minute"), (300, "5 minutes")):
            latest = now + timedelta(seconds=tolerance)
            on_time = Report("a", "teaching.session", latest, "T1", None, 1200)
            late = Report("b", "teaching.session", latest + timedelta(microseconds=1), "T1", None, 1200)
            assert check_fields(on_time, rule, tz, now, tolerance) is None
            assert check_fields(late, rule, tz, now, tolerance) == f"occurred_at is more than {said} in the future"


def test_catalog_entries_follow_the_rule_set_of_the_reports_local_month() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    october = RULES.model_copy(update={"apps": [a for a in RULES.apps if a.code != "hite-pi6"]})
    asked: list[Month] = []

    def rules_for(month: Month) -> RuleSet:
        asked.append(month)
        return october if month >= Month(2026, 10) else RULES

    catalog = Catalog(rules_for)
    september_end = datetime(2026, 9, 30, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    october_start = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # 00:00 on 1 October in Shanghai
    for moment, rules in ((september_end, RULES), (october_start, october), (september_end, RULES)):
        report = Report("x", "teaching.session", moment, "T1", None, 1200)
        entry = catalog.entry(moment.astimezone(tz), "hite-pi6", report.action)
        assert entry == resolve_action(rules, "hite-pi6", report)
    assert isinstance(catalog.entry(october_start.astimezone(tz), "hite-pi6", "teaching.session"), Outcome)
    assert asked == [Month(2026, 9), Month(2026, 10)]  # each month's rule set asked once
