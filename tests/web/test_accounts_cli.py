"""jifen users add --password-stdin, jifen users password, and the assessment expert's role."""

from __future__ import annotations

import pytest
from factories import jifen, jifen_ok, row
from typer.testing import CliRunner

from jifen.access import passwords
from jifen.cli.main import app
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.store import web_accounts


@pytest.fixture
def roster(runtime: Runtime, cli_env: dict[str, str], fast_hashing: None) -> dict[str, str]:
    from datetime import UTC, datetime

    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("t1", "S1", county_code="C1", city_code="Y1")], full=True, now=datetime.now(UTC))
    return cli_env


def stored_hash(runtime: Runtime, name: str) -> str | None:
    with runtime.database.read() as connection:
        found = web_accounts.account(connection, name)
    assert found is not None
    return found.password_hash


def test_users_add_with_a_password_from_stdin_keeps_the_token_line_last(roster: dict[str, str],
                                                                       runtime: Runtime) -> None:
    result = CliRunner().invoke(app, ["users", "add", "li", "--role", "teacher", "--scope", "t1",
                                      "--password-stdin"], input="first-password-1\n", env=roster)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[-1].startswith("jfu_") and "password set" in result.stdout
    hashed = stored_hash(runtime, "li")
    assert hashed is not None and passwords.verify(hashed, "first-password-1")


def test_users_add_without_a_password_is_unchanged(roster: dict[str, str], runtime: Runtime) -> None:
    result = jifen_ok(roster, "users", "add", "wang", "--role", "school_admin", "--scope", "S1")
    assert result.stdout.strip().splitlines()[-1].startswith("jfu_") and "password" not in result.stdout
    assert stored_hash(runtime, "wang") is None


def test_a_weak_password_creates_no_user(roster: dict[str, str], runtime: Runtime) -> None:
    result = CliRunner().invoke(app, ["users", "add", "zhao", "--role", "teacher", "--scope", "t1",
                                      "--password-stdin"], input="short\n", env=roster)
    assert result.exit_code == 2 and "at least 8" in result.stderr
    with runtime.database.read() as connection:
        assert web_accounts.account(connection, "zhao") is None


def test_users_password_sets_and_changes_a_password_from_stdin(roster: dict[str, str], runtime: Runtime) -> None:
    jifen_ok(roster, "users", "add", "li", "--role", "teacher", "--scope", "t1")
    first = CliRunner().invoke(app, ["users", "password", "li"], input="second-password-2\n", env=roster)
    assert first.exit_code == 0, first.output
    assert passwords.verify(stored_hash(runtime, "li"), "second-password-2")
    missing = CliRunner().invoke(app, ["users", "password", "nobody"], input="second-password-2\n", env=roster)
    assert missing.exit_code == 1 and "no user 'nobody'" in missing.stderr
    empty = CliRunner().invoke(app, ["users", "password", "li"], input="", env=roster)
    assert empty.exit_code == 2 and "standard input" in empty.stderr


def test_an_assessment_expert_is_scoped_to_the_region_or_a_county(roster: dict[str, str]) -> None:
    jifen_ok(roster, "users", "add", "expert-region", "--role", "assessment_expert")
    jifen_ok(roster, "users", "add", "expert-county", "--role", "assessment_expert", "--scope", "C1")
    wrong = jifen(roster, "users", "add", "expert-school", "--role", "assessment_expert", "--scope", "S1")
    assert wrong.exit_code == 2 and "no county" in wrong.stderr
    unknown = jifen(roster, "users", "add", "x", "--role", "inspector", "--scope", "S1")
    assert unknown.exit_code == 2 and "assessment_expert" in unknown.stderr
