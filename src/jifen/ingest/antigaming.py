"""Anti-gaming at ingestion: a teacher's overlapping sessions count once, and so do a school room's (an action
with a ``room``: 在线课堂's classroom); an indicator's daily cap.

Pure. Both checks run after a report has met its conditions (duration, duplicate content, first of the
year), overlap first, then the daily cap. What qualified before is a ``Usage``: prefetched from the database
for a batch, then kept up to date as the batch is qualified in the order its reports were received.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from jifen.domain.operations import Report
from jifen.ingest.qualify import subject_of
from jifen.rules.conditions import room_key, walk
from jifen.rules.schema import ActionRule, Indicator, RuleSet

OVERLAP = "overlap"
DAILY_CAP = "daily_cap"
# For overlap, a session reported as longer than a day is taken as a day long: no real class lasts that
# long, and it bounds the sessions a report is compared with to those begun since the day before.
LONGEST_SESSION = timedelta(hours=24)
_LONGEST_SESSION_S = LONGEST_SESSION.total_seconds()


def is_session(rule: ActionRule) -> bool:
    """An action with a duration: one of its conditions reads ``duration_s`` (teaching.session, ...)."""
    roots = [*rule.requires, *([rule.qualifies] if rule.qualifies is not None else [])]
    return any(getattr(c, "field", None) == "duration_s" for root in roots for c in walk(root))


def teacher_session(rules: RuleSet, app_code: str, action: str) -> bool:
    """Whether a stored report of this app and action is a teacher's session."""
    app = rules.app(app_code)
    rule = app.action(action) if app else None
    return rule is not None and rules.indicator(rule.indicator).subject == "teacher" and is_session(rule)


def local_day(moment: datetime, tz: ZoneInfo) -> str:
    """The local date, as stored in ``operations.day``."""
    return _iso_date(moment.astimezone(tz).toordinal())


def day_text(local: datetime) -> str:
    """The date of a local time as stored in ``operations.day``, for a caller that has the local time already."""
    return _iso_date(local.toordinal())


@lru_cache(maxsize=4096)
def _iso_date(ordinal: int) -> str:
    """'YYYY-MM-DD' of a proleptic Gregorian ordinal: the reports of a batch fall on few days, each written once."""
    return date.fromordinal(ordinal).isoformat()


class Span(NamedTuple):
    """A session's time, ``[start, end)``: sessions that only touch (one ends as the next starts) do not overlap.

    A tuple, like Facts: one is made for every session stored or received."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, start: datetime, duration_s: float) -> Span:
        return cls(start, start + timedelta(seconds=min(duration_s, _LONGEST_SESSION_S)))

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def start_days(self, tz: ZoneInfo) -> list[str]:
        """The local days on which a session overlapping this one can have begun."""
        first = (self.start - LONGEST_SESSION).astimezone(tz).toordinal()
        last = self.end.astimezone(tz).toordinal()
        return [_iso_date(n) for n in range(first, last + 1)]


Owner = str | tuple[str, str]  # whose time a session takes: a teacher's id, or (school code, room)


def room_of(report: Report, rule: ActionRule) -> tuple[str, str] | None:
    """(school code, room) of a school's session held in a room (see ActionRule.room); None otherwise."""
    if rule.room is None or not report.school_id:
        return None
    room = room_key(report.value(rule.room))
    return (report.school_id, room) if room is not None else None


def session_owner(report: Report, rule: ActionRule, indicator: Indicator, session: bool | None = None
                  ) -> Owner | None:
    """Whose time a session report takes: the teacher's, or a school room's when its action names a room; None
    for other reports. A school's sessions without a room are no one's: a school runs many classes at once.
    ``session``: is_session(rule), if known."""
    if report.duration_s is None or not (is_session(rule) if session is None else session):
        return None
    if indicator.subject == "teacher":
        return report.teacher_id or None
    return room_of(report, rule)


class Facts(NamedTuple):
    """What the checks need of one report, worked out once (a tuple: made for every report, and cheaply)."""

    owner: Owner | None  # set for a teacher's or a room's session
    span: Span | None
    span_days: tuple[str, ...]  # the local days on which an overlapping session can have begun
    subject: str | None  # the teacher or school, when the indicator has a daily cap
    indicator: str
    day: str  # local
    cap: int | None

    @classmethod
    def of(cls, report: Report, rule: ActionRule, indicator: Indicator, tz: ZoneInfo,
           session: bool | None = None) -> Facts:
        owner = session_owner(report, rule, indicator, session)
        span = Span.of(report.occurred_at, report.duration_s) if owner is not None and report.duration_s else None
        cap = indicator.daily_cap.count if indicator.daily_cap is not None else None
        return cls(owner if span else None, span, tuple(span.start_days(tz)) if span else (),
                   subject_of(report, indicator) if cap else None, indicator.code, local_day(report.occurred_at, tz),
                   cap)


@dataclass(frozen=True)
class Lookup:
    """What to prefetch for a batch: the teachers' and rooms' sessions that overlap its sessions, and the day
    counts of the capped indicators per subject (``teacher`` or ``school``)."""

    session_windows: set[tuple[str, str, datetime, datetime]]  # (teacher, a day a session may begin, start, end)
    capped: dict[str, set[tuple[str, str, str]]]  # subject -> (teacher id or school code, indicator, local day)
    room_windows: set[tuple[str, str, datetime]] = field(default_factory=set)  # (school, a day it may begin, start)


@dataclass
class Usage:
    """Qualified so far: teachers' and rooms' sessions by local start day, and counts per (subject, indicator,
    local day)."""

    sessions: defaultdict[tuple[Owner, str], list[Span]] = field(default_factory=lambda: defaultdict(list))
    daily: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    _prepared: dict[int, tuple[Report, Facts]] = field(default_factory=dict, repr=False)

    def prepare(self, entries: list[tuple[Report, ActionRule, Indicator]], tz: ZoneInfo,
                known: list[Facts] | None = None) -> Lookup:
        """Work out each report's facts once (``known``: already worked out, in the order of ``entries``); returns
        what to prefetch for them."""
        found = Lookup(set(), defaultdict(set))
        sessions: dict[int, bool] = {}  # id(rule) -> is_session(rule); the rules outlive this loop
        for n, (report, rule, indicator) in enumerate(entries):
            if known is not None:
                facts = known[n]
            else:
                if id(rule) not in sessions:
                    sessions[id(rule)] = is_session(rule)
                facts = Facts.of(report, rule, indicator, tz, sessions[id(rule)])
            self._prepared[id(report)] = (report, facts)
            if isinstance(facts.owner, str) and facts.span:
                span = facts.span
                found.session_windows.update((facts.owner, day, span.start, span.end) for day in facts.span_days)
            elif facts.owner and facts.span:
                found.room_windows.update((facts.owner[0], day, facts.span.start) for day in facts.span_days)
            if facts.subject:
                found.capped[indicator.subject].add((facts.subject, indicator.code, facts.day))
        return found

    def add_session(self, owner: Owner, day: str, span: Span) -> None:
        self.sessions[(owner, day)].append(span)

    def check(self, report: Report, rule: ActionRule, indicator: Indicator, tz: ZoneInfo) -> str | None:
        """``overlap`` or ``daily_cap`` for a report that met its conditions; None when it still qualifies."""
        facts = self._facts(report, rule, indicator, tz)
        if facts.owner and facts.span and any(
                facts.span.overlaps(other) for day in facts.span_days
                for other in self.sessions.get((facts.owner, day), ())):
            return OVERLAP
        if facts.subject and facts.cap is not None and self.daily[(facts.subject, facts.indicator, facts.day)] >= (
                facts.cap):
            return DAILY_CAP
        return None

    def record(self, report: Report, rule: ActionRule, indicator: Indicator, tz: ZoneInfo) -> None:
        """Remember a report that qualified."""
        facts = self._facts(report, rule, indicator, tz)
        if facts.owner and facts.span:
            self.add_session(facts.owner, facts.day, facts.span)
        if facts.subject:
            self.daily[(facts.subject, facts.indicator, facts.day)] += 1

    def _facts(self, report: Report, rule: ActionRule, indicator: Indicator, tz: ZoneInfo) -> Facts:
        prepared = self._prepared.get(id(report))
        if prepared is not None and prepared[0] is report:
            return prepared[1]
        return Facts.of(report, rule, indicator, tz)
