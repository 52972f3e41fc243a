"""Registration on the national smart-education platform (国家中小学智慧教育平台) per school, and its rates.

Pure. A rate is registered / enrolled, at most 1 (the platform counts teachers and students registered from
elsewhere too, so a school can show more registered than enrolled); None when nobody is enrolled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

DEFAULT_THRESHOLD = 0.6
COUNTS = ("teachers_registered", "teachers", "students_registered", "students", "parents_registered")


@dataclass(frozen=True)
class Registration:
    """The platform's counts for one school on one date."""

    school_code: str
    school_name: str
    teachers_registered: int
    teachers: int
    students_registered: int
    students: int
    parents_registered: int


def rate(registered: int, enrolled: int) -> float | None:
    if enrolled <= 0:
        return None
    return round(min(1.0, registered / enrolled), 4)


def below(rows: Iterable[dict[str, Any]], threshold: float) -> list[dict[str, Any]]:
    """Rows whose ``student_rate`` is under the threshold, lowest first (ties by school code)."""
    low = [r for r in rows if r.get("student_rate") is not None and r["student_rate"] < threshold]
    return sorted(low, key=lambda r: (r["student_rate"], r["school_code"]))


def totals(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    sums = dict.fromkeys(COUNTS, 0)
    for r in rows:
        for name in COUNTS:
            value = r.get(name)
            sums[name] += value if isinstance(value, int) else 0
    return sums
