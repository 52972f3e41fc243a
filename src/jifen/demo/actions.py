"""How the demo makes each catalog action: rates, durations and extra attributes per (app, action), and
attribute values shaped by the action's own conditions so that a report qualifies or, on purpose, does not."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jifen.errors import InvalidInput
from jifen.rules.conditions import (
    AllOf, AnyOf, AtLeast, Between, Equals, FirstOfYear, OneOf, Present, UniqueContent,
)


@dataclass(slots=True)
class Who:
    """Whom a report is about: a teacher (teacher_id set) or a school (teacher_id None)."""

    teacher_id: str | None
    school_code: str
    subject: str
    peers: Sequence[str] = ()
    classroom: str | None = None


Extra = Callable[[random.Random, Who], dict[str, Any]]


def _none(rng: random.Random, who: Who) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Profile:
    """Teacher actions: ``rate`` reports a month by an active teacher of average intensity who uses the app.
    School actions: ``rate`` per teacher of the school, plus ``per_school`` and ``per_classroom``.
    The assessment (a first_of_year action): ``rate`` is the chance an active teacher takes it this month."""

    rate: float
    per_school: float = 0.0
    per_classroom: float = 0.0
    fail: float = 0.15                           # share made not to qualify, where the condition can fail
    duration: tuple[int, int, int] | None = None  # typical, shortest, longest seconds
    window: str = "day"                           # "class" periods, "evening", or "day"
    extra: Extra = field(default=_none)


def _hex(rng: random.Random, bits: int = 32) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def _lesson(rng: random.Random, who: Who) -> dict[str, Any]:
    return {"subject": who.subject, "title": f"{who.subject}第{rng.randint(1, 12)}单元第{rng.randint(1, 4)}课时",
            "courseware_id": _hex(rng)}


def _session(rng: random.Random, who: Who) -> dict[str, Any]:
    return {"subject": who.subject, "class_name": f"{rng.randint(1, 6)}年级{rng.randint(1, 10)}班"}


def _upload(rng: random.Random, who: Who) -> dict[str, Any]:
    return {"subject": who.subject, "title": f"{who.subject}资源{_hex(rng, 16)}",
            "size_bytes": int(rng.lognormvariate(14, 1.3))}


def _post(rng: random.Random, who: Who) -> dict[str, Any]:
    return {"title": f"{who.subject}教学随笔{rng.randint(1, 999)}", "chars": int(rng.lognormvariate(6.5, 0.6))}


def _research(rng: random.Random, who: Who) -> dict[str, Any]:
    return {"activity": rng.choice(["collective_prep", "lesson_observation"]),
            "role": "host" if rng.random() < 0.2 else "participant"}


def _topic(rng: random.Random, who: Who) -> dict[str, Any]:
    return {"topic_id": _hex(rng), "subject": who.subject}


def _question(rng: random.Random, who: Who) -> dict[str, Any]:
    return {"question_id": _hex(rng), "subject": who.subject}


def _classroom(rng: random.Random, who: Who) -> dict[str, Any]:
    return {"classroom_id": who.classroom or f"{who.school_code}-01", "subject": who.subject,
            "end": "main" if rng.random() < 0.4 else "receiving"}


def _assessment(rng: random.Random, who: Who) -> dict[str, Any]:
    draw = rng.random()
    return {"role": "principal" if draw < 0.04 else "researcher" if draw < 0.07 else "teacher"}


def _student(rng: random.Random, who: Who) -> dict[str, Any]:
    return {"student_id": f"S{rng.randrange(10**9):09d}", "dimension": rng.choice("德智体美劳")}


def _peer(rng: random.Random, who: Who) -> dict[str, Any]:
    peer = rng.choice(who.peers) if who.peers else None
    return {"evaluated_teacher_id": peer, "dimension": rng.choice(["师德师风", "教学能力", "教研成果", "课堂观察"])}


def _affair(rng: random.Random, who: Who) -> dict[str, Any]:
    return {"operator_id": rng.choice(who.peers)} if who.peers else {}


# The share of active teachers whose main teaching app each one is; they may use the others too.
PRIMARY_APPS: dict[str, float] = {
    "seewo-easinote5": 0.34, "digital-textbook": 0.2, "hite-pi6": 0.18, "smart-classroom": 0.16,
    "teaching-assistant": 0.12,
}
SECONDARY_USE, SECONDARY_WEIGHT = 0.15, 0.35
# The chance an active teacher uses each other app with teacher-scored actions.
ADOPTION: dict[str, float] = {
    "digital-school": 0.5, "renrentong": 0.45, "master-studio": 0.12, "course-community": 0.1,
    "evaluation": 0.6, "literacy-assessment": 1.0,
}

_SESSION = Profile(14, fail=0.19, duration=(2100, 120, 2700), window="class", extra=_session)
_PREP = Profile(8, fail=0.17, extra=_lesson)
_SCHOOL_UPLOAD = Profile(1.5, fail=0.12, extra=_upload)
_REPLY = Profile(2, fail=0.2, extra=_topic)
_PARTICIPATE = Profile(2, fail=0.15, extra=_topic)

PROFILES: dict[tuple[str, str], Profile] = {
    ("seewo-easinote5", "courseware.sync"): Profile(8, fail=0.2, extra=_lesson),
    ("seewo-easinote5", "teaching.session"): _SESSION,
    ("seewo-easinote5", "library.upload"): _SCHOOL_UPLOAD,
    ("seewo-easinote5", "research.activity"): Profile(1.2, duration=(3000, 900, 5400), extra=_research),
    ("digital-textbook", "course.create"): _PREP,
    ("digital-textbook", "teaching.session"): _SESSION,
    ("digital-textbook", "resource.upload"): Profile(1.5, fail=0.2, extra=_upload),
    ("hite-pi6", "lesson.create"): Profile(8, extra=_lesson),
    ("hite-pi6", "teaching.session"): _SESSION,
    ("smart-classroom", "lesson.prepare"): _PREP,
    ("smart-classroom", "teaching.session"): _SESSION,
    ("smart-classroom", "resource.upload"): _SCHOOL_UPLOAD,
    ("teaching-assistant", "courseware.upload"): Profile(8, fail=0.15, extra=_lesson),
    ("teaching-assistant", "teaching.session"): _SESSION,
    ("digital-school", "tutoring.session"): Profile(3, fail=0.22, duration=(1800, 300, 3300), window="evening",
                                                    extra=_question),
    ("digital-school", "qa.answer"): Profile(5, window="evening", extra=_question),
    ("digital-school", "microlecture.upload"): Profile(0.4, fail=0.1, extra=_upload),
    ("digital-school", "mooc.add"): Profile(0.2, fail=0.1, extra=_upload),
    ("renrentong", "article.publish"): Profile(0.6, fail=0.15, extra=_post),
    ("renrentong", "photo.publish"): Profile(1.0, fail=0.2, extra=_post),
    ("renrentong", "resource.upload"): Profile(0.6, fail=0.15, extra=_upload),
    ("renrentong", "studio.resource.upload"): Profile(0.3, fail=0.1, extra=_upload),
    ("renrentong", "community.resource.upload"): Profile(0.2, fail=0.1, extra=_upload),
    ("renrentong", "studio.microlecture.upload"): Profile(0.15, fail=0.1, extra=_upload),
    ("master-studio", "discussion.reply"): _REPLY,
    ("master-studio", "activity.participate"): _PARTICIPATE,
    ("course-community", "discussion.reply"): _REPLY,
    ("course-community", "activity.participate"): _PARTICIPATE,
    ("online-classroom", "class.session"): Profile(0, per_classroom=20, fail=0.15, duration=(2400, 300, 2700),
                                                   window="class", extra=_classroom),
    ("literacy-assessment", "assessment.complete"): Profile(0.07, extra=_assessment),
    ("evaluation", "student.record"): Profile(12, extra=_student),
    ("evaluation", "teacher.record"): Profile(0.35, per_school=1, extra=_peer),
    ("school-affairs", "affair.record"): Profile(0.2, per_school=4, fail=0.12, extra=_affair),
    ("academic-affairs", "affair.record"): Profile(0.08, per_school=2, fail=0.1, extra=_affair),
}


def profile_for(app: str, action: str) -> Profile:
    try:
        return PROFILES[app, action]
    except KeyError:
        raise InvalidInput(f"demo data: no generator for app {app!r} action {action!r}") from None


# Values that miss a one_of / equals condition, by attribute name.
_MISSES: dict[str, list[str]] = {
    "format": ["pdf", "docx", "mp4", "png"], "kind": ["reminder", "chat", "share", "other"],
    "review": ["pending", "rejected"], "role": ["student", "parent"],
}
_SPREAD: dict[str, float] = {"chars": 90.0}


def can_fail(cond: Any) -> bool:
    """Whether attribute values alone can make the condition fail (first_of_year cannot)."""
    if cond is None or isinstance(cond, FirstOfYear):
        return False
    if isinstance(cond, AllOf):
        return any(can_fail(c) for c in cond.conditions)
    if isinstance(cond, AnyOf):
        return all(can_fail(c) for c in cond.conditions)
    return True


def fields_of(cond: Any) -> list[str]:
    if isinstance(cond, (AllOf, AnyOf)):
        return [f for c in cond.conditions for f in fields_of(c)]
    name = getattr(cond, "field", None)
    return [name] if isinstance(name, str) else []


class Shaper:
    """Sets report values (keyed by field path) so that a condition is met, or missed on purpose."""

    def __init__(self, rng: random.Random, pool_size: int = 5000) -> None:
        self.rng = rng
        self.pool: list[str] = []
        self.pool_size = pool_size

    def fresh_hash(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def remember(self, sha: str) -> None:
        """A content hash from a report meant to qualify: later reports may duplicate it."""
        if len(self.pool) < self.pool_size:
            self.pool.append(sha)
        else:
            self.pool[self.rng.randrange(self.pool_size)] = sha

    def shape(self, cond: Any, ok: bool, vals: dict[str, Any], profile: Profile) -> None:
        rng = self.rng
        if isinstance(cond, AllOf):
            if ok:
                for child in cond.conditions:
                    self.shape(child, True, vals, profile)
                return
            failing = rng.choice([c for c in cond.conditions if can_fail(c)])
            for child in cond.conditions:
                if child is not failing:
                    self.shape(child, True, vals, profile)
            self.shape(failing, False, vals, profile)
        elif isinstance(cond, AnyOf):
            for child in [rng.choice(cond.conditions)] if ok else cond.conditions:
                self.shape(child, ok, vals, profile)
        elif cond is not None and not isinstance(cond, FirstOfYear):
            path: str = cond.field
            if path in vals and _holds(cond, vals[path]) == ok:
                return
            vals[path] = self._leaf(cond, ok, path, profile)

    def _leaf(self, cond: Any, ok: bool, path: str, profile: Profile) -> Any:
        rng, name = self.rng, path.rpartition(".")[2]
        if isinstance(cond, AtLeast):
            if path == "duration_s":
                return duration(rng, profile, cond.value, ok)
            least = math.ceil(cond.value)
            if ok or least <= 0:
                return least + int(rng.expovariate(1 / _SPREAD.get(name, max(2.0, cond.value))))
            return rng.randint(min(least - 1, math.ceil(least * 0.2)), least - 1)
        if isinstance(cond, Between):
            share = min(1.0, max(0.0, rng.gauss(0.76, 0.13)))
            return round(cond.min + (cond.max - cond.min) * share) if ok else round(cond.max) + rng.randint(1, 20)
        if isinstance(cond, OneOf):
            return rng.choice(cond.values) if ok else self._miss(name, cond.values)
        if isinstance(cond, Equals):
            if isinstance(cond.value, bool):
                return cond.value if ok else not cond.value
            return cond.value if ok else self._miss(name, [cond.value])
        if isinstance(cond, UniqueContent):
            return self.fresh_hash() if ok or not self.pool else rng.choice(self.pool)
        if isinstance(cond, Present):
            return f"{name}-{_hex(rng, 40)}"
        raise InvalidInput(f"demo data: cannot make a value for condition kind {cond.kind!r}")

    def _miss(self, name: str, values: list[str]) -> str:
        return self.rng.choice([v for v in _MISSES.get(name, ["other"]) + ["other"] if v not in values])


def duration(rng: random.Random, profile: Profile, least: float | None, ok: bool = True) -> int:
    """Seconds: around the profile's typical length; at least ``least`` when ok, below it when not."""
    if profile.duration is None:
        raise InvalidInput("demo data: an action with a duration condition needs a duration profile")
    typical, shortest, longest = profile.duration
    if least is not None and not ok:
        return rng.randint(min(shortest, math.ceil(least) - 1), math.ceil(least) - 1)
    floor = max(shortest, math.ceil(least or 0))
    return min(longest, max(floor, int(rng.gauss(typical, typical * 0.25))))


def _holds(cond: Any, value: Any) -> bool:
    if isinstance(cond, AtLeast):
        return isinstance(value, (int, float)) and value >= cond.value
    if isinstance(cond, Between):
        return isinstance(value, (int, float)) and cond.min <= value <= cond.max
    if isinstance(cond, OneOf):
        return value in cond.values
    if isinstance(cond, Equals):
        return bool(value == cond.value)
    return True
