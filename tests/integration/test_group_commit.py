"""Group commit: submissions written together in one transaction are answered as if sent one after another.

Every test runs on SQLite and on PostgreSQL (the ``runtime`` fixture).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from factories import at, op, row
from jifen.domain.operations import Status
from jifen.access.service import register_app
from jifen.access.tokens import token_hash
from jifen.errors import BatchConflict, Unauthorized
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest, Submission
from jifen.ingest.writer import GroupWriter
from jifen.runtime import Runtime
from jifen.store.tables import app_tokens, batches, operations

NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
APP, OTHER = "seewo-easinote5", "digital-textbook"
SESSION = "teaching.session"


@pytest.fixture
def ingest(runtime: Runtime) -> Ingest:
    service = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    import_rows(service, [row("T1"), row("T2")], full=True, now=NOW, source="test roster")
    return service


def _statuses(answer: object) -> list[str]:
    assert isinstance(answer, list), answer
    return [str(r.status) for r in answer]


def _stored(runtime: Runtime) -> int:
    with runtime.database.read() as connection:
        return int(connection.scalar(select(func.count()).select_from(operations)) or 0)


def test_a_group_answers_like_submissions_sent_one_after_another(ingest: Ingest, runtime: Runtime) -> None:
    first = op(SESSION, teacher="T1", when=at(10, 8), duration=2400, id="a")
    overlapping = op(SESSION, teacher="T1", when=at(10, 8, minute=20), duration=2400, id="b")
    answers = ingest.submit_group([
        Submission(APP, [first]),
        Submission(APP, [overlapping, {**first}]),  # overlaps the first; the first again
        Submission(APP, [{**first, "duration_s": 60}]),  # the first's id with other content
        Submission(OTHER, [{**first}]),  # another app's id space
    ], NOW)
    assert _statuses(answers[0]) == ["qualified"]
    assert _statuses(answers[1]) == ["not_qualified", "duplicate"]
    assert answers[1][0].reason == "overlap"  # type: ignore[index]
    assert _statuses(answers[2]) == ["conflict"]
    assert _statuses(answers[3])[0] in {"rejected", "not_qualified", "qualified"}
    assert _stored(runtime) == 2 + (1 if _statuses(answers[3])[0] != "rejected" else 0)


def test_batch_ids_in_a_group_replay_and_conflict(ingest: Ingest, runtime: Runtime) -> None:
    items = [op(SESSION, teacher="T1", when=at(11, 8), duration=2400, id="c")]
    other = [op(SESSION, teacher="T2", when=at(11, 8), duration=2400, id="d")]
    answers = ingest.submit_group([
        Submission(APP, items, "batch-1"),
        Submission(APP, items, "batch-1"),  # the same batch again in the same group: the first answer
        Submission(APP, other, "batch-1"),  # other items under the same batch id
        Submission(OTHER, other, "batch-1"),  # batch ids belong to their app
    ], NOW)
    assert _statuses(answers[0]) == ["qualified"]
    assert answers[1] == answers[0]
    assert isinstance(answers[2], BatchConflict)
    assert isinstance(answers[3], list)
    later = ingest.submit_group([Submission(APP, items, "batch-1"), Submission(APP, other, "batch-1")], NOW)
    assert later[0] == answers[0]
    assert isinstance(later[1], BatchConflict)
    with runtime.database.read() as connection:
        assert connection.scalar(select(func.count()).select_from(batches)) == 2


def test_one_failing_submission_leaves_its_neighbours_stored(ingest: Ingest, runtime: Runtime,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    real = Ingest._submit

    def failing(self: Ingest, connection, entries, now):  # type: ignore[no-untyped-def]
        if any(entry.ident == "poison" for entry in entries):
            raise RuntimeError("the store refused this one")
        return real(self, connection, entries, now)

    monkeypatch.setattr(Ingest, "_submit", failing)
    good = [op(SESSION, teacher="T1", when=at(12, 8), duration=2400, id="e")]
    answers = ingest.submit_group([Submission(APP, good), Submission(APP, [{"id": "poison"}])], NOW)
    assert _statuses(answers[0]) == ["qualified"]
    assert isinstance(answers[1], RuntimeError)
    assert _stored(runtime) == 1


def test_the_writer_answers_each_request_once_committed(ingest: Ingest, runtime: Runtime) -> None:
    writer = GroupWriter(lambda: ingest, max_items=7, clock=lambda: NOW)
    items = [[op(SESSION, teacher=f"T{1 + n % 2}", when=at(1 + n, 8), duration=2400, id=f"w{n}")]
             for n in range(20)]
    futures: list[object] = []
    lock = threading.Lock()

    def send(chunk: list[dict[str, object]]) -> None:
        future = writer.submit(Submission(APP, chunk))
        with lock:
            futures.append(future)

    threads = [threading.Thread(target=send, args=(chunk,)) for chunk in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers = [f.result(timeout=60) for f in futures]  # type: ignore[attr-defined]
    writer.close()
    assert sorted(s for a in answers for s in _statuses(a)) == ["qualified"] * 20
    assert _stored(runtime) == 20
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(Submission(APP, items[0]))


def test_a_request_larger_than_a_group_is_written_alone(ingest: Ingest) -> None:
    writer = GroupWriter(lambda: ingest, max_items=2, clock=lambda: NOW)
    big = [op(SESSION, teacher="T2", when=at(14, 8 + n), duration=2400, id=f"big{n}") for n in range(5)]
    assert [str(r.status) for r in writer.submit(Submission(APP, big)).result(timeout=60)] == [
        str(Status.QUALIFIED)] * 5
    writer.close()


def test_a_token_no_longer_held_is_refused_in_the_group_and_nothing_of_it_stored(ingest: Ingest,
                                                                                    runtime: Runtime) -> None:
    kept = register_app(runtime.database, runtime.ruleset.rules, APP, NOW)
    removed = register_app(runtime.database, runtime.ruleset.rules, APP, NOW)
    other = register_app(runtime.database, runtime.ruleset.rules, OTHER, NOW)
    with runtime.database.transaction() as connection:
        connection.execute(app_tokens.delete().where(app_tokens.c.token_sha256 == token_hash(removed)))
    answers = ingest.submit_group([
        Submission(APP, [op(SESSION, teacher="T1", when=at(12, 8), duration=2400, id="e")], "b-1",
                   token_hash(removed)),
        Submission(APP, [op(SESSION, teacher="T2", when=at(12, 8), duration=2400, id="f")], "b-2", token_hash(kept)),
        Submission(APP, [op(SESSION, teacher="T2", when=at(12, 9), duration=2400, id="g")], None, token_hash(other)),
    ], NOW)
    assert isinstance(answers[0], Unauthorized) and str(answers[0]) == "unknown or revoked app token"
    assert _statuses(answers[1]) == ["qualified"]
    assert isinstance(answers[2], Unauthorized)  # another app's token does not stand for this app
    with runtime.database.read() as connection:
        assert connection.scalars(select(operations.c.external_id)).all() == ["f"]
        assert connection.scalars(select(batches.c.batch_id)).all() == ["b-2"]
