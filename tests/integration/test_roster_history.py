"""The roster over time: each month is settled on the roster as it stood at the month's end (DOMAIN.md, Decisions).

Figures worked out by hand (lesson_prep: max 20, points = 20 * min(1, count / (2 * avg)), avg over the month's
roster teachers; 三个课堂: max 15, per school count / online classrooms, avg over the month's schools).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from factories import CST, at, op, row
from jifen.cli.main import app
from jifen.domain.periods import Month
from jifen.errors import InvalidInput
from jifen.ingest.roster_import import RosterImport, effective_month, import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.store import roster as roster_repo
from jifen.store.roster_history import ALL_MONTHS
from jifen.store.tables import roster_history, school_history, settlement_indicators, settlement_units, settlements

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=CST)
S1, S2, S3 = "640104001", "640104002", "640104003"
BASE = [row("t1", S1, online_classrooms=2), row("t2", S1, online_classrooms=2), row("t3", S2)]


def _import(runtime: Runtime, rows: list[Any], *, full: bool = False,
            effective_from: str | None = None, now: datetime = NOW) -> RosterImport:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    return import_rows(ingest, rows, full=full, now=now,
                       effective_from=None if effective_from is None else Month.parse(effective_from))


def _submit(runtime: Runtime, app_code: str, items: list[dict[str, Any]]) -> list[str]:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    return [r.status for r in ingest.submit(app_code, items, NOW)]


def _lessons(runtime: Runtime, month: str, counts: dict[str, int]) -> list[str]:
    items = [op("lesson.create", teacher=tid, when=at(10, month=month)) for tid, n in counts.items() for _ in range(n)]
    return _submit(runtime, "hite-pi6", items)


def _classes(runtime: Runtime, month: str, counts: dict[str, int]) -> list[str]:
    items = [op("class.session", school=code, when=at(12, month=month), duration=2400, classroom_id=f"c{i}")
             for code, n in counts.items() for i in range(n)]
    return _submit(runtime, "online-classroom", items)


def _settle(runtime: Runtime, month: str) -> int:
    s = runtime.settings
    return settle_month(runtime.database, runtime.ruleset, Month.parse(month), (s.region_code, s.region_name),
                        NOW).version


def _settlement_id(connection: Any, month: str, version: int | None) -> int:
    if version is None:
        version = connection.scalar(select(func.max(settlements.c.version)).where(settlements.c.month == month))
    found = connection.scalar(select(settlements.c.id).where(settlements.c.month == month,
                                                             settlements.c.version == version))
    assert found is not None, (month, version)
    return int(found)


def _units(runtime: Runtime, month: str, version: int | None = None) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(level, code) -> (parent, total, teacher average, school points) of a stored settlement."""
    u = settlement_units.c
    with runtime.database.read() as connection:
        sid = _settlement_id(connection, month, version)
        rows = connection.execute(select(u.level, u.code, u.parent_code, u.total, u.teacher_average, u.school_points)
                                  .where(u.settlement_id == sid)).all()
    return {(r.level, r.code): (r.parent_code, r.total, r.teacher_average, r.school_points) for r in rows}


def _indicators(runtime: Runtime, month: str, version: int | None = None) -> dict[tuple[str, str, str], tuple]:
    """(level, code, indicator) -> (count, average, points) of a stored settlement."""
    i = settlement_indicators.c
    with runtime.database.read() as connection:
        sid = _settlement_id(connection, month, version)
        rows = connection.execute(select(i.level, i.code, i.indicator, i.count, i.average, i.points)
                                  .where(i.settlement_id == sid)).all()
    return {(r.level, r.code, r.indicator): (r.count, r.average, r.points) for r in rows}


def _totals(units: dict[tuple[str, str], tuple[Any, ...]], level: str) -> dict[str, Decimal]:
    return {code: values[1] for (lvl, code), values in units.items() if lvl == level}


def _roster(runtime: Runtime, month: str) -> dict[str, str]:
    with runtime.database.read() as connection:
        return {t.id: t.school_code for t in roster_repo.load_for_month(connection, month).teachers.values()}


# -- a teacher moves -----------------------------------------------------------------------------------------------

def test_a_move_counts_from_its_month_and_an_old_month_keeps_its_schools(runtime: Runtime) -> None:
    _import(runtime, BASE, full=True)
    # t4 is not on the roster yet: pending in both months
    assert _lessons(runtime, "2026-09", {"t1": 4, "t2": 2, "t4": 2}) == ["qualified"] * 6 + ["pending"] * 2
    assert _lessons(runtime, "2026-10", {"t1": 4, "t2": 2, "t4": 6}) == ["qualified"] * 6 + ["pending"] * 6

    # September on the roster of September: t1 4, t2 2, t3 0 -> avg 2, full at 4: t1 20, t2 10, t3 0
    # S1 = (20 + 10) / 2 = 15, S2 = 0; county and city = 7.5
    assert _settle(runtime, "2026-09") == 1
    september = _units(runtime, "2026-09")
    assert _totals(september, "teacher") == {"t1": 20, "t2": 10, "t3": 0}
    assert _totals(september, "school") == {S1: 15, S2: 0}
    assert september[("teacher", "t2")][0] == S1
    assert _indicators(runtime, "2026-09")[("teacher", "t1", "lesson_prep")] == (4, 2, 20)

    # from October, t2 teaches at S2 and t4 joins S2; t4's pending reports qualify (2 in September, 6 in October)
    moved = _import(runtime, [row("t2", S2), row("t4", S2)], effective_from="2026-10")
    assert moved.from_month == "2026-10"
    assert moved.resolved == {"qualified": 8}
    assert _roster(runtime, "2026-09") == {"t1": S1, "t2": S1, "t3": S2}
    assert _roster(runtime, "2026-10") == {"t1": S1, "t2": S2, "t3": S2, "t4": S2}
    with runtime.database.read() as connection:  # the current roster is the latest import
        assert roster_repo.load(connection).teachers["t2"].school_code == S2

    # re-settling September gives September's schools and averages again: t4's September reports do not count
    assert _settle(runtime, "2026-09") == 2
    assert _units(runtime, "2026-09", 2) == _units(runtime, "2026-09", 1)
    assert _indicators(runtime, "2026-09", 2) == _indicators(runtime, "2026-09", 1)

    # October on the roster of October: t1 4, t2 2, t3 0, t4 6 -> avg 3, full at 6
    # t1 20*4/6 = 13.33, t2 20*2/6 = 6.67, t3 0, t4 20; S1 = t1 alone = 13.33, S2 = (20/3 + 0 + 20) / 3 = 8.89
    assert _settle(runtime, "2026-10") == 1
    october = _units(runtime, "2026-10")
    assert _totals(october, "teacher") == {"t1": Decimal("13.33"), "t2": Decimal("6.67"), "t3": 0, "t4": 20}
    assert october[("teacher", "t2")][0] == S2
    assert _totals(october, "school") == {S1: Decimal("13.33"), S2: Decimal("8.89")}
    assert _indicators(runtime, "2026-10")[("teacher", "t4", "lesson_prep")] == (6, 3, 20)


def test_a_full_import_makes_missing_teachers_leave_from_its_month(runtime: Runtime) -> None:
    _import(runtime, BASE)
    assert set(_lessons(runtime, "2026-09", {"t1": 2, "t3": 2})) == {"qualified"}
    assert set(_lessons(runtime, "2026-10", {"t1": 2, "t3": 2})) == {"qualified"}

    # the whole roster from October: t3 leaves, and S2, left without teachers in the file, closes
    result = _import(runtime, BASE[:2], full=True, effective_from="2026-10")
    assert result.summary.left == 1
    assert _roster(runtime, "2026-09") == {"t1": S1, "t2": S1, "t3": S2}
    assert _roster(runtime, "2026-10") == {"t1": S1, "t2": S1}
    with runtime.database.read() as connection:
        assert set(roster_repo.load_for_month(connection, "2026-09").schools) == {S1, S2}
        assert set(roster_repo.load_for_month(connection, "2026-10").schools) == {S1}
        assert set(roster_repo.load_for_month(connection, "2027-06").schools) == {S1}
        assert set(roster_repo.load(connection).teachers) == {"t1", "t2"}

    # September still scores t3 at S2: t1 2, t2 0, t3 2 -> avg 4/3, full at 8/3: t1 and t3 20*2/(8/3) = 15
    _settle(runtime, "2026-09")
    september = _units(runtime, "2026-09")
    assert _totals(september, "teacher") == {"t1": 15, "t2": 0, "t3": 15}
    assert _totals(september, "school") == {S1: Decimal("7.5"), S2: 15}
    # October does not: t1 2, t2 0 -> avg 1, full at 2: t1 20
    _settle(runtime, "2026-10")
    october = _units(runtime, "2026-10")
    assert _totals(october, "teacher") == {"t1": 20, "t2": 0}
    assert _totals(october, "school") == {S1: 10}


def test_a_full_import_states_only_the_counties_its_file_lists(runtime: Runtime) -> None:
    """A county's bureau sends its own county's roster in full: its missing teachers and schools leave, from the
    import's month; another county's teachers and schools, not in the file, stay as they were."""
    other = [row("u1", "640122001", county_code="640122"), row("u2", "640122002", county_code="640122")]
    _import(runtime, [*BASE, *other])
    result = _import(runtime, [BASE[0], BASE[2]], full=True, effective_from="2026-10")  # county C1 alone
    assert result.summary.left == 1  # t2 alone
    assert _roster(runtime, "2026-10") == {"t1": S1, "t3": S2, "u1": "640122001", "u2": "640122002"}
    assert _roster(runtime, "2026-09") == {"t1": S1, "t2": S1, "t3": S2, "u1": "640122001", "u2": "640122002"}
    with runtime.database.read() as connection:
        assert set(roster_repo.load(connection).teachers) == {"t1", "t3", "u1", "u2"}
        assert set(roster_repo.load_for_month(connection, "2026-10").schools) == {S1, S2, "640122001", "640122002"}

    # 640122's own full roster, from October: u2 leaves and its school, left without teachers, closes
    assert _import(runtime, other[:1], full=True, effective_from="2026-10").summary.left == 1
    assert _roster(runtime, "2026-10") == {"t1": S1, "t3": S2, "u1": "640122001"}
    with runtime.database.read() as connection:
        assert set(roster_repo.load_for_month(connection, "2026-10").schools) == {S1, S2, "640122001"}
        assert set(roster_repo.load(connection).schools) == {S1, S2, "640122001"}


def test_a_school_moved_into_a_county_by_its_full_roster_brings_its_whole_staff(runtime: Runtime) -> None:
    """S3 of county 640122 (u3, u4) comes into C1's full roster with u3 alone: u4 leaves, in the roster history
    (which settlements read) as in the current roster."""
    _import(runtime, [*BASE, row("u3", S3, county_code="640122"), row("u4", S3, county_code="640122")])
    result = _import(runtime, [*BASE, row("u3", S3)], full=True, effective_from="2026-10")  # S3 now in C1
    assert result.summary.left == 1
    assert _roster(runtime, "2026-10") == {"t1": S1, "t2": S1, "t3": S2, "u3": S3}
    assert _roster(runtime, "2026-09") == {"t1": S1, "t2": S1, "t3": S2, "u3": S3, "u4": S3}
    with runtime.database.read() as connection:
        assert set(roster_repo.load(connection).teachers) == {"t1", "t2", "t3", "u3"}


# -- imports without a date ----------------------------------------------------------------------------------------

def test_an_import_without_a_date_states_every_month_not_yet_published(runtime: Runtime) -> None:
    first = _import(runtime, BASE)
    assert first.from_month == ALL_MONTHS and first.applies_to_all_months
    _import(runtime, [row("t2", S2)], effective_from="2026-11")
    assert _roster(runtime, "2026-10")["t2"] == S1
    assert _roster(runtime, "2026-11")["t2"] == S2

    # nothing is published: the import states every month, and replaces the November move
    _import(runtime, [row("t2", S3)])
    for month in ("2020-01", "2026-09", "2026-11", "2030-12"):
        assert _roster(runtime, month)["t2"] == S3, month

    # once September is published, an undated import states October on
    _settle(runtime, "2026-09")
    with runtime.database.transaction() as connection:
        connection.execute(settlements.update().where(settlements.c.month == "2026-09").values(status="published"))
        assert roster_repo.first_unpublished_month(connection) == "2026-10"
    later = _import(runtime, [row("t2", S1)])
    assert later.from_month == "2026-10" and not later.applies_to_all_months
    assert _roster(runtime, "2026-09")["t2"] == S3
    assert _roster(runtime, "2026-10")["t2"] == S1


def test_an_import_supersedes_what_it_restates_from_its_month_on(runtime: Runtime) -> None:
    december = datetime(2026, 12, 2, 9, 0, tzinfo=CST)
    _import(runtime, BASE)
    _import(runtime, [row("t2", S2)], effective_from="2026-12", now=december)
    _import(runtime, [row("t5", S2)], effective_from="2026-12", now=december)
    # dated earlier but recorded later: from October t2 is at S3, December included
    _import(runtime, [row("t2", S3)], effective_from="2026-10", now=december)
    assert [_roster(runtime, m)["t2"] for m in ("2026-09", "2026-10", "2026-12")] == [S1, S3, S3]
    assert "t5" in _roster(runtime, "2026-12")

    # a full import from November states everyone: t5, missing from it, is not on December's roster after all
    _import(runtime, [row("t1", S1), row("t2", S3), row("t3", S2)], full=True, effective_from="2026-11",
            now=december)
    assert _roster(runtime, "2026-12") == {"t1": S1, "t2": S3, "t3": S2}
    assert _roster(runtime, "2026-10") == {"t1": S1, "t2": S3, "t3": S2}

    # one entry per teacher and month: t2 at 0000-01 (S1), 2026-10 (S3) and 2026-11 (S3); t5 has none left
    h = roster_history.c
    with runtime.database.read() as connection:
        t2 = connection.execute(select(h.from_month, h.school_code).where(h.teacher_id == "t2")
                                .order_by(h.from_month)).all()
        t5 = connection.scalar(select(func.count()).where(h.teacher_id == "t5"))
    assert [tuple(r) for r in t2] == [(ALL_MONTHS, S1), ("2026-10", S3), ("2026-11", S3)]
    assert t5 == 0


def test_every_import_writes_history_for_every_row(runtime: Runtime) -> None:
    _import(runtime, BASE)
    _import(runtime, BASE)  # unchanged rows are restated too
    with runtime.database.read() as connection:
        teachers = connection.execute(select(roster_history.c.teacher_id, roster_history.c.from_month,
                                             roster_history.c.recorded_at)).all()
        schools = connection.execute(select(school_history.c.school_code, school_history.c.active)).all()
    assert sorted((r.teacher_id, r.from_month) for r in teachers) == [
        ("t1", ALL_MONTHS), ("t2", ALL_MONTHS), ("t3", ALL_MONTHS)]
    assert {r.recorded_at for r in teachers} == {NOW}
    assert sorted(tuple(r) for r in schools) == [(S1, True), (S2, True)]


# -- schools over time ---------------------------------------------------------------------------------------------

def test_online_classrooms_over_time_change_three_classrooms_per_month(runtime: Runtime) -> None:
    _import(runtime, BASE)  # S1 2 online classrooms, S2 1
    _import(runtime, [row("t1", S1, online_classrooms=4)], effective_from="2026-10")  # S1 has 4 from October
    assert set(_classes(runtime, "2026-09", {S1: 4, S2: 1})) == {"qualified"}
    assert set(_classes(runtime, "2026-10", {S1: 4, S2: 1})) == {"qualified"}
    with runtime.database.read() as connection:
        assert roster_repo.load_for_month(connection, "2026-09").schools[S1].online_classrooms == 2
        assert roster_repo.load_for_month(connection, "2026-10").schools[S1].online_classrooms == 4

    # September: S1 4/2 = 2, S2 1/1 = 1 -> avg 1.5, full at 3: S1 15*2/3 = 10, S2 15*1/3 = 5
    _settle(runtime, "2026-09")
    september = _indicators(runtime, "2026-09")
    assert september[("school", S1, "three_classrooms")] == (2, Decimal("1.5"), 10)
    assert september[("school", S2, "three_classrooms")] == (1, Decimal("1.5"), 5)
    # October: S1 4/4 = 1, S2 1 -> avg 1, full at 2: 7.5 each
    _settle(runtime, "2026-10")
    october = _indicators(runtime, "2026-10")
    assert october[("school", S1, "three_classrooms")] == (1, 1, Decimal("7.5"))
    assert october[("school", S2, "three_classrooms")] == (1, 1, Decimal("7.5"))
    assert _totals(_units(runtime, "2026-10"), "school") == {S1: Decimal("7.5"), S2: Decimal("7.5")}


# -- effective_from ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026/10", "10-2026", "2026-1", "", "next month"])
def test_effective_from_must_be_a_month(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        effective_month(text)
    assert raised.value.message.startswith(f"effective_from {text!r} is not a month: expected YYYY-MM")
    assert raised.value.details[0]["path"] == "effective_from"


def test_effective_from_after_the_current_month_is_refused_and_nothing_changes(runtime: Runtime) -> None:
    _import(runtime, BASE)
    assert _import(runtime, [row("t2", S2)], effective_from="2026-11").from_month == "2026-11"  # NOW's month
    with pytest.raises(InvalidInput) as raised:
        _import(runtime, [row("t2", S3), row("t9", S3)], effective_from="2026-12")
    assert raised.value.message == ("effective_from 2026-12 is after the current month 2026-11: import the roster "
                                    "when that month begins")
    assert raised.value.details == [{"path": "effective_from", "message": "after the current month 2026-11"}]
    with runtime.database.read() as connection:
        assert {t: s.school_code for t, s in roster_repo.load(connection).teachers.items()} == {
            "t1": S1, "t2": S2, "t3": S2}
    assert _roster(runtime, "2026-12") == {"t1": S1, "t2": S2, "t3": S2}


def test_effective_from_parses_a_month() -> None:
    assert effective_month("2026-10") == Month(2026, 10)
    assert effective_month(None) is None


def _write_roster(path: Path, rows: list[Any]) -> Path:
    header = "city_code,city_name,county_code,county_name,school_code,school_name,online_classrooms," \
             "teacher_id,teacher_name,subject"
    lines = [header] + [",".join([r.city_code, r.city_name, r.county_code, r.county_name, r.school_code,
                                  r.school_name, str(r.online_classrooms), r.teacher_id, r.teacher_name, r.subject])
                        for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cli_import_with_and_without_effective_from(runtime: Runtime, cli_env: dict[str, str],
                                                    tmp_path: Path) -> None:
    runner = CliRunner()
    base = _write_roster(tmp_path / "base.csv", BASE)
    result = runner.invoke(app, ["orgs", "import", str(base)], env=cli_env)
    assert result.exit_code == 0, result.stderr
    assert "roster from every month not yet published" in " ".join(result.stdout.split())

    moved = _write_roster(tmp_path / "moved.csv", [row("t2", S2)])
    result = runner.invoke(app, ["orgs", "import", str(moved), "--effective-from", "2026-10"], env=cli_env)
    assert result.exit_code == 0, result.stderr
    assert "roster from 2026-10 on" in " ".join(result.stdout.split())
    assert _roster(runtime, "2026-09")["t2"] == S1
    assert _roster(runtime, "2026-10")["t2"] == S2


@pytest.mark.parametrize("text", ["2026-13", "202610"])
def test_cli_refuses_a_bad_effective_from(runtime: Runtime, cli_env: dict[str, str], tmp_path: Path,
                                          text: str) -> None:
    path = _write_roster(tmp_path / "r.csv", BASE)
    result = CliRunner().invoke(app, ["orgs", "import", str(path), "--effective-from", text], env=cli_env)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"错误 error: effective_from {text!r} is not a month: expected YYYY-MM")
    assert "Traceback" not in result.stderr
    with runtime.database.read() as connection:  # nothing imported
        assert roster_repo.load(connection).teachers == {}
        assert connection.scalar(select(func.count()).select_from(roster_history)) == 0
