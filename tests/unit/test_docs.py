"""Docs that cannot drift: the README's commands, settings and CLI reference match the code."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from jifen.cli.main import app
from jifen.config import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: typer.Typer, prefix: str = "jifen") -> set[str]:
    names = {f"{prefix} {c.name or c.callback.__name__.replace('_', '-')}" for c in group.registered_commands}
    for sub in group.registered_groups:
        names |= _commands(sub.typer_instance, f"{prefix} {sub.name}")
    return names


def test_readme_first_screen_has_the_demo_and_test_commands() -> None:
    blocks = re.findall(r"```sh\n(.+?)\n```", README)
    assert blocks[0].endswith("jifen demo")
    assert blocks[1].endswith("pytest")
    assert README.index(blocks[1]) < 3000, "both commands belong on the first screen"


def test_ci_runs_the_readme_test_command() -> None:
    test_command = re.findall(r"```sh\n(.+?)\n```", README)[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()
    assert "JIFEN_TEST_POSTGRES=require" in ci


def test_readme_lists_every_command() -> None:
    for command in _commands(app):
        assert f"`{command}" in README, f"{command} is missing from the README's command table"


def test_readme_lists_every_setting() -> None:
    for name in Settings.model_fields:
        assert f"JIFEN_{name.upper()}" in README, f"JIFEN_{name.upper()} is missing from the README"
