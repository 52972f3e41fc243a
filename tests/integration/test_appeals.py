"""Appeals through the API, on both databases: filed by the teacher, reviewed by the school then the county, and
an approved appeal credited as an adjustment that the month's next settlement carries.

The region (figures worked out by hand from DOMAIN.md's scoring rule):

    city Y1: county C1: school S1 (T1, T2), school S2 (T3); county C2: school S3 (T4)

2026-09, interactive_teaching (鸿合π6 teaching.session, qualifies at >= 900 s):
    T1 two sessions of 900 s and one of 600 s (not_qualified); T2 one of 900 s and one of 600 s (not_qualified)
    average 3/4 = 0.75, full marks at 1.5: T1 20 (capped), T2 20 * 1 / 1.5 = 13.33 (version 1)
Appeal of T2's short session, approved by S1's admin then C1's: one more operation is worth
    20 * min(1, 2 / 1.5) - 20 * 1 / 1.5 = 20 - 13.333.. = 6.67, an adjustment of +6.67 on T2's interactive_teaching;
    version 2: T2 13.333.. + 6.67 = 20.00; the average stays 0.75. T1 at the maximum: an approved appeal credits 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import CST, api_error, at, jifen, jifen_ok, op, row
from jifen.access.service import add_user
from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.reports.datasets import report
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.web.app import create_app

MONTH = "2026-09"
REGION = ("640000", "宁夏回族自治区")
USERS = {"t1": ("teacher", "T1"), "t2": ("teacher", "T2"), "t3": ("teacher", "T3"),
         "school1": ("school_admin", "S1"), "school2": ("school_admin", "S2"), "county1": ("county_admin", "C1"),
         "county2": ("county_admin", "C2"), "city1": ("city_admin", "Y1"), "region": ("region_admin", REGION[0]),
         "expert": ("assessment_expert", "C1")}
REASON = "网络中断导致授课时长记录不全，实际授课40分钟"


@dataclass
class Region:
    runtime: Runtime
    client: TestClient
    tokens: dict[str, str]

    def call(self, method: str, who: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    def file(self, who: str, external_id: str, reason: str = REASON) -> Any:
        return self.call("POST", who, "/appeals", json={"operation": {"app_code": "hite-pi6", "id": external_id},
                                                          "reason": reason})

    def review(self, who: str, appeal_id: int, decision: str, note: str | None = None) -> Any:
        body = {"decision": decision} if note is None else {"decision": decision, "note": note}
        return self.call("POST", who, f"/appeals/{appeal_id}/review", json=body)

    def listing(self, who: str, **params: Any) -> list[dict[str, Any]]:
        response = self.call("GET", who, "/appeals", params=params)
        assert response.status_code == 200, response.text
        appeals: list[dict[str, Any]] = response.json()["appeals"]
        return appeals

    def settle(self, month: str = MONTH) -> int:
        from datetime import UTC, datetime

        return settle_month(self.runtime.database, self.runtime.ruleset, Month.parse(month), REGION,
                            datetime.now(UTC)).version

    def report(self, code: str, version: int | None = None) -> dict[str, Any]:
        with self.runtime.database.read() as connection:
            return report(connection, "teacher", code, MONTH, version)


@pytest.fixture
def region(runtime: Runtime) -> Iterator[Region]:
    from datetime import datetime

    now = datetime(2026, 10, 2, 9, 0, tzinfo=CST)
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("T1", "S1"), row("T2", "S1"), row("T3", "S2"), row("T4", "S3", county_code="C2")],
                full=True, now=now)
    sessions = [op("teaching.session", teacher="T1", duration=900, when=at(3), id="t1-a"),
                op("teaching.session", teacher="T1", duration=900, when=at(4), id="t1-b"),
                op("teaching.session", teacher="T2", duration=900, when=at(5), id="t2-a")]
    short = [op("teaching.session", teacher="T1", duration=600, when=at(6), id="t1-short"),
             op("teaching.session", teacher="T2", duration=600, when=at(7), id="t2-short"),
             op("teaching.session", teacher="T2", duration=600, when=at(1, hour=8, month="2026-10"), id="t2-october")]
    assert {str(r.status) for r in ingest.submit("hite-pi6", sessions, now)} == {"qualified"}
    assert {str(r.status) for r in ingest.submit("hite-pi6", short, now)} == {"not_qualified"}
    assert settle_month(runtime.database, runtime.ruleset, Month.parse(MONTH), REGION, now).version == 1
    tokens = {name: add_user(runtime.database, name, role, scope, REGION[0], now)
              for name, (role, scope) in USERS.items()}
    with TestClient(create_app(runtime)) as client:
        yield Region(runtime, client, tokens)


def _interactive(data: dict[str, Any]) -> dict[str, Any]:
    return next(i for i in data["indicators"] if i["code"] == "interactive_teaching")


def test_an_appeal_from_filing_to_the_re_settled_month(region: Region) -> None:
    assert region.report("T2")["total"] == 13.33
    filed = region.file("t2", "t2-short")
    assert filed.status_code == 201, filed.text
    appeal = filed.json()
    assert (appeal["state"], appeal["state_name"], appeal["teacher_id"], appeal["school_code"],
            appeal["county_code"], appeal["month"], appeal["indicator"], appeal["reason"]) == (
        "submitted", "待学校审核", "T2", "S1", "C1", MONTH, "interactive_teaching", REASON)
    assert (appeal["operation"]["external_id"], appeal["operation"]["status"]) == ("t2-short", "not_qualified")
    assert appeal["credit"] is None
    assert [(s["step"], s["actor"]) for s in appeal["steps"]] == [("submit", "t2")]

    # the school's admin first ...
    assert [a["id"] for a in region.listing("school1", state="submitted")] == [appeal["id"]]
    forwarded = region.review("school1", appeal["id"], "approve", "情况属实，转区县")
    assert forwarded.status_code == 200, forwarded.text
    assert (forwarded.json()["state"], forwarded.json()["state_name"]) == ("school_approved", "待区县审核")
    assert region.listing("school1", state="submitted") == []
    # ... then the county's
    assert [a["id"] for a in region.listing("county1", state="school_approved")] == [appeal["id"]]
    decided = region.review("county1", appeal["id"], "approve", "同意补计")
    assert decided.status_code == 200, decided.text
    done = decided.json()
    assert (done["state"], done["state_name"]) == ("approved", "已通过")
    assert (done["credit"]["points"], done["credit"]["settlement_version"]) == (6.67, 1)
    assert [(s["step"], s["state"], s["actor"], s["actor_role"], s["note"]) for s in done["steps"]] == [
        ("submit", "submitted", "t2", "teacher", None),
        ("school_approve", "school_approved", "school1", "school_admin", "情况属实，转区县"),
        ("county_approve", "approved", "county1", "county_admin", "同意补计")]
    assert all(s["at"] for s in done["steps"])

    # the adjustment it made, linked both ways
    entries = region.call("GET", "county1", "/adjustments", params={"month": MONTH}).json()["adjustments"]
    [entry] = entries
    assert entry["id"] == done["credit"]["adjustment_id"]
    assert (entry["level"], entry["code"], entry["indicator"], entry["points"], entry["author"]) == (
        "teacher", "T2", "interactive_teaching", 6.67, "county1")
    assert entry["reason"].startswith(f"申诉 #{appeal['id']} 通过：鸿合π6（hite-pi6） 上报 t2-short，")

    # version 1 never changes; the next settlement carries the credit and moves no average
    assert region.settle() == 2
    t2 = region.report("T2")
    assert (t2["version"], t2["total"]) == (2, 20)
    assert (_interactive(t2)["count"], _interactive(t2)["average"], _interactive(t2)["points"],
            _interactive(t2)["adjustment"]) == (1, 0.75, 13.33, 6.67)
    assert region.report("T2", version=1)["total"] == 13.33
    assert region.report("T1")["total"] == 20

    # decided: nothing more can happen to it, and the operation cannot be appealed again
    api_error(region.call("POST", "t2", f"/appeals/{appeal['id']}/withdraw"), 409, "appeal_state")
    refused = api_error(region.review("county1", appeal["id"], "reject", "重新考虑"), 409, "appeal_state")
    assert "approved (已通过)" in refused["message"]
    api_error(region.file("t2", "t2-short"), 409, "conflict")


def test_scope_refusals(region: Region) -> None:
    appeal = region.file("t2", "t2-short").json()
    # a teacher files only about their own reports, and reviews nothing
    api_error(region.file("t1", "t2-short"), 403, "forbidden")
    api_error(region.file("school1", "t2-short"), 403, "forbidden")
    assert "teacher" in api_error(region.review("t2", appeal["id"], "approve"), 403, "forbidden")["message"]
    # another school's admin, another county's, another teacher neither see nor review it
    for who in ("school2", "county2", "t1", "t3"):
        assert region.listing(who) == []
        api_error(region.review(who, appeal["id"], "approve"), 403, "forbidden")
        api_error(region.call("GET", who, f"/appeals/{appeal['id']}"), 403, "forbidden")
    api_error(region.call("POST", "t1", f"/appeals/{appeal['id']}/withdraw"), 403, "forbidden")
    api_error(region.call("GET", "expert", "/appeals"), 403, "forbidden")
    # the county waits for the school; the school does not decide for the county: a step the state does not
    # allow, answered 409 naming the state and the steps it allows
    waits = api_error(region.review("county1", appeal["id"], "approve"), 409, "appeal_state")
    assert "is submitted" in waits["message"] and "county_approve is not allowed" in waits["message"]
    assert "school_approve" in waits["message"]
    assert region.review("school1", appeal["id"], "approve").status_code == 200
    again = api_error(region.review("school1", appeal["id"], "approve"), 409, "appeal_state")
    assert "is school_approved" in again["message"] and "county_approve" in again["message"]
    api_error(region.review("school2", appeal["id"], "approve"), 403, "forbidden")  # not theirs to see
    # those above see it: the county, the city, the region; the teacher their own
    for who in ("county1", "city1", "region", "t2", "school1"):
        assert [a["id"] for a in region.listing(who)] == [appeal["id"]], who
    # a missing appeal is refused as one outside the scope: only the region's admins learn that it does not exist
    assert api_error(region.call("GET", "t1", "/appeals/999"), 403, "forbidden")["message"] == (
        "appeal 999 is outside the scope of user t1")
    assert api_error(region.call("GET", "t1", f"/appeals/{appeal['id']}"), 403, "forbidden")["message"] == (
        f"appeal {appeal['id']} is outside the scope of user t1")
    api_error(region.call("GET", "region", "/appeals/999"), 404, "not_found")


def test_one_open_appeal_per_operation_and_what_can_be_appealed(region: Region) -> None:
    first = region.file("t2", "t2-short")
    assert first.status_code == 201
    again = api_error(region.file("t2", "t2-short"), 409, "conflict")
    assert f"appeal {first.json()['id']}" in again["message"]
    counted = api_error(region.file("t2", "t2-a"), 409, "conflict")
    assert "qualified" in counted["message"]
    missing = api_error(region.file("t2", "no-such-report"), 403, "forbidden")  # as another teacher's report
    assert "is not one of the reports of teacher T2" in missing["message"]
    short = api_error(region.file("t2", "t2-october", reason="太短"), 422, "invalid")
    assert short["details"][0]["path"] == "reason"
    api_error(region.file("t2", "t2-october", reason="长" * 501), 422, "invalid")
    number = api_error(region.call("POST", "t2", "/appeals", json={
        "operation": {"app_code": "hite-pi6", "id": "t2-october"}, "reason": 12345}), 422, "invalid")
    assert "must be text of 5 to 500 characters, not int" in number["message"]
    missing = api_error(region.call("POST", "t2", "/appeals", json={
        "operation": {"app_code": "hite-pi6", "id": "t2-october"}}), 422, "invalid")
    assert "reason" in missing["message"]
    by_stored_id = region.call("POST", "t2", "/appeals", json={"operation": first.json()["operation"]["id"],
                                                                "reason": REASON})
    api_error(by_stored_id, 409, "conflict")
    api_error(region.call("POST", "t2", "/appeals", json={"operation": {"app_code": "hite-pi6"}, "reason": REASON}),
              422, "invalid")


def test_a_report_its_app_withdraws_loses_its_credit_and_cannot_be_credited(region: Region) -> None:
    """Withdrawn, a report counts nowhere: an appeal of it is not approved, and a credit made before is taken
    back by an entry of the opposite points, naming the appeal."""
    from datetime import UTC, datetime

    from jifen.ingest.withdrawal import withdraw

    credited = region.file("t2", "t2-short").json()
    region.review("school1", credited["id"], "approve")
    assert region.review("county1", credited["id"], "approve").json()["credit"]["points"] == 6.67
    assert region.call("GET", "t2", f"/appeals/{credited['id']}").json()["operation"]["withdrawn_at"] is None
    withdraw(region.runtime.database, "hite-pi6", "t2-short", datetime.now(UTC))
    entries = region.call("GET", "county1", "/adjustments", params={"month": MONTH}).json()["adjustments"]
    assert [(e["points"], e["author"]) for e in entries] == [(6.67, "county1"), (-6.67, "app:hite-pi6")]
    assert entries[1]["reason"] == f"申诉 #{credited['id']} 的补计取消：hite-pi6 撤回了上报 t2-short"
    assert region.call("GET", "t2", f"/appeals/{credited['id']}").json()["operation"]["withdrawn_at"]
    assert region.settle() == 2
    assert region.report("T2")["total"] == 13.33, "as before the appeal"
    withdraw(region.runtime.database, "hite-pi6", "t2-short", datetime.now(UTC))  # again: nothing more
    assert len(region.call("GET", "county1", "/adjustments", params={"month": MONTH}).json()["adjustments"]) == 2

    forwarded = region.file("t1", "t1-short").json()
    region.review("school1", forwarded["id"], "approve")
    withdraw(region.runtime.database, "hite-pi6", "t1-short", datetime.now(UTC))
    refused = api_error(region.review("county1", forwarded["id"], "approve"), 409, "conflict")
    assert "was withdrawn by its app hite-pi6 since" in refused["message"]
    assert region.review("county1", forwarded["id"], "reject", "上报已撤回").json()["state"] == "rejected"


def test_the_entry_names_the_local_day_of_the_report(region: Region) -> None:
    """A report of 1 September 02:00 in Shanghai is of 31 August in UTC: the entry names 1 September."""
    from datetime import datetime

    ingest = Ingest(region.runtime.database, region.runtime.ruleset.rules, region.runtime.tz)
    early = op("teaching.session", teacher="T2", duration=600, id="t2-early",
               when=datetime(2026, 9, 1, 2, 0, tzinfo=CST).isoformat())
    assert str(ingest.submit("hite-pi6", [early], datetime(2026, 10, 2, tzinfo=CST))[0].status) == "not_qualified"
    appeal = region.file("t2", "t2-early").json()
    region.review("school1", appeal["id"], "approve")
    entry_id = region.review("county1", appeal["id"], "approve").json()["credit"]["adjustment_id"]
    entries = region.call("GET", "county1", "/adjustments", params={"month": MONTH}).json()["adjustments"]
    assert "teaching.session（2026-09-01）" in next(e["reason"] for e in entries if e["id"] == entry_id)


def test_withdrawal_and_rejection(region: Region) -> None:
    appeal = region.file("t1", "t1-short").json()
    withdrawn = region.call("POST", "t1", f"/appeals/{appeal['id']}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["state"], withdrawn.json()["state_name"]) == ("withdrawn", "已撤回")
    assert [s["step"] for s in withdrawn.json()["steps"]] == ["submit", "withdraw"]
    api_error(region.call("POST", "t1", f"/appeals/{appeal['id']}/withdraw"), 409, "appeal_state")
    api_error(region.review("school1", appeal["id"], "approve"), 409, "appeal_state")

    # withdrawn: it may be filed again; a rejection needs a note, and is kept with it
    second = region.file("t1", "t1-short").json()
    assert second["id"] != appeal["id"]
    assert api_error(region.review("school1", second["id"], "reject"), 422, "invalid")["details"][0]["path"] == "note"
    api_error(region.review("school1", second["id"], "maybe", "?"), 422, "invalid")
    rejected = region.review("school1", second["id"], "reject", "时长不足15分钟，不符合条件").json()
    assert (rejected["state"], rejected["state_name"]) == ("rejected", "未通过")
    assert rejected["steps"][-1]["note"] == "时长不足15分钟，不符合条件"
    # forwarded appeals can still be withdrawn until the county decides
    third = region.file("t1", "t1-short").json()
    region.review("school1", third["id"], "approve")
    assert region.call("POST", "t1", f"/appeals/{third['id']}/withdraw").json()["state"] == "withdrawn"
    # every appeal is kept, newest first, with its state
    assert [(a["id"], a["state"]) for a in region.listing("t1")] == [
        (third["id"], "withdrawn"), (second["id"], "rejected"), (appeal["id"], "withdrawn")]
    assert [a["id"] for a in region.listing("t1", state="rejected")] == [second["id"]]
    api_error(region.call("GET", "t1", "/appeals", params={"state": "lost"}), 422, "invalid")


def test_a_credit_of_zero_and_a_month_not_settled(region: Region) -> None:
    at_maximum = region.file("t1", "t1-short").json()
    region.review("school1", at_maximum["id"], "approve")
    done = region.review("county1", at_maximum["id"], "approve").json()
    assert (done["state"], done["credit"]) == ("approved", {"points": 0, "settlement_version": 1,
                                                            "adjustment_id": None})
    assert region.call("GET", "county1", "/adjustments", params={"month": MONTH}).json()["adjustments"] == []

    october = region.file("t2", "t2-october").json()
    assert october["month"] == "2026-10"
    region.review("school1", october["id"], "approve")
    waiting = api_error(region.review("county1", october["id"], "approve"), 409, "conflict")
    assert "2026-10 is not settled" in waiting["message"]
    assert region.call("GET", "t2", f"/appeals/{october['id']}").json()["state"] == "school_approved"
    assert region.review("county1", october["id"], "reject", "次月结算后再申诉").json()["state"] == "rejected"


def test_the_operator_lists_appeals_at_the_command_line(region: Region, cli_env: dict[str, str]) -> None:
    first = region.file("t2", "t2-short").json()
    region.review("school1", first["id"], "approve")
    region.review("county1", first["id"], "approve")
    second = region.file("t1", "t1-short").json()
    listed = json.loads(jifen_ok(cli_env, "appeals", "list", "--format", "json").stdout)["appeals"]
    assert [(a["id"], a["state"]) for a in listed] == [(second["id"], "submitted"), (first["id"], "approved")]
    assert [s["step"] for s in listed[1]["steps"]] == ["submit", "school_approve", "county_approve"]
    text = jifen_ok(cli_env, "appeals", "list", "--state", "approved").stdout
    assert f"#{first['id']} 已通过 approved：教师 T2" in text and "补计 6.67（调整 #" in text
    assert "学校审核通过，转区县（school1）" in text and "区县审核通过（county1）" in text, "every step, who and when"
    assert f"#{second['id']}" not in text
    assert "没有申诉" in jifen_ok(cli_env, "appeals", "list", "--state", "rejected").stdout
    refused = jifen(cli_env, "appeals", "list", "--state", "lost")
    assert refused.exit_code == 2 and "--state: 'lost' is not one of submitted" in refused.stderr
    assert "query" not in refused.stderr, "the command's option is named, not the API's parameter"


def test_the_store_holds_one_open_or_approved_appeal_per_operation(region: Region) -> None:
    from datetime import UTC, datetime

    from jifen.errors import Conflict
    from jifen.store import appeals as appeals_repo

    appeal = region.file("t2", "t2-short").json()
    now = datetime.now(UTC)
    values = {"operation_id": appeal["operation"]["id"], "teacher_id": "T2", "school_code": "S1", "county_code": "C1",
              "month": MONTH, "indicator": "interactive_teaching", "reason": REASON, "state": "school_approved",
              "filed_by": "t2", "filed_at": now, "updated_at": now}
    step = {"step": "submit", "state": "submitted", "actor": "t2", "actor_role": "teacher", "note": None, "at": now}
    with pytest.raises(Conflict, match="already has an appeal"):
        with region.runtime.database.transaction() as connection:
            appeals_repo.add(connection, values, step)  # a second one raced past the service's check
    with region.runtime.database.transaction() as connection:
        kept = appeals_repo.add(connection, {**values, "state": "rejected"}, step)  # decided ones may be many
    assert kept.state == "rejected"
    assert [a["id"] for a in region.listing("region")] == [kept.id, appeal["id"]]


def _set_report(region: Region, external_id: str, **values: Any) -> None:
    """A report's stored state changed as ingestion alone would change it, to reach states that take months."""
    from sqlalchemy import update

    from jifen.store.tables import operations

    with region.runtime.database.transaction() as connection:
        connection.execute(update(operations).where(operations.c.external_id == external_id).values(**values))


def _counted(region: Region, teacher_id: str) -> int:
    from jifen.store import operation_counts

    with region.runtime.database.read() as connection:
        return sum(n for code, _indicator, n in operation_counts.of_month(connection, "teacher", MONTH)
                   if code == teacher_id)


def test_a_pending_report_an_appeal_credited_is_not_counted_again_when_it_resolves(region: Region) -> None:
    # T2's report was pending (its teacher off the roster when it came) and long enough to qualify once resolved
    _set_report(region, "t2-short", status="pending", reason="teacher_id 'T2' is not on the roster yet",
                duration_s=900)
    appeal = region.file("t2", "t2-short").json()
    region.review("school1", appeal["id"], "approve")
    credited = region.review("county1", appeal["id"], "approve").json()
    assert credited["state"] == "approved" and credited["credit"]["points"] > 0
    before = _counted(region, "T2")
    with region.runtime.database.transaction() as connection:
        resolved = Ingest(region.runtime.database, region.runtime.ruleset.rules,
                          region.runtime.tz).resolve_pending(connection)
    assert resolved == {"not_qualified": 1}
    report = region.call("GET", "t2", f"/appeals/{appeal['id']}").json()["operation"]
    assert (report["status"], report["reason"]) == ("not_qualified", f"credited by appeal {appeal['id']}")
    assert _counted(region, "T2") == before  # the appeal's adjustment is its one credit


def test_an_appeal_whose_report_counts_now_cannot_be_approved(region: Region) -> None:
    appeal = region.file("t2", "t2-short").json()
    region.review("school1", appeal["id"], "approve")
    _set_report(region, "t2-short", status="qualified", reason=None)  # resolved meanwhile: it counts now
    refused = api_error(region.review("county1", appeal["id"], "approve"), 409, "conflict")
    assert "counts" in refused["message"] and f"appeal {appeal['id']}" in refused["message"]
    assert region.call("GET", "county1", "/adjustments", params={"month": MONTH}).json()["adjustments"] == []
    closed = region.review("county1", appeal["id"], "reject", "该报告已计入，无需补计").json()
    assert closed["state"] == "rejected"


@pytest.mark.parametrize("counted_in, score, settled, credit", [("2026-08", 40, True, 5), ("2026-10", 50, False, 4)])
def test_an_assessment_credit_keeps_the_year_to_one_assessment(region: Region, counted_in: str, score: int,
                                                               settled: bool, credit: int) -> None:
    """T2's assessment of another month counted (40 in August, settled: 4 of 10; or 50 in October, not settled
    yet: 5, which it will score there); September's 90, received after, did not count, a second of the year. Its
    appeal, approved, credits what the better assessment adds to the year (9 - 4 = 5, or 9 - 5 = 4), never 9 on
    top of the other."""
    from datetime import datetime

    ingest = Ingest(region.runtime.database, region.runtime.ruleset.rules, region.runtime.tz)
    counted = op("assessment.complete", teacher="T2", when=at(10, month=counted_in), id="lit-counted", score=score,
                 role="teacher")
    september = op("assessment.complete", teacher="T2", when=at(15), id="lit-sep", score=90, role="teacher")
    assert [str(r.status) for r in ingest.submit("literacy-assessment", [counted, september],
                                                 datetime(2026, 10, 20, 9, 0, tzinfo=CST))] == [
        "qualified", "not_qualified"]
    if settled:
        region.settle(counted_in)
    appeal = region.call("POST", "t2", "/appeals", json={
        "operation": {"app_code": "literacy-assessment", "id": "lit-sep"}, "reason": REASON}).json()
    region.review("school1", appeal["id"], "approve")
    assert region.review("county1", appeal["id"], "approve").json()["credit"]["points"] == credit
    entries = region.call("GET", "county1", "/adjustments", params={"month": MONTH}).json()["adjustments"]
    assert [(e["code"], e["indicator"], e["points"]) for e in entries] == [("T2", "literacy_assessment", credit)]


def test_a_school_report_naming_a_teacher_is_the_schools_alone(region: Region) -> None:
    """An app that adds a teacher_id to a school-scored report (校务管理) does not make it the teacher's: it is in
    no list, count or appeal of the teacher's, and counts for the school."""
    from datetime import datetime

    from jifen.store import operation_counts, teacher_operations

    ingest = Ingest(region.runtime.database, region.runtime.ruleset.rules, region.runtime.tz)
    affairs = [op("affair.record", school="S1", teacher="T2", when=at(12), id="aff-notice", kind="notice"),
               op("affair.record", school="S1", teacher="T2", when=at(12), id="aff-exam", kind="exam")]
    assert [str(r.status) for r in ingest.submit("school-affairs", affairs, datetime(2026, 10, 2, tzinfo=CST))] == [
        "qualified", "not_qualified"]
    with region.runtime.database.read() as connection:
        assert {o.external_id for o in teacher_operations.of_month(connection, "T2", MONTH)}.isdisjoint(
            {"aff-notice", "aff-exam"})
        assert "school_affairs" not in {i for _c, i, _n in operation_counts.of_month(connection, "teacher", MONTH, "T2")}
        assert ("S1", "school_affairs", 1) in set(operation_counts.of_month(connection, "school", MONTH, "S1"))
    refused = region.call("POST", "t2", "/appeals", json={
        "operation": {"app_code": "school-affairs", "id": "aff-exam"}, "reason": REASON})
    assert "not one of the reports of teacher T2" in api_error(refused, 403, "forbidden")["message"]


@pytest.fixture
def shihe(runtime: Runtime) -> Iterator[Region]:
    """Shihe in force; the region's roster. T1, September 2026: a class of 25 students on the 10th (50 points, once a
    year) and one of 24 on the 5th (not_qualified); class notices reaching 10 accounts on Monday 14th and Tuesday 15th (5 each,
    2 a week) and reaching 9 on the 16th and on Monday 21st (not_qualified); logins on the 1st to 3rd and the 5th."""
    from datetime import datetime

    now = datetime(2026, 10, 2, 9, 0, tzinfo=CST)
    runtime.rulebook.use("shihe-2022", Month(2026, 1), now)
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    import_rows(ingest, [row("T1", "S1"), row("T2", "S1"), row("T3", "S2"), row("T4", "S3", county_code="C2")],
                full=True, now=now)
    results = ingest.submit("space", [
        op("class.create", teacher="T1", students=25, when=at(10), id="class-25"),
        op("class.create", teacher="T1", students=24, when=at(5), id="class-24"),
        op("class.notice", teacher="T1", participants=10, when=at(14), id="notice-14"),
        op("class.notice", teacher="T1", participants=10, when=at(15), id="notice-15"),
        op("class.notice", teacher="T1", participants=9, when=at(16), id="notice-16"),
        op("class.notice", teacher="T1", participants=9, when=at(21), id="notice-21"),
        *(op("login", teacher="T1", when=at(day), id=f"login-{day}") for day in (1, 2, 3, 5)),
    ], now)
    assert [str(r.status) for r in results][:6] == ["qualified", "not_qualified", "qualified", "qualified",
                                                    "not_qualified", "not_qualified"]
    settle_month(runtime.database, runtime.rulebook.for_month(Month.parse(MONTH)), Month.parse(MONTH), REGION, now)
    tokens = {name: add_user(runtime.database, name, role, scope, REGION[0], now)
              for name, (role, scope) in USERS.items()}
    with TestClient(create_app(runtime)) as client:
        yield Region(runtime, client, tokens)


def test_a_fixed_credit_replays_the_caps_of_its_period(shihe: Region) -> None:
    """What an approved appeal adds is what the report would have added had it counted: nothing in a year or a
    week whose cap is full (the earlier class of 24 would have taken the year's one place from the class of 25), one
    action's points in a week with room."""
    def approved(external_id: str) -> Any:
        filed = shihe.call("POST", "t1", "/appeals", json={"operation": {"app_code": "space", "id": external_id},
                                                            "reason": "学生人数统计有误，请核实后补计"}).json()
        shihe.review("school1", filed["id"], "approve")
        return shihe.review("county1", filed["id"], "approve").json()["credit"]["points"]

    assert approved("class-24") == 0  # once a year, and the year's class counted already
    assert approved("notice-16") == 0  # the week of the 14th has its 2 notices
    assert approved("notice-21") == 5  # the week of the 21st had none



def test_a_yearly_cap_an_appeal_of_another_month_filled_credits_nothing_more(shihe: Region) -> None:
    """T2's classes of 20 students in March and August did not count; the August one's appeal credits 50, the
    year's one class, and the March one's then credits nothing: the year's cap is full whichever month filled it."""
    from datetime import datetime

    now = datetime(2026, 10, 2, 9, 0, tzinfo=CST)
    runtime = shihe.runtime
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    ingest.submit("space", [op("class.create", teacher="T2", students=20, when=at(10, month="2026-03"), id="c-mar"),
                            op("class.create", teacher="T2", students=20, when=at(10, month="2026-08"), id="c-aug")],
                  now)
    for month in ("2026-03", "2026-08"):
        settle_month(runtime.database, runtime.rulebook.for_month(Month.parse(month)), Month.parse(month), REGION, now)

    def approved(external_id: str) -> Any:
        filed = shihe.call("POST", "t2", "/appeals", json={"operation": {"app_code": "space", "id": external_id},
                                                            "reason": "学生人数统计有误，请核实后补计"}).json()
        shihe.review("school1", filed["id"], "approve")
        return shihe.review("county1", filed["id"], "approve").json()["credit"]["points"]

    assert approved("c-aug") == 50
    assert approved("c-mar") == 0  # earlier in the year, it would only take August's place
