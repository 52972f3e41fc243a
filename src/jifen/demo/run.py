"""The demo: a synthetic region, a month of its operations sent through the real HTTP API, settled."""

from __future__ import annotations

import calendar
import csv
import secrets
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from jifen.access.passwords import set_password
from jifen.access.service import add_user, register_app
from jifen.demo.figures import classroom_weeks, registration_workbook, usage_workbook
from jifen.demo.region import build_region
from jifen.demo.usage import DemoTraffic, generate_month
from jifen.domain.organisations import RosterRow
from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_file, import_rows
from jifen.ingest.school_figures import import_registration
from jifen.ingest.service import Ingest
from jifen.reports import datasets
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.store import operations as operations_repo

BATCH = 1000
ROSTER_COLUMNS = ["city_code", "city_name", "county_code", "county_name", "school_code", "school_name",
                  "online_classrooms", "teacher_id", "teacher_name", "subject"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REGISTRATION_DAY = 5  # the platform's export is taken early in the next month, for the bulletin

Progress = Callable[[int], None]


@dataclass
class SuppliedFigures:
    """What the demo county supplied beside the apps' reports, and where its files are."""

    usage_file: Path
    usage: dict[str, Any]            # the import API's answer: rows, schools, figures, weeks
    doubtful: dict[str, str]         # repeated, idle, low_online -> school code
    registration_file: Path
    registration_as_of: date
    registration_schools: int
    low_registration: list[str]      # schools made to have under 60 % of their students registered


@dataclass
class DemoResult:
    month: str
    version: int
    teachers: int
    schools: int
    sent: int
    statuses: Counter[str]
    counties: list[dict[str, Any]]
    accounts: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # name, role, scope, token, password
    roster_file: Path | None = None


def demo_month(now: datetime, tz: Any) -> Month:
    """The month before the current one: the month a bureau settles early in this one."""
    return Month.of(now, tz).previous()


def write_roster(rows: list[RosterRow], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ROSTER_COLUMNS)
        writer.writerows([getattr(r, c) for c in ROSTER_COLUMNS] for r in rows)
    return path


def plan(runtime: Runtime, teachers: int, seed: int) -> tuple[list[RosterRow], Any, Month]:
    now = datetime.now(UTC)
    month = demo_month(now, runtime.tz)
    rows = build_region(teachers, seed)
    traffic = generate_month(rows, runtime.ruleset.rules, str(month), seed)
    return rows, traffic, month


def load_region(runtime: Runtime, rows: list[RosterRow]) -> Path:
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    path = write_roster(rows, runtime.settings.data_dir / "demo-roster.csv")
    import_file(ingest, path, full=True, now=datetime.now(UTC))
    return path


def register_apps(runtime: Runtime) -> dict[str, str]:
    now = datetime.now(UTC)
    return {app.code: register_app(runtime.database, runtime.ruleset.rules, app.code, now)
            for app in runtime.ruleset.rules.apps}


def send(base_url: str, tokens: dict[str, str], batches: dict[str, list[dict[str, Any]]],
         progress: Progress) -> Counter[str]:
    """POST every app's items in batches; returns how many items got each status."""
    statuses: Counter[str] = Counter()
    with httpx.Client(base_url=base_url, timeout=120) as client:
        for app_code, items in batches.items():
            headers = {"Authorization": f"Bearer {tokens[app_code]}"}
            for start in range(0, len(items), BATCH):
                chunk = items[start : start + BATCH]
                response = client.post("/api/v1/operations", json={"operations": chunk}, headers=headers)
                response.raise_for_status()
                statuses.update(r["status"] for r in response.json()["results"])
                progress(len(chunk))
    return statuses


def bring_in_late_teachers(runtime: Runtime, late: list[RosterRow]) -> dict[str, int]:
    """Half of the teachers missing from the roster arrive now; their pending reports are checked."""
    arriving = late[: len(late) // 2]
    if not arriving:
        return {}
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    return import_rows(ingest, arriving, full=False, now=datetime.now(UTC), source="late roster").resolved


def settle(runtime: Runtime, month: Month) -> tuple[int, list[dict[str, Any]]]:
    settings = runtime.settings
    summary = settle_month(runtime.database, runtime.rulebook.for_month(month), month,
                           (settings.region_code, settings.region_name), datetime.now(UTC), runtime.tz,
                           engine=settings.settle_engine, master=settings.spark_master)
    with runtime.database.read() as connection:
        region = datasets.report(connection, "region", settings.region_code, str(month))
        counties: list[dict[str, Any]] = []
        for city in region["cities"]:
            report = datasets.report(connection, "city", city["city_code"], str(month))
            counties.extend({**c, "city_name": city["city_name"]} for c in report["counties"])
    counties.sort(key=lambda c: (-c["total"], c["county_code"]))
    rank = 0
    for position, county in enumerate(counties, start=1):
        if position == 1 or county["total"] != counties[position - 2]["total"]:
            rank = position
        county["region_rank"] = rank
    return summary.version, counties


def demo_accounts(runtime: Runtime, month: Month,
                  rows: list[RosterRow]) -> list[tuple[str, str, str, str, str]]:
    """One account per role, scoped to the best county's best school and its best teacher; each with an API token
    and a password for the web pages, made at random for this demo."""
    settings = runtime.settings
    with runtime.database.read() as connection:
        region = datasets.report(connection, "region", settings.region_code, str(month))
        city = region["cities"][0]["city_code"]
        county = datasets.report(connection, "city", city, str(month))["counties"][0]["county_code"]
        school = datasets.report(connection, "county", county, str(month))["schools"][0]["school_code"]
        teacher = datasets.report(connection, "school", school, str(month))["teachers"][0]["teacher_id"]
    now = datetime.now(UTC)
    accounts = []
    for name, role, scope in [("demo-teacher", "teacher", teacher), ("demo-school", "school_admin", school),
                              ("demo-county", "county_admin", county), ("demo-city", "city_admin", city),
                              ("demo-region", "region_admin", settings.region_code)]:
        token = add_user(runtime.database, name, role, scope, settings.region_code, now)
        password = secrets.token_urlsafe(9)
        set_password(runtime.database, name, password, now)
        accounts.append((name, role, scope, token, password))
    return accounts


def supply_figures(runtime: Runtime, base_url: str, county_token: str, rows: list[RosterRow], county: str,
                   month: Month, seed: int) -> SuppliedFigures:
    """The county's weekly classroom usage for the month's weeks, uploaded as its usage sheet through the HTTP API
    by the county admin; and the national platform's registration export of early next month, imported."""
    weeks, roles = classroom_weeks(rows, county, str(month), seed)
    data_dir = runtime.settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    usage_file = data_dir / f"demo-usage-{county}-{month}.xlsx"
    usage_file.write_bytes(usage_workbook(weeks))
    with httpx.Client(base_url=base_url, timeout=120) as client:
        response = client.post("/api/v1/classroom-usage/import", headers={"Authorization": f"Bearer {county_token}"},
                               files={"file": (usage_file.name, usage_file.read_bytes(), XLSX)})
        response.raise_for_status()
    now = datetime.now(UTC)
    following = month.next()
    as_of = min(date(following.year, following.month, REGISTRATION_DAY), now.astimezone(runtime.tz).date())
    export, low = registration_workbook(rows, county, as_of, seed)
    registration_file = data_dir / f"demo-registration-{as_of.isoformat()}.xlsx"
    registration_file.write_bytes(export)
    imported = import_registration(runtime.database, export, registration_file.name, as_of, by="demo", now=now)
    return SuppliedFigures(usage_file, response.json(), {"repeated": roles.repeated, "idle": roles.idle,
                                                         "low_online": roles.low_online},
                           registration_file, as_of, imported.schools, low)


def send_uncredited(runtime: Runtime, base_url: str, tokens: dict[str, str], teacher: RosterRow, month: Month,
                    traffic: DemoTraffic) -> Counter[str]:
    """Reports of the teacher's that do not count, for the teacher to find and appeal: a teaching session under
    15 minutes, an evening tutoring session under 20, and a micro-lecture whose content another report of the
    region already brought in. Answers how many items got each status."""
    candidates = [item["attributes"]["content_sha256"] for items in traffic.batches.values() for item in items[:50]
                  if "content_sha256" in item["attributes"]][:200]
    with runtime.database.read() as connection:
        seen = operations_repo.seen_contents(connection, candidates)
    days = [f"{month}-{d:02d}" for d in range(1, calendar.monthrange(month.year, month.month)[1] + 1)
            if calendar.weekday(month.year, month.month, d) < 5]
    base = {"teacher_id": teacher.teacher_id}
    batches: dict[str, list[dict[str, Any]]] = {
        "seewo-easinote5": [{**base, "id": str(uuid.uuid4()), "action": "teaching.session",
                             "occurred_at": f"{days[-3]}T10:47:00+08:00", "duration_s": 540,
                             "attributes": {"subject": teacher.subject, "class_name": "3年级2班"}}],
        "digital-school": [{**base, "id": str(uuid.uuid4()), "action": "tutoring.session",
                            "occurred_at": f"{days[-2]}T20:10:00+08:00", "duration_s": 780,
                            "attributes": {"subject": teacher.subject, "question_id": uuid.uuid4().hex[:8]}}],
    }
    shared = next((h for h in candidates if h in seen), None)
    if shared is not None:
        batches["digital-school"].append({
            **base, "id": str(uuid.uuid4()), "action": "microlecture.upload",
            "occurred_at": f"{days[-1]}T16:30:00+08:00",
            "attributes": {"subject": teacher.subject, "title": f"{teacher.subject}微课：单元复习",
                           "size_bytes": 48_213_504, "content_sha256": shared}})
    return send(base_url, tokens, batches, lambda n: None)


def send_this_month(base_url: str, tokens: dict[str, str], teacher: RosterRow, now: datetime, tz: Any) -> Counter[str]:
    """Reports of the teacher's in the month under way, before ``now``, so that the desk's 本月积分操作 lists
    some: lessons prepared and interactive sessions, three hours apart (no session overlaps another), none from
    before the month began (early on the 1st there may be none). Answers how many items got each status."""
    local = now.astimezone(tz)
    moments = [local - timedelta(hours=3 * k) for k in range(1, 7)]
    moments = [m for m in moments if (m.year, m.month) == (local.year, local.month)][::-1]
    base = {"teacher_id": teacher.teacher_id}
    batches: dict[str, list[dict[str, Any]]] = {"hite-pi6": [], "seewo-easinote5": []}
    for n, moment in enumerate(moments):
        if n % 2 == 0:
            batches["hite-pi6"].append({**base, "id": str(uuid.uuid4()), "action": "lesson.create",
                                        "occurred_at": moment.isoformat(), "attributes": {"subject": teacher.subject}})
        else:
            batches["seewo-easinote5"].append({**base, "id": str(uuid.uuid4()), "action": "teaching.session",
                                               "occurred_at": moment.isoformat(), "duration_s": 2400,
                                               "attributes": {"subject": teacher.subject}})
    return send(base_url, tokens, {app: items for app, items in batches.items() if items}, lambda n: None)
