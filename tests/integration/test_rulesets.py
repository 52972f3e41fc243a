"""Rule sets over time: switching the region to Shihe from a month on, and each month settled by its own."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factories import at, op, row
from jifen.access.service import register_app
from jifen.cli.main import app as cli
from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.store import rulesets as rulesets_repo
from jifen.web.app import create_app

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def region(runtime: Runtime) -> Runtime:
    ingest = Ingest(runtime.database, runtime.rulebook.rules_for, runtime.tz)
    import_rows(ingest, [row("T1"), row("T2"), row("T3", "S2")], full=False, now=NOW)
    return runtime


def post(runtime: Runtime, app_code: str, items: list[dict[str, object]]) -> list[dict[str, object]]:
    rules = [loaded.rules for loaded in runtime.rulebook.in_use(NOW)]
    token = register_app(runtime.database, rules, app_code, NOW)
    client = TestClient(create_app(runtime))
    response = client.post("/api/v1/operations", json={"operations": items},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_switching_to_shihe_from_a_month_on(region: Runtime, cli_env: dict[str, str]) -> None:
    out = run(cli_env, "ruleset", "use", "shihe-2022", "--from", "2026-10")
    assert "shihe-2022" in out and "2026-10" in out

    # September stays Ningxia: a Ningxia app's report qualifies, a Shihe one is another app's action
    sept = post(region, "seewo-easinote5", [op("research.activity", teacher="T1", when=at(10, month="2026-09"))])
    assert sept[0]["status"] == "qualified" and sept[0]["indicator"] == "research_activity"
    # October on: the space app and its actions (code = action)
    october = [
        *[op("login", teacher="T1", when=at(day, 8, month="2026-10")) for day in range(1, 11)],  # 10-day run
        *[op("resource.share", teacher="T1", when=at(5, 9, month="2026-10", minute=m)) for m in range(7)],
        op("teaching.session", teacher="T1", duration=1000, when=at(6, 9, month="2026-10")),
        op("teaching.session", teacher="T1", duration=600, when=at(6, 11, month="2026-10")),
        op("class.create", teacher="T2", students=30, when=at(8, 9, month="2026-10")),
        op("class.create", teacher="T2", students=31, when=at(9, 9, month="2026-10")),
    ]
    results = post(region, "space", october)
    assert [r["status"] for r in results].count("qualified") == 20
    assert results[-3]["reason"] == "duration_s 600 < 900"
    refused = post(region, "seewo-easinote5", [op("research.activity", teacher="T1", when=at(3, month="2026-10"))])
    assert refused[0]["status"] == "rejected" and "research.activity" in refused[0]["reason"]

    run(cli_env, "settle", "2026-10")
    report = json.loads(run(cli_env, "report", "teacher", "T1", "--month", "2026-10", "--format", "json"))
    items = {i["code"]: i for i in report["indicators"]}
    assert set(items) == {i.code for i in region.rulebook.rules_for(Month(2026, 10)).indicators}
    # login: Oct 1-10 is a run of 10 days: 7 x 1 + 3 x 2 = 13; resource.share: 7 on Monday Oct 5, 5 a week = 5;
    # teaching.session: one of 15 minutes or more = 5
    assert (items["login"]["count"], items["login"]["points"]) == (10, 13)
    assert (items["resource.share"]["count"], items["resource.share"]["points"]) == (7, 5)
    assert items["teaching.session"]["points"] == 5
    assert report["total"] == 23
    explained = run(cli_env, "explain", "T1", "--month", "2026-10").splitlines()
    shares = [line for line in explained if " resource.share → " in line]
    # 7 on Monday Oct 5 against 5 a week: the two latest earn nothing, and say so
    assert [line.endswith("（超出次数上限，不计分）") for line in shares] == [False] * 5 + [True] * 2
    data = json.loads(run(cli_env, "explain", "T1", "--month", "2026-10", "--format", "json"))
    assert sum(bool(op.get("over_cap")) for op in data["operations"]) == 2
    methods = [line for line in explained if line.startswith("计分方法：")]
    assert methods == ["计分方法：空间登录：每天达标计 1 分，连续第 8 天起每天计 2 分，中断后重新计数",
                       "计分方法：按次计分：每次达标操作计该指标规定的分值，超出每天、每周或每年次数上限的操作不计分"]
    t2 = json.loads(run(cli_env, "report", "teacher", "T2", "--month", "2026-10", "--format", "json"))
    assert t2["total"] == 50  # class.create: 50 once a year

    run(cli_env, "settle", "2026-09")
    september = json.loads(run(cli_env, "report", "teacher", "T1", "--month", "2026-09", "--format", "json"))
    assert "research_activity" in {i["code"] for i in september["indicators"]}


def test_switching_a_published_month_says_so(region: Runtime, cli_env: dict[str, str]) -> None:
    assert post(region, "hite-pi6", [op("lesson.create", teacher="T1", when=at(10))])[0]["status"] == "qualified"
    run(cli_env, "settle", "2026-09")
    run(cli_env, "publish", "2026-09")
    said = run(cli_env, "ruleset", "use", "shihe-2022", "--from", "2026-09")
    assert "注意 note: 2026-09 already published" in said and "score them by shihe-2022" in said
    assert "1 reports of 2026-09 on were judged when they arrived, by the rules then in force" in said
    assert "already published" not in run(cli_env, "ruleset", "use", "ningxia-2022", "--from", "2026-10")


def test_each_settlement_records_the_rule_set_it_used(region: Runtime, cli_env: dict[str, str]) -> None:
    run(cli_env, "settle", "2026-09")
    run(cli_env, "ruleset", "use", "shihe-2022", "--from", "2026-09")
    run(cli_env, "settle", "2026-09")
    from jifen.store import settlements

    with region.database.read() as connection:
        first, second = settlements.versions(connection, "2026-09")
        assert (first.ruleset_name, second.ruleset_name) == ("ningxia-2022", "shihe-2022")
        for record in (first, second):
            stored = rulesets_repo.by_sha(connection, record.ruleset_sha256)
            assert stored is not None and stored.name == record.ruleset_name
            assert stored.version == record.ruleset_version


def test_a_month_uses_the_version_in_force_for_it(runtime: Runtime) -> None:
    """A later version of a rule set applies from its effective month; earlier months keep the old one."""
    from jifen.rules.loader import load_shipped, parse

    shipped = load_shipped("ningxia-2022")
    newer_text = shipped.content.replace("version: 1\n", "version: 2\n", 1).replace(
        'effective_from: "2022-01"', 'effective_from: "2027-01"', 1)
    newer = parse(newer_text.encode(), source="ningxia-2022 v2")
    with runtime.database.transaction() as connection:
        rulesets_repo.record(connection, newer, NOW)
    book = runtime.rulebook
    assert book.for_month(Month(2026, 12)).version == 1
    assert book.for_month(Month(2027, 1)).version == 2


def test_unknown_rule_set_and_bad_month_are_refused(cli_env: dict[str, str]) -> None:
    for args, named in ((["ruleset", "use", "atlantis-2030", "--from", "2026-10"], "atlantis-2030"),
                        (["ruleset", "use", "shihe-2022", "--from", "2026-13"], "2026-13"),
                        (["ruleset", "use", "shihe-2022", "--from", "2022-02"], "2022-02 is before rule set "
                                                                                "shihe-2022 takes effect (2022-03)")):
        result = CliRunner().invoke(cli, args, env=cli_env)
        assert result.exit_code != 0
        assert named in result.stderr


def test_apps_of_a_rule_set_scheduled_later_can_register(cli_env: dict[str, str]) -> None:
    refused = CliRunner().invoke(cli, ["apps", "add", "space"], env=cli_env)
    assert refused.exit_code != 0 and "space" in refused.stderr
    run(cli_env, "ruleset", "use", "shihe-2022", "--from", "2099-01")
    token = run(cli_env, "apps", "add", "space").strip().splitlines()[-1]
    assert token.startswith("jfa_")
