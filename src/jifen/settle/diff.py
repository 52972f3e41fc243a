"""What changed between two versions of a month's settlement, unit by unit, and why.

Pure: it compares the stored figures of two versions (totals, ranks and parents of every unit; the indicator rows
of the teachers and schools that moved) and says, per unit, the old and new total and rank, the change, and the
reasons: an indicator whose own count, region average (for scoring that reads it), adjustment or rules changed,
or, under the same rules, the other months of its cap period or login streak; a move to another school or county;
members that joined, left or moved; a different rule set. Changes are ordered by the size of the move.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

LEVELS = ("region", "city", "county", "school", "teacher")  # top down: the order of equal moves
CHILD = {"region": "city", "city": "county", "county": "school", "school": "teacher"}
PARENT = {child: parent for parent, child in CHILD.items()}
LARGEST = 3  # members named in a "members moved" reason
USES_AVERAGE = frozenset({"relative"})  # scoring whose points follow the region average
READS_OTHER_MONTHS = frozenset({"fixed", "streak"})  # caps and runs of days that begin before the month

Key = tuple[str, str]  # (level, code)


@dataclass(frozen=True)
class UnitFigures:
    """One unit as a version stored it."""

    name: str
    parent_code: str | None
    total: Decimal
    rank: int | None


@dataclass(frozen=True)
class IndicatorFigures:
    count: Decimal
    average: Decimal
    points: Decimal
    adjustment: Decimal = Decimal(0)


@dataclass(frozen=True)
class VersionFigures:
    """A version's units, and the indicator rows of (at least) the teachers and schools that changed."""

    version: int
    ruleset: str  # "name vN"
    ruleset_sha256: str
    units: Mapping[Key, UnitFigures]
    indicators: Mapping[Key, Mapping[str, IndicatorFigures]] = field(default_factory=dict)
    scoring: Mapping[str, str] = field(default_factory=dict)  # indicator -> how the rule set scores it


@dataclass(frozen=True)
class IndicatorChange:
    """An indicator whose figures differ; ``causes`` among count, average, adjustment, rules, period (under the
    same rules, the points moved with the reports of other months in the same cap period or login streak)."""

    indicator: str
    old: IndicatorFigures | None
    new: IndicatorFigures | None
    causes: tuple[str, ...]


@dataclass(frozen=True)
class Moved:
    """The unit is under another parent (a teacher at another school, a school in another county); ``old_above``
    and ``new_above``: the parents' own parents when they differ too (a teacher's move to a school of another
    county), else None."""

    old_parent: str | None
    new_parent: str | None
    old_above: str | None = None
    new_above: str | None = None


@dataclass(frozen=True)
class Members:
    """Members (teachers of a school, schools of a county, ...) that joined, left, or whose totals moved."""

    joined: tuple[str, ...]
    left: tuple[str, ...]
    moved: int
    largest: tuple[tuple[str, Decimal], ...]  # (code, change) of the members that moved most


@dataclass(frozen=True)
class RulesetChanged:
    old: str
    new: str


Reason = IndicatorChange | Moved | Members | RulesetChanged


@dataclass(frozen=True)
class UnitChange:
    level: str
    code: str
    name: str
    parent_code: str | None
    old: UnitFigures | None  # None: the unit joined in the new version
    new: UnitFigures | None  # None: the unit left
    reasons: tuple[Reason, ...]

    @property
    def change(self) -> Decimal:
        return (self.new.total if self.new else Decimal(0)) - (self.old.total if self.old else Decimal(0))

    @property
    def status(self) -> str:
        return "joined" if self.old is None else "left" if self.new is None else "changed"


@dataclass(frozen=True)
class VersionDiff:
    from_version: int
    to_version: int
    ruleset: RulesetChanged | None
    changes: tuple[UnitChange, ...]

    def count(self, level: str) -> int:
        return sum(1 for c in self.changes if c.level == level)


def changed_keys(old: Mapping[Key, UnitFigures], new: Mapping[Key, UnitFigures]) -> set[Key]:
    """Units in one version only, or whose total, rank or parent differ: the units a diff lists."""
    return {key for key in old.keys() | new.keys() if _figures(old.get(key)) != _figures(new.get(key))}


def diff(old: VersionFigures, new: VersionFigures, explained: Iterable[Key] | None = None) -> VersionDiff:
    """Every unit that moved, in ``order``; with ``explained``, those of these units alone (a page of a province's
    diff reads and explains its own units, not the 100,000 a new region average moves)."""
    keys = changed_keys(old.units, new.units)
    ruleset = RulesetChanged(old.ruleset, new.ruleset) if old.ruleset_sha256 != new.ruleset_sha256 else None
    moved_members = _moved_members(keys, old.units, new.units)
    wanted = order(keys if explained is None else [k for k in explained if k in keys], old.units, new.units)
    changes = [_change(key, old, new, ruleset, moved_members) for key in wanted]
    return VersionDiff(old.version, new.version, ruleset, tuple(changes))


def order(keys: Iterable[Key], old: Mapping[Key, UnitFigures], new: Mapping[Key, UnitFigures]) -> list[Key]:
    """Largest change first; then the largest rank move, the upper levels, the code."""
    def sort_key(key: Key) -> tuple[Decimal, int, int, str]:
        before, after = old.get(key), new.get(key)
        change = (after.total if after else Decimal(0)) - (before.total if before else Decimal(0))
        ranked = before is not None and after is not None and before.rank is not None and after.rank is not None
        return -abs(change), -(abs(before.rank - after.rank) if ranked else 0), LEVELS.index(key[0]), key[1]
    return sorted(keys, key=sort_key)


def _figures(unit: UnitFigures | None) -> tuple[str | None, Decimal, int | None] | None:
    """What a move is made of: a renamed unit with the same figures has not moved."""
    return None if unit is None else (unit.parent_code, unit.total, unit.rank)


def _change(key: Key, old: VersionFigures, new: VersionFigures, ruleset: RulesetChanged | None,
            moved_members: Mapping[Key, list[Key]]) -> UnitChange:
    level, code = key
    before, after = old.units.get(key), new.units.get(key)
    shown = after or before
    assert shown is not None
    reasons: list[Reason] = []
    if before is not None and after is not None:  # a unit that joined or left is explained by that alone
        if before.parent_code != after.parent_code:
            reasons.append(_moved(level, before.parent_code, after.parent_code, old.units, new.units))
        indicators = old.indicators.get(key, {}), new.indicators.get(key, {})
        scoring = {**old.scoring, **new.scoring}
        found = _indicator_changes(*indicators, ruleset, scoring)
        if not found and not reasons and before.total != after.total:
            # each indicator's points, as stored (to the cent), are the same, yet the total, summed from the
            # exact points, moved by a cent: the indicators whose figures moved are the reason
            found = _indicator_changes(*indicators, ruleset, scoring, same_points=True)
        reasons.extend(found)
    if level in CHILD:
        members = _members(key, old.units, new.units, moved_members.get(key, []))
        if members is not None:
            reasons.append(members)
    if ruleset is not None:
        reasons.append(ruleset)
    return UnitChange(level, code, shown.name, shown.parent_code, before, after, tuple(reasons))


def _moved(level: str, old_parent: str | None, new_parent: str | None, old: Mapping[Key, UnitFigures],
           new: Mapping[Key, UnitFigures]) -> Moved:
    parent_level = PARENT.get(level)
    if parent_level is None:
        return Moved(old_parent, new_parent)
    old_above = _parent(old, (parent_level, old_parent)) if old_parent else None
    new_above = _parent(new, (parent_level, new_parent)) if new_parent else None
    if old_above == new_above:
        return Moved(old_parent, new_parent)
    return Moved(old_parent, new_parent, old_above, new_above)


def _indicator_changes(old: Mapping[str, IndicatorFigures], new: Mapping[str, IndicatorFigures],
                       ruleset: RulesetChanged | None, scoring: Mapping[str, str], *,
                       same_points: bool = False) -> list[IndicatorChange]:
    """The indicators whose points moved; with ``same_points``, those whose figures moved though their points,
    to the cent, did not. ``scoring``: how each indicator is scored (an indicator it does not name is taken to
    read the region average, and not to read other months)."""
    found = []
    for indicator in sorted(old.keys() | new.keys()):
        before, after = old.get(indicator), new.get(indicator)
        if before == after or (not same_points and before is not None and after is not None
                               and before.points == after.points and before.adjustment == after.adjustment):
            continue  # its figures may have moved (the region average), its points did not
        causes: list[str] = []
        if before is None or after is None:
            causes.append("rules")
        else:
            how = scoring.get(indicator)
            if before.count != after.count:
                causes.append("count")
            if before.average != after.average and (how is None or how in USES_AVERAGE):
                causes.append("average")
            if before.adjustment != after.adjustment:
                causes.append("adjustment")
            if not causes and ruleset is None and how in READS_OTHER_MONTHS:
                causes.append("period")  # a late report or a withdrawal of September or January moved October
            elif not causes or (ruleset is not None and before.points != after.points):
                causes.append("rules")
        found.append(IndicatorChange(indicator, before, after, tuple(causes)))
    return found


def _moved_members(keys: set[Key], old: Mapping[Key, UnitFigures],
                   new: Mapping[Key, UnitFigures]) -> dict[Key, list[Key]]:
    """For each parent, its changed members (under it in either version)."""
    under: dict[Key, list[Key]] = defaultdict(list)
    for key in keys:
        level = key[0]
        parent_level = PARENT.get(level)
        if parent_level is None:
            continue
        parents = {u.parent_code for u in (old.get(key), new.get(key)) if u is not None and u.parent_code}
        for parent in parents:
            under[(parent_level, parent)].append(key)
    return under


def _members(key: Key, old: Mapping[Key, UnitFigures], new: Mapping[Key, UnitFigures],
             members: list[Key]) -> Members | None:
    if not members:
        return None
    parent = key[1]
    joined = tuple(sorted(m[1] for m in members if _parent(new, m) == parent and _parent(old, m) != parent))
    left = tuple(sorted(m[1] for m in members if _parent(old, m) == parent and _parent(new, m) != parent))
    stayed = [m for m in members if _parent(old, m) == parent and _parent(new, m) == parent]
    moves = [(m[1], new[m].total - old[m].total) for m in stayed if new[m].total != old[m].total]
    moves.sort(key=lambda item: (-abs(item[1]), item[0]))
    if not joined and not left and not moves:
        return None
    return Members(joined, left, len(moves), tuple(moves[:LARGEST]))


def _parent(units: Mapping[Key, UnitFigures], key: Key) -> str | None:
    unit = units.get(key)
    return unit.parent_code if unit is not None else None
