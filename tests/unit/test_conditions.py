from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from jifen.domain.operations import Report, Status
from jifen.ingest.qualify import check_fields, qualify, resolve_action
from jifen.rules.loader import load_shipped

TZ = ZoneInfo("Asia/Shanghai")
CST = timezone(timedelta(hours=8))
WHEN = datetime(2026, 9, 10, 10, tzinfo=CST)
NOW = datetime(2026, 10, 2, tzinfo=CST)
RULES = load_shipped("ningxia-2022").rules


class FakeHistory:
    def __init__(self, contents: set[str] = frozenset(), counted: set[tuple[str, str, int]] = frozenset()) -> None:  # type: ignore[assignment]
        self.contents = set(contents)
        self.counted = set(counted)

    def content_seen(self, sha256: str) -> bool:
        return sha256 in self.contents

    def counted_in_year(self, teacher_id: str, indicator: str, year: int) -> bool:
        return (teacher_id, indicator, year) in self.counted


def outcome(app: str, action: str, *, history: FakeHistory | None = None, duration: float | None = None,
            teacher: str | None = "T1", school: str | None = None, when: datetime = WHEN, **attributes: object):
    report = Report("r1", action, when, teacher, school, duration, dict(attributes))
    resolved = resolve_action(RULES, app, report)
    if not isinstance(resolved, tuple):
        return resolved
    rule, _indicator = resolved
    reason = check_fields(report, rule, TZ, NOW, 300)
    if reason:
        return (Status.REJECTED, reason)
    result = qualify(report, rule, history or FakeHistory(), TZ)
    return (result.status, result.reason)


def test_thresholds_on_duration() -> None:
    assert outcome("seewo-easinote5", "teaching.session", duration=900) == (Status.QUALIFIED, None)
    assert outcome("seewo-easinote5", "teaching.session", duration=899) == (
        Status.NOT_QUALIFIED, "duration_s 899 < 900")
    assert outcome("digital-school", "tutoring.session", duration=1199)[0] == Status.NOT_QUALIFIED
    assert outcome("seewo-easinote5", "teaching.session") == (Status.REJECTED, "duration_s is missing")


def test_thresholds_on_attributes_name_the_attribute() -> None:
    assert outcome("seewo-easinote5", "courseware.sync", sync_count=3)[0] == Status.QUALIFIED
    assert outcome("seewo-easinote5", "courseware.sync", sync_count=2) == (
        Status.NOT_QUALIFIED, "attributes.sync_count 2 < 3")
    assert outcome("seewo-easinote5", "courseware.sync") == (Status.REJECTED, "attributes.sync_count is missing")
    assert outcome("seewo-easinote5", "courseware.sync", sync_count="many") == (
        Status.REJECTED, "attributes.sync_count must be a number")
    assert outcome("digital-textbook", "course.create", resources=1, coursewares=0)[1] == (
        "attributes.coursewares 0 < 1")


def test_membership_and_booleans() -> None:
    assert outcome("teaching-assistant", "courseware.upload", format="pptx")[0] == Status.QUALIFIED
    status, reason = outcome("teaching-assistant", "courseware.upload", format="docx")
    assert status == Status.NOT_QUALIFIED and "attributes.format" in reason
    assert outcome("renrentong", "article.publish", public=True)[0] == Status.QUALIFIED
    assert outcome("renrentong", "article.publish", public=False)[0] == Status.NOT_QUALIFIED
    assert outcome("renrentong", "article.publish", public="yes") == (
        Status.REJECTED, "attributes.public must be true or false")


def test_review_approved_shared_and_unique() -> None:
    sha = "a" * 64
    ok = outcome("digital-textbook", "resource.upload", shared=True, review="approved", content_sha256=sha)
    assert ok == (Status.QUALIFIED, None)
    pending_review = outcome("digital-textbook", "resource.upload", shared=True, review="pending",
                             content_sha256=sha)
    assert pending_review[0] == Status.NOT_QUALIFIED and "attributes.review" in pending_review[1]
    seen = outcome("digital-textbook", "resource.upload", shared=True, review="approved", content_sha256=sha,
                   history=FakeHistory(contents={sha}))
    assert seen == (Status.NOT_QUALIFIED, "duplicate_content")
    assert outcome("smart-classroom", "resource.upload") == (
        Status.REJECTED, "attributes.content_sha256 is missing")


def test_every_attribute_a_condition_names_is_needed_even_when_another_is_not_met() -> None:
    """A report that lacks an attribute its condition names is rejected (and may be sent again corrected), not
    stored as not qualified because an earlier part failed."""
    assert outcome("digital-textbook", "resource.upload", shared=False) == (
        Status.REJECTED, "attributes.review is missing")
    assert outcome("digital-textbook", "resource.upload", shared=False, review="approved") == (
        Status.REJECTED, "attributes.content_sha256 is missing")
    assert outcome("digital-textbook", "resource.upload", shared=False, review="approved",
                   content_sha256="b" * 64)[0] == Status.NOT_QUALIFIED
    assert outcome("digital-textbook", "course.create", resources=0) == (
        Status.REJECTED, "attributes.coursewares is missing")
    assert outcome("renrentong", "resource.upload", public=False) == (
        Status.REJECTED, "attributes.content_sha256 is missing")


def test_any_branch_needs_its_attribute_only_when_no_branch_is_met() -> None:
    app, action = "master-studio", "activity.participate"
    assert outcome(app, action, kind="vote")[0] == Status.QUALIFIED
    assert outcome(app, action, kind="comment", chars=30)[0] == Status.QUALIFIED
    assert outcome(app, action, kind="comment", chars=29)[0] == Status.NOT_QUALIFIED
    assert outcome(app, action, kind="comment") == (Status.REJECTED, "attributes.chars is missing")
    assert outcome(app, action, kind="like")[0] == Status.NOT_QUALIFIED


def test_first_of_year() -> None:
    args = {"score": 80, "role": "teacher"}
    assert outcome("literacy-assessment", "assessment.complete", **args)[0] == Status.QUALIFIED
    earlier = FakeHistory(counted={("T1", "literacy_assessment", 2026)})
    assert outcome("literacy-assessment", "assessment.complete", history=earlier, **args) == (
        Status.NOT_QUALIFIED, "not_first_of_year")
    last_year = FakeHistory(counted={("T1", "literacy_assessment", 2025)})
    assert outcome("literacy-assessment", "assessment.complete", history=last_year, **args)[0] == Status.QUALIFIED
    assert outcome("literacy-assessment", "assessment.complete", score=101, role="teacher")[0] == Status.REJECTED
    assert outcome("literacy-assessment", "assessment.complete", score=90, role="student")[0] == Status.REJECTED


def test_subject_and_catalog_are_checked() -> None:
    wrong_app = outcome("hite-pi6", "courseware.sync", sync_count=5)
    assert wrong_app.status == Status.REJECTED and "courseware.sync" in wrong_app.reason
    no_school = outcome("online-classroom", "class.session", duration=1300, classroom_id="r1")
    assert no_school.status == Status.REJECTED and "school_id" in no_school.reason
    assert outcome("online-classroom", "class.session", duration=1300, school="S1",
                   classroom_id="r1")[0] == Status.QUALIFIED
    assert outcome("online-classroom", "class.session", duration=1300, school="S1") == (
        Status.REJECTED, "attributes.classroom_id is missing")
    for blank in ("", "  "):
        assert outcome("online-classroom", "class.session", duration=1300, school="S1", classroom_id=blank) == (
            Status.REJECTED, "attributes.classroom_id is empty")


@pytest.mark.parametrize(("minutes", "status"), [(4, Status.QUALIFIED), (6, Status.REJECTED)])
def test_future_reports_beyond_five_minutes_are_rejected(minutes: int, status: Status) -> None:
    assert outcome("evaluation", "student.record", when=NOW + timedelta(minutes=minutes))[0] == status
