"""A small settled region with users who sign in, and helpers to sign in through the pages' forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from factories import op, row
from fastapi.testclient import TestClient

from jifen.access import passwords
from jifen.access.service import add_user
from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.settle.service import settle_month

PASSWORD = "correct-horse-9"
USERS = [  # name, role, scope
    ("teacher1", "teacher", "t1"),
    ("teacher2", "teacher", "t2"),
    ("school1", "school_admin", "S1"),
    ("county1", "county_admin", "C1"),
    ("county2", "county_admin", "C2"),
    ("city1", "city_admin", "Y1"),
    ("expert1", "assessment_expert", "C1"),
    ("region1", "region_admin", "640000"),
]
THIS_MONTH_OPERATIONS = 22  # two pages of 20


@dataclass(frozen=True)
class Region:
    this_month: Month
    last_month: Month
    before: Month


def build_region(runtime: Runtime, password: str = PASSWORD) -> Region:
    """Teachers t1, t2 (school S1, county C1) and t3 (S2, county C2), city Y1; the two months before this one
    settled; t1 has 22 qualifying operations this month and one report last month that did not qualify."""
    now = datetime.now(UTC)
    this = Month.of(now, runtime.tz)
    last, before = this.previous(), this.previous().previous()
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("t1", "S1", county_code="C1", city_code="Y1", teacher_name="李老师"),
                         row("t2", "S1", county_code="C1", city_code="Y1", teacher_name="王老师"),
                         row("t3", "S2", county_code="C2", city_code="Y1", teacher_name="张老师")], full=True, now=now)

    def day(month: Month, d: int, minute: int = 0) -> str:
        return (month.start(runtime.tz) + timedelta(days=d - 1, hours=9, minutes=minute)).isoformat()

    lessons = ([op("lesson.create", teacher="t1", when=day(before, 3, i)) for i in range(3)]
               + [op("lesson.create", teacher="t1", when=day(last, 5, i)) for i in range(4)]
               + [op("lesson.create", teacher="t2", when=day(last, 6))]
               + [op("lesson.create", teacher="t3", when=day(last, 7, i)) for i in range(2)]
               + [op("lesson.create", teacher="t3", when=day(before, 7, i)) for i in range(2)])
    start = max(this.start(runtime.tz), now.astimezone(runtime.tz) - timedelta(minutes=30))
    current = [op("lesson.create", teacher="t1", when=(start + timedelta(seconds=i)).isoformat()) for i in range(12)]
    research = [op("research.activity", teacher="t1", when=(start + timedelta(seconds=20 + i)).isoformat())
                for i in range(THIS_MONTH_OPERATIONS - 12)]
    missed = [op("courseware.sync", teacher="t1", when=day(last, 8), sync_count=1)]
    assert {r.status for r in ingest.submit("hite-pi6", lessons + current, now)} == {"qualified"}
    assert {r.status for r in ingest.submit("seewo-easinote5", research, now)} == {"qualified"}
    assert {r.status for r in ingest.submit("seewo-easinote5", missed, now)} == {"not_qualified"}
    for month in (before, last):
        settle_month(runtime.database, runtime.rulebook.for_month(month), month,
                     (runtime.settings.region_code, runtime.settings.region_name), now, runtime.tz)
    for name, role, scope in USERS:
        add_user(runtime.database, name, role, scope, runtime.settings.region_code, now)
        passwords.set_password(runtime.database, name, password, now)
    return Region(this, last, before)


def login_csrf(client: TestClient) -> str:
    """The CSRF token of a fresh sign-in form (its cookie is kept by the client)."""
    page = client.get("/login")
    assert page.status_code == 200
    marker = 'name="csrf_token" value="'
    return page.text.split(marker, 1)[1].split('"', 1)[0]


def sign_in(client: TestClient, name: str, password: str = PASSWORD, next_path: str = "/") -> httpx.Response:
    """Post the sign-in form as a browser would: with the form's CSRF token and its cookie."""
    token = login_csrf(client)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token,
                                       "next": next_path})


def page_csrf(html: str) -> str:
    """The CSRF token in a signed-in page's forms."""
    marker = 'name="csrf_token" value="'
    return html.split(marker, 1)[1].split('"', 1)[0]
