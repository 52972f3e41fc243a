"""A month of synthetic app traffic for a roster: the operation items each app would POST.

Usage is zero-inflated and heavy-tailed: a school has an activity level and a share of teachers who do nothing
this month; an active teacher has a lognormal intensity, a main teaching app and a few other apps. Each report
is shaped by its action's own conditions in the rule set to qualify, or on purpose not to (short sessions,
missing attributes, duplicated content, a second assessment), so the demo exercises every outcome.
"""

from __future__ import annotations

import calendar
import gc
import math
import random
import re
from dataclasses import dataclass, field
from itertools import accumulate
from operator import itemgetter
from typing import Any

from jifen.demo.actions import (
    ADOPTION, PRIMARY_APPS, SECONDARY_USE, SECONDARY_WEIGHT, Profile, Shaper, Who, can_fail, duration,
    fields_of, profile_for,
)
from jifen.demo.region import SUBJECTS, person_name
from jifen.domain.organisations import RosterRow
from jifen.errors import InvalidInput
from jifen.rules.conditions import AtLeast, FirstOfYear
from jifen.rules.schema import ActionRule, RuleSet

Item = dict[str, Any]
REJECT_SHARE, RESEND_SHARE, SECOND_ASSESSMENT = 0.003, 0.01, 0.15
_PERIODS = [480, 535, 590, 645, 870, 925, 980, 1035]   # class periods start (minutes after midnight)
_EVENINGS = [1110, 1170, 1230, 1290]                    # evening tutoring slots


@dataclass
class DemoTraffic:
    batches: dict[str, list[Item]] = field(default_factory=dict)   # app code -> items, in time order
    resent: dict[str, list[Item]] = field(default_factory=dict)    # the same items again: answered duplicate
    late_roster: list[RosterRow] = field(default_factory=list)     # reporting teachers not on the roster yet

    @property
    def total(self) -> int:
        return sum(len(items) for items in self.batches.values())


@dataclass(frozen=True)
class _Action:
    app: str
    rule: ActionRule
    profile: Profile
    school: bool
    failable: bool
    needed: tuple[str, ...]
    content: tuple[str, ...]  # fields that must hold unique content
    threshold: float | None   # the duration_s an ok session needs, from the rule


def generate_month(rows: list[RosterRow], ruleset: RuleSet, month: str, seed: int = 2024, *,
                   unknown_teachers: int = 5) -> DemoTraffic:
    """Every app's reports for ``month`` ("YYYY-MM", Asia/Shanghai), deterministic for the seed."""
    month_ = _Month(rows, ruleset, month, seed)
    collecting = gc.isenabled()
    gc.disable()  # millions of small acyclic dicts: the cyclic collector would only cost time
    try:
        return month_.run(unknown_teachers)
    finally:
        if collecting:
            gc.enable()


class _Month:
    def __init__(self, rows: list[RosterRow], ruleset: RuleSet, month: str, seed: int) -> None:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            raise InvalidInput(f"month {month!r} must be YYYY-MM")
        if not rows:
            raise InvalidInput("demo data needs a roster with at least one teacher")
        self.rows, self.rng = rows, random.Random(f"{seed}:{month}")
        self.shaper = Shaper(self.rng)
        year, mon = int(month[:4]), int(month[5:])
        days = [f"{month}-{d:02d}" for d in range(1, calendar.monthrange(year, mon)[1] + 1)]
        self.weekdays = [d for i, d in enumerate(days, 1) if calendar.weekday(year, mon, i) < 5]
        self.weekend = [d for d in days if d not in self.weekdays] or self.weekdays
        self.days = days
        self.actions = [self._action(app.code, rule, ruleset) for app in ruleset.apps for rule in app.actions]
        self.teacher_actions = [a for a in self.actions if not a.school and not _assessment(a)]
        self.assessments = [a for a in self.actions if not a.school and _assessment(a)]
        self.school_actions = [a for a in self.actions if a.school]
        for a in self.teacher_actions + self.assessments:
            if a.app not in PRIMARY_APPS and a.app not in ADOPTION:
                raise InvalidInput(f"demo data: no adoption figure for app {a.app!r}")
        self.primary = [a for a in PRIMARY_APPS if any(t.app == a for t in self.teacher_actions)]
        self.primary_cum = list(accumulate(PRIMARY_APPS[a] for a in self.primary))
        self.optional = sorted({a.app for a in self.teacher_actions if a.app not in self.primary})
        self.mixes: dict[tuple[str, int, int], tuple[list[_Action], list[float]]] = {}
        self.out: dict[str, list[Item]] = {a.app: [] for a in self.actions}
        self.counts = {(a.app, a.rule.action): 0 for a in self.actions}
        self.rejected = 0

    @staticmethod
    def _action(app: str, rule: ActionRule, ruleset: RuleSet) -> _Action:
        conds = [*rule.requires, rule.qualifies]
        least = [c.value for c in conds if isinstance(c, AtLeast) and c.field == "duration_s"]
        return _Action(app, rule, profile_for(app, rule.action), ruleset.indicator(rule.indicator).subject == "school",
                       can_fail(rule.qualifies), tuple(dict.fromkeys(f for c in conds for f in fields_of(c))),
                       tuple(rule.content_fields), least[0] if least else None)

    def run(self, unknown_teachers: int) -> DemoTraffic:
        rng = self.rng
        schools: dict[str, list[RosterRow]] = {}
        for row in self.rows:
            schools.setdefault(row.school_code, []).append(row)
        late = self._late(unknown_teachers, schools)
        late_by_school: dict[str, list[RosterRow]] = {}
        for row in late:
            late_by_school.setdefault(row.school_code, []).append(row)
        for code, members in schools.items():
            level = rng.gammavariate(3.0, 1 / 3)
            idle = rng.betavariate(3.5, 6.5)
            peers = [r.teacher_id for r in members]
            for row in members:
                if rng.random() >= idle:
                    self._teacher(row, level, peers)
            for row in late_by_school.get(code, []):
                self._teacher(row, level, peers, at_least_one=True)
            if rng.random() < 0.85:
                self._school(members, level, peers)
        self._cover()
        traffic = DemoTraffic(late_roster=late)
        for app, items in self.out.items():
            items.sort(key=itemgetter("occurred_at"))
            traffic.batches[app] = items
            if items:
                picks = sorted(rng.sample(range(len(items)), max(1, round(len(items) * RESEND_SHARE))))
                traffic.resent[app] = [{**items[i], "attributes": dict(items[i]["attributes"])} for i in picks]
        return traffic

    def _late(self, n: int, schools: dict[str, list[RosterRow]]) -> list[RosterRow]:
        rng, known = self.rng, {r.teacher_id for r in self.rows}
        firsts = [members[0] for members in schools.values()]
        late: list[RosterRow] = []
        while len(late) < n:
            tid = f"T{rng.randrange(1_000_000, 10_000_000):07d}"
            if tid in known:
                continue
            known.add(tid)
            s = rng.choice(firsts)
            late.append(RosterRow(s.city_code, s.city_name, s.county_code, s.county_name, s.school_code,
                                  s.school_name, s.online_classrooms, tid, person_name(rng), rng.choice(SUBJECTS)))
        return late

    def _mix(self) -> tuple[list[_Action], list[float]]:
        """A teacher's apps: a main teaching app, maybe others; the cumulative weights of their actions."""
        rng = self.rng
        main = rng.choices(self.primary, cum_weights=self.primary_cum)[0]
        extra = sum(1 << i for i, app in enumerate(self.primary) if app != main and rng.random() < SECONDARY_USE)
        used = sum(1 << i for i, app in enumerate(self.optional) if rng.random() < ADOPTION[app])
        key = (main, extra, used)
        if key not in self.mixes:
            weights: list[float] = []
            for a in self.teacher_actions:
                if a.app == main or (a.app in self.optional and used >> self.optional.index(a.app) & 1):
                    weights.append(a.profile.rate)
                elif a.app in self.primary and extra >> self.primary.index(a.app) & 1:
                    weights.append(a.profile.rate * SECONDARY_WEIGHT)
                else:
                    weights.append(0.0)
            self.mixes[key] = (self.teacher_actions, list(accumulate(weights)))
        return self.mixes[key]

    def _teacher(self, row: RosterRow, level: float, peers: list[str], at_least_one: bool = False) -> None:
        rng = self.rng
        intensity = level * rng.lognormvariate(-0.405, 0.9)   # mean 1 over teachers for an average school
        actions, cum = self._mix()
        n = max(int(at_least_one), _poisson(rng, cum[-1] * intensity))
        picks = rng.choices(actions, cum_weights=cum, k=n) if n else []
        who = Who(row.teacher_id, row.school_code, row.subject, peers)
        self._emit_all(picks, who)
        for a in self.assessments:
            if rng.random() < a.profile.rate:
                times = 2 if rng.random() < SECOND_ASSESSMENT else 1   # the second is not_qualified
                for _ in range(times):
                    self._emit(a, who, self._moment(a.profile.window))

    def _school(self, members: list[RosterRow], level: float, peers: list[str]) -> None:
        rng, first = self.rng, members[0]
        for a in self.school_actions:
            p = a.profile
            rooms = [f"{first.school_code}-{k:02d}" for k in range(1, first.online_classrooms + 1)]
            if p.per_classroom:
                for room in rooms:
                    who = Who(None, first.school_code, rng.choice(members).subject, peers, room)
                    self._emit_all([a] * _poisson(rng, p.per_classroom * level), who)
            n = _poisson(rng, (p.rate * len(members) + p.per_school) * level)
            who = Who(None, first.school_code, rng.choice(members).subject, peers, rooms[0] if rooms else None)
            self._emit_all([a] * n, who)

    def _emit_all(self, picks: list[_Action], who: Who) -> None:
        """Sessions get distinct class periods or evening slots, so one teacher's sessions rarely overlap."""
        slotted: dict[str, list[_Action]] = {}
        for a in picks:
            if a.profile.duration is not None and a.profile.window in ("class", "evening"):
                slotted.setdefault(a.profile.window, []).append(a)
            else:
                self._emit(a, who, self._moment(a.profile.window))
        for window, group in slotted.items():
            days = self.weekdays if window == "class" else self.days
            starts = _PERIODS if window == "class" else _EVENINGS
            size = len(days) * len(starts)
            slots = self.rng.sample(range(size), len(group)) if len(group) <= size else \
                [self.rng.randrange(size) for _ in group]
            for a, slot in zip(group, slots):
                second = starts[slot % len(starts)] * 60 + int(self.rng.random() * 300)
                self._emit(a, who, _stamp(days[slot // len(starts)], second))

    def _moment(self, window: str) -> str:
        draw = self.rng.random
        days = self.weekdays if draw() < 0.88 else self.weekend
        if draw() < 0.8:
            low, high = (64_800, 81_000) if window == "evening" else (27_000, 64_800)
        else:
            low, high = 23_400, 81_000
        return _stamp(days[int(draw() * len(days))], low + int(draw() * (high - low)))

    def _emit(self, a: _Action, who: Who, when: str, ok: bool | None = None, reject: bool | None = None) -> None:
        rng, p, shaper = self.rng, a.profile, self.shaper
        if ok is None:
            ok = not (a.failable and rng.random() < p.fail)
        vals = {f"attributes.{k}": v for k, v in p.extra(rng, who).items()}
        for cond in a.rule.requires:
            shaper.shape(cond, True, vals, p)
        shaper.shape(a.rule.qualifies, ok, vals, p)
        if p.duration is not None and "duration_s" not in vals:
            vals["duration_s"] = duration(rng, p, a.threshold)
        if reject is None:
            reject = bool(a.needed) and rng.random() < REJECT_SHARE
        if reject:
            vals.pop(rng.choice(a.needed), None)
            self.rejected += 1
        elif ok:
            for path in a.content:
                shaper.remember(vals[path])
        h = f"{rng.getrandbits(128):032x}"
        item: Item = {"id": f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}", "action": a.rule.action}
        if who.teacher_id is None:
            item["school_id"] = who.school_code
        else:
            item["teacher_id"] = who.teacher_id
        item["occurred_at"] = when
        if "duration_s" in vals:
            item["duration_s"] = vals.pop("duration_s")
        item["attributes"] = {k[11:]: v for k, v in vals.items()}
        self.out[a.app].append(item)
        self.counts[a.app, a.rule.action] += 1

    def _cover(self) -> None:
        """Every catalog action at least once, and at least one rejected report, even for a tiny roster."""
        rng = self.rng
        for a in self.actions:
            if not self.counts[a.app, a.rule.action]:
                row = rng.choice(self.rows)
                room = f"{row.school_code}-01"
                who = Who(None if a.school else row.teacher_id, row.school_code, row.subject, [row.teacher_id], room)
                self._emit(a, who, self._moment(a.profile.window), ok=True, reject=False)
        if not self.rejected:
            needy = sorted((a for a in self.actions if a.needed), key=lambda a: a.threshold is None)
            if needy:  # a session without its duration, preferably
                row = rng.choice(self.rows)
                who = Who(None if needy[0].school else row.teacher_id, row.school_code, row.subject, [row.teacher_id])
                self._emit(needy[0], who, self._moment(needy[0].profile.window), reject=True)


def _assessment(a: _Action) -> bool:
    return isinstance(a.rule.qualifies, FirstOfYear)


def _stamp(day: str, second: int) -> str:
    return f"{day}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+08:00"


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
