"""Idempotency over HTTP: per item (app + id, compared by content) and per batch (batch_id, or seqNO in the
provincial 数据上报 envelope). Every test runs on SQLite and on PostgreSQL (the ``runtime`` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import api_error as _error
from factories import at, op, row
from jifen.domain.operations import Report
from jifen.access.service import register_app
from jifen.ingest.idempotency import payload_sha256, request_sha256
from jifen.ingest.inbound import parse_item
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.store.tables import batches, operations, rejections
from jifen.web.app import create_app


NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
URL = "/api/v1/operations"
APP = "seewo-easinote5"
CONFLICT = "id already received with different content (stored as {})"


class Client:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.client = TestClient(create_app(runtime))
        self.tokens: dict[str, str] = {}

    def headers(self, app_code: str = APP) -> dict[str, str]:
        if app_code not in self.tokens:
            self.tokens[app_code] = register_app(self.runtime.database, self.runtime.ruleset.rules, app_code, NOW)
        return {"Authorization": f"Bearer {self.tokens[app_code]}"}

    def send(self, body: Any, app_code: str = APP) -> Any:
        return self.client.post(URL, json=body, headers=self.headers(app_code))

    def raw(self, body: str, app_code: str = APP) -> Any:
        headers = {**self.headers(app_code), "content-type": "application/json"}
        return self.client.post(URL, content=body.encode(), headers=headers)

    def post(self, items: list[Any], app_code: str = APP, **envelope: Any) -> dict[str, Any]:
        response = self.send({"operations": items, **envelope}, app_code)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def results(self, items: list[Any], app_code: str = APP) -> list[dict[str, Any]]:
        body = self.post(items, app_code)
        assert list(body) == ["results"]
        results: list[dict[str, Any]] = body["results"]
        return results

    def stored(self, ident: str, app_code: str = APP) -> dict[str, Any]:
        response = self.client.get(f"{URL}/{ident}", headers=self.headers(app_code))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def counts(self) -> tuple[int, int, int]:
        """(operations, rejections, batches) stored."""
        with self.runtime.database.read() as connection:
            return tuple(int(connection.scalar(select(func.count()).select_from(t)) or 0)  # type: ignore[return-value]
                         for t in (operations, rejections, batches))


@pytest.fixture
def api(runtime: Runtime) -> Iterator[Client]:
    made = Client(runtime)
    import_rows(Ingest(runtime.database, runtime.ruleset.rules, runtime.tz), [row("T1", "S1"), row("T2", "S1")],
                full=False, now=NOW)
    with made.client:
        yield made


# --- per item -----------------------------------------------------------------------------------------------

def test_the_same_id_with_other_content_is_a_conflict_and_changes_nothing(api: Client) -> None:
    first = op("teaching.session", teacher="T1", duration=1000, id="c1")
    assert api.results([first])[0]["status"] == "qualified"
    before, counts = api.stored("c1"), api.counts()
    changed = {**first, "duration_s": 10}
    assert api.results([changed]) == [{"id": "c1", "status": "conflict", "indicator": "interactive_teaching",
                                       "reason": CONFLICT.format("qualified")}]
    assert api.stored("c1") == before  # GET shows the first
    assert api.counts() == counts
    with api.runtime.database.read() as connection:
        stored = connection.execute(select(operations).where(operations.c.external_id == "c1")).one()
    parsed = parse_item(first)
    assert isinstance(parsed, Report) and stored.payload_sha256 == payload_sha256(parsed)
    assert stored.duration_s == 1000


def test_a_conflict_within_one_batch_keeps_the_first_item(api: Client) -> None:
    results = api.results([
        op("teaching.session", teacher="T1", duration=899, id="c2"),
        op("teaching.session", teacher="T1", duration=3600, id="c2"),
        op("teaching.session", teacher="T1", duration=899, id="c2"),
    ])
    assert [(r["status"], r["reason"]) for r in results] == [
        ("not_qualified", results[0]["reason"]),
        ("conflict", CONFLICT.format("not_qualified")),
        ("duplicate", "id already received as not_qualified")]
    assert all(r["indicator"] == "interactive_teaching" for r in results)
    assert api.stored("c2")["status"] == "not_qualified"
    assert api.counts()[0] == 1


def test_semantically_equal_resends_are_duplicates_not_conflicts(api: Client) -> None:
    first = {"id": "d1", "action": "courseware.sync", "teacher_id": "T1", "occurred_at": "2026-09-10T10:00:00+08:00",
             "attributes": {"sync_count": 3, "extra": {"a": 1, "b": [1, 2]}}}
    assert api.results([first])[0]["status"] == "qualified"
    counts = api.counts()
    reordered = json.dumps({"attributes": {"extra": {"b": [1, 2], "a": 1}, "sync_count": 3},
                            "occurred_at": "2026-09-10T02:00:00Z", "teacher_id": " T1 ", "action": "courseware.sync ",
                            "id": " d1"}, ensure_ascii=False)
    response = api.raw('{"operations": [' + reordered + "]}")
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    assert (result["id"], result["status"], result["reason"]) == ("d1", "duplicate", "id already received as qualified")
    assert api.counts() == counts
    session = op("teaching.session", teacher="T1", duration=900, id="d2")
    assert api.results([session])[0]["status"] == "qualified"
    assert api.results([{**session, "duration_s": 900.0}])[0]["status"] == "duplicate"


def test_a_rejected_report_is_not_stored_so_its_correction_is_no_conflict(api: Client) -> None:
    assert api.results([op("teaching.session", teacher="T1", id="r1")])[0]["status"] == "rejected"
    corrected = op("teaching.session", teacher="T1", duration=1200, id="r1")
    assert api.results([corrected])[0]["status"] == "qualified"
    assert api.results([corrected])[0]["status"] == "duplicate"


# --- per batch ----------------------------------------------------------------------------------------------

def test_a_replayed_batch_gets_the_identical_first_answer_and_stores_nothing(api: Client) -> None:
    items = [op("teaching.session", teacher="T1", duration=1000, id="b1"), "junk",
             op("teaching.session", teacher="T2", duration=10, id="b2")]
    first = api.send({"operations": items, "batch_id": "batch-1"})
    assert first.status_code == 200
    assert first.json()["batch_id"] == "batch-1"
    assert [r["status"] for r in first.json()["results"]] == ["qualified", "rejected", "not_qualified"]
    counts = api.counts()
    assert counts == (2, 1, 1)
    again = api.send({"batch_id": "batch-1", "operations": [{**items[0]}, "junk", items[2]]})
    assert again.status_code == 200
    assert again.content == first.content  # the first answer, not "duplicate" per item
    assert api.counts() == counts
    # without the batch id, the same items are answered item by item
    assert [r["status"] for r in api.results(items)] == ["duplicate", "rejected", "duplicate"]


def test_a_replay_written_another_way_with_the_same_items_gets_the_first_answer(api: Client) -> None:
    """A client that writes its items again on retry (the instant in UTC, a trimmed code, 900.0 for 900) sends
    the same items, as the per-item check sees them."""
    items = [op("teaching.session", teacher="T1", duration=1000, id="w1", when="2026-10-05T09:30:00+08:00"), "junk"]
    first = api.send({"operations": items, "batch_id": "written-again"})
    again = [{**items[0], "occurred_at": "2026-10-05T01:30:00Z", "teacher_id": " T1 ", "duration_s": 1000.0},
             "junk"]
    replay = api.send({"operations": again, "batch_id": "written-again"})
    assert replay.status_code == 200 and replay.content == first.content
    other_junk = api.send({"operations": [again[0], "other junk"], "batch_id": "written-again"})
    _error(other_junk, 409, "batch_conflict")


def test_a_batch_stored_with_the_earlier_fingerprint_is_still_answered_on_replay(api: Client) -> None:
    """Batches answered before kept the fingerprint of their items as sent: a replay of one still matches it."""
    items = [op("teaching.session", teacher="T1", duration=1000, id="e1")]
    first = api.send({"operations": items, "batch_id": "earlier"})
    with api.runtime.database.transaction() as connection:
        connection.execute(batches.update().values(request_sha256=request_sha256(items)))
    assert api.send({"operations": items, "batch_id": "earlier"}).content == first.content
    _error(api.send({"operations": [{**items[0], "duration_s": 1001}], "batch_id": "earlier"}), 409, "batch_conflict")


def test_a_batch_id_reused_for_other_items_is_409_and_changes_nothing(api: Client) -> None:
    api.post([op("teaching.session", teacher="T1", duration=1000, id="b3")], batch_id="batch-2")
    counts = api.counts()
    response = api.send({"operations": [op("teaching.session", teacher="T1", duration=1000, id="b4")],
                         "batch_id": "batch-2"})
    error = _error(response, 409, "batch_conflict")
    assert "batch-2" in error["message"]
    assert api.counts() == counts
    assert api.client.get(f"{URL}/b4", headers=api.headers()).status_code == 404


def test_batch_ids_are_per_app(api: Client) -> None:
    api.post([op("teaching.session", teacher="T1", duration=1000, id="b5")], batch_id="shared")
    body = api.post([op("lesson.create", teacher="T1", id="b5")], "hite-pi6", batch_id="shared")
    assert body["results"][0]["status"] == "qualified"


@pytest.mark.parametrize("batch_id", ["", "   ", "x" * 129, ["a"], True, "a\x00"])
def test_a_batch_id_that_is_not_a_string_of_1_to_128_is_422(api: Client, batch_id: Any) -> None:
    error = _error(api.send({"operations": [], "batch_id": batch_id}), 422, "invalid")
    assert error["details"][0]["path"] == "batch_id" and error["message"].startswith("batch_id: ")
    assert api.counts() == (0, 0, 0)


# --- the provincial 数据上报 envelope ----------------------------------------------------------------------

def test_the_provincial_envelope_is_accepted_and_its_seqno_is_the_batch_id(api: Client) -> None:
    items = [op("teaching.session", teacher="T1", duration=1000, id="p1"),
             op("research.activity", teacher="T2", id="p2", when=at(11))]
    first = api.send({"count": 2, "dataContent": items, "seqNO": "20261005-0001"})
    assert first.status_code == 200, first.text
    assert first.json() == {"results": [
        {"id": "p1", "status": "qualified", "indicator": "interactive_teaching", "reason": None},
        {"id": "p2", "status": "qualified", "indicator": first.json()["results"][1]["indicator"], "reason": None},
    ], "batch_id": "20261005-0001"}
    assert api.stored("p1")["status"] == "qualified"
    counts = api.counts()
    again = api.send({"seqNO": "20261005-0001", "dataContent": items, "count": 2})
    assert again.status_code == 200 and again.content == first.content
    assert api.counts() == counts
    other = api.send({"count": 1, "dataContent": [items[0]], "seqNO": "20261005-0001"})
    assert "20261005-0001" in _error(other, 409, "batch_conflict")["message"]
    # seqNO is optional: without it, items are answered one by one
    plain = api.send({"count": 1, "dataContent": [items[0]]})
    assert plain.json() == {"results": [{"id": "p1", "status": "duplicate", "indicator": "interactive_teaching",
                                         "reason": "id already received as qualified"}]}


@pytest.mark.parametrize("body, path, words", [
    ({"count": 3, "dataContent": [], "seqNO": "s"}, "count", "count is 3 but dataContent holds 0"),
    ({"dataContent": [{}], "seqNO": "s"}, "count", "count is missing"),
    ({"count": "two", "dataContent": [], "seqNO": "s"}, "count", "count must be a whole number"),
    ({"count": True, "dataContent": [{}], "seqNO": "s"}, "count", "count must be a whole number"),
    ({"count": 1, "seqNO": "s"}, "dataContent", "dataContent is missing"),
    ({"count": 0, "dataContent": None, "seqNO": "s"}, "dataContent", "dataContent must be a list"),
    ({"count": 0, "dataContent": [], "seqNO": ""}, "seqNO", "seqNO must be a string"),
    ({"operations": [], "dataContent": []}, "", "both"),
])
def test_a_provincial_envelope_that_does_not_add_up_is_422_naming_the_field(api: Client, body: Any, path: str,
                                                                            words: str) -> None:
    error = _error(api.send(body), 422, "invalid")
    assert words in error["message"]
    assert error["details"][0]["path"] == path
    if path:
        assert error["message"].startswith(f"{path}: ")
    assert api.counts() == (0, 0, 0)


def test_count_may_arrive_as_a_string_of_digits(api: Client) -> None:
    response = api.send({"count": "1", "dataContent": [op("research.activity", teacher="T1", id="s1")],
                         "seqNO": 42})
    assert response.status_code == 200, response.text
    assert response.json()["batch_id"] == "42"


@pytest.mark.parametrize("envelope", [{}, {"batch_id": "deep"}])
def test_an_item_nested_as_deep_as_the_parser_allows_is_422_not_500(api: Client, envelope: dict[str, Any]) -> None:
    depth = 990  # at the parser's limit: the parser or the hashing refuses it, never a 500
    item = json.dumps(op("research.activity", teacher="T1", id="deep", x="DEEP")).replace('"DEEP"',
                                                                                     "[" * depth + "]" * depth)
    extra = "".join(f', "{k}": "{v}"' for k, v in envelope.items())
    response = api.raw('{"operations": [' + item + "]" + extra + "}")
    assert "nested too deeply" in _error(response, 422, "invalid")["message"]
    assert api.counts() == (0, 0, 0)
