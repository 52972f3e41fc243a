"""The appeal pages: a teacher files from the month's explanation, the school and then the county review with
their forms, every form checks its CSRF token, and each role is refused what is not theirs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from factories import op
from fastapi.testclient import TestClient
from web_region import Region, page_csrf, sign_in

from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.web.app import create_app

REASON = "课件已同步三次，应用只上报了一次同步记录"


@pytest.fixture
def other(runtime: Runtime, region: Region) -> Iterator[TestClient]:
    """A second browser, for a second user signed in at the same time."""
    with TestClient(create_app(runtime), follow_redirects=False) as second:
        yield second


def _file_form(html: str) -> dict[str, str]:
    form = html.split('action="/appeals" class="appeal-form"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))


def _state(html: str, appeal_id: str) -> str:
    row = html.split(f'id="appeal-{appeal_id}"', 1)[1].split("</tr>", 1)[0]
    found = re.search(r'data-testid="appeal-state">([^<]+)<', row)
    assert found
    return found.group(1)


def test_an_appeal_from_the_explanation_to_the_re_settled_month(client: TestClient, other: TestClient,
                                                                 region: Region, runtime: Runtime) -> None:
    sign_in(client, "teacher1")
    explained = client.get(f"/teachers/t1/months/{region.last_month}")
    assert explained.status_code == 200 and "提交申诉" in explained.text
    fields = _file_form(explained.text)
    assert fields["app_code"] == "seewo-easinote5" and fields["csrf_token"]

    refused = client.post("/appeals", data={**fields, "csrf_token": "forged", "reason": REASON})
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert fields["next"] == f"/teachers/t1/months/{region.last_month}", "back to the page it was filed from"
    short = client.post("/appeals", data={**fields, "reason": "太短"})
    assert short.status_code == 422 and "申诉理由需 5 至 500 字" in short.text
    assert f"{region.last_month} 积分说明" in short.text and ">\n太短</textarea>" in short.text
    elsewhere = client.post("/appeals", data={**fields, "reason": "太短", "next": "https://evil.example.com/"})
    assert elsewhere.status_code == 422 and "可申诉的上报" in elsewhere.text, "never another site: the appeals page"
    assert "申诉理由需 5 至 500 字" in elsewhere.text and ">\n太短</textarea>" in elsewhere.text

    filed = client.post("/appeals", data={**fields, "reason": REASON})
    assert filed.status_code == 303 and filed.headers["location"].startswith("/appeals?done=filed#appeal-")
    appeal_id = filed.headers["location"].rsplit("-", 1)[1]
    mine = client.get(filed.headers["location"]).text
    assert "申诉已提交" in mine and _state(mine, appeal_id) == "待学校审核" and REASON in mine
    assert f'href="#appeal-{appeal_id}"' in mine, "the report lists its appeal instead of a form"
    again = client.post("/appeals", data={**fields, "reason": REASON})
    assert "这条上报已有申诉" in client.get(again.headers["location"]).text
    explained = client.get(f"/teachers/t1/months/{region.last_month}").text
    assert f'data-testid="appealed-{fields["external_id"]}"' in explained and "已申诉：待学校审核" in explained
    assert f'data-testid="appeal-{fields["external_id"]}"' not in explained, "no second form for the same report"

    # the school's admin forwards it, the county's approves it
    sign_in(other, "school1")
    assert "提交申诉" not in other.get(f"/teachers/t1/months/{region.last_month}").text, "a teacher appeals"
    queue = other.get("/appeals/review")
    assert queue.status_code == 200 and f'id="appeal-{appeal_id}"' in queue.text and REASON in queue.text
    token = page_csrf(queue.text)
    unexplained = other.post(f"/appeals/{appeal_id}/review", data={"decision": "reject", "note": "  ",
                                                                   "csrf_token": token})
    assert unexplained.status_code == 422 and 'data-testid="review-error"' in unexplained.text
    assert "驳回申诉须填写审核意见" in unexplained.text
    forwarded = other.post(f"/appeals/{appeal_id}/review", data={"decision": "approve", "note": "属实",
                                                                 "csrf_token": token})
    assert forwarded.status_code == 303 and "done=forwarded" in forwarded.headers["location"]
    assert "暂无待审核的申诉" in other.get("/appeals/review").text
    assert _state(client.get("/appeals").text, appeal_id) == "待区县审核"
    twice = other.post(f"/appeals/{appeal_id}/review", data={"decision": "approve", "note": "",
                                                             "csrf_token": token})
    assert twice.headers["location"].endswith("error=with_county")
    assert "该申诉已转区县审核" in other.get(twice.headers["location"]).text

    other.post("/logout", data={"csrf_token": token})
    sign_in(other, "county1")
    queue = other.get("/appeals/review")
    assert f'id="appeal-{appeal_id}"' in queue.text and "通过并补计" in queue.text
    approved = other.post(f"/appeals/{appeal_id}/review", data={"decision": "approve", "note": "同意",
                                                                "csrf_token": page_csrf(queue.text)})
    assert approved.status_code == 303 and "done=approved" in approved.headers["location"]

    mine = client.get("/appeals").text
    assert _state(mine, appeal_id) == "已通过"
    credit = re.search(r'data-testid="appeal-credit">([^<]+)<', mine)
    assert credit is not None
    # lesson_prep last month: t1 4, t2 1, t3 2 -> average 2.3333, full at 4.6666; 4 -> 17.14, 5 -> 20 (capped)
    assert credit.group(1) == "+2.86"
    assert "学校审核通过，转区县（school1）：属实" in mine and "区县审核通过（county1）：同意" in mine

    settle_month(runtime.database, runtime.rulebook.for_month(region.last_month), region.last_month,
                 (runtime.settings.region_code, runtime.settings.region_name), datetime.now(UTC), runtime.tz)
    explained = client.get(f"/teachers/t1/months/{region.last_month}").text
    assert f"申诉 #{appeal_id} 通过" in explained and "线上备课 +2.86" in explained, "the indicator by its name"


def test_withdrawal_from_the_teachers_page(client: TestClient, region: Region) -> None:
    sign_in(client, "teacher1")
    listing = client.get("/appeals").text
    assert "可申诉的上报" in listing and "courseware.sync" in listing
    filed = client.post("/appeals", data={**_file_form(listing), "reason": REASON})
    appeal_id = filed.headers["location"].rsplit("-", 1)[1]
    page = client.get("/appeals").text
    withdrawn = client.post(f"/appeals/{appeal_id}/withdraw", data={"csrf_token": page_csrf(page)})
    assert withdrawn.status_code == 303
    page = client.get(withdrawn.headers["location"]).text
    assert "申诉已撤回" in page and _state(page, appeal_id) == "已撤回"
    assert 'action="/appeals" class="appeal-form"' in page, "withdrawn: the report can be appealed again"
    assert _state(client.get("/appeals?state=withdrawn").text, appeal_id) == "已撤回"
    assert _state(client.get("/appeals?state=").text, appeal_id) == "已撤回", "全部: every state"
    assert f'id="appeal-{appeal_id}"' not in client.get("/appeals?state=approved").text
    assert client.get("/appeals?state=lost").status_code == 422
    twice = client.post(f"/appeals/{appeal_id}/withdraw", data={"csrf_token": page_csrf(page)})
    assert "已有结论或已撤回" in client.get(twice.headers["location"]).text


def test_each_role_is_refused_what_is_not_theirs(client: TestClient, other: TestClient, region: Region) -> None:
    sign_in(client, "teacher1")
    listing = client.get("/appeals").text
    filed = client.post("/appeals", data={**_file_form(listing), "reason": REASON})
    appeal_id = filed.headers["location"].rsplit("-", 1)[1]
    token = page_csrf(listing)
    refused = client.get("/appeals/review")
    assert refused.status_code == 403 and "无权审核申诉" in refused.text
    assert client.post(f"/appeals/{appeal_id}/review", data={"decision": "approve", "csrf_token": token}
                       ).status_code == 403

    sign_in(other, "teacher2")
    assert f'id="appeal-{appeal_id}"' not in other.get("/appeals").text
    assert "没有找到" in other.get("/appeals?error=missing").text
    assert other.post(f"/appeals/{appeal_id}/withdraw", data={"csrf_token": page_csrf(other.get("/").text)}
                      ).status_code == 403

    for name, status in (("county2", 200), ("expert1", 403)):
        other.cookies.clear()
        sign_in(other, name)
        page = other.get("/appeals")
        assert page.status_code == status and f'id="appeal-{appeal_id}"' not in page.text, name
    assert other.get("/appeals/review").status_code == 403
    other.cookies.clear()
    sign_in(other, "county2")
    queue = other.get("/appeals/review")
    assert "暂无待审核的申诉" in queue.text
    assert other.post(f"/appeals/{appeal_id}/review", data={"decision": "approve", "csrf_token": page_csrf(queue.text)}
                      ).status_code == 403
    assert client.get("/appeals").status_code == 200
    assert other.get("/appeals").headers.get("content-security-policy")
    other.cookies.clear()
    sign_in(other, "county1")  # the appeal's own county, before the school has reviewed it
    early = other.post(f"/appeals/{appeal_id}/review", data={"decision": "approve",
                                                             "csrf_token": page_csrf(other.get("/appeals").text)})
    assert early.headers["location"].endswith("error=waits_for_school")
    assert "该申诉正等待学校审核" in other.get(early.headers["location"]).text


def _form_of(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"', 1)[1].split("</details>", 1)[0]


@pytest.mark.parametrize("page", ["month", "list"])
def test_a_refused_appeal_comes_back_with_its_reason_as_typed(client: TestClient, region: Region, page: str) -> None:
    sign_in(client, "teacher1")
    month_path = f"/teachers/t1/months/{region.last_month}"
    fields = _file_form(client.get(month_path if page == "month" else "/appeals").text)
    spaces = client.post("/appeals", data={**fields, "reason": "     "})  # the browser's minlength lets it through
    assert spaces.status_code == 422
    assert (f"{region.last_month} 积分说明" if page == "month" else "可申诉的上报") in spaces.text, "the page it was on"
    form = _form_of(spaces.text, f"appeal-{fields['external_id']}")
    assert form.startswith(" open>"), "the form is open"
    assert 'data-testid="appeal-form-error">申诉理由需 5 至 500 字' in form and ">\n     </textarea>" in form
    assert 'data-testid="appeal-error"' not in spaces.text, "the refusal is beside the form, not at the top"
    long = "很长的理由" * 101
    again = client.post("/appeals", data={**fields, "reason": long})
    assert again.status_code == 422 and long in _form_of(again.text, f"appeal-{fields['external_id']}")
    filed = client.post("/appeals", data={**fields, "reason": REASON})
    assert filed.status_code == 303 and filed.headers["location"].startswith("/appeals?done=filed")
    held = client.post("/appeals", data={**fields, "reason": REASON})
    assert held.status_code == 303, "no form for the report any more: the page says why at its top"
    assert "这条上报已有申诉" in client.get(held.headers["location"]).text


def test_the_county_reviews_note_stays_when_the_month_is_not_settled(client: TestClient, other: TestClient,
                                                                     region: Region, runtime: Runtime) -> None:
    now = datetime.now(UTC)
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    when = max(region.this_month.start(runtime.tz), now - timedelta(minutes=5))  # this month: not settled
    missed = op("courseware.sync", teacher="t1", when=when.isoformat(), sync_count=1)
    assert [r.status for r in ingest.submit("seewo-easinote5", [missed], now)] == ["not_qualified"]
    sign_in(client, "teacher1")
    listing = client.get("/appeals").text
    form = listing.split(f'data-testid="appeal-{missed["id"]}"', 1)[1]
    fields = _file_form(form)
    filed = client.post("/appeals", data={**fields, "reason": REASON})
    appeal_id = filed.headers["location"].rsplit("-", 1)[1]
    sign_in(other, "school1")
    token = page_csrf(other.get("/appeals/review").text)
    assert "done=forwarded" in other.post(f"/appeals/{appeal_id}/review", data={
        "decision": "approve", "note": "属实", "csrf_token": token}).headers["location"]
    other.cookies.clear()
    sign_in(other, "county1")
    token = page_csrf(other.get("/appeals/review").text)
    note = "核实无误，同意补计\n（已电话确认）"
    early = other.post(f"/appeals/{appeal_id}/review", data={"decision": "approve", "note": note,
                                                             "csrf_token": token})
    assert early.status_code == 409
    row = early.text.split(f'id="appeal-{appeal_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="review-error">该月尚未结算' in row and f">\n{note}</textarea>" in row
    assert 'data-testid="appeal-error"' not in early.text, "the refusal is beside the form, not at the top"
