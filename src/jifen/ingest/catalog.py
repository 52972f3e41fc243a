"""The rule set as a batch asks it: each answer worked out once for the batch, then looked up.

A batch's reports share few apps, actions and months, and few action rules, while the rule set answers by walking
its lists (apps, actions, indicators) and a rule's condition tree. Pure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from jifen.domain.operations import Outcome
from jifen.domain.periods import Month
from jifen.ingest.qualify import catalog_entry
from jifen.rules.schema import ActionRule, Indicator, RuleSet


class Catalog:
    """Catalog entries by local month, app and action, each looked up once for a group of submissions: its
    reports share few of them, and looking one up walks the rule set."""

    def __init__(self, rules_for: Callable[[Month], RuleSet]) -> None:
        self.rules_for = rules_for
        self.entries: dict[tuple[int, int, str, str], tuple[ActionRule, Indicator] | Outcome] = {}

    def entry(self, local: datetime, app_code: str, action: str) -> tuple[ActionRule, Indicator] | Outcome:
        key = (local.year, local.month, app_code, action)
        found = self.entries.get(key)
        if found is None:
            found = self.entries[key] = catalog_entry(self.rules_for(Month(local.year, local.month)), app_code,
                                                      action)
        return found


class RuleFacts:
    """An action rule's content fields and whether it counts once a year, worked out once per rule for a batch:
    both walk the rule's condition tree, and a batch asks them of every report."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[ActionRule, list[str], bool]] = {}  # id(rule) -> the rule and its facts

    def content_fields(self, rule: ActionRule) -> list[str]:
        return self._of(rule)[1]

    def once_a_year(self, rule: ActionRule) -> bool:
        return self._of(rule)[2]

    def _of(self, rule: ActionRule) -> tuple[ActionRule, list[str], bool]:
        known = self._known.get(id(rule))
        if known is None or known[0] is not rule:  # the rule is kept, so its id cannot be another's meanwhile
            known = self._known[id(rule)] = (rule, rule.content_fields, rule.once_a_year)
        return known
