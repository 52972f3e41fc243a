"""``jifen versions``, ``jifen publish``, ``jifen diff`` and ``jifen settle --due``, run as a user would (SQLite and
PostgreSQL). Region: school S1 (T1, T2); T1's two sessions in version 1 (avg 1, T1 20), T2's late one in version 2
(avg 3/2 = 1.5, full at 3: T1 20 * 2/3 = 13.33, T2 20/3 = 6.67)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from factories import CST, at, op, row
from factories import jifen, jifen_ok

from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.store import settlements

MONTH = "2026-09"
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=CST)


def ok(env: dict[str, str], *args: str) -> str:
    return jifen_ok(env, *args).stdout


def as_json(env: dict[str, str], *args: str) -> Any:
    return json.loads(ok(env, *args, "--format", "json"))


def _report(runtime: Runtime, teacher: str, month: str, day: int) -> None:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    ingest.submit("hite-pi6", [op("teaching.session", teacher=teacher, duration=900, when=at(day, month=month))],
                  NOW)


@pytest.fixture
def region(runtime: Runtime) -> Runtime:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("T1", "S1"), row("T2", "S1")], full=True, now=NOW)
    for day in (3, 4):
        _report(runtime, "T1", MONTH, day)
    return runtime


def test_a_month_from_draft_to_published_and_its_next_version(region: Runtime, cli_env: dict[str, str]) -> None:
    assert "version 1" in ok(cli_env, "settle", MONTH)
    listing = ok(cli_env, "versions", MONTH)
    for text in ("2026-09 结算版本", "版本", "状态", "草稿", "报表显示", "ningxia-2022"):
        assert text in listing, text
    assert "（第1版，草稿 未发布）" in ok(cli_env, "report", "school", "S1", "--month", MONTH)
    assert "2026-09 积分说明（第1版，草稿 未发布，规则 ningxia-2022" in ok(cli_env, "explain", "T1", "--month", MONTH)
    assert "上月增加 20.00（2026-09 第1版，草稿）" in ok(cli_env, "card", "T1", "--on", "2026-10-10")

    published = ok(cli_env, "publish", MONTH, "--by", "自治区教育厅")
    assert "2026-09 第1版已发布 published by 自治区教育厅" in published
    data = as_json(cli_env, "versions", MONTH)
    assert [(v["version"], v["state"], v["published_by"], v["shown"]) for v in data["versions"]] == [
        (1, "published", "自治区教育厅", True)]
    assert "草稿" not in ok(cli_env, "report", "school", "S1", "--month", MONTH)
    assert "草稿" not in ok(cli_env, "card", "T1", "--on", "2026-10-10")
    again = jifen(cli_env, "publish", MONTH)
    assert again.exit_code == 1 and "already published" in again.stderr

    _report(region, "T2", MONTH, 20)
    assert as_json(cli_env, "versions", MONTH)["inputs_changed"] is True
    assert "下次结算将生成第2版" in ok(cli_env, "versions", MONTH)
    assert "version 2" in ok(cli_env, "settle", MONTH)
    table = ok(cli_env, "diff", MONTH)
    # T1 20 -> 20 * 2/3 = 13.33 and T2 0 -> 6.67: the school's average stays 10, so it is not listed
    for text in ("第1版（已发布）→ 第2版（草稿）变动：教师 2", "教师变动（按变动大小；原因见表下）", "+6.67", "-6.67",
                 "- T1 教师T1：互动授课：全区平均 1→1.5，得分 20→13.33",
                 "- T2 教师T2：互动授课：达标次数 0→1，全区平均 1→1.5，得分 0→6.67"):
        assert text in table, text
    assert "学校变动" not in table
    diff = as_json(cli_env, "diff", MONTH, "--from", "1", "--to", "2", "--level", "teacher")
    assert [(c["code"], c["old_total"], c["new_total"], c["change"]) for c in diff["changes"]] == [
        ("T1", 20, 13.33, -6.67), ("T2", 0, 6.67, 6.67)]
    older = jifen(cli_env, "publish", MONTH, "--version", "1")
    assert older.exit_code == 1 and "already published" in older.stderr
    _report(region, "T1", MONTH, 21)
    published = ok(cli_env, "publish", MONTH)
    assert "第2版已发布" in published
    assert "注意：第2版之后输入已有变化，下次结算将生成第3版" in published
    assert as_json(cli_env, "report", "teacher", "T2", "--month", MONTH)["total"] == 6.67  # version 2 until 3


def test_a_month_still_running_is_not_published(region: Runtime, cli_env: dict[str, str]) -> None:
    now = datetime.now(UTC).astimezone(region.tz)
    running = str(Month(now.year, now.month))
    jifen_ok(cli_env, "settle", running)
    refused = jifen(cli_env, "publish", running)
    assert refused.exit_code == 1 and f"month {running} is still running" in refused.stderr
    assert [v["state"] for v in as_json(cli_env, "versions", running)["versions"]] == ["draft"]


def test_errors_are_one_line_on_stderr(region: Runtime, cli_env: dict[str, str]) -> None:
    for args, status, message in ((("versions", "2026-08"), 1, "month 2026-08 is not settled"),
                                  (("publish", "2026-08"), 1, "month 2026-08 is not settled"),
                                  (("diff", "2026-13"), 2, "2026-13"),
                                  (("settle",), 2, "give a month YYYY-MM, or --due"),
                                  (("settle", MONTH, "--due"), 2, "not both")):
        result = jifen(cli_env, *args)
        assert (result.exit_code, result.stdout) == (status, ""), args
        assert result.stderr.startswith("错误 error: ") and message in result.stderr, (args, result.stderr)
    ok(cli_env, "settle", MONTH)
    only = jifen(cli_env, "diff", MONTH)
    assert only.exit_code == 2 and "only version 1" in only.stderr


def test_settle_due_settles_last_month_and_the_months_whose_inputs_changed(region: Runtime,
                                                                           cli_env: dict[str, str]) -> None:
    # due from the 1st at 00:00: last month is always due, whatever day the test runs
    env = {**cli_env, "JIFEN_SETTLE_DAY": "1", "JIFEN_SETTLE_HOUR": "0", "JIFEN_SETTLE_GRACE_HOURS": "0"}
    last = Month.of(datetime.now(UTC), region.tz).previous()
    before = last.previous()
    _report(region, "T1", str(before), 5)
    ok(env, "settle", str(before))
    _report(region, "T2", str(before), 6)
    lines = ok(env, "settle", "--due").splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{before}: 输入已变化 inputs changed since v1; settled as draft version 2 草稿第2版")
    assert lines[1].startswith(f"{last}: 首次结算 first settlement; settled as draft version 1 草稿第1版: 2 teachers")
    assert ok(env, "settle", "--due").strip() == "no month is due: nothing settled 没有需要结算的月份"


def test_settle_due_says_when_last_month_falls_due(region: Runtime, cli_env: dict[str, str]) -> None:
    # the 28th at 23:00 plus 100 days of grace: after any day the test runs on
    env = {**cli_env, "JIFEN_SETTLE_DAY": "28", "JIFEN_SETTLE_HOUR": "23", "JIFEN_SETTLE_GRACE_HOURS": "2400"}
    last = Month.of(datetime.now(UTC), region.tz).previous()
    at = datetime(last.next().year, last.next().month, 28, 23) + timedelta(hours=2400)
    assert ok(env, "settle", "--due").strip() == (
        f"no month is due: nothing settled 没有需要结算的月份; {last} falls due at {at:%Y-%m-%d %H:%M} Asia/Shanghai 届时结算")


def test_orgs_import_says_when_a_report_it_qualifies_is_of_a_published_month(region: Runtime, cli_env: dict[str, str],
                                                                            tmp_path: Any) -> None:
    _report(region, "T9", MONTH, 5)  # T9 is not on the roster: pending
    ok(cli_env, "settle", MONTH)
    ok(cli_env, "publish", MONTH)
    roster = tmp_path / "roster.csv"
    roster.write_text("teacher_id,teacher_name,subject,school_code,school_name,online_classrooms,county_code,"
                      "county_name,city_code,city_name\nT9,新教师,数学,S1,学校S1,0,640104,兴庆区,640100,银川市\n",
                      encoding="utf-8")
    out = " ".join(ok(cli_env, "orgs", "import", str(roster)).split())
    assert "roster from 2026-10 on" in out and "pending reports now checked: qualified 1" in out
    assert ("of the reports now qualified, some are of months before the roster's first (2026-09 1): their teacher "
            "or school is not on those months' roster, so they count there only after an import with "
            "--effective-from 2026-09 and a new settlement of those months") in out
    again = " ".join(ok(cli_env, "orgs", "import", str(roster), "--effective-from", MONTH).split())
    assert "roster from 2026-09 on" in again and "months before the roster's first" not in again


@pytest.mark.parametrize(("args", "said"), [
    (("publish", MONTH, "--by", " "), "错误 error: --by is empty: name who publishes"),
    (("settle", MONTH, "--engine", ""), "错误 error: unknown settlement engine ''"),
    (("settle", MONTH, "--engine", "duckdb", "--master", "local[2]"),
     "错误 error: --master is for --engine spark; the engine here is duckdb"),
    (("report", "teacher", "T1", "--month", MONTH, "--version", "0"), "Invalid value for '--version'"),
    (("explain", "T1", "--month", MONTH, "--version", "0"), "Invalid value for '--version'"),
    (("publish", MONTH, "--version", str(2**31)), "Invalid value for '--version'"),
    (("diff", MONTH, "--to", str(2**31)), "Invalid value for '--to'"),
])
def test_empty_or_meaningless_options_are_refused(region: Runtime, cli_env: dict[str, str], args: tuple[str, ...],
                                                  said: str) -> None:
    ok(cli_env, "settle", MONTH)
    result = jifen(cli_env, *args)
    assert result.exit_code == 2 and said in result.stderr, (result.stdout, result.stderr)
    assert [v["version"] for v in as_json(cli_env, "versions", MONTH)["versions"]] == [1], "nothing made"


def test_a_month_with_an_empty_roster_is_not_settled(runtime: Runtime, cli_env: dict[str, str]) -> None:
    """A new installation, no roster imported: neither settle nor the schedule stores an empty settlement."""
    env = {**cli_env, "JIFEN_SETTLE_DAY": "1", "JIFEN_SETTLE_HOUR": "0", "JIFEN_SETTLE_GRACE_HOURS": "0"}
    last = Month.of(datetime.now(UTC), runtime.tz).previous()
    refused = jifen(env, "settle", str(last))
    assert refused.exit_code != 0 and f"the roster of {last} is empty" in refused.stderr
    assert ok(env, "settle", "--due").strip() == (
        f"{last}: 首次结算 first settlement; skipped: the roster of {last} is empty: nothing to settle; import the "
        "roster first (jifen orgs import)")
    with runtime.database.read() as connection:
        assert settlements.versions(connection, str(last)) == []
