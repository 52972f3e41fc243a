"""jifen ruleset: the region's rule sets over time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from jifen.cli.context import console, opened, reports_errors
from jifen.domain.periods import Month
from jifen.rules.loader import load_shipped, shipped_names

ruleset_app = typer.Typer(help="Rule sets: which one is in force for which months.", no_args_is_help=True)


@ruleset_app.command("use")
@reports_errors
def use(
    name: Annotated[str, typer.Argument(help="a shipped rule set, e.g. ningxia-2022 or shihe-2022")],
    from_month: Annotated[str, typer.Option("--from", help="YYYY-MM: the first month it applies to")],
) -> None:
    """Switch the region to a rule set from a month on; earlier months keep theirs."""
    from jifen.store import operations as operations_repo
    from jifen.store import settlements as settlements_repo

    month = Month.parse(from_month)
    with opened() as runtime:
        loaded = runtime.rulebook.use(name, month, datetime.now(UTC))
        with runtime.database.read() as connection:
            published = settlements_repo.published_months_from(connection, str(month))
            judged = operations_repo.judged_from(connection, str(month))
    console.print(f"rule set {loaded.name} v{loaded.version} ({loaded.rules.title}) in force from {month}")
    if judged:
        console.print(f"注意 note: {judged} reports of {month} on were judged when they arrived, by the rules then in "
                      f"force, and keep their statuses; only reports received from now on are judged by {loaded.name} "
                      f"(jifen recount {month} lists where the two judgments differ)", highlight=False, markup=False)
    if published:
        console.print(f"注意 note: {', '.join(published)} already published; their published versions stay as they "
                      f"are, and their next settlements (settle --due) score them by {loaded.name}, for a bureau to "
                      f"publish or not", highlight=False, markup=False)


@ruleset_app.command("list")
@reports_errors
def list_rulesets() -> None:
    """The shipped rule sets and the region's schedule."""
    with opened() as runtime:
        schedule = runtime.rulebook.schedule()
        this_month = runtime.rulebook.current()
    for name in shipped_names():
        loaded = load_shipped(name)
        console.print(f"{name}\tv{loaded.version}\teffective {loaded.rules.effective_from}\t{loaded.rules.title}")
    console.print(f"default: {runtime.settings.ruleset}")
    for start, name in schedule:
        console.print(f"from {start}: {name}")
    console.print(f"in force this month: {this_month.name} v{this_month.version}")
