"""Limits with clear answers, and withdrawal (issue 4, items 3 and 4), over HTTP on SQLite and PostgreSQL.

- Rate limits: a token bucket per app (``rate_limit_per_s``, ``rate_limit_burst``), after authentication:
  429 ``too_many_requests`` with ``Retry-After`` in whole seconds, at least 1.
- Retention: the current month (local time) and the ``retention_months`` months before it are accepted; an
  earlier ``occurred_at`` is rejected, the reason naming the date and the window.
- No input produces a 500: arbitrary bodies answer 200 or an error in the one error shape.
- Withdrawal: ``DELETE /api/v1/operations/{id}`` marks the app's own report withdrawn, with the time; it then
  counts nowhere (settlement, anti-gaming history, once-a-year), while its id and content hashes stay claimed.

The server reads the wall clock, so reports here fall in the month before the current one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import api_error as _error
from factories import CST, op, row, sha
from jifen.access.service import register_app
from jifen.domain.periods import Month
from jifen.ingest.qualify import outside_retention
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.reports.explain import explanation
from jifen.reports.teacher_text import explanation_lines
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.store import operations as operations_repo
from jifen.store import settlements as settlements_repo
from jifen.web.app import create_app
from jifen.web.ratelimit import RateLimiter
from strategies import envelopes


URL = "/api/v1/operations"
SHANGHAI = ZoneInfo("Asia/Shanghai")
REGION = ("640000", "宁夏回族自治区")
LAST_MONTH = Month.of(datetime.now(UTC), SHANGHAI).previous()


def when(day: int = 10, hour: int = 10, minute: int = 0, month: Month = LAST_MONTH) -> str:
    return datetime(month.year, month.month, day, hour, minute, tzinfo=CST).isoformat()


class Api:
    def __init__(self, runtime: Runtime, **overrides: Any) -> None:
        runtime.settings = runtime.settings.model_copy(update=overrides)
        self.runtime = runtime
        self.client = TestClient(create_app(runtime), raise_server_exceptions=False)
        self.tokens: dict[str, str] = {}
        self.ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
        import_rows(self.ingest, [row("T1", "S1"), row("T2", "S1")], full=False, now=_month_start(LAST_MONTH))

    def headers(self, app_code: str) -> dict[str, str]:
        if app_code not in self.tokens:
            self.tokens[app_code] = register_app(self.runtime.database, self.runtime.ruleset.rules, app_code,
                                                 datetime.now(UTC))
        return {"Authorization": f"Bearer {self.tokens[app_code]}"}

    def post(self, app_code: str, *items: dict[str, Any]) -> list[tuple[str, str | None]]:
        response = self.client.post(URL, json={"operations": list(items)}, headers=self.headers(app_code))
        assert response.status_code == 200, response.text
        return [(r["status"], r["reason"]) for r in response.json()["results"]]

    def get(self, app_code: str, ident: str) -> Any:
        return self.client.get(f"{URL}/{ident}", headers=self.headers(app_code))

    def delete(self, app_code: str, ident: str) -> Any:
        return self.client.delete(f"{URL}/{ident}", headers=self.headers(app_code))

    def counts(self, month: Month = LAST_MONTH) -> dict[tuple[str, str], int]:
        with self.runtime.database.read() as connection:
            return {(s, i): n for s, i, n in operations_repo.qualified_counts(connection, str(month), "teacher_id")}


def _month_start(month: Month) -> datetime:
    return month.start(SHANGHAI).astimezone(UTC)


@pytest.fixture
def api(runtime: Runtime) -> Iterator[Api]:
    made = Api(runtime)
    with made.client:
        yield made


Q = ("qualified", None)


# --- rate limits ------------------------------------------------------------------------------------------

def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    clock = [100.0]
    limiter = RateLimiter(rate=2, burst=3, clock=lambda: clock[0])
    assert [limiter.take("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.take("a") == pytest.approx(0.5)  # one token back in half a second
    assert limiter.take("b") == 0  # every app has its own bucket
    clock[0] += 0.5
    assert limiter.take("a") == 0
    clock[0] += 60  # a long pause refills to the burst, not beyond
    assert [limiter.take("a") for _ in range(4)][-1] > 0
    assert RateLimiter(rate=0, burst=1).take("a") == 0  # 0 turns the limit off


def test_over_its_rate_limit_an_app_is_answered_429_with_retry_after(runtime: Runtime) -> None:
    api = Api(runtime, rate_limit_per_s=0.01, rate_limit_burst=3)
    with api.client:
        assert api.post("seewo-easinote5", op("research.activity", teacher="T1", when=when(), id="r1")) == [Q]
        assert api.get("seewo-easinote5", "r1").status_code == 200
        assert api.delete("seewo-easinote5", "r1").status_code == 200
        for response in (api.get("seewo-easinote5", "r1"), api.delete("seewo-easinote5", "r1"),
                         api.client.post(URL, json={"operations": []}, headers=api.headers("seewo-easinote5"))):
            error = _error(response, 429, "too_many_requests")
            assert "seewo-easinote5" in error["message"] and "rate limit" in error["message"]
            assert int(response.headers["Retry-After"]) >= 1
            assert response.headers["Retry-After"] == str(int(response.headers["Retry-After"]))
        assert int(response.headers["Retry-After"]) == 100  # a token every 100 s
        # another app has its own bucket; a request without a valid token is refused before any bucket
        assert api.get("hite-pi6", "r1").status_code == 404
        _error(api.client.get(f"{URL}/r1"), 401, "unauthorized")
        _error(api.client.get(f"{URL}/r1", headers={"Authorization": "Bearer jfa_nope"}), 401, "unauthorized")


# --- retention --------------------------------------------------------------------------------------------

NOV = datetime(2026, 11, 23, 9, 0, tzinfo=CST)


@pytest.mark.parametrize(("occurred", "now", "inside"), [
    (datetime(2025, 10, 1, 0, 0, tzinfo=CST), NOV, True),  # 13 months before 2026-11: the earliest month taken
    (datetime(2025, 9, 30, 23, 59, tzinfo=CST), NOV, False),
    (datetime(2025, 9, 30, 16, 0, tzinfo=UTC), NOV, True),  # 2025-10-01 00:00 in Shanghai
    (datetime(2025, 9, 30, 15, 59, tzinfo=UTC), NOV, False),
    (datetime(2025, 10, 15, tzinfo=CST), datetime(2026, 11, 1, 0, 30, tzinfo=CST), True),
    (datetime(2025, 9, 15, tzinfo=CST), datetime(2026, 10, 31, 23, 30, tzinfo=CST), True),  # still October
    (datetime(2025, 9, 15, tzinfo=CST), datetime(2026, 10, 31, 16, 30, tzinfo=UTC), False),  # November in Shanghai
])
def test_the_retention_window_is_the_current_month_and_13_before_it(occurred: datetime, now: datetime,
                                                                     inside: bool) -> None:
    assert (outside_retention(occurred, now, SHANGHAI, 13) is None) is inside


def test_the_rejection_names_the_date_the_window_and_the_earliest_month() -> None:
    reason = outside_retention(datetime(2025, 1, 3, 12, tzinfo=CST), NOV, SHANGHAI, 13)
    assert reason == ("occurred_at 2025-01-03 is older than the retention window of 13 months "
                      "(the earliest month accepted is 2025-10)")
    assert outside_retention(datetime(2026, 8, 31, tzinfo=CST), NOV, SHANGHAI, 2) is not None
    assert outside_retention(datetime(2026, 9, 1, tzinfo=CST), NOV, SHANGHAI, 2) is None


def test_reports_before_the_retention_window_or_in_the_future_are_rejected(runtime: Runtime) -> None:
    api = Api(runtime, retention_months=2)
    this_month = LAST_MONTH.next()
    two_back, three_back = this_month.previous().previous(), this_month.previous().previous().previous()
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    with api.client:
        results = api.post("hite-pi6",
                           op("lesson.create", teacher="T1", when=when(1, 0, month=two_back), id="in"),
                           op("lesson.create", teacher="T1", when=when(28, 23, 59, month=three_back), id="old"),
                           op("lesson.create", teacher="T1", when=future, id="ahead"))
        assert results[0] == Q
        assert results[1] == ("rejected", f"occurred_at {three_back}-28 is older than the retention window of "
                                          f"2 months (the earliest month accepted is {two_back})")
        assert results[2] == ("rejected", "occurred_at is more than 5 minutes in the future")
        assert api.get("hite-pi6", "old").json()["reason"] == results[1][1]
        # an action the catalog lacks is told its time first: an older month may have had another catalog
        old_unknown = api.post("hite-pi6", op("no.such.action", teacher="T1", when=when(28, 23, 59, month=three_back),
                                              id="old-unknown"),
                               op("no.such.action", teacher="T1", when=future, id="ahead-unknown"),
                               op("no.such.action", teacher="T1", when=when(1, 0, month=two_back), id="unknown"))
        assert old_unknown == [results[1], results[2],
                               ("rejected", "action 'no.such.action' is not in the catalog of app 'hite-pi6'")]


# --- no input produces a 500 ------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=envelopes, raw=st.none() | st.binary(max_size=64), auth=st.sampled_from(["app", "none", "bogus"]))
def test_no_body_produces_a_500(api: Api, body: Any, raw: bytes | None, auth: str) -> None:
    headers = {"app": api.headers("seewo-easinote5"), "none": {},
               "bogus": {"Authorization": "Bearer jfa_bogus"}}[auth]
    content = raw if raw is not None else json.dumps(body).encode()
    response = api.client.post(URL, content=content, headers={**headers, "Content-Type": "application/json"})
    # 409: a batch id resent with other items (idempotent batches)
    assert response.status_code in {200, 401, 409, 413, 422, 429}, response.text
    if response.status_code == 200:
        assert list(response.json()) in (["results"], ["results", "batch_id"])  # batch_id when the body gave one
    else:
        error = response.json()["error"]
        assert set(error) == {"status", "code", "message", "details"}
        assert error["status"] == response.status_code and error["message"]


def test_over_the_size_limits_is_413_in_the_error_shape(runtime: Runtime) -> None:
    api = Api(runtime, max_batch_items=2, max_body_bytes=2000)
    with api.client:
        items = [op("research.activity", teacher="T1", when=when()) for _ in range(3)]
        headers = api.headers("seewo-easinote5")
        _error(api.client.post(URL, json={"operations": items}, headers=headers), 413, "payload_too_large")
        big = [op("research.activity", teacher="T1", when=when(), note="x" * 3000)]
        _error(api.client.post(URL, json={"operations": big}, headers=headers), 413, "payload_too_large")


# --- withdrawal -------------------------------------------------------------------------------------------

def test_an_app_withdraws_its_own_report_once_and_it_stays_on_record(api: Api) -> None:
    app = "seewo-easinote5"
    assert api.post(app, op("library.upload", teacher="T1", when=when(), id="up-1",
                            content_sha256=sha("lesson-plan"))) == [Q]
    assert api.get(app, "up-1").json()["withdrawn_at"] is None

    before = datetime.now(UTC)
    first = api.delete(app, "up-1")
    assert first.status_code == 200, first.text
    body = first.json()
    withdrawn_at = datetime.fromisoformat(body["withdrawn_at"])
    assert before - timedelta(seconds=1) <= withdrawn_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert {k: body[k] for k in ("id", "status", "indicator", "action", "month")} == {
        "id": "up-1", "status": "qualified", "indicator": "teaching_resources", "action": "library.upload",
        "month": str(LAST_MONTH)}
    assert api.get(app, "up-1").json() == body
    assert api.get(app, " up-1 ").json() == body
    second = api.delete(app, "up-1")
    assert (second.status_code, second.json()) == (200, body)  # the first withdrawal stands

    # the id and the content stay claimed
    assert api.post(app, op("library.upload", teacher="T1", when=when(), id="up-1",
                            content_sha256=sha("lesson-plan"))) == [
        ("duplicate", "id already received as qualified, withdrawn since")]
    assert api.post(app, op("library.upload", teacher="T1", when=when(), id="up-1",
                            content_sha256=sha("another plan"))) == [
        ("conflict", "id already received with different content (stored as qualified, withdrawn since)")]
    assert api.post(app, op("library.upload", teacher="T1", when=when(), id="up-2",
                            content_sha256=sha("lesson-plan"))) == [("not_qualified", "duplicate_content")]


def test_only_the_reporting_app_can_withdraw_and_unknown_ids_are_404(api: Api) -> None:
    assert api.post("seewo-easinote5", op("research.activity", teacher="T1", when=when(), id="mine")) == [Q]
    error = _error(api.delete("hite-pi6", "mine"), 404, "not_found")
    assert "'mine'" in error["message"] and "hite-pi6" in error["message"]
    _error(api.delete("seewo-easinote5", "never-sent"), 404, "not_found")
    _error(api.delete("seewo-easinote5", "x" * 200), 404, "not_found")
    _error(api.delete("seewo-easinote5", "nul%00id"), 404, "not_found")
    for never in ("nul%00id", "x" * 200, "lone%ED%A0%80"):  # no such id can be stored: none is read either
        _error(api.get("seewo-easinote5", never), 404, "not_found")
    _error(api.client.delete(f"{URL}/mine"), 401, "unauthorized")
    assert api.get("seewo-easinote5", "mine").json()["withdrawn_at"] is None
    # a rejected report was never stored: nothing to withdraw
    assert api.post("seewo-easinote5", {"id": "bad", "action": "research.activity"})[0][0] == "rejected"
    _error(api.delete("seewo-easinote5", "bad"), 404, "not_found")
    assert api.get("seewo-easinote5", "bad").json()["withdrawn_at"] is None


def test_a_withdrawn_report_stops_counting_and_a_new_settlement_leaves_it_out(api: Api) -> None:
    app = "hite-pi6"
    assert api.post(app, *[op("lesson.create", teacher="T1", when=when(hour=8 + n), id=f"L{n}")
                           for n in range(3)]) == [Q] * 3
    assert api.counts()[("T1", "lesson_prep")] == 3
    settle_month(api.runtime.database, api.runtime.ruleset, LAST_MONTH, REGION, datetime.now(UTC))

    assert api.delete(app, "L1").status_code == 200
    assert api.counts()[("T1", "lesson_prep")] == 2
    settle_month(api.runtime.database, api.runtime.ruleset, LAST_MONTH, REGION, datetime.now(UTC))

    with api.runtime.database.read() as connection:
        counts = {}
        for version in (1, 2):
            found = settlements_repo.find(connection, str(LAST_MONTH), version)
            assert found is not None
            counts[version] = {r.indicator: r.count
                               for r in settlements_repo.indicators(connection, found.id, "teacher", "T1")}
    assert counts[1]["lesson_prep"] == 3  # the stored settlement never changes
    assert counts[2]["lesson_prep"] == 2

    with api.runtime.database.read() as connection:
        explained = explanation(connection, "T1", str(LAST_MONTH))
    listed = {o["id"]: o for o in explained["operations"]}
    assert listed["L1"]["status"] == "qualified" and listed["L1"]["withdrawn_at"] is not None
    assert listed["L0"]["withdrawn_at"] is None
    lines = [line for line in explanation_lines(explained, SHANGHAI) if " L" in line]
    assert ["已撤回" in line for line in lines] == [False, True, False]


def test_a_withdrawn_session_no_longer_blocks_an_overlapping_one(api: Api) -> None:
    app = "seewo-easinote5"
    assert api.post(app, op("teaching.session", teacher="T1", when=when(hour=10), duration=2700, id="s1")) == [Q]
    overlapping = op("teaching.session", teacher="T1", when=when(hour=10, minute=15), duration=1800, id="s2")
    assert api.post(app, overlapping) == [("not_qualified", "overlap")]
    assert api.delete(app, "s1").status_code == 200
    # s2 was judged when it came and stays so; a report sent after the withdrawal is judged without s1
    assert api.get(app, "s2").json()["reason"] == "overlap"
    assert api.post(app, {**overlapping, "id": "s3"}) == [Q]


def test_a_withdrawn_assessment_no_longer_takes_the_year(api: Api) -> None:
    app = "literacy-assessment"
    first = op("assessment.complete", teacher="T1", score=80, role="teacher", when=when(3), id="a1")
    assert api.post(app, first) == [Q]
    assert api.delete(app, "a1").status_code == 200
    assert api.post(app, {**first, "id": "a2", "occurred_at": when(4)}) == [Q]
    assert api.counts()[("T1", "literacy_assessment")] == 1


def test_a_withdrawn_pending_report_is_not_qualified_when_its_teacher_arrives(api: Api) -> None:
    app = "hite-pi6"
    assert api.post(app, op("lesson.create", teacher="T9", when=when(), id="p1"))[0][0] == "pending"
    assert api.delete(app, "p1").status_code == 200
    import_rows(api.ingest, [row("T9", "S1")], full=False, now=_month_start(LAST_MONTH))
    stored = api.get(app, "p1").json()
    assert stored["status"] == "pending" and stored["withdrawn_at"] is not None
    assert ("T9", "lesson_prep") not in api.counts()
