"""The demo shows what the bulletin and the appeal pages need: the demo county's supplied figures with flags to
doubt, the platform's registration export, reports the demo teacher can appeal, and a bulletin command that works."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jifen.cli.main import app
from jifen.config import Settings
from jifen.reports.usage_data import county_usage
from jifen.runtime import Runtime
from jifen.store import appeals as appeals_repo
from jifen.web.app import create_app

pytestmark = pytest.mark.slow

BULLETIN = re.compile(r"^JIFEN_DATABASE_URL=(\S+) jifen bulletin (\d+) --month (\d{4}-\d{2}) -o bulletin/$", re.M)
PAGES = ("/teachers/", "/units/county/", "/bulletin", "/usage", "/appeals", "/appeals/review", "/settlements",
         "/api/docs")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """One demo run (its output and data directory) for every test here."""
    data_dir = tmp_path_factory.mktemp("demo")
    env = {"JIFEN_DATA_DIR": str(data_dir), "JIFEN_AUTO_SETTLE": "false", "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["demo", "--teachers", "120", "--no-serve", "--port", "0"], env=env)
    assert result.exit_code == 0, result.output
    return result.output, data_dir


@pytest.fixture
def runtime(demo: tuple[str, Path]) -> Iterator[Runtime]:
    _out, data_dir = demo
    opened = Runtime.open(Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir}/demo.sqlite3"))
    yield opened
    opened.close()


def _accounts(out: str) -> dict[str, tuple[str, str]]:
    """user -> (scope, password), from the printed table."""
    found = re.findall(r"│ (demo-\w+)\s+│ \w+\s+│ (\S+)\s+│ (\S+)\s+│", out)
    return {name: (scope, password) for name, scope, password in found}


def test_the_demo_county_supplied_its_classroom_usage_and_registration(demo: tuple[str, Path],
                                                                      runtime: Runtime) -> None:
    out, data_dir = demo
    _url, county, month = BULLETIN.search(out).groups()  # type: ignore[union-attr]
    with runtime.database.read() as connection:
        figures = county_usage(connection, county, month)
    usage = figures["classroom_usage"]
    assert len(usage["weeks"]) >= 4 and usage["rows"]
    kinds = {f["kind"] for f in usage["flags"]}
    assert {"repeated", "zero", "below_standard"} <= kinds, usage["flags"]
    assert {r["room_type"] for r in usage["rows"]} > {"online_interactive"}  # more than one kind of room
    registration = figures["registration"]
    assert registration["as_of"] is not None and registration["below"]
    assert all(r["student_rate"] < 0.6 for r in registration["below"])
    assert any(r["classes"] for r in figures["online_classes"]["rows"]) or not any(
        r["rooms"] for r in figures["online_classes"]["rows"])
    assert sum(r["microlectures"] + r["moocs"] for r in figures["digital_school"]["rows"]) > 0
    assert "项目教室周使用 classroom usage:" in out and "注册情况 registration:" in out
    assert list(data_dir.glob(f"demo-usage-{county}-{month}.xlsx")) and list(data_dir.glob("demo-registration-*.xlsx"))


def test_the_demo_teacher_finds_reports_to_appeal(demo: tuple[str, Path], runtime: Runtime) -> None:
    out, _data_dir = demo
    month = BULLETIN.search(out).group(3)  # type: ignore[union-attr]
    accounts = _accounts(out)
    teacher, password = accounts["demo-teacher"]
    with runtime.database.read() as connection:
        uncounted = appeals_repo.uncounted(connection, teacher, [month], ["not_qualified", "pending"])
    actions = {(r.app_code, r.action) for r in uncounted}
    assert {("seewo-easinote5", "teaching.session"), ("digital-school", "tutoring.session"),
            ("digital-school", "microlecture.upload")} <= actions
    assert any("duplicate" in (r.reason or "") for r in uncounted if r.action == "microlecture.upload")
    with TestClient(create_app(runtime), follow_redirects=False) as client:
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = client.post("/login", data={"name": "demo-teacher", "password": password, "csrf_token": token})
        assert signed.status_code == 303, signed.text
        for path in ("/appeals", f"/teachers/{teacher}/months/{month}"):
            response = client.get(path)
            assert response.status_code == 200, response.text
            assert 'action="/appeals"' in response.text and "提交申诉" in response.text, path


def test_the_printed_bulletin_command_writes_the_files(demo: tuple[str, Path], tmp_path: Path) -> None:
    out, _data_dir = demo
    url, county, month = BULLETIN.search(out).groups()  # type: ignore[union-attr]
    target = tmp_path / "bulletin"
    result = CliRunner().invoke(app, ["bulletin", county, "--month", month, "-o", str(target)],
                                env={"JIFEN_DATABASE_URL": url, "JIFEN_AUTO_SETTLE": "false"})
    assert result.exit_code == 0, result.output
    written = sorted(p.suffix for p in target.iterdir())
    assert written.count(".xlsx") >= 1 and {".docx", ".pdf", ".html"} <= set(written)
    html = next(target.glob("*.html")).read_text(encoding="utf-8")
    assert "注册" in html and "项目教室" in html


def test_the_demo_prints_the_pages_to_visit(demo: tuple[str, Path]) -> None:
    out, _data_dir = demo
    lines = out[out.index("页面 pages"):].splitlines()
    for path in PAGES:
        assert any(re.search(rf"http://\S+{re.escape(path)}", line) for line in lines), path
    assert out.index("everything above took") < out.index("jifen bulletin")
