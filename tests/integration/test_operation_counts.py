"""Incremental counts (issue 4, item 6), on SQLite and PostgreSQL (the ``runtime`` fixture).

``operation_counts`` holds, per teacher or school, month and indicator, the number of qualified operations not
withdrawn, kept in the transaction that stores, resolves or withdraws them. After any sequence of batches (with
duplicates, conflicts, repeats within a batch, capped and overlapping reports, pending reports resolved by a
roster import, withdrawals) it equals a GROUP BY over the operations by ``teacher_id`` and by ``school_code``;
settlement and the points card read it.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from factories import CST, op, row
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.ingest.withdrawal import withdraw
from jifen.reports.card import card
from jifen.runtime import Runtime
from jifen.store import operations as operations_repo
from jifen.store import teacher_operations
from jifen.store.tables import operation_counts, operations

NOW = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
MONTHS = (9, 10)
ON_ROSTER = ["T1", "T2", "T3"]
LATER = ["T4", "T5"]  # pending until the roster import
TEACHERS = ON_ROSTER + LATER + ["T9"]  # T9 never joins: stays pending
SCHOOLS = ["S1", "S2", "S3"]  # S3 only arrives with the import


def recount(runtime: Runtime) -> Counter[tuple[str, str, str, str]]:
    """The counts as a GROUP BY over qualified, not withdrawn operations."""
    found: Counter[tuple[str, str, str, str]] = Counter()
    with runtime.database.read() as connection:
        for kind, column in (("teacher", operations.c.teacher_id), ("school", operations.c.school_code)):
            rows = connection.execute(
                select(column, operations.c.month, operations.c.indicator, func.count())
                .where(operations.c.status == "qualified", operations.c.withdrawn_at.is_(None), column.is_not(None))
                .group_by(column, operations.c.month, operations.c.indicator)
            )
            found.update({(kind, r[0], r[1], r[2]): int(r[3]) for r in rows})
    return found


def kept(runtime: Runtime) -> Counter[tuple[str, str, str, str]]:
    with runtime.database.read() as connection:
        rows = connection.execute(select(operation_counts))
        return Counter({(r.subject_kind, r.code, r.month, r.indicator): r.count for r in rows if r.count})


def _when(rng: random.Random) -> str:
    return datetime(2026, rng.choice(MONTHS), rng.randint(1, 12), rng.randint(0, 23), rng.choice((0, 20, 40)),
                    tzinfo=CST).isoformat()


def _item(rng: random.Random, ident: str) -> tuple[str, dict[str, Any]]:
    """An app and a report: teacher or school indicators, some carrying both subjects, some capped or sessions."""
    teacher, school, when = rng.choice(TEACHERS), rng.choice(SCHOOLS), _when(rng)
    kind = rng.randrange(6)
    if kind == 0:
        return "hite-pi6", op("lesson.create", teacher=teacher, school=rng.choice([school, None]), when=when, id=ident)
    if kind == 1:
        return "hite-pi6", op("teaching.session", teacher=teacher, when=when, duration=rng.choice((600, 2400)),
                              id=ident)
    if kind == 2:
        return "digital-textbook", op("resource.upload", teacher=teacher, when=when, id=ident,
                                      content_sha256=f"c{rng.randrange(8)}")
    if kind == 3:
        return "online-classroom", op("class.session", school=school, teacher=rng.choice([teacher, None]),
                                      when=when, duration=1200, classroom_id=f"R{rng.randrange(3)}", id=ident)
    if kind == 4:
        return "school-affairs", op("affair.record", school=school, teacher=rng.choice([teacher, None]), when=when,
                                    id=ident, kind="notice")
    return "hite-pi6", {"id": ident, "action": "lesson.create"}  # malformed: rejected, never stored


@pytest.mark.parametrize("seed", range(3))
def test_counts_equal_a_recount_after_random_batches_resolutions_and_withdrawals(runtime: Runtime,
                                                                                  seed: int) -> None:
    rng = random.Random(seed)
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    roster = [row("T1", "S1"), row("T2", "S1"), row("T3", "S2")]
    import_rows(ingest, roster, full=False, now=NOW)
    sent: dict[tuple[str, str], dict[str, Any]] = {}
    statuses: Counter[str] = Counter()
    for step in range(8):
        batches: dict[str, list[dict[str, Any]]] = {}
        for n in range(rng.randint(5, 40)):
            if sent and rng.random() < 0.2:  # an id sent before: as it was (duplicate) or changed (conflict)
                (app, ident), item = rng.choice(list(sent.items()))
                item = item if rng.random() < 0.5 else {**item, "occurred_at": _when(rng)}
            else:
                app, item = _item(rng, f"s{seed}-{step}-{n}")
            batches.setdefault(app, []).append(item)
            if rng.random() < 0.1:  # the same id twice in one batch
                batches[app].append(item)
        for app, items in batches.items():
            for result in ingest.submit(app, items, NOW):
                statuses[str(result.status)] += 1
            for item in items:
                sent.setdefault((app, item["id"]), item)
        for app, ident in rng.sample(sorted(sent), k=min(len(sent), rng.randint(0, 4))):
            try:
                withdraw(runtime.database, app, ident, NOW)  # withdrawing twice changes nothing the second time
            except Exception as exc:  # a rejected report was never stored
                assert "no operation" in str(exc)
        if step == 4:  # T4, T5 and S3 join: their pending reports are judged now
            roster += [row("T4", "S3"), row("T5", "S2")]
            import_rows(ingest, roster, full=False, now=NOW)
        assert kept(runtime) == recount(runtime), f"step {step}"
    counted = recount(runtime)
    assert {"qualified", "not_qualified", "pending", "duplicate", "conflict", "rejected"} <= set(statuses)
    assert {k[0] for k in counted} == {"teacher", "school"} and any(k[1] in LATER for k in counted)

    with runtime.database.read() as connection:
        for month in ("2026-09", "2026-10"):
            for kind, column in (("teacher", "teacher_id"), ("school", "school_code")):
                expected = {(k[1], k[3]): n for k, n in counted.items() if k[0] == kind and k[2] == month}
                assert {(c, i): n for c, i, n in operations_repo.qualified_counts(connection, month, column)} == (
                    expected)


def test_the_card_counts_this_months_operations_up_to_its_day(runtime: Runtime) -> None:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("T1", "S1")], full=False, now=NOW)
    days = (3, 3, 9, 15)
    ingest.submit("hite-pi6", [op("lesson.create", teacher="T1", when=datetime(2026, 10, d, 8, tzinfo=CST)
                                  .isoformat(), id=f"l{n}") for n, d in enumerate(days)], NOW)
    ingest.submit("school-affairs", [op("affair.record", school="S1", teacher="T1", id="a1", kind="notice",
                                        when=datetime(2026, 10, 4, 8, tzinfo=CST).isoformat())], NOW)
    withdraw(runtime.database, "hite-pi6", "l0", NOW)
    with runtime.database.read() as connection:
        for on, lessons in ((date(2026, 10, 2), 0), (date(2026, 10, 3), 1), (date(2026, 10, 10), 2),
                            (date(2026, 10, 20), 3)):
            before = datetime.combine(on + timedelta(days=1), datetime.min.time(), tzinfo=runtime.tz)
            expected = {"lesson_prep": lessons} if lessons else {}  # the school's report naming T1 is not T1's
            assert teacher_operations.qualified_by_indicator(connection, "T1", "2026-10", before) == expected
            shown = card(connection, "T1", on, runtime.tz, runtime.ruleset.rules)["this_month"]
            assert shown["qualified_operations"] == lessons, "the school's report naming T1 is not T1's"
        assert teacher_operations.qualified_by_indicator(connection, "T1", "2026-10") == {"lesson_prep": 3}


def test_migration_0004_counts_the_operations_already_stored(runtime: Runtime) -> None:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("T1", "S1"), row("T2", "S1")], full=False, now=NOW)
    rng = random.Random(7)
    for app, item in (_item(rng, f"m{n}") for n in range(40)):
        ingest.submit(app, [item], NOW)
    ingest.submit("hite-pi6", [op("lesson.create", teacher="T2", id="gone", when=_when(rng))], NOW)
    withdraw(runtime.database, "hite-pi6", "gone", NOW)
    before = kept(runtime)
    assert before and before == recount(runtime)
    runtime.database.downgrade("0003")
    runtime.database.ensure_current()
    assert kept(runtime) == before


def test_deltas_past_one_statement_add_up(runtime: Runtime) -> None:
    """More keys than one upsert statement takes (jifen.store.operation_counts: chunks on PostgreSQL), added twice,
    some of them taken away again: every key ends at its sum, and the months' revisions are raised."""
    from jifen.store import month_inputs
    from jifen.store import operation_counts as counts_repo

    keys = [("teacher" if n % 2 else "school", f"X{n}", f"2026-{9 + n % 2:02d}", "lesson_prep") for n in range(4500)]
    with runtime.database.transaction() as connection:
        counts_repo.apply(connection, Counter(dict.fromkeys(keys, 1)))
        counts_repo.apply(connection, Counter({key: 2 if n % 3 else -1 for n, key in enumerate(keys)}))
        stored = {tuple(r[:4]): r[4] for r in connection.execute(select(operation_counts))}
        revisions = month_inputs.revisions(connection, ["2026-09", "2026-10"])
    assert stored == {key: 3 if n % 3 else 0 for n, key in enumerate(keys)}
    assert revisions == {"2026-09": 2, "2026-10": 2}
