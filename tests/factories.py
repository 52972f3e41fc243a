"""Builders for roster rows and operation items used across the tests."""

from __future__ import annotations

import hashlib
import itertools
from datetime import datetime, timedelta, timezone
from io import BytesIO
from typing import Any

import openpyxl

from typer.testing import CliRunner, Result

from jifen.cli.main import app
from jifen.domain.organisations import RosterRow

CST = timezone(timedelta(hours=8))
_ids = itertools.count(1)


def row(teacher_id: str, school_code: str = "S1", *, county_code: str = "C1", city_code: str = "Y1",
        online_classrooms: int = 1, teacher_name: str | None = None, subject: str = "数学",
        school_name: str | None = None, county_name: str | None = None, city_name: str | None = None) -> RosterRow:
    return RosterRow(
        city_code=city_code, city_name=city_name or f"市{city_code}",
        county_code=county_code, county_name=county_name or f"县{county_code}",
        school_code=school_code, school_name=school_name or f"学校{school_code}",
        online_classrooms=online_classrooms, teacher_id=teacher_id,
        teacher_name=teacher_name or f"教师{teacher_id}", subject=subject,
    )


def at(day: int = 10, hour: int = 10, *, month: str = "2026-09", minute: int = 0) -> str:
    year, mon = (int(p) for p in month.split("-"))
    return datetime(year, mon, day, hour, minute, tzinfo=CST).isoformat()


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def op(action: str, *, teacher: str | None = None, school: str | None = None, when: str | None = None,
       duration: float | None = None, id: str | None = None, **attributes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"id": id or f"op-{next(_ids)}", "action": action, "occurred_at": when or at()}
    if teacher is not None:
        item["teacher_id"] = teacher
    if school is not None:
        item["school_id"] = school
    if duration is not None:
        item["duration_s"] = duration
    item["attributes"] = attributes
    return item


def api_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The body of an API error, checked against the one error shape: {"error": {status, code, message, details}}."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"status", "code", "message", "details"}
    assert error["status"] == status and error["code"] == code and error["message"]
    return error


def jifen(env: dict[str, str], *args: str) -> Result:
    """The jifen command run in-process, with the test database's environment (the ``cli_env`` fixture)."""
    return CliRunner().invoke(app, list(args), env=env)


def jifen_ok(env: dict[str, str], *args: str) -> Result:
    """The jifen command, which must succeed; its output on failure."""
    result = jifen(env, *args)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def workbook(rows: list[list[Any]]) -> bytes:
    """An XLSX file of one sheet with these rows, as a bureau would upload it."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    for r in rows:
        ws.append(r)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
