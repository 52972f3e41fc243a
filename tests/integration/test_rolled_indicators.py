"""A county's, city's and region's points per indicator are stored with the settlement, each the mean of its
children's unrounded points, rounded once (as totals are), not the mean of the schools' figures rounded already.

Worked by hand (lesson_prep, max 20, full marks at twice the region average): county C1 holds S1 (T1, T2, T3) and
S2 (T4); city Y1 holds C1 alone. T1 creates one lesson, nobody else: the average is 1/4, so T1 has 20 and the others
0. S1's lesson_prep is 20/3 = 6.67 (rounded); S2's is 0; C1's is the mean, 10/3 = 3.33 (the mean of the rounded
schools' figures, 3.335, would round to 3.34); Y1's and the region's are C1's, 3.33.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from factories import CST, at, op, row
from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.reports import charts
from jifen.reports.sheet_data import dataset
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.store import settlements as repo

NOW = datetime(2026, 10, 2, 9, 0, tzinfo=CST)
REGION = ("640000", "宁夏回族自治区")


def test_a_countys_indicator_points_are_rounded_once(runtime: Runtime) -> None:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("T1", "S1"), row("T2", "S1"), row("T3", "S1"), row("T4", "S2")], full=True, now=NOW)
    ingest.submit("hite-pi6", [op("lesson.create", teacher="T1", when=at(3))], NOW)
    settle_month(runtime.database, runtime.ruleset, Month(2026, 9), REGION, NOW, runtime.tz)

    with runtime.database.read() as connection:
        record = repo.find(connection, "2026-09")
        assert record is not None
        stored = {(level, code): {r.indicator: r.points for r in repo.indicators(connection, record.id, level, code)}
                  for level, code in (("school", "S1"), ("county", "C1"), ("city", "Y1"), ("region", REGION[0]))}
        city_sheet = dataset(connection, "city", "Y1", "2026-09")
        radar = charts.radar(connection, "county", "C1", "2026-09", REGION[0])
    assert stored[("school", "S1")]["lesson_prep"] == Decimal("6.67")
    assert [stored[key]["lesson_prep"] for key in (("county", "C1"), ("city", "Y1"), ("region", REGION[0]))] == [
        Decimal("3.33")] * 3
    assert city_sheet["sheet"]["rows"][0]["points"]["lesson_prep"] == 3.33
    assert next(i for i in radar["indicators"] if i["code"] == "lesson_prep")["points"] == 3.33


def test_the_report_table_says_a_count_above_a_teachers_is_a_mean(runtime: Runtime, cli_env: dict[str, str]) -> None:
    from factories import jifen

    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("T1", "S1"), row("T2", "S1")], full=True, now=NOW)
    ingest.submit("hite-pi6", [op("lesson.create", teacher="T1", when=at(3))], NOW)
    settle_month(runtime.database, runtime.ruleset, Month(2026, 9), REGION, NOW, runtime.tz)
    school = jifen(cli_env, "report", "school", "S1", "--month", "2026-09").stdout
    county = jifen(cli_env, "report", "county", "C1", "--month", "2026-09").stdout
    teacher = jifen(cli_env, "report", "teacher", "T1", "--month", "2026-09").stdout
    assert "0.5（人均）" in school and "0.5（校均）" in county
    assert "（人均）" not in teacher and "（校均）" not in teacher
