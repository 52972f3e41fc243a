"""The ingestion service: a batch of app reports in, one result per item out, all stored in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from jifen.domain.operations import Outcome, Report, Status
from jifen.domain.periods import Month
from jifen.ingest import antigaming, batches
from jifen.ingest.idempotency import payload_sha256, same_content
from jifen.ingest.inbound import Malformed, item_id, parse_item
from jifen.ingest.qualify import check_fields, qualify, resolve_action, subject_of
from jifen.ingest.results import ItemResult, conflict, duplicate
from jifen.rules.schema import ActionRule, Indicator, RuleSet
from jifen.store import operation_counts
from jifen.store import operations as repo
from jifen.store import roster as roster_repo
from jifen.store.database import Database

INGEST_LOCK = 0x4A4946454E  # "JIFEN": one writer of qualification history at a time


@dataclass
class BatchHistory:
    """What was qualified before: the database as prefetched for this batch, plus this batch so far."""

    contents: set[str] = field(default_factory=set)
    counted: set[tuple[str, str, int]] = field(default_factory=set)
    usage: antigaming.Usage = field(default_factory=antigaming.Usage)  # sessions and daily counts

    def content_seen(self, sha256: str) -> bool:
        return sha256 in self.contents

    def counted_in_year(self, teacher_id: str, indicator: str, year: int) -> bool:
        return (teacher_id, indicator, year) in self.counted

    def record(self, report: Report, rule: ActionRule, indicator: Indicator, tz: ZoneInfo) -> list[str]:
        """Remember a qualified report; returns its content hashes."""
        self.usage.record(report, rule, indicator, tz)
        hashes = [_content_key(report.value(f)) for f in rule.content_fields]
        self.contents.update(hashes)
        if report.teacher_id:
            self.counted.add((report.teacher_id, rule.indicator, report.occurred_at.astimezone(tz).year))
        return hashes


def _content_key(value: Any) -> str:
    return str(value).strip().lower()


@dataclass(frozen=True)
class _Candidate:
    index: int
    report: Report
    rule: ActionRule
    indicator: Indicator


class Ingest:
    def __init__(self, database: Database, rules: RuleSet | Callable[[Month], RuleSet], tz: ZoneInfo, *,
                 future_tolerance_s: int = 300, retention_months: int | None = None) -> None:
        """``rules`` is one rule set, or the rule set in force for a month (reports follow their month's).
        With ``retention_months``, reports older than the retention window are rejected (see qualify)."""
        self.database = database
        self.rules_for: Callable[[Month], RuleSet] = (lambda _month: rules) if isinstance(rules, RuleSet) else rules
        self.tz = tz
        self.future_tolerance_s = future_tolerance_s
        self.retention_months = retention_months

    def submit(self, app_code: str, items: list[Any], now: datetime, *, batch_id: str | None = None
               ) -> list[ItemResult]:
        """One result per item. With a batch id, a replay of it gets the first answer (jifen.ingest.batches)."""
        with self.database.transaction() as connection, self.database.lock(connection, INGEST_LOCK):
            if batch_id is None:
                return self._submit(connection, app_code, items, now)
            return batches.once(connection, app_code, batch_id, items, now,
                                lambda: self._submit(connection, app_code, items, now))

    def _submit(self, connection: Connection, app_code: str, items: list[Any], now: datetime) -> list[ItemResult]:
        results: list[ItemResult | None] = [None] * len(items)
        earlier = repo.existing(connection, app_code, [i for i in map(item_id, items) if i])
        claimed: dict[str, ItemResult] = {}
        fingerprints: dict[str, str] = {}  # id -> payload_sha256 of the item that claimed it in this batch
        repeats: dict[int, str] = {}
        candidates: list[_Candidate] = []
        rejections: list[dict[str, Any]] = []
        for index, raw in enumerate(items):
            ident = item_id(raw)
            if ident is not None and ident in earlier:
                first = earlier[ident]
                answer = duplicate if same_content(first.payload_sha256, _fingerprint(raw)) else conflict
                results[index] = answer(ident, first.indicator, first.status)
                continue
            if ident is not None and ident in claimed:
                repeats[index] = ident
                continue
            checked = self._check(app_code, raw, now)
            if isinstance(checked, Outcome):
                results[index] = ItemResult(ident, checked.status, checked.indicator, checked.reason)
                rejections.append(_rejection(app_code, ident, raw, checked, now))
                continue
            report, rule, indicator = checked
            claimed[report.id] = ItemResult(report.id, Status.PENDING, indicator.code)  # settled below
            fingerprints[report.id] = payload_sha256(report)
            candidates.append(_Candidate(index, report, rule, indicator))
        history = self._history(connection, [(c.report, c.rule, c.indicator) for c in candidates])
        known = self._known_subjects(connection, candidates)
        rows: list[dict[str, Any]] = []
        hashes: list[list[str]] = []
        for candidate in candidates:
            report, rule = candidate.report, candidate.rule
            if subject_of(report, candidate.indicator) not in known[candidate.indicator.subject]:
                outcome = Outcome(Status.PENDING, rule.indicator, f"{_subject_field(candidate.indicator)} "
                                  f"{subject_of(report, candidate.indicator)!r} is not on the roster yet")
            else:
                outcome = self._qualify(report, rule, candidate.indicator, history)
            qualified = outcome.status == Status.QUALIFIED
            hashes.append(history.record(report, rule, candidate.indicator, self.tz) if qualified else [])
            results[candidate.index] = ItemResult(report.id, outcome.status, outcome.indicator, outcome.reason)
            claimed[report.id] = results[candidate.index]  # type: ignore[assignment]
            rows.append(self._row(app_code, report, outcome, now))
        for index, ident in repeats.items():
            first = claimed[ident]
            answer = duplicate if fingerprints[ident] == _fingerprint(items[index]) else conflict
            results[index] = answer(ident, first.indicator, first.status)
        ids = repo.insert(connection, rows)
        operation_counts.apply(connection, operation_counts.deltas(
            (r["teacher_id"], r["school_code"], r["month"], r["indicator"])
            for r in rows if r["status"] == Status.QUALIFIED
        ))
        repo.add_contents(connection, [(h, op_id) for op_id, hs in zip(ids, hashes, strict=True) for h in hs])
        repo.add_rejections(connection, rejections)
        return [r for r in results if r is not None]

    def _check(self, app_code: str, raw: Any, now: datetime) -> Outcome | tuple[Report, ActionRule, Indicator]:
        parsed = parse_item(raw)
        if isinstance(parsed, Malformed):
            return Outcome(Status.REJECTED, None, parsed.reason)
        resolved = resolve_action(self.rules_for(Month.of(parsed.occurred_at, self.tz)), app_code, parsed)
        if isinstance(resolved, Outcome):
            return resolved
        rule, indicator = resolved
        reason = check_fields(parsed, rule, self.tz, now, self.future_tolerance_s, self.retention_months)
        if reason:
            return Outcome(Status.REJECTED, indicator.code, reason)
        return parsed, rule, indicator

    def _qualify(self, report: Report, rule: ActionRule, indicator: Indicator, history: BatchHistory) -> Outcome:
        """The conditions first (duplicate content, first of the year among them), then overlap and daily cap."""
        outcome = qualify(report, rule, history, self.tz)
        if outcome.status != Status.QUALIFIED:
            return outcome
        reason = history.usage.check(report, rule, indicator, self.tz)
        return Outcome(Status.NOT_QUALIFIED, rule.indicator, reason) if reason else outcome

    def _history(self, connection: Connection, entries: list[tuple[Report, ActionRule, Indicator]]) -> BatchHistory:
        reports, rules = [e[0] for e in entries], [e[1] for e in entries]
        wanted = [_content_key(r.value(f)) for r, rule in zip(reports, rules, strict=True) for f in rule.content_fields]
        history = BatchHistory(contents=repo.seen_contents(connection, wanted), usage=self._usage(connection, entries))
        yearly = {rule.indicator for rule in rules if rule.once_a_year}
        for indicator in yearly:
            teachers = [r.teacher_id for r, rule in zip(reports, rules, strict=True)
                        if rule.indicator == indicator and r.teacher_id]
            history.counted.update(
                (tid, indicator, year) for tid, year in repo.assessed_years(connection, teachers, indicator)
            )
        return history

    def _usage(self, connection: Connection, entries: list[tuple[Report, ActionRule, Indicator]]) -> antigaming.Usage:
        """Sessions and day counts qualified before, for the teachers, schools and local days of these reports."""
        usage = antigaming.Usage()
        wanted = usage.prepare(entries, self.tz)
        sessions: dict[tuple[str, str, str], bool] = {}  # (month, app, action) -> a teacher's session
        for row in repo.qualified_with_duration(connection, wanted.session_teachers, wanted.session_days):
            key = (row.day[:7], row.app_code, row.action)
            if key not in sessions:
                rules = self.rules_for(Month.parse(key[0]))
                sessions[key] = antigaming.teacher_session(rules, row.app_code, row.action)
            if sessions[key]:
                usage.add_session(row.teacher_id, row.day, antigaming.Span.of(row.occurred_at, row.duration_s))
        for subject, column in (("teacher", "teacher_id"), ("school", "school_code")):
            for code, indicator, day, count in repo.qualified_per_day(
                connection, column, wanted.cap_subjects[subject], wanted.capped[subject], wanted.cap_days[subject]
            ):
                usage.daily[(code, indicator, day)] += count
        return usage

    def _known_subjects(self, connection: Connection, candidates: list[_Candidate]) -> dict[str, set[str]]:
        teacher_ids = [c.report.teacher_id for c in candidates if c.indicator.subject == "teacher"]
        school_ids = [c.report.school_id for c in candidates if c.indicator.subject == "school"]
        return {
            "teacher": roster_repo.active_teachers(connection, [t for t in teacher_ids if t]),
            "school": roster_repo.active_schools(connection, [s for s in school_ids if s]),
        }

    def _row(self, app_code: str, report: Report, outcome: Outcome, now: datetime) -> dict[str, Any]:
        return {
            "app_code": app_code,
            "external_id": report.id,
            "action": report.action,
            "indicator": outcome.indicator,
            "teacher_id": report.teacher_id,
            "school_code": report.school_id,
            "occurred_at": report.occurred_at,
            "month": str(Month.of(report.occurred_at, self.tz)),
            "day": report.occurred_at.astimezone(self.tz).date().isoformat(),
            "ends_at": report.ends_at,
            "duration_s": report.duration_s,
            "attributes": report.attributes,
            "status": str(outcome.status),
            "reason": outcome.reason,
            "received_at": now,
            "payload_sha256": payload_sha256(report),
        }

    def resolve_pending(self, connection: Connection) -> dict[str, int]:
        """Qualify pending reports whose teacher or school is now on the roster, in the order received."""
        waiting = repo.pending(connection)
        resolved: dict[str, int] = {}
        if not waiting:
            return resolved
        entries: list[tuple[repo.Stored, Report, ActionRule, Indicator]] = []
        for stored in waiting:
            report = Report(stored.external_id, stored.action, stored.occurred_at, stored.teacher_id,
                            stored.school_code, stored.duration_s, stored.attributes)
            resolved_action = resolve_action(self.rules_for(Month.of(stored.occurred_at, self.tz)), stored.app_code, report)
            if isinstance(resolved_action, Outcome):
                continue
            entries.append((stored, report, *resolved_action))
        teacher_ids = roster_repo.active_teachers(connection, [e[1].teacher_id for e in entries if e[1].teacher_id])
        school_ids = roster_repo.active_schools(connection, [e[1].school_id for e in entries if e[1].school_id])
        known = {"teacher": teacher_ids, "school": school_ids}
        ready = [e for e in entries if subject_of(e[1], e[3]) in known[e[3].subject]]
        history = self._history(connection, [(e[1], e[2], e[3]) for e in ready])
        contents: list[tuple[str, int]] = []
        qualified: list[repo.Stored] = []
        for stored, report, rule, indicator in ready:
            outcome = self._qualify(report, rule, indicator, history)
            if outcome.status == Status.QUALIFIED:
                qualified.append(stored)
                contents.extend((h, stored.id) for h in history.record(report, rule, indicator, self.tz))
            repo.set_outcome(connection, stored.id, str(outcome.status), outcome.reason)
            resolved[str(outcome.status)] = resolved.get(str(outcome.status), 0) + 1
        repo.add_contents(connection, contents)
        operation_counts.apply(connection, operation_counts.deltas(s.counted for s in qualified))
        return resolved


def _subject_field(indicator: Indicator) -> str:
    return "teacher_id" if indicator.subject == "teacher" else "school_id"


def _fingerprint(raw: Any) -> str | None:
    """The payload_sha256 of an item as sent; None when it is not a well-formed report (so it matches nothing)."""
    parsed = parse_item(raw)
    return None if isinstance(parsed, Malformed) else payload_sha256(parsed)


def _rejection(app_code: str, ident: str | None, raw: Any, outcome: Outcome, now: datetime) -> dict[str, Any]:
    action = raw.get("action") if isinstance(raw, dict) and isinstance(raw.get("action"), str) else None
    if action is not None and "\x00" in action:
        action = None  # PostgreSQL text cannot hold U+0000; the payload keeps it, escaped
    return {"app_code": app_code, "external_id": ident, "action": action and action[:64],
            "indicator": outcome.indicator, "payload": raw if isinstance(raw, dict) else {"item": raw},
            "reason": outcome.reason or "", "received_at": now}
