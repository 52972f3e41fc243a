"""Condition trees of a rule set compiled to Ibis expressions over the flattened operation columns.

A condition at ingestion either is met, is not met (``not_qualified``), or finds a field missing or of the wrong
type (``FieldProblem``: ``rejected``). Compiled, each condition is an int8 state, MET 0, UNMET 1, PROBLEM 2, with
ingestion's order of evaluation: ``all`` is the state of its first child that is not met (a later child's missing
field does not matter once an earlier one failed); ``any`` is met when a child is met, else a problem if a child
had one, else not met.

The two conditions that ask what came before, ``unique_content`` and ``first_of_year``, read two boolean inputs
that the recount works out from earlier qualified reports: ``duplicate`` (the content key was claimed) and
``counted`` (the teacher already counted for this indicator this year). Under an ``any`` a history condition
would change which branch decides, and a second ``unique_content`` in one action would claim two keys: neither
is compiled (``UncompilableRule`` names the app, action and kind), so the recount never silently differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from jifen.errors import RuleSetError
from jifen.rules.conditions import (
    AllOf,
    AnyOf,
    AtLeast,
    Between,
    Equals,
    FirstOfYear,
    OneOf,
    Present,
    UniqueContent,
    walk,
)
from jifen.rules.schema import ActionRule
from jifen.settle.engine.recount_fields import FlatField, Kind, column_for

MET, UNMET, PROBLEM = 0, 1, 2
HISTORY_KINDS = (UniqueContent, FirstOfYear)


class UncompilableRule(RuleSetError):
    """A condition the recount cannot express exactly as ingestion judges it."""

    code = "uncompilable_rule"


@dataclass(frozen=True)
class Inputs:
    """What a compiled condition reads: the flattened operations and the two answers about earlier reports."""

    table: ir.Table
    fields: list[FlatField]
    duplicate: ir.BooleanValue
    counted: ir.BooleanValue

    def column(self, path: str, kind: Kind) -> ir.Column:
        return self.table[column_for(self.fields, path, kind)]


def _state(value: int) -> ir.IntegerScalar:
    return ibis.literal(value, type="int8")


def _decide(missing: ir.BooleanValue, met: ir.BooleanValue) -> ir.IntegerValue:
    return ibis.cases((missing, _state(PROBLEM)), (met, _state(MET)), else_=_state(UNMET))


def _at_least(c: AtLeast, i: Inputs) -> ir.IntegerValue:
    value = i.column(c.field, "number")
    return _decide(value.isnull(), value >= c.value)


def _between(c: Between, i: Inputs) -> ir.IntegerValue:
    value = i.column(c.field, "number")
    return _decide(value.isnull(), (value >= c.min) & (value <= c.max))


def _one_of(c: OneOf, i: Inputs) -> ir.IntegerValue:
    """Equalities joined by OR rather than IN: DuckDB runs an IN list as a join over every report, even those of
    other actions, where a few comparisons cost nothing."""
    value = i.column(c.field, "string")
    return _decide(value.isnull(), ibis.or_(*(value == option for option in c.values)))


def _equals(c: Equals, i: Inputs) -> ir.IntegerValue:
    value = i.column(c.field, "boolean" if isinstance(c.value, bool) else "string")
    return _decide(value.isnull(), value == c.value)


def _present(c: Present, i: Inputs) -> ir.IntegerValue:
    return ibis.ifelse(i.column(c.field, "present").isnull(), _state(PROBLEM), _state(MET))


def _unique(c: UniqueContent, i: Inputs) -> ir.IntegerValue:
    return _decide(i.column(c.field, "content").isnull(), ~i.duplicate)


def _first_of_year(c: FirstOfYear, i: Inputs) -> ir.IntegerValue:
    late = i.table.teacher_id.notnull() & i.counted
    return ibis.ifelse(late, _state(UNMET), _state(MET))


def _all(c: AllOf, i: Inputs, *, branch: bool = False) -> ir.IntegerValue:
    """Every part met; a missing field rejects first, except in a branch of ``any``, where a part not met does
    (see ``AllOf.branch_check``)."""
    states = [_all(child, i, branch=True) if branch and isinstance(child, AllOf) else compile_condition(child, i)
              for child in c.conditions]
    problem = ibis.or_(*(s == PROBLEM for s in states))
    unmet = ibis.or_(*(s == UNMET for s in states))
    first, second = ((unmet, _state(UNMET)), (problem, _state(PROBLEM))) if branch else (
        (problem, _state(PROBLEM)), (unmet, _state(UNMET)))
    return ibis.cases(first, second, else_=_state(MET))


def _any(c: AnyOf, i: Inputs) -> ir.IntegerValue:
    states = [_all(child, i, branch=True) if isinstance(child, AllOf) else compile_condition(child, i)
              for child in c.conditions]
    met = ibis.or_(*(s == MET for s in states))
    problem = ibis.or_(*(s == PROBLEM for s in states))
    return ibis.cases((met, _state(MET)), (problem, _state(PROBLEM)), else_=_state(UNMET))


_COMPILERS: dict[type, Callable[[Any, Inputs], ir.IntegerValue]] = {
    AtLeast: _at_least, Between: _between, OneOf: _one_of, Equals: _equals, Present: _present,
    UniqueContent: _unique, FirstOfYear: _first_of_year, AllOf: _all, AnyOf: _any,
}


def compile_condition(condition: Any, inputs: Inputs) -> ir.IntegerValue:
    """The state (MET, UNMET, PROBLEM) of a condition tree for every operation of ``inputs.table``."""
    compiler = _COMPILERS.get(type(condition))
    if compiler is None:
        kind = getattr(condition, "kind", type(condition).__name__)
        raise UncompilableRule(f"condition kind {kind!r} has no recount expression")
    return compiler(condition, inputs)


def check_compilable(app_code: str, rule: ActionRule) -> None:
    """Raise UncompilableRule for conditions the recount cannot express exactly (see the module docstring)."""
    where = f"app {app_code} action {rule.action}"
    for root in [*rule.requires, *([rule.qualifies] if rule.qualifies is not None else [])]:
        for node in walk(root):
            if type(node) not in _COMPILERS:
                raise UncompilableRule(f"{where}: condition kind {getattr(node, 'kind', node)!r} has no recount "
                                       "expression")
            if isinstance(node, AnyOf) and any(isinstance(n, HISTORY_KINDS) for c in node.conditions
                                               for n in walk(c)):
                raise UncompilableRule(f"{where}: condition kind 'unique_content' or 'first_of_year' under 'any' "
                                       "is not compiled: which branch decides would depend on earlier reports")
    if len(rule.content_fields) > 1:
        raise UncompilableRule(f"{where}: more than one 'unique_content' condition is not compiled")
