"""The ingestion service: a batch of app reports in, one result per item out, all stored in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from jifen.access.tokens import UNKNOWN_APP_TOKEN
from jifen.domain.appeals import State as AppealState
from jifen.domain.operations import Outcome, Report, Status
from jifen.errors import JifenError, Unauthorized
from jifen.domain.periods import Month
from jifen.ingest import antigaming, batches
from jifen.ingest.idempotency import payload_sha256, same_content
from jifen.ingest.inbound import Malformed, item_id, parse_item, storable
from jifen.ingest.catalog import Catalog
from jifen.ingest.qualify import check_fields, qualify, resolve_action, subject_of, time_problem, with_subject
from jifen.ingest.results import ItemResult, conflict, duplicate
from jifen.rules.schema import ActionRule, Indicator, RuleSet
from jifen.store import access as access_repo
from jifen.store import appeals as appeals_repo
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


# The two below are tuples rather than frozen dataclasses: one of each is made for every item.

class _Checked(NamedTuple):
    """An item as far as it can be judged without the database: its id, and its report with the catalog entry
    and its local day, or the rejection; ``fingerprint`` is the payload_sha256 of a well-formed report (None
    otherwise)."""

    app_code: str
    raw: Any
    ident: str | None
    verdict: Outcome | tuple[Report, ActionRule, Indicator, str, antigaming.Facts]
    fingerprint: str | None


class _Candidate(NamedTuple):
    position: int  # in the entries judged
    app_code: str
    report: Report
    rule: ActionRule
    indicator: Indicator
    fingerprint: str  # payload_sha256
    day: str  # local, as stored in operations.day
    facts: antigaming.Facts  # what the overlap and cap checks read of it, worked out before the lock


@dataclass(frozen=True)
class Submission:
    """One request's items from one app, with its batch id when it carried one, and the hash of its app token
    when the token was taken from memory (jifen.access.service.KnownAppTokens): the group's transaction checks it
    before storing anything, and a token that is no longer there is answered 401."""

    app_code: str
    items: list[Any]
    batch_id: str | None = None
    token_sha256: str | None = None


Answer = list[ItemResult] | Exception  # a submission's results, or the error it alone is answered with


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
        answer = self.submit_group([Submission(app_code, items, batch_id)], now)[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def submit_group(self, submissions: list[Submission], now: datetime) -> list[Answer]:
        """Several submissions in one transaction, judged in order as if one after the other (group commit).

        Should the shared transaction fail, each submission is tried again in a transaction of its own, so one
        request's failure is never another's."""
        try:
            catalog = Catalog(self.rules_for)
            checked = [[self._checked(s.app_code, raw, now, catalog) for raw in s.items]
                       for s in submissions]  # no lock held
            with self.database.transaction() as connection, self.database.lock(connection, INGEST_LOCK):
                return self._group(connection, submissions, checked, now)
        except Exception:
            if len(submissions) == 1:
                raise
        return [self._alone(submission, now) for submission in submissions]

    def _alone(self, submission: Submission, now: datetime) -> Answer:
        try:
            return self.submit_group([submission], now)[0]
        except Exception as error:  # noqa: BLE001 - this submission's answer, not its neighbours'
            return error

    def _group(self, connection: Connection, submissions: list[Submission], checked: list[list[_Checked]],
               now: datetime) -> list[Answer]:
        answers: list[Answer | None] = [None] * len(submissions)
        fresh: list[int] = []
        first_of: dict[tuple[str, str], int] = {}  # (app, batch id) -> the submission that carries it here
        digests: dict[int, str] = {}
        tokens = [s.token_sha256 for s in submissions if s.token_sha256 is not None]
        holders = access_repo.apps_for_tokens(connection, tokens) if tokens else {}
        for index, submission in enumerate(submissions):
            if submission.token_sha256 is not None and holders.get(submission.token_sha256) != submission.app_code:
                answers[index] = Unauthorized(UNKNOWN_APP_TOKEN)
                continue
            if submission.batch_id is None:
                fresh.append(index)
                continue
            digests[index] = batches.batch_sha256([entry.fingerprint for entry in checked[index]], submission.items)
            key = (submission.app_code, submission.batch_id)
            if key in first_of:
                continue  # a replay inside this group: answered below, from the first
            try:
                answers[index] = batches.replayed(connection, *key, digests[index],
                                                  lambda items=submission.items: batches.request_sha256(items))
            except JifenError as error:
                answers[index] = error
            if answers[index] is None:
                first_of[key] = index
                fresh.append(index)
        results = self._submit(connection, [item for i in fresh for item in checked[i]], now)
        offset = 0
        for index in fresh:
            submission = submissions[index]
            answers[index] = results[offset : offset + len(submission.items)]
            offset += len(submission.items)
            if submission.batch_id is not None:
                batches.remember(connection, submission.app_code, submission.batch_id, digests[index],
                                 results[offset - len(submission.items) : offset], now)
        for index, submission in enumerate(submissions):
            if answers[index] is None:  # a replay of a batch first sent in this group
                first = first_of[(submission.app_code, submission.batch_id or "")]
                same = digests[first] == digests[index]
                answers[index] = answers[first] if same else batches.conflict(submission.batch_id or "")
        return [a for a in answers if a is not None]

    def _checked(self, app_code: str, raw: Any, now: datetime, catalog: Catalog) -> _Checked:
        """Everything about an item that needs no database: worked out before the writers' lock is taken."""
        parsed = parse_item(raw)
        if isinstance(parsed, Malformed):
            return _Checked(app_code, raw, item_id(raw), Outcome(Status.REJECTED, None, parsed.reason), None)
        return _Checked(app_code, raw, parsed.id, self._check(app_code, parsed, now, catalog), payload_sha256(parsed))

    def _submit(self, connection: Connection, entries: list[_Checked], now: datetime) -> list[ItemResult]:
        """One result per item, judged in the order given."""
        results: list[ItemResult | None] = [None] * len(entries)
        keys = [(entry.app_code, entry.ident) for entry in entries]
        earlier = self._claimed(connection, keys)
        claimed: dict[tuple[str, str], ItemResult | None] = {}
        fingerprints: dict[tuple[str, str], str] = {}  # payload_sha256 of the item that claimed the key here
        repeats: dict[int, tuple[str, str]] = {}
        candidates: list[_Candidate] = []
        rejections: list[dict[str, Any]] = []
        for index, (entry, key) in enumerate(zip(entries, keys, strict=True)):
            ident = entry.ident
            if ident is not None and key in earlier:
                first = earlier[key]  # type: ignore[index]
                answer = duplicate if same_content(first.payload_sha256, entry.fingerprint) else conflict
                results[index] = answer(ident, first.indicator, first.status, first.withdrawn)
                continue
            if ident is not None and key in claimed:
                repeats[index] = key  # type: ignore[assignment]
                continue
            if isinstance(entry.verdict, Outcome):
                outcome = entry.verdict
                results[index] = ItemResult(ident, outcome.status, outcome.indicator, outcome.reason)
                rejections.append(_rejection(entry.app_code, ident, entry.raw, outcome, now))
                continue
            report, rule, indicator, day, facts = entry.verdict
            fingerprint = entry.fingerprint or ""
            claimed[(entry.app_code, report.id)] = None  # its result once judged, below
            fingerprints[(entry.app_code, report.id)] = fingerprint
            candidates.append(_Candidate(index, entry.app_code, report, rule, indicator, fingerprint, day, facts))
        history = self._history(connection, [(c.report, c.rule, c.indicator) for c in candidates],
                                [c.facts for c in candidates])
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
            results[candidate.position] = claimed[(candidate.app_code, report.id)] = ItemResult(
                report.id, outcome.status, outcome.indicator, outcome.reason)
            rows.append(self._row(candidate, outcome, now))
        for index, key in repeats.items():
            first = claimed[key]
            assert first is not None  # every candidate is judged above
            answer = duplicate if fingerprints[key] == entries[index].fingerprint else conflict
            results[index] = answer(key[1], first.indicator, first.status)
        ids = repo.insert(connection, rows, with_ids=any(hashes))  # the ids are for the content hashes alone
        operation_counts.apply(connection, operation_counts.deltas(
            (r["teacher_id"], r["school_code"], r["month"], r["indicator"])
            for r in rows if r["status"] == Status.QUALIFIED
        ))
        if ids:
            repo.add_contents(connection, [(h, op_id) for op_id, hs in zip(ids, hashes, strict=True) for h in hs])
        repo.add_rejections(connection, rejections)
        return [r for r in results if r is not None]

    def _claimed(self, connection: Connection, keys: list[tuple[str, str | None]]) -> dict[tuple[str, str], repo.Claim]:
        """What each (app, id) was first answered, for the ids stored before."""
        return repo.claims(connection, [(app_code, ident) for app_code, ident in keys if ident is not None])

    def _check(self, app_code: str, parsed: Report, now: datetime, catalog: Catalog
               ) -> Outcome | tuple[Report, ActionRule, Indicator, str, antigaming.Facts]:
        """The rejection, or the catalog entry, the local day (as resolve_action and check_fields find) and what
        the overlap and cap checks read of the report (jifen.ingest.antigaming.Facts)."""
        local = parsed.occurred_at.astimezone(self.tz)
        resolved = catalog.entry(local, app_code, parsed.action)
        if not isinstance(resolved, Outcome):
            resolved = with_subject(parsed, *resolved)
        if isinstance(resolved, Outcome):
            # a time outside the window comes first: a month before the window may have had another catalog
            reason = time_problem(parsed, self.tz, now, self.future_tolerance_s, self.retention_months)
            return Outcome(Status.REJECTED, resolved.indicator, reason) if reason else resolved
        rule, indicator = resolved
        reason = check_fields(parsed, rule, self.tz, now, self.future_tolerance_s, self.retention_months)
        if reason:
            return Outcome(Status.REJECTED, indicator.code, reason)
        facts = antigaming.Facts.of(parsed, rule, indicator, self.tz, catalog.session(rule))
        return parsed, rule, indicator, antigaming.day_text(local), facts

    def _qualify(self, report: Report, rule: ActionRule, indicator: Indicator, history: BatchHistory) -> Outcome:
        """The conditions first (duplicate content, first of the year among them), then overlap and daily cap."""
        outcome = qualify(report, rule, history, self.tz)
        if outcome.status != Status.QUALIFIED:
            return outcome
        reason = history.usage.check(report, rule, indicator, self.tz)
        return Outcome(Status.NOT_QUALIFIED, rule.indicator, reason) if reason else outcome

    def _history(self, connection: Connection, entries: list[tuple[Report, ActionRule, Indicator]],
                 facts: list[antigaming.Facts] | None = None) -> BatchHistory:
        reports, rules = [e[0] for e in entries], [e[1] for e in entries]
        wanted = [_content_key(r.value(f)) for r, rule in zip(reports, rules, strict=True) for f in rule.content_fields]
        history = BatchHistory(contents=repo.seen_contents(connection, wanted),
                               usage=self._usage(connection, entries, facts))
        yearly = {rule.indicator for rule in rules if rule.once_a_year}
        for indicator in yearly:
            mine = [(r.teacher_id, r.occurred_at.astimezone(self.tz).year)
                    for r, rule in zip(reports, rules, strict=True) if rule.indicator == indicator and r.teacher_id]
            history.counted.update((tid, indicator, year) for tid, year in operation_counts.counted_years(
                connection, [tid for tid, _ in mine if tid], indicator, {year for _, year in mine}))
        return history

    def _usage(self, connection: Connection, entries: list[tuple[Report, ActionRule, Indicator]],
               facts: list[antigaming.Facts] | None = None) -> antigaming.Usage:
        """Sessions and day counts qualified before, for the teachers, schools and local days of these reports."""
        usage = antigaming.Usage()
        wanted = usage.prepare(entries, self.tz, facts)
        sessions: dict[tuple[str, str, str], bool] = {}  # (month, app, action) -> a teacher's session
        for row in repo.sessions_overlapping(connection, wanted.session_windows):
            key = (row.day[:7], row.app_code, row.action)
            if key not in sessions:
                rules = self.rules_for(Month.parse(key[0]))
                sessions[key] = antigaming.teacher_session(rules, row.app_code, row.action)
            if sessions[key]:
                usage.add_session(row.teacher_id, row.day, antigaming.Span.of(row.occurred_at, row.duration_s))
        for room_row in repo.room_sessions_overlapping(connection, wanted.room_windows):
            rules = self.rules_for(Month.parse(room_row.day[:7]))
            app = rules.app(room_row.app_code)
            rule = app.action(room_row.action) if app is not None else None
            report = Report("", room_row.action, room_row.occurred_at, None, room_row.school_code,
                            room_row.duration_s, room_row.attributes)
            owner = antigaming.room_of(report, rule) if rule is not None else None
            if owner is not None:
                usage.add_session(owner, room_row.day, antigaming.Span.of(room_row.occurred_at, room_row.duration_s))
        for subject, column in (("teacher", "teacher_id"), ("school", "school_code")):
            for code, indicator, day, count in repo.qualified_per_day(connection, column, wanted.capped[subject]):
                usage.daily[(code, indicator, day)] += count
        return usage

    def _known_subjects(self, connection: Connection, candidates: list[_Candidate]) -> dict[str, set[str]]:
        teacher_ids = [c.report.teacher_id for c in candidates if c.indicator.subject == "teacher"]
        school_ids = [c.report.school_id for c in candidates if c.indicator.subject == "school"]
        return {
            "teacher": roster_repo.active_teachers(connection, [t for t in teacher_ids if t]),
            "school": roster_repo.active_schools(connection, [s for s in school_ids if s]),
        }

    def _row(self, candidate: _Candidate, outcome: Outcome, now: datetime) -> dict[str, Any]:
        """The operation as stored. A school's report keeps no teacher_id its app added: the report is the
        school's, so it is in no teacher's list, counts or appeals."""
        report = candidate.report
        return {
            "app_code": candidate.app_code,
            "external_id": report.id,
            "action": report.action,
            "indicator": outcome.indicator,
            "teacher_id": report.teacher_id if candidate.indicator.subject == "teacher" else None,
            "school_code": report.school_id,
            "occurred_at": report.occurred_at,
            "month": candidate.day[:7],  # 'YYYY-MM' of the local 'YYYY-MM-DD'
            "day": candidate.day,
            "ends_at": report.ends_at,
            "duration_s": report.duration_s,
            "attributes": report.attributes,
            "status": str(outcome.status),
            "reason": outcome.reason,
            "received_at": now,
            "payload_sha256": candidate.fingerprint,
        }

    def resolve_pending(self, connection: Connection) -> dict[str, int]:
        """judge_pending, as how many reports got each status."""
        return dict(Counter(status for _stored, status in self.judge_pending(connection)))

    def judge_pending(self, connection: Connection) -> list[tuple[repo.Stored, str]]:
        """Qualify pending reports whose teacher or school is now on the roster, in the order received; one an
        approved appeal credited already becomes not_qualified, naming the appeal (jifen.settle.appeals). Each
        report judged, as it was stored, with the status it got."""
        waiting = repo.pending(connection)
        judged: list[tuple[repo.Stored, str]] = []
        if not waiting:
            return judged
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
        credited = {op_id: appeal for op_id, appeal in appeals_repo.held_operations(
            connection, [e[0].id for e in ready]).items() if appeal.state == AppealState.APPROVED}
        for stored, *_ in ready:  # an approved appeal credited it already: counted once, not twice
            if stored.id in credited:
                repo.set_outcome(connection, stored.id, str(Status.NOT_QUALIFIED),
                                 f"credited by appeal {credited[stored.id].id}")
                judged.append((stored, str(Status.NOT_QUALIFIED)))
        ready = [e for e in ready if e[0].id not in credited]
        history = self._history(connection, [(e[1], e[2], e[3]) for e in ready])
        contents: list[tuple[str, int]] = []
        qualified: list[repo.Stored] = []
        for stored, report, rule, indicator in ready:
            outcome = self._qualify(report, rule, indicator, history)
            if outcome.status == Status.QUALIFIED:
                qualified.append(stored)
                contents.extend((h, stored.id) for h in history.record(report, rule, indicator, self.tz))
            repo.set_outcome(connection, stored.id, str(outcome.status), outcome.reason)
            judged.append((stored, str(outcome.status)))
        repo.add_contents(connection, contents)
        operation_counts.apply(connection, operation_counts.deltas(s.counted for s in qualified))
        return judged


def _subject_field(indicator: Indicator) -> str:
    return "teacher_id" if indicator.subject == "teacher" else "school_id"


def _rejection(app_code: str, ident: str | None, raw: Any, outcome: Outcome, now: datetime) -> dict[str, Any]:
    action = raw.get("action") if isinstance(raw, dict) and isinstance(raw.get("action"), str) else None
    if action is not None and not storable(action):
        action = None  # a text column cannot hold U+0000 or a lone surrogate; the payload keeps it, escaped
    return {"app_code": app_code, "external_id": ident, "action": action and action[:64],
            "indicator": outcome.indicator, "payload": raw if isinstance(raw, dict) else {"item": raw},
            "reason": outcome.reason or "", "received_at": now}
