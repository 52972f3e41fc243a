"""POST /api/v1/operations and GET /api/v1/operations/{id}, and GET /api/v1/catalog, over HTTP.

Every test runs on SQLite and on PostgreSQL (the ``runtime`` fixture).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from factories import api_error as _error
from factories import at, op, row, sha
from jifen.access.service import add_user, register_app
from jifen.config import Settings
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.rules.loader import load_shipped
from jifen.web.api import catalog as catalog_api
from jifen.web.app import create_app


NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
URL = "/api/v1/operations"


class Api:
    """A test client with the app tokens it has registered and the roster import at hand."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.client = TestClient(create_app(runtime))
        self.tokens: dict[str, str] = {}

    def token(self, app_code: str) -> str:
        if app_code not in self.tokens:
            self.tokens[app_code] = register_app(self.runtime.database, self.runtime.ruleset.rules, app_code, NOW)
        return self.tokens[app_code]

    def headers(self, app_code: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(app_code)}"}

    def post(self, app_code: str, items: list[Any]) -> list[dict[str, Any]]:
        response = self.client.post(URL, json={"operations": items}, headers=self.headers(app_code))
        assert response.status_code == 200, response.text
        body = response.json()
        assert list(body) == ["results"]
        return body["results"]

    def one(self, app_code: str, item: Any) -> dict[str, Any]:
        (result,) = self.post(app_code, [item])
        return result

    def get(self, app_code: str, ident: str) -> Any:
        return self.client.get(f"{URL}/{ident}", headers=self.headers(app_code))

    def stored(self, app_code: str, ident: str) -> dict[str, Any]:
        response = self.get(app_code, ident)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def roster(self, *rows: Any) -> dict[str, int]:
        ingest = Ingest(self.runtime.database, self.runtime.ruleset.rules, self.runtime.tz)
        return import_rows(ingest, list(rows), full=False, now=NOW).resolved


@pytest.fixture
def api(runtime: Runtime) -> Iterator[Api]:
    made = Api(runtime)
    made.roster(row("T1", "S1"), row("T2", "S1"), row("T3", "S2", county_code="C2"))
    with made.client:
        yield made


# --- qualified and not_qualified: every condition of the catalog ------------------------------------------

T = {"teacher": "T1"}
S = {"school": "S1"}

# app -> [(item, expected status, words the reason must contain: the field and the values at fault)]
CONDITIONS: dict[str, list[tuple[dict[str, Any], str, list[str]]]] = {
    "seewo-easinote5": [
        (op("courseware.sync", **T, sync_count=3), "qualified", []),
        (op("courseware.sync", **T, sync_count=2), "not_qualified", ["attributes.sync_count", "2", "3"]),
        (op("teaching.session", **T, duration=900), "qualified", []),
        (op("teaching.session", **T, duration=899), "not_qualified", ["duration_s", "899", "900"]),
        (op("library.upload", **T, content_sha256=sha("seewo-lib")), "qualified", []),
        (op("research.activity", **T), "qualified", []),
    ],
    "digital-textbook": [
        (op("course.create", **T, resources=1, coursewares=1), "qualified", []),
        (op("course.create", **T, resources=1, coursewares=0), "not_qualified", ["attributes.coursewares", "0"]),
        (op("course.create", **T, resources=0, coursewares=2), "not_qualified", ["attributes.resources"]),
        (op("teaching.session", **T, duration=1800), "qualified", []),
        (op("resource.upload", **T, shared=True, review="approved", content_sha256=sha("dt-1")), "qualified", []),
        (op("resource.upload", **T, shared=True, review="pending", content_sha256=sha("dt-2")), "not_qualified",
         ["attributes.review", "approved"]),
        (op("resource.upload", **T, shared=False, review="approved", content_sha256=sha("dt-3")), "not_qualified",
         ["attributes.shared"]),
    ],
    "hite-pi6": [
        (op("lesson.create", **T), "qualified", []),
        (op("teaching.session", **T, duration=600), "not_qualified", ["duration_s", "600"]),
    ],
    "smart-classroom": [
        (op("lesson.prepare", **T, resources=2, coursewares=1), "qualified", []),
        (op("lesson.prepare", **T, resources=2, coursewares=0), "not_qualified", ["attributes.coursewares"]),
        (op("resource.upload", **T, content_sha256=sha("sc-1")), "qualified", []),
    ],
    "teaching-assistant": [
        (op("courseware.upload", **T, format="edux"), "qualified", []),
        (op("courseware.upload", **T, format="pptx"), "qualified", []),
        (op("courseware.upload", **T, format="docx"), "not_qualified", ["attributes.format", "docx"]),
        (op("teaching.session", **T, duration=900.5), "qualified", []),
    ],
    "digital-school": [
        (op("tutoring.session", **T, duration=1200), "qualified", []),
        (op("tutoring.session", **T, duration=1199), "not_qualified", ["duration_s", "1199", "1200"]),
        (op("qa.answer", **T), "qualified", []),
        (op("microlecture.upload", **T, content_sha256=sha("ds-1")), "qualified", []),
        (op("mooc.add", **T, content_sha256=sha("ds-2")), "qualified", []),
    ],
    "renrentong": [
        (op("article.publish", **T, public=True), "qualified", []),
        (op("article.publish", **T, public=False), "not_qualified", ["attributes.public"]),
        (op("photo.publish", **T, public=False), "not_qualified", ["attributes.public"]),
        (op("resource.upload", **T, public=True, content_sha256=sha("rr-1")), "qualified", []),
        (op("resource.upload", **T, public=False, content_sha256=sha("rr-2")), "not_qualified",
         ["attributes.public"]),
        (op("studio.resource.upload", **T, content_sha256=sha("rr-3")), "qualified", []),
        (op("community.resource.upload", **T, content_sha256=sha("rr-4")), "qualified", []),
        (op("studio.microlecture.upload", **T, content_sha256=sha("rr-5")), "qualified", []),
    ],
    "master-studio": [
        (op("discussion.reply", **T, chars=30), "qualified", []),
        (op("discussion.reply", **T, chars=29), "not_qualified", ["attributes.chars", "29", "30"]),
        (op("activity.participate", **T, kind="upload_document"), "qualified", []),
        (op("activity.participate", **T, kind="vote"), "qualified", []),
        (op("activity.participate", **T, kind="comment", chars=45), "qualified", []),
        (op("activity.participate", **T, kind="comment", chars=12), "not_qualified", ["attributes.chars", "12"]),
        (op("activity.participate", **T, kind="share"), "not_qualified", ["attributes.kind", "share"]),
    ],
    "course-community": [
        (op("discussion.reply", **T, chars=200), "qualified", []),
        (op("activity.participate", **T, kind="evaluate"), "qualified", []),
        (op("activity.participate", **T, kind="upload_image"), "qualified", []),
        (op("activity.participate", **T, kind="comment", chars=29), "not_qualified", ["attributes.chars"]),
    ],
    "online-classroom": [
        (op("class.session", **S, duration=1200, classroom_id="R1"), "qualified", []),
        (op("class.session", **S, duration=1100, classroom_id="R1"), "not_qualified", ["duration_s", "1100"]),
    ],
    "evaluation": [
        (op("student.record", **T), "qualified", []),
        (op("teacher.record", **S), "qualified", []),
    ],
    "school-affairs": [
        *[(op("affair.record", **S, kind=k), "qualified", [])
          for k in ("notice", "approval", "meeting", "attendance", "survey", "data_report")],
        (op("affair.record", **S, kind="exam"), "not_qualified", ["attributes.kind", "exam"]),
    ],
    "academic-affairs": [
        *[(op("affair.record", **S, kind=k), "qualified", [])
          for k in ("enrolment", "course_selection", "timetable", "exam")],
        (op("affair.record", **S, kind="notice"), "not_qualified", ["attributes.kind", "notice"]),
    ],
    "literacy-assessment": [
        (op("assessment.complete", **T, score=88, role="teacher"), "qualified", []),
    ],
}

INDICATORS = {
    ("seewo-easinote5", "courseware.sync"): "lesson_prep",
    ("digital-textbook", "resource.upload"): "teaching_resources",
    ("renrentong", "studio.resource.upload"): "research_resources",
    ("online-classroom", "class.session"): "three_classrooms",
    ("evaluation", "teacher.record"): "teacher_evaluation",
    ("school-affairs", "affair.record"): "school_affairs",
    ("academic-affairs", "affair.record"): "academic_affairs",
    ("master-studio", "activity.participate"): "research_activity",
}


@pytest.mark.parametrize("app_code", list(CONDITIONS))
def test_each_condition_qualifies_or_names_what_it_misses(api: Api, app_code: str) -> None:
    cases = CONDITIONS[app_code]
    results = api.post(app_code, [item for item, _status, _words in cases])
    assert [r["id"] for r in results] == [item["id"] for item, _s, _w in cases]
    for (item, status, words), result in zip(cases, results, strict=True):
        assert result["status"] == status, (item, result)
        if status == "qualified":
            assert result["reason"] is None
        else:
            assert result["reason"] and all(w in result["reason"] for w in words), (item, result)
        expected = INDICATORS.get((app_code, item["action"]))
        if expected:
            assert result["indicator"] == expected
        stored = api.stored(app_code, item["id"])
        assert (stored["status"], stored["reason"], stored["indicator"]) == (
            result["status"], result["reason"], result["indicator"]), "every report is stored with status and reason"
        assert stored["month"] == "2026-09"
        assert stored["action"] == item["action"]


def test_comment_without_chars_is_rejected_naming_the_attribute(api: Api) -> None:
    results = api.post("master-studio", [
        op("activity.participate", teacher="T1", kind="comment", id="c-no-chars"),
        op("activity.participate", teacher="T1", id="no-kind"),
        op("activity.participate", teacher="T1", kind="vote", id="vote-no-chars"),
    ])
    assert [(r["status"], r["reason"]) for r in results] == [
        ("rejected", "attributes.chars is missing"),
        ("rejected", "attributes.kind is missing"),
        ("qualified", None),
    ]
    assert api.stored("master-studio", "c-no-chars")["status"] == "rejected"


# --- duplicate --------------------------------------------------------------------------------------------

def test_same_id_twice_in_one_batch_is_one_operation(api: Api) -> None:
    # the same id with other content is a conflict (tests/integration/test_idempotency.py); the first one stands
    results = api.post("seewo-easinote5", [
        op("teaching.session", teacher="T1", duration=1000, id="same"),
        op("teaching.session", teacher="T2", duration=10, id="same", when=at(20)),
        op("teaching.session", teacher="T1", duration=10, id="other"),
        op("teaching.session", teacher="T1", duration=5000, id="other"),
        op("teaching.session", teacher="T1", duration=10, id="other"),
    ])
    assert [(r["id"], r["status"]) for r in results] == [
        ("same", "qualified"), ("same", "conflict"), ("other", "not_qualified"), ("other", "conflict"),
        ("other", "duplicate")]
    assert results[1]["reason"] == "id already received with different content (stored as qualified)"
    assert results[1]["indicator"] == "interactive_teaching"
    assert results[3]["reason"] == "id already received with different content (stored as not_qualified)"
    assert results[4]["reason"] == "id already received as not_qualified"
    first = api.stored("seewo-easinote5", "same")
    assert first["status"] == "qualified"
    assert first["occurred_at"] == datetime.fromisoformat(at()).astimezone(UTC).isoformat()
    assert api.stored("seewo-easinote5", "other")["status"] == "not_qualified"


def test_resend_across_batches_is_duplicate_and_the_first_answer_stands(api: Api) -> None:
    first = op("teaching.session", teacher="T1", duration=899, id="b1")
    assert api.one("seewo-easinote5", first)["status"] == "not_qualified"
    before = api.stored("seewo-easinote5", "b1")
    assert api.one("seewo-easinote5", first) == {"id": "b1", "status": "duplicate", "indicator": "interactive_teaching",
                                                 "reason": "id already received as not_qualified"}
    again = api.one("seewo-easinote5", op("teaching.session", teacher="T2", duration=3600, id="b1", when=at(25)))
    assert again == {"id": "b1", "status": "conflict", "indicator": "interactive_teaching",
                     "reason": "id already received with different content (stored as not_qualified)"}
    assert api.stored("seewo-easinote5", "b1") == before
    # a different action under the same id is the same operation too
    other = api.one("seewo-easinote5", op("research.activity", teacher="T1", id="b1"))
    assert other["status"] == "conflict"
    assert api.stored("seewo-easinote5", "b1") == before


def test_duplicate_of_a_pending_report_leaves_it_pending(api: Api) -> None:
    assert api.one("hite-pi6", op("lesson.create", teacher="T9", id="p"))["status"] == "pending"
    again = api.one("hite-pi6", op("lesson.create", teacher="T1", id="p"))
    assert again["status"] == "conflict"
    assert again["reason"] == "id already received with different content (stored as pending)"
    same = api.one("hite-pi6", op("lesson.create", teacher="T9", id="p"))
    assert (same["status"], same["reason"]) == ("duplicate", "id already received as pending")
    stored = api.stored("hite-pi6", "p")
    assert stored["status"] == "pending" and "T9" in stored["reason"]


def test_same_id_from_another_app_is_not_a_duplicate(api: Api) -> None:
    assert api.one("seewo-easinote5", op("teaching.session", teacher="T1", duration=900, id="x1"))["status"] == (
        "qualified")
    assert api.one("hite-pi6", op("lesson.create", teacher="T1", id="x1"))["status"] == "qualified"
    assert api.stored("seewo-easinote5", "x1")["action"] == "teaching.session"
    assert api.stored("hite-pi6", "x1")["action"] == "lesson.create"


# --- duplicate content ------------------------------------------------------------------------------------

def test_content_seen_in_a_qualified_report_is_duplicate_content_for_any_app_or_teacher(api: Api) -> None:
    content = sha("lecture on fractions")
    first = api.one("seewo-easinote5", op("library.upload", teacher="T1", content_sha256=content, id="c1"))
    assert first["status"] == "qualified"
    results = api.post("digital-school", [
        op("microlecture.upload", teacher="T2", content_sha256=content, id="c2"),
        op("mooc.add", teacher="T3", content_sha256=content.upper(), id="c3"),
        op("microlecture.upload", teacher="T2", content_sha256=sha("new"), id="c4"),
        op("mooc.add", teacher="T3", content_sha256=sha("new"), id="c5"),
    ])
    assert [(r["status"], r["reason"]) for r in results] == [
        ("not_qualified", "duplicate_content"), ("not_qualified", "duplicate_content"),
        ("qualified", None), ("not_qualified", "duplicate_content")]
    again = api.one("seewo-easinote5", op("library.upload", teacher="T1", content_sha256=content, id="c6"))
    assert (again["status"], again["reason"]) == ("not_qualified", "duplicate_content")
    assert api.stored("digital-school", "c2")["reason"] == "duplicate_content"


def test_content_of_a_report_that_did_not_qualify_is_not_taken(api: Api) -> None:
    content = sha("private resource")
    hidden = api.one("renrentong", op("resource.upload", teacher="T1", public=False, content_sha256=content))
    assert hidden["status"] == "not_qualified"
    assert api.one("smart-classroom", op("resource.upload", teacher="T2", content_sha256=content))["status"] == (
        "qualified")


@pytest.mark.parametrize("value, problem", [(None, "is missing"), ("", "must be a non-empty string"),
                                            (42, "must be a non-empty string")])
def test_content_sha256_is_required_by_not_a_duplicate(api: Api, value: Any, problem: str) -> None:
    item = op("library.upload", teacher="T1", id="nohash")
    if value is not None:
        item["attributes"]["content_sha256"] = value
    result = api.one("seewo-easinote5", item)
    assert result["status"] == "rejected"
    assert result["reason"] == f"attributes.content_sha256 {problem}"
    assert api.stored("seewo-easinote5", "nohash")["status"] == "rejected"


# --- pending ----------------------------------------------------------------------------------------------

def test_pending_until_a_roster_import_brings_the_teacher_or_school_in(api: Api) -> None:
    content = sha("pending upload")
    results = api.post("seewo-easinote5", [
        op("teaching.session", teacher="T9", duration=1000, id="p1"),
        op("teaching.session", teacher="T9", duration=100, id="p2"),
        op("library.upload", teacher="T9", content_sha256=content, id="p3"),
        op("teaching.session", teacher="T8", duration=1000, id="p4"),
    ])
    assert [r["status"] for r in results] == ["pending"] * 4
    assert results[0]["indicator"] == "interactive_teaching"
    assert "teacher_id" in results[0]["reason"] and "T9" in results[0]["reason"]
    school = api.one("online-classroom", op("class.session", school="S9", duration=1500, classroom_id="R", id="p5"))
    assert school["status"] == "pending" and "school_id" in school["reason"] and "S9" in school["reason"]
    assert api.stored("seewo-easinote5", "p1")["status"] == "pending"

    resolved = api.roster(row("T9", "S9", county_code="C9"))
    assert resolved == {"qualified": 3, "not_qualified": 1}
    assert api.stored("seewo-easinote5", "p1")["status"] == "qualified"
    assert api.stored("seewo-easinote5", "p1")["reason"] is None
    assert (api.stored("seewo-easinote5", "p2")["status"], api.stored("seewo-easinote5", "p2")["reason"]) == (
        "not_qualified", "duration_s 100 < 900")
    assert api.stored("seewo-easinote5", "p3")["status"] == "qualified"
    assert api.stored("seewo-easinote5", "p4")["status"] == "pending"
    assert api.stored("online-classroom", "p5")["status"] == "qualified"
    # the content it brought is now taken
    later = api.one("smart-classroom", op("resource.upload", teacher="T1", content_sha256=content))
    assert (later["status"], later["reason"]) == ("not_qualified", "duplicate_content")


# --- rejected ---------------------------------------------------------------------------------------------

def _future(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).astimezone(UTC).isoformat()


REJECTED: list[tuple[Any, str | None, str]] = [
    (op("class.session", school="S1", duration=1500, classroom_id="R", id="r-other-app"), "r-other-app",
     "action 'class.session' is not in the catalog of app 'seewo-easinote5'"),
    (op("no.such.action", teacher="T1", id="r-unknown"), "r-unknown",
     "action 'no.such.action' is not in the catalog of app 'seewo-easinote5'"),
    (op("teaching.session", teacher="T1", id="r-no-duration"), "r-no-duration", "duration_s is missing"),
    (op("teaching.session", teacher="T1", duration="long", id="r-bad-duration"), "r-bad-duration",
     "duration_s must be a number of seconds"),
    (op("teaching.session", teacher="T1", duration=-5, id="r-neg-duration"), "r-neg-duration",
     "duration_s must not be negative"),
    (op("courseware.sync", teacher="T1", id="r-no-attr"), "r-no-attr", "attributes.sync_count is missing"),
    (op("courseware.sync", teacher="T1", sync_count="3", id="r-str-attr"), "r-str-attr",
     "attributes.sync_count must be a number"),
    (op("teaching.session", teacher="T1", duration=900, when="2026-09-10T10:00:00", id="r-naive"), "r-naive",
     "occurred_at '2026-09-10T10:00:00' has no UTC offset"),
    (op("teaching.session", teacher="T1", duration=900, when="10 Sept 2026", id="r-not-iso"), "r-not-iso",
     "occurred_at '10 Sept 2026' is not ISO 8601"),
    ({"id": "r-no-when", "action": "research.activity", "teacher_id": "T1"}, "r-no-when", "occurred_at is missing"),
    (op("teaching.session", teacher="T1", duration=900, when=_future(24 * 60), id="r-future"), "r-future",
     "occurred_at is more than 5 minutes in the future"),
    (op("teaching.session", school="S1", duration=900, id="r-school-only"), "r-school-only",
     "teacher_id is missing (action teaching.session is scored for the teacher)"),
    (op("research.activity", teacher="T" * 65, id="r-long-teacher"), "r-long-teacher",
     "teacher_id must be a non-empty string of at most 64 characters"),
    (op("research.activity", teacher=["T1"], id="r-list-teacher"), "r-list-teacher",  # type: ignore[arg-type]
     "teacher_id must be a non-empty string of at most 64 characters"),
    ({"id": "r-no-action", "teacher_id": "T1", "occurred_at": at()}, "r-no-action", "action is missing"),
    ({**op("research.activity", teacher="T1", id="r-extra"), "score": 3}, "r-extra",
     "field 'score' is not part of the envelope; put it in attributes"),
    ({**op("research.activity", teacher="T1", id="r-attrs"), "attributes": [1, 2]}, "r-attrs",
     "attributes must be a JSON object"),
    ("not an object", None, "item must be a JSON object"),
    (17, None, "item must be a JSON object"),
    ([op("research.activity", teacher="T1")], None, "item must be a JSON object"),
    (None, None, "item must be a JSON object"),
    ({"action": "research.activity", "teacher_id": "T1", "occurred_at": at()}, None, "id is missing"),
    ({"id": "", "action": "research.activity", "teacher_id": "T1", "occurred_at": at()}, None,
     "id is not a string of 1-128 characters"),
    ({"id": "x" * 129, "action": "research.activity", "teacher_id": "T1", "occurred_at": at()}, None,
     "id is not a string of 1-128 characters"),
]


def test_rejected_reports_name_the_field_and_are_kept(api: Api) -> None:
    results = api.post("seewo-easinote5", [item for item, _id, _reason in REJECTED])
    assert len(results) == len(REJECTED)
    for (item, ident, reason), result in zip(REJECTED, results, strict=True):
        assert (result["id"], result["status"], result["reason"]) == (ident, "rejected", reason), item
        if ident is not None:
            stored = api.stored("seewo-easinote5", ident)
            assert (stored["status"], stored["reason"]) == ("rejected", reason)
    # rejected results carry the indicator when the action was recognised
    by_id = {r["id"]: r for r in results if r["id"]}
    assert by_id["r-no-duration"]["indicator"] == "interactive_teaching"
    assert by_id["r-other-app"]["indicator"] is None


def test_a_school_scored_action_without_school_id_is_rejected(api: Api) -> None:
    result = api.one("online-classroom", op("class.session", teacher="T1", duration=1500, classroom_id="R"))
    assert result["status"] == "rejected"
    assert result["reason"].startswith("school_id is missing")
    missing_room = api.one("online-classroom", op("class.session", school="S1", duration=1500))
    assert (missing_room["status"], missing_room["reason"]) == ("rejected", "attributes.classroom_id is missing")


def test_occurred_at_in_the_future_is_accepted_within_five_minutes(api: Api) -> None:
    results = api.post("hite-pi6", [op("lesson.create", teacher="T1", when=_future(3)),
                                    op("lesson.create", teacher="T1", when=_future(6)),
                                    op("lesson.create", teacher="T1", when="2026-09-10T02:00:00Z")])
    assert [r["status"] for r in results] == ["qualified", "rejected", "qualified"]
    assert results[1]["reason"] == "occurred_at is more than 5 minutes in the future"


def test_a_rejected_report_can_be_resent_with_the_same_id_once_corrected(api: Api) -> None:
    first = api.one("seewo-easinote5", op("teaching.session", teacher="T1", id="fix-me"))
    assert (first["status"], first["reason"]) == ("rejected", "duration_s is missing")
    assert api.stored("seewo-easinote5", "fix-me")["status"] == "rejected"
    corrected = api.one("seewo-easinote5", op("teaching.session", teacher="T1", duration=1200, id="fix-me"))
    assert corrected == {"id": "fix-me", "status": "qualified", "indicator": "interactive_teaching", "reason": None}
    stored = api.stored("seewo-easinote5", "fix-me")
    assert (stored["status"], stored["reason"]) == ("qualified", None)
    again = api.one("seewo-easinote5", op("teaching.session", teacher="T1", id="fix-me"))
    assert again["status"] == "conflict"  # the rejected content again: not what was stored
    same = api.one("seewo-easinote5", op("teaching.session", teacher="T1", duration=1200, id="fix-me"))
    assert same["status"] == "duplicate"
    # a rejection followed by its correction in the same batch: the corrected one is the operation
    results = api.post("seewo-easinote5", [op("teaching.session", teacher="T1", id="in-batch"),
                                           op("teaching.session", teacher="T1", duration=950, id="in-batch",
                                              when=at(11))])  # after fix-me's session
    assert [r["status"] for r in results] == ["rejected", "qualified"]
    assert api.stored("seewo-easinote5", "in-batch")["status"] == "qualified"


# --- literacy assessment ----------------------------------------------------------------------------------

def test_literacy_assessment_counts_once_a_year(api: Api) -> None:
    app = "literacy-assessment"
    results = api.post(app, [
        op("assessment.complete", teacher="T1", score=101, role="teacher", id="a0", when=at(1)),
        op("assessment.complete", teacher="T1", score=-1, role="teacher", id="a00", when=at(1)),
        op("assessment.complete", teacher="T1", score=70, role="student", id="a000", when=at(1)),
        op("assessment.complete", teacher="T1", score=80, role="teacher", id="a1", when=at(2)),
        op("assessment.complete", teacher="T1", score=95, role="teacher", id="a2", when=at(3)),
        op("assessment.complete", teacher="T2", score=0, role="principal", id="a3", when=at(3)),
        op("assessment.complete", teacher="T1", score=60, role="researcher", id="a4", when=at(3, month="2025-12")),
    ])
    assert [(r["status"], r["reason"]) for r in results] == [
        ("rejected", "attributes.score 101 not between 0 and 100"),
        ("rejected", "attributes.score -1 not between 0 and 100"),
        ("rejected", "attributes.role 'student' not in principal, teacher, researcher"),
        ("qualified", None),
        ("not_qualified", "not_first_of_year"),
        ("qualified", None),
        ("qualified", None),
    ]
    assert all(r["indicator"] == "literacy_assessment" for r in results)
    october = at(20, month="2026-10")
    later = api.one(app, op("assessment.complete", teacher="T1", score=100, role="teacher", when=october))
    assert (later["status"], later["reason"]) == ("not_qualified", "not_first_of_year")
    assert api.stored(app, "a2")["reason"] == "not_first_of_year"
    missing = api.one(app, op("assessment.complete", teacher="T3", role="teacher"))
    assert (missing["status"], missing["reason"]) == ("rejected", "attributes.score is missing")


# --- order, auth, limits, envelope ------------------------------------------------------------------------

def test_results_come_in_order_one_per_item(api: Api) -> None:
    items = [
        op("teaching.session", teacher="T1", duration=900, id="o1"),
        "junk",
        op("teaching.session", teacher="T1", duration=10, id="o2"),
        op("teaching.session", teacher="T9", duration=900, id="o3"),
        op("teaching.session", teacher="T1", duration=900, id="o1"),
        op("teaching.session", teacher="T1", id="o4"),
        op("teaching.session", teacher="T2", duration=900, id="o5"),
    ]
    results = api.post("seewo-easinote5", items)
    assert [(r["id"], r["status"]) for r in results] == [
        ("o1", "qualified"), (None, "rejected"), ("o2", "not_qualified"), ("o3", "pending"),
        ("o1", "duplicate"), ("o4", "rejected"), ("o5", "qualified")]
    assert all(set(r) == {"id", "status", "indicator", "reason"} for r in results)
    assert api.post("seewo-easinote5", []) == []


@pytest.mark.parametrize("header", [None, "Bearer jfa_not-a-real-token", "Bearer ", "Basic {token}",
                                    "Token {token}", "{token}", "Bearer USER"])
def test_reporting_needs_a_known_app_bearer_token(api: Api, header: str | None) -> None:
    token = api.token("seewo-easinote5")
    if header == "Bearer USER":
        header = "Bearer " + add_user(api.runtime.database, "region", "region_admin", "640000", "640000", NOW)
    headers = {} if header is None else {"Authorization": header.format(token=token)}
    body = {"operations": [op("teaching.session", teacher="T1", duration=900, id="auth")]}
    error = _error(api.client.post(URL, json=body, headers=headers), 401, "unauthorized")
    assert "token" in error["message"]
    if header is not None and header.startswith("Bearer jfu_"):
        assert error["message"].startswith("a user token is not an app's: the app endpoints take an app token")
    assert _error(api.client.get(f"{URL}/auth", headers=headers), 401, "unauthorized")
    assert api.get("seewo-easinote5", "auth").status_code == 404, "nothing was stored"
    ok = api.client.post(URL, json=body, headers={"Authorization": f"bearer {token}"})
    assert ok.status_code == 200 and ok.json()["results"][0]["status"] == "qualified"


def test_a_compressed_body_is_refused_naming_the_encoding(api: Api) -> None:
    body = gzip.compress(json.dumps({"operations": [op("teaching.session", teacher="T1", duration=900,
                                                       id="zipped")]}).encode())
    headers = {**api.headers("hite-pi6"), "Content-Encoding": "gzip", "Content-Type": "application/json"}
    error = _error(api.client.post(URL, content=body, headers=headers), 415, "unsupported_encoding")
    assert error["message"] == "Content-Encoding gzip is not supported: send the body uncompressed"
    assert api.get("hite-pi6", "zipped").status_code == 404
    plain = {**api.headers("hite-pi6"), "Content-Encoding": "identity"}
    assert api.client.post(URL, json={"operations": []}, headers=plain).status_code == 200


def test_a_missing_token_is_answered_with_a_bearer_challenge(api: Api) -> None:
    response = api.client.post(URL, json={"operations": []})
    _error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.fixture
def small(database_url: str, tmp_path: Path) -> Iterator[Api]:
    runtime = Runtime.open(Settings(data_dir=tmp_path, database_url=database_url,
                                    max_body_bytes=1000, max_batch_items=3))
    try:
        made = Api(runtime)
        made.roster(row("T1"))
        with made.client:
            yield made
    finally:
        runtime.close()


def test_more_items_than_the_limit_is_413_and_nothing_is_stored(small: Api) -> None:
    items = [op("research.activity", teacher="T1", id=f"i{n}") for n in range(4)]
    error = _error(small.client.post(URL, json={"operations": items}, headers=small.headers("seewo-easinote5")),
                   413, "payload_too_large")
    assert "4" in error["message"] and "3" in error["message"]
    assert small.get("seewo-easinote5", "i0").status_code == 404
    assert [r["status"] for r in small.post("seewo-easinote5", items[:3])] == ["qualified"] * 3


def test_a_body_over_the_limit_is_413_and_nothing_is_stored(small: Api) -> None:
    item = op("research.activity", teacher="T1", id="big")
    body = json.dumps({"operations": [item]}).encode()
    padded = body[:-1] + b" " * (1001 - len(body)) + b"}"
    assert len(padded) == 1001
    headers = {**small.headers("seewo-easinote5"), "content-type": "application/json"}
    error = _error(small.client.post(URL, content=padded, headers=headers), 413, "payload_too_large")
    assert "1000" in error["message"]
    assert small.get("seewo-easinote5", "big").status_code == 404
    # without a Content-Length (chunked), the limit holds while reading
    chunks = iter([padded[:500], padded[500:]])
    _error(small.client.post(URL, content=chunks, headers=headers), 413, "payload_too_large")
    assert small.get("seewo-easinote5", "big").status_code == 404
    exact = body[:-1] + b" " * (1000 - len(body)) + b"}"
    ok = small.client.post(URL, content=exact, headers=headers)
    assert ok.status_code == 200 and ok.json()["results"][0]["status"] == "qualified"


def test_default_limits_are_5000_items_and_10_mb(api: Api) -> None:
    headers = api.headers("hite-pi6")
    items = [op("lesson.create", teacher="T1", id=f"n{n}") for n in range(5001)]
    error = _error(api.client.post(URL, json={"operations": items}, headers=headers), 413, "payload_too_large")
    assert "5001" in error["message"] and "5000" in error["message"]
    assert api.get("hite-pi6", "n0").status_code == 404
    results = api.post("hite-pi6", items[:5000])
    cap = api.runtime.ruleset.rules.indicator("lesson_prep").daily_cap
    assert cap is not None and len(results) == 5000  # all on one day: the daily cap admits the first ones
    assert [r["status"] for r in results] == ["qualified"] * cap.count + ["not_qualified"] * (5000 - cap.count)
    assert {r["reason"] for r in results[cap.count:]} == {"daily_cap"}

    limit = 10 * 1024 * 1024
    big = op("lesson.create", teacher="T1", id="huge", note="x" * limit)
    body = json.dumps({"operations": [big]}).encode()
    assert len(body) > limit
    _error(api.client.post(URL, content=body, headers={**headers, "content-type": "application/json"}),
           413, "payload_too_large")
    assert api.get("hite-pi6", "huge").status_code == 404


@pytest.mark.parametrize("body, path, words", [
    (b"not json", "", "not valid JSON"),
    (b'{"operations": [', "", "not valid JSON"),
    (b"\xff\xfe", "", "not valid JSON"),
    (b"[]", "", "operations"),
    (b'[{"id": "a"}]', "", "operations"),
    (b'"operations"', "", "operations"),
    (b"{}", "operations", "operations"),
    (b'{"items": []}', "operations", "operations"),
    (b'{"operations": 3}', "operations", "operations"),
    (b'{"operations": {"id": "a"}}', "operations", "operations"),
    (b'{"operations": "a,b"}', "operations", "operations"),
    (b'{"operations": null}', "operations", "operations"),
])
def test_an_envelope_that_is_not_the_schema_is_422_naming_the_path(api: Api, body: bytes, path: str,
                                                                    words: str) -> None:
    headers = {**api.headers("seewo-easinote5"), "content-type": "application/json"}
    error = _error(api.client.post(URL, content=body, headers=headers), 422, "invalid")
    assert words in error["message"]
    assert error["details"] and error["details"][0]["path"] == path
    if path:
        assert error["message"].startswith(f"{path}: ")


# --- GET --------------------------------------------------------------------------------------------------

def test_get_shows_an_app_its_own_operations_only(api: Api) -> None:
    api.post("seewo-easinote5", [op("teaching.session", teacher="T1", duration=900, id="mine", when=at(30, 23)),
                                 op("teaching.session", teacher="T1", id="bad/one")])
    stored = api.stored("seewo-easinote5", "mine")
    assert stored["id"] == "mine" and stored["status"] == "qualified" and stored["reason"] is None
    assert stored["indicator"] == "interactive_teaching" and stored["action"] == "teaching.session"
    assert stored["month"] == "2026-09", "month boundaries are local time"
    assert datetime.fromisoformat(stored["occurred_at"]) == datetime.fromisoformat(at(30, 23))
    assert datetime.fromisoformat(stored["received_at"]).tzinfo is not None
    rejected = api.stored("seewo-easinote5", "bad/one")
    assert (rejected["status"], rejected["reason"], rejected["indicator"]) == (
        "rejected", "duration_s is missing", "interactive_teaching"), "GET repeats the POST's answer"

    error = _error(api.get("hite-pi6", "mine"), 404, "not_found")
    assert "mine" in error["message"]
    _error(api.get("hite-pi6", "bad/one"), 404, "not_found")
    _error(api.get("seewo-easinote5", "never-sent"), 404, "not_found")


def test_get_finds_an_id_as_the_app_sent_it(api: Api) -> None:
    ids = ["操作-1", "a?b#c", "with space", " padded ", 12345]
    results = api.post("hite-pi6", [op("lesson.create", teacher="T1", id=i) for i in ids]
                       + [op("lesson.create", teacher="T1", id="utc", when="2026-09-30T16:30:00Z")])
    assert [r["id"] for r in results] == ["操作-1", "a?b#c", "with space", "padded", "12345", "utc"]
    for ident in ids:
        response = api.client.get(f"{URL}/{quote(str(ident))}", headers=api.headers("hite-pi6"))
        assert response.status_code == 200, (ident, response.text)
        assert response.json()["id"] == str(ident).strip()
    assert api.stored("hite-pi6", "utc")["month"] == "2026-10", "2026-10-01 00:30 in Asia/Shanghai"


# --- catalog ----------------------------------------------------------------------------------------------

CATALOG_ACTIONS = {
    "seewo-easinote5": {"courseware.sync", "teaching.session", "library.upload", "research.activity"},
    "digital-textbook": {"course.create", "teaching.session", "resource.upload"},
    "hite-pi6": {"lesson.create", "teaching.session"},
    "smart-classroom": {"lesson.prepare", "teaching.session", "resource.upload"},
    "teaching-assistant": {"courseware.upload", "teaching.session"},
    "digital-school": {"tutoring.session", "qa.answer", "microlecture.upload", "mooc.add"},
    "renrentong": {"article.publish", "photo.publish", "resource.upload", "studio.resource.upload",
                   "community.resource.upload", "studio.microlecture.upload"},
    "master-studio": {"discussion.reply", "activity.participate"},
    "course-community": {"discussion.reply", "activity.participate"},
    "online-classroom": {"class.session"},
    "literacy-assessment": {"assessment.complete"},
    "evaluation": {"student.record", "teacher.record"},
    "school-affairs": {"affair.record"},
    "academic-affairs": {"affair.record"},
}


def test_the_catalog_of_a_month_names_a_bad_month_and_one_before_any_rule_set(api: Api) -> None:
    assert api.client.get("/api/v1/catalog", params={"month": "2026-09"}).json()["ruleset"]["name"] == "ningxia-2022"
    bad = _error(api.client.get("/api/v1/catalog", params={"month": "2026-13"}), 422, "invalid")
    assert [d["path"] for d in bad["details"]] == ["query.month"]
    before = _error(api.client.get("/api/v1/catalog", params={"month": "1999-01"}), 404, "not_found")
    assert before["message"] == "no rule set is in force in 1999-01: ningxia-2022 takes effect from 2022-01"


def test_catalog_lists_every_app_with_actions_and_conditions_without_a_token(api: Api) -> None:
    response = api.client.get("/api/v1/catalog")
    assert response.status_code == 200
    body = response.json()
    assert body["ruleset"]["name"] == "ningxia-2022"
    assert len(body["indicators"]) == 12
    indicators = {i["code"]: i for i in body["indicators"]}
    assert (indicators["lesson_prep"]["monthly_max"], indicators["lesson_prep"]["annual_max"]) == (20, 240)
    assert indicators["literacy_assessment"]["assessment_full_score"] == 100
    assert indicators["lesson_prep"]["daily_cap"]["count"] == 12, "figures are JSON numbers, as in the reports"
    apps = {a["code"]: a for a in body["apps"]}
    assert len(body["apps"]) == 14 and set(apps) == set(CATALOG_ACTIONS)
    for app in body["apps"]:
        assert app["name"] and app["actions"], app["code"]
        for action in app["actions"]:
            assert action["action"] and action["indicator"] and action["condition"] and action["guide"]
            assert action["subject"] in {"teacher", "school"}
    assert {code: {a["action"] for a in app["actions"]} for code, app in apps.items()} == CATALOG_ACTIONS
    actions = {(code, a["action"]): a for code, app in apps.items() for a in app["actions"]}
    assert actions[("seewo-easinote5", "teaching.session")]["condition"] == "duration_s >= 900"
    assert actions[("seewo-easinote5", "courseware.sync")]["condition"] == "attributes.sync_count >= 3"
    assert actions[("teaching-assistant", "courseware.upload")]["condition"] == "attributes.format in edux, ppt, pptx"
    assert actions[("online-classroom", "class.session")]["subject"] == "school"
    assert actions[("online-classroom", "class.session")]["requires"] == [
        {"kind": "present", "field": "attributes.classroom_id"}]
    assert "attributes.content_sha256" in actions[("digital-school", "mooc.add")]["condition"]
    assert actions[("literacy-assessment", "assessment.complete")]["indicator"] == "literacy_assessment"
    assert {apps["master-studio"]["status"], apps["course-community"]["status"]} == {"integrating"}
    assert apps["seewo-easinote5"]["status"] == "integrated"


# --- hostile input: answered per item or as 422, never a 500, on both engines -----------------------------

def _raw(api: Api, app_code: str, body: str) -> Any:
    headers = {**api.headers(app_code), "content-type": "application/json"}
    return api.client.post(URL, content=body.encode(), headers=headers)


@pytest.mark.parametrize("value, words", [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"),
                                          ("1e400", "1e400")])
def test_numbers_json_cannot_carry_are_422(api: Api, value: str, words: str) -> None:
    body = ('{"operations": [{"id": "n", "action": "courseware.sync", "teacher_id": "T1", '
            f'"occurred_at": "{at()}", "attributes": {{"sync_count": {value}}}}}]}}')
    error = _error(_raw(api, "seewo-easinote5", body), 422, "invalid")
    assert words in error["message"] and "not valid JSON" in error["message"]
    assert api.get("seewo-easinote5", "n").status_code == 404


def test_json_nested_too_deeply_is_422(api: Api) -> None:
    body = '{"operations": [{"id": "n", "attributes": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}]}"
    error = _error(_raw(api, "seewo-easinote5", body), 422, "invalid")
    assert "nested too deeply" in error["message"]


def test_nul_characters_are_rejected_naming_the_field(api: Api) -> None:
    base = {"action": "research.activity", "teacher_id": "T1", "occurred_at": at()}
    results = api.post("seewo-easinote5", [
        {**base, "id": "a\u0000b"},
        {**base, "id": "nul-teacher", "teacher_id": "T\u00001"},
        {**base, "id": "nul-attr", "attributes": {"note": ["fine", {"deep": "x\u0000"}]}},
        {**base, "id": "nul-format", "action": "courseware.sync", "attributes": {"sync_count": 3, "f": "\u0000"}},
        {**base, "id": "clean"},
    ])
    assert [(r["id"], r["status"], r["reason"]) for r in results] == [
        (None, "rejected", "id must not contain NUL characters"),
        ("nul-teacher", "rejected", "teacher_id must not contain NUL characters"),
        ("nul-attr", "rejected", "attributes.note must not contain NUL characters"),
        ("nul-format", "rejected", "attributes.f must not contain NUL characters"),
        ("clean", "qualified", None),
    ]
    assert api.stored("seewo-easinote5", "nul-attr")["status"] == "rejected"
    # the value would otherwise reach a reason text (one_of quotes it): PostgreSQL text cannot hold U+0000
    fmt = api.one("teaching-assistant", op("courseware.upload", teacher="T1", format="pp\u0000t"))
    assert (fmt["status"], fmt["reason"]) == ("rejected", "attributes.format must not contain NUL characters")


def test_a_nul_character_in_action_is_rejected(api: Api) -> None:
    client = TestClient(create_app(api.runtime), raise_server_exceptions=False)
    item = {"id": "nul-action", "action": "research\u0000.activity", "teacher_id": "T1", "occurred_at": at()}
    response = client.post(URL, json={"operations": [item, op("research.activity", teacher="T1", id="ok")]},
                           headers=api.headers("seewo-easinote5"))
    assert response.status_code == 200, response.text
    assert [(r["status"], r["reason"]) for r in response.json()["results"]] == [
        ("rejected", "action must not contain NUL characters"), ("qualified", None)]


def test_lone_surrogates_are_rejected_where_a_text_column_would_hold_them(api: Api) -> None:
    """JSON can escape half of a surrogate pair (\\ud800); no text column can store it, nor can a look-up of
    content or an export take it from the attributes."""
    def item(ident: str, **fields: str) -> str:
        extra = "".join(f', "{k}": "{v}"' for k, v in fields.items())
        return (f'{{"id": "{ident}", "action": "research.activity", "teacher_id": "T1", "occurred_at": "{at()}"'
                f'{extra}}}')
    body = ('{"operations": [' + ", ".join([
        item("a\\ud800"), item("lone-teacher", teacher_id="T\\udfff"), item("lone-action", action="r\\ud800"),
        item("lone-attr") [:-1] + ', "attributes": {"kind": "\\ud800"}}',
        item("lone-key") [:-1] + ', "attributes": {"\\udfff": 1}}',
        item("lone-deep") [:-1] + ', "attributes": {"notes": [{"a": "ok"}, "x\\ud800"]}}',
        item("fine"),
    ]) + '], "batch_id": "b-1"}')
    response = _raw(api, "seewo-easinote5", body)
    assert response.status_code == 200, response.text
    assert [(r["id"], r["status"], r["reason"]) for r in response.json()["results"]] == [
        (None, "rejected", "id must not contain lone surrogates"),
        ("lone-teacher", "rejected", "teacher_id must not contain lone surrogates"),
        ("lone-action", "rejected", "action must not contain lone surrogates"),
        ("lone-attr", "rejected", "attributes.kind must not contain lone surrogates"),
        ("lone-key", "rejected", "attributes must not contain lone surrogates"),
        ("lone-deep", "rejected", "attributes.notes must not contain lone surrogates"),
        ("fine", "qualified", None),
    ]
    error = _error(_raw(api, "seewo-easinote5", '{"operations": [], "batch_id": "b\\ud800"}'), 422, "invalid")
    assert error["message"] == "batch_id: batch_id must not contain lone surrogates"


def test_content_no_look_up_can_take_is_rejected_and_its_neighbours_stored(api: Api) -> None:
    """A content hash with a lone surrogate used to fail the look-up of seen contents: the whole request
    answered 500 and nothing stored."""
    upload = op("library.upload", teacher="T1", id="poison")
    body = json.dumps({"operations": [op("research.activity", teacher="T1", id="neighbour"),
                                      {**upload, "attributes": {"content_sha256": "PLACE"}}]})
    response = _raw(api, "seewo-easinote5", body.replace("PLACE", "\\ud800"))
    assert response.status_code == 200, response.text
    assert [(r["id"], r["status"], r["reason"]) for r in response.json()["results"]] == [
        ("neighbour", "qualified", None),
        ("poison", "rejected", "attributes.content_sha256 must not contain lone surrogates")]
    assert api.stored("seewo-easinote5", "neighbour")["status"] == "qualified"


@pytest.mark.parametrize("number", [2**63, -(2**63) - 1, 10**4000])
def test_a_whole_number_beyond_64_bits_is_rejected(api: Api, number: int) -> None:
    item = op("courseware.sync", teacher="T1", id="big")
    body = json.dumps({"operations": [{**item, "attributes": {"sync_count": 0}}]}).replace('"sync_count": 0',
                                                                                         f'"sync_count": {number}')
    (result,) = _raw(api, "seewo-easinote5", body).json()["results"]
    assert (result["status"], result["reason"]) == (
        "rejected", "attributes.sync_count is out of range: whole numbers go up to 9,223,372,036,854,775,807 "
                    "either way")
    fits = json.dumps({"operations": [{**item, "id": "fits", "attributes": {"sync_count": 2**63 - 1}}]})
    assert _raw(api, "seewo-easinote5", fits).json()["results"][0]["status"] == "qualified"


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00",
                                  "0001-01-01T07:59:59+08:00"])
def test_an_occurred_at_no_calendar_can_hold_is_rejected(api: Api, when: str) -> None:
    result = api.one("seewo-easinote5", op("research.activity", teacher="T1", when=when, id="far"))
    assert (result["status"], result["reason"]) == ("rejected", f"occurred_at {when!r} is out of range")
    assert api.stored("seewo-easinote5", "far")["status"] == "rejected"


def test_numbers_too_large_for_their_field_are_rejected(api: Api) -> None:
    body = ('{"operations": ['
            f'{{"id": "huge", "action": "teaching.session", "teacher_id": "T1", "occurred_at": "{at()}", '
            f'"duration_s": {"9" * 400}}},'
            f'{{"id": {"9" * 200}, "action": "research.activity", "teacher_id": "T1", "occurred_at": "{at()}"}},'
            f'{{"id": {"9" * 128}, "action": "research.activity", "teacher_id": "T1", "occurred_at": "{at()}"}}'
            ']}')
    response = _raw(api, "seewo-easinote5", body)
    assert response.status_code == 200, response.text
    assert [(r["id"], r["status"], r["reason"]) for r in response.json()["results"]] == [
        ("huge", "rejected", "duration_s must be a number of seconds"),
        (None, "rejected", "id is not a string of 1-128 characters"),
        ("9" * 128, "qualified", None),
    ]


def test_a_content_sha256_longer_than_the_store_holds_does_not_fail_the_batch(api: Api) -> None:
    client = TestClient(create_app(api.runtime), raise_server_exceptions=False)
    items = [op("library.upload", teacher="T1", content_sha256="a" * 200, id="long-hash"),
             op("research.activity", teacher="T1", id="ok")]
    response = client.post(URL, json={"operations": items}, headers=api.headers("seewo-easinote5"))
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert (results[0]["status"], results[1]["status"]) == ("rejected", "qualified")
    assert results[0]["reason"].startswith("attributes.content_sha256 must be at most 128 characters")


def test_a_session_longer_than_a_day_is_rejected(api: Api) -> None:
    results = api.post("seewo-easinote5", [
        op("teaching.session", teacher="T1", duration=86400, id="day-long", when=at(3, 0)),
        op("teaching.session", teacher="T1", duration=1e15, id="forever", when=at(5, 9)),
    ])
    assert [(r["status"], r["reason"]) for r in results] == [
        ("qualified", None), ("rejected", "duration_s must be at most 86400 (24 hours)")]


# --- the API document ---------------------------------------------------------------------------------------

def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_the_api_document_describes_the_app_endpoints(api: Api) -> None:
    """What an integrator reads: both envelopes, the answer, the errors in the one error shape, and both ways to
    authenticate; every reference in the document resolves."""
    document = api.client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert all(ref.removeprefix("#/components/schemas/") in schemas for ref in _refs(document)), "a dangling $ref"
    submit = document["paths"][URL]["post"]
    bodies = submit["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    assert [b["$ref"].rsplit("/", 1)[1] for b in bodies] == ["OperationsRequest", "ProvincialRequest"]
    assert set(schemas["ProvincialRequest"]["properties"]) == {"count", "dataContent", "seqNO"}
    assert set(schemas["OperationItem"]["required"]) == {"id", "action", "occurred_at"}
    assert set(submit["responses"]) == {"200", "401", "409", "413", "415", "422", "429"}
    assert submit["responses"]["413"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert submit["security"] == [{"appToken": []}, {"signedRequest": []}]
    schemes = document["components"]["securitySchemes"]
    assert schemes["appToken"]["scheme"] == "bearer" and schemes["signedRequest"]["name"] == "X-Jifen-Key"
    assert "HMAC-SHA256" in schemes["signedRequest"]["description"]
    for method in ("get", "delete"):
        read = document["paths"][f"{URL}/{{external_id}}"][method]
        assert read["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
        assert read["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/StoredOperation")
    # the error shape the document names is the one the API answers with
    error = api.client.post(URL, json={"operations": "x"}, headers=api.headers("hite-pi6")).json()
    assert set(error) == set(schemas["ErrorBody"]["properties"])
    assert set(error["error"]) == set(schemas["Error"]["properties"])


def test_the_api_document_gives_the_user_endpoints_their_token_and_the_one_error_shape(api: Api) -> None:
    document = api.client.get("/api/v1/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(document), "FastAPI's own validation shape is never answered"
    report = document["paths"]["/api/v1/reports/{kind}/{code}"]["get"]
    assert report["security"] == [{"userToken": []}]
    assert {"401", "403", "404", "422"} <= set(report["responses"]) and "409" not in report["responses"]
    for code in ("401", "403", "422"):
        assert report["responses"][code]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    publish = document["paths"]["/api/v1/settlements/{month}/versions/{version}/publish"]["post"]
    assert "409" in publish["responses"]
    assert "security" not in document["paths"]["/api/v1/catalog"]["get"], "the catalog is public"
    assert document["components"]["securitySchemes"]["userToken"]["scheme"] == "bearer"


def test_the_catalogs_figures_are_numbers_for_every_scoring() -> None:
    shihe = load_shipped("shihe-2022").rules
    dumped = {i.code: catalog_api._numbers(i.model_dump()) for i in shihe.indicators}
    assert dumped["login"]["points"] == 1 and dumped["login"]["streak"] == {"raise_from": 8, "raised": 2}
    assert dumped["resource.share"]["caps"] == [{"period": "week", "count": 5}]
    assert json.loads(json.dumps(dumped)) == dumped


def test_content_differing_only_in_letter_case_is_duplicate_content_one_request_after_another(api: Api) -> None:
    first = api.one("seewo-easinote5", op("library.upload", teacher="T1", content_sha256="ab" * 32, id="k1"))
    again = api.one("seewo-easinote5", op("library.upload", teacher="T1", content_sha256="AB" * 32, id="k2"))
    spaced = api.one("digital-school", op("mooc.add", teacher="T2", content_sha256=" Ab" + "ab" * 31 + " ", id="k3"))
    assert [(r["status"], r["reason"]) for r in (first, again, spaced)] == [
        ("qualified", None), ("not_qualified", "duplicate_content"), ("not_qualified", "duplicate_content")]
