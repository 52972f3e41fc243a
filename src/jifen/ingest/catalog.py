"""The rule set's catalog as a batch asks it: each entry worked out once for the batch, then looked up.

A batch's reports share few apps, actions and months, while the rule set answers by walking its lists (apps,
actions, indicators). Pure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from jifen.domain.operations import Outcome
from jifen.domain.periods import Month
from jifen.ingest.antigaming import is_session
from jifen.ingest.qualify import catalog_entry
from jifen.rules.schema import ActionRule, Indicator, RuleSet


class Catalog:
    """Catalog entries by local month, app and action, each looked up once for a group of submissions: its
    reports share few of them, and looking one up walks the rule set."""

    def __init__(self, rules_for: Callable[[Month], RuleSet]) -> None:
        self.rules_for = rules_for
        self.entries: dict[tuple[int, int, str, str], tuple[ActionRule, Indicator] | Outcome] = {}
        self._sessions: dict[int, bool] = {}  # id(rule) -> is_session(rule), for the rules of the entries above

    def session(self, rule: ActionRule) -> bool:
        """Whether an action of the catalog is a session (jifen.ingest.antigaming.is_session), once per action."""
        found = self._sessions.get(id(rule))
        if found is None:
            found = self._sessions[id(rule)] = is_session(rule)
        return found

    def entry(self, local: datetime, app_code: str, action: str) -> tuple[ActionRule, Indicator] | Outcome:
        key = (local.year, local.month, app_code, action)
        found = self.entries.get(key)
        if found is None:
            found = self.entries[key] = catalog_entry(self.rules_for(Month(local.year, local.month)), app_code,
                                                      action)
        return found
