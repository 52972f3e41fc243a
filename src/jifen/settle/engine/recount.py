"""The batch recount: qualified counts per teacher or school, month and indicator, from the raw operations.

Ingestion judges each report as it arrives and keeps ``operation_counts``. The recount judges the stored reports
again, ignoring their stored status and indicator, with Ibis expressions compiled from the same rule data, and so
checks those counts on any engine. Its inputs are the flattened operations
(:mod:`jifen.settle.engine.recount_fields`) and the roster; the attributes are plain typed columns.

How each rule compiles:

- catalog: the rule set's (app, action) -> indicator, subject, session and daily cap become a small table joined
  to the operations; an operation whose action is not in the catalog is not counted;
- conditions: ``requires`` and the field checks of ``qualifies`` (with nothing earlier seen) decide whether the
  report was storable at all; ``qualifies`` is then one expression per action, evaluated for the four answers
  about earlier reports (content claimed or not, teacher counted this year or not)
  (:mod:`jifen.settle.engine.recount_conditions`);
- subject: the teacher (teacher indicators) or school (school indicators) must be on the roster given, else the
  report is pending and neither counts nor enters anyone's history;
- unique content: claimed when an earlier qualified report has the same content key, a running sum over a window
  partitioned by the key, ordered by ``id`` (received order), ending one row before;
- first of the year: the same window over (teacher, indicator, local year);
- daily cap: the running count of earlier qualified reports over (teacher or school, indicator, local day)
  reaches the cap;
- overlap: an earlier qualified session of the same teacher (or school room, for an action with a ``room``)
  overlaps this one (spans ``[start, end)``, at most a day long); the candidate pairs are one self-join on
  (owner, hour the span touches), made once;
- withdrawn: not counted. Its content stays claimed (as at ingestion); it fills a day, a year or a session span
  only for the reports received before its withdrawal (received at the same instant counts as before): the
  overlap pairs leave it out for the later ones, and pairs (report, withdrawn earlier report), few since
  withdrawals are, correct the day's and the year's running sums.

The conditions come first, then overlap, then the cap, and each of the last three only counts *qualified*
earlier reports, so ingestion is a sequential rule: whether a report qualifies depends on whether earlier ones
did. A chain of overlapping sessions (A, then B overlapping A, then C overlapping only B: A and C count, B does
not), or a cap that fills only with reports whose content was new, is not one window expression. The recount
therefore iterates to a fixed point: ``q0`` = every report that meets its conditions with nothing seen before;
``q(k+1)`` = the judgment of every report given ``q(k)`` for the reports received before it (windows, plus the
overlap pairs joined with ``q(k)``); stop when nothing changes. Each round is exact for one more link of the
longest chain of reports whose outcome depends on an earlier outcome, so the rounds are that length plus one
(two when the windows alone decide, as with a cap or a duplicate that no other rule touches), and the fixed
point is unique: the judgment of report ``i`` reads only reports received before ``i``, so by induction on ``i``
every fixed point is ingestion's sequence. Each round's answer is materialised (``id, qualified, changed``,
:mod:`jifen.settle.engine.recount_engine`), so the expressions never nest round into round.

The rounds run over the dependent reports alone (:func:`dependent`: those in a group that can change an answer,
about 6 % of a province's month, and the sessions of an overlapping pair); every other report counts as its
first guess says. The operations themselves are never kept whole in the engine: a few passes read them, each
for what it needs (the overlapping pairs, the groups, the dependent reports, the first guesses counted), so
the memory a recount needs follows the dependent reports and the groups, not every report's columns.

Where it differs from ingestion, by design:

- the recount judges reports in received order (``operations.id``), with the roster given; ingestion judges a
  pending report when a roster import brings its subject in, later than reports received after it, and keeps
  what it judged when a teacher leaves;
- checks against the time a report was received (more than 5 minutes in the future, retention) are not redone.

One rule set is applied to every operation given. :mod:`jifen.settle.engine.recount_store` moves the stored
operations out and recounts them; the recount of one month reads every operation received up to the month's
last one (content is claimed region-wide and for good, whatever the month a report is for, and a late report
of the month can meet content claimed by a later month's report received before it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from jifen.ingest.antigaming import LONGEST_SESSION, is_session
from jifen.rules.conditions import walk
from jifen.rules.schema import ActionRule, RuleSet
from jifen.settle.engine import backends
from jifen.settle.engine import recount_fields as flat
from jifen.settle.engine.recount_conditions import (
    HISTORY_KINDS,
    MET,
    PROBLEM,
    Inputs,
    check_compilable,
    compile_condition,
)
from jifen.settle.engine.recount_engine import Scratch, scalar, scratch

CATALOG_SCHEMA = pa.schema([
    ("rule_no", pa.int64()), ("app_code", pa.string()), ("action", pa.string()), ("rule_indicator", pa.string()),
    ("indicator_no", pa.int64()), ("subject", pa.string()), ("session", pa.bool_()), ("cap", pa.int64()),
])
ROSTER_SCHEMA = pa.schema([("kind", pa.string()), ("code", pa.string())])
COUNTS_SCHEMA = pa.schema([("subject_kind", pa.string()), ("code", pa.string()), ("month", pa.string()),
                           ("indicator", pa.string()), ("count", pa.int64())])
ROOM_SEPARATOR = "\x1f"
_HISTORY = {"clean": (False, False), "duplicate": (True, False), "counted": (False, True), "both": (True, True)}


@dataclass(frozen=True)
class Rule:
    """One action of the catalog, numbered so expressions can branch on it."""

    number: int
    app_code: str
    rule: ActionRule


def rules_of(rules: RuleSet) -> list[Rule]:
    """The catalog's actions, each checked to compile (UncompilableRule names the first that does not)."""
    found = [Rule(n, app.code, rule) for n, (app, rule) in
             enumerate((app, rule) for app in rules.apps for rule in app.actions)]
    for entry in found:
        check_compilable(entry.app_code, entry.rule)
    return found


def catalog(rules: RuleSet, entries: list[Rule]) -> pa.Table:
    """app + action -> indicator (and its place in the rule set), its subject, whether the action is a session,
    the indicator's daily cap."""
    numbers = {indicator.code: n for n, indicator in enumerate(rules.indicators)}
    rows = []
    for entry in entries:
        indicator = rules.indicator(entry.rule.indicator)
        rows.append({"rule_no": entry.number, "app_code": entry.app_code, "action": entry.rule.action,
                     "rule_indicator": indicator.code, "indicator_no": numbers[indicator.code],
                     "subject": indicator.subject,
                     "session": is_session(entry.rule) and (indicator.subject == "teacher"
                                                            or entry.rule.room is not None),
                     "cap": indicator.daily_cap.count if indicator.daily_cap else None})
    return pa.Table.from_pylist(rows, schema=CATALOG_SCHEMA)


def _per_rule(t: ir.Table, entries: list[Rule], value: Callable[[ActionRule], ir.BooleanValue]
              ) -> ir.BooleanValue:
    """A boolean that each action computes its own way: ``value(rule)`` for the operations of that action."""
    return ibis.cases(*((t.rule_no == e.number, value(e.rule)) for e in entries), else_=ibis.literal(False))


def _storable(rule: ActionRule, inputs: Inputs) -> ir.BooleanValue:
    """What ingestion checked before storing: ``requires`` met, ``qualifies`` with no field problem, and a room
    named where the action has one."""
    checks = [compile_condition(c, inputs) == MET for c in rule.requires] + _room_named(rule, inputs)
    if rule.qualifies is not None:
        checks.append(compile_condition(rule.qualifies, inputs) != PROBLEM)
    return ibis.and_(*checks) if checks else ibis.literal(True)


def _room_named(rule: ActionRule, inputs: Inputs) -> list[ir.BooleanValue]:
    return [] if rule.room is None else [inputs.column(rule.room, "room").notnull()]


_no_history = (ibis.literal(False), ibis.literal(False))  # nothing claimed, not counted this year


def _reads_history(rule: ActionRule) -> bool:
    return rule.qualifies is not None and any(isinstance(c, HISTORY_KINDS) for c in walk(rule.qualifies))


def counting_indicators(rules: RuleSet) -> list[str]:
    """The indicators one of whose actions' conditions reads "counted this year" (``first_of_year``)."""
    return sorted({rule.indicator for app in rules.apps for rule in app.actions if rule.once_a_year})


def _first_ok(rule: ActionRule, inputs: Inputs) -> ir.BooleanValue:
    """``_storable`` and ``_met`` at once: ``qualifies`` met is also free of a field problem, so the two make
    one test of each condition instead of two."""
    checks = [compile_condition(c, inputs) == MET for c in (*rule.requires, *filter(None, [rule.qualifies]))]
    checks += _room_named(rule, inputs)
    return ibis.and_(*checks) if checks else ibis.literal(True)


def _met(rule: ActionRule, inputs: Inputs) -> ir.BooleanValue:
    return ibis.literal(True) if rule.qualifies is None else compile_condition(rule.qualifies, inputs) == MET


def keyed(operations_table: ir.Table, cat: ir.Table, entries: list[Rule], fields: list[flat.FlatField]
          ) -> ir.Table:
    """The operations of the catalog (``cat``, from :func:`catalog`) with what groups them, and nothing that
    costs a condition's evaluation: indicator, subject, daily cap, content key, session. Reading this alone,
    a pass over every operation is little more than a scan."""
    t = operations_table.join(cat, ["app_code", "action"])
    t = t.mutate(owner=_owner(t, entries, fields))
    return t.mutate(subject_code=ibis.ifelse(t.subject == "teacher", t.teacher_id, t.school_code),
                    indicator=t.rule_indicator, year=t.month.substr(0, 4), content_key=_content_key(t, entries, fields),
                    is_session=t.session & t.duration_s.notnull() & t.owner.notnull())


def judged(operations_table: ir.Table, cat: ir.Table, rules: RuleSet, fields: list[flat.FlatField]) -> ir.Table:
    """:func:`keyed`, with what each operation's own conditions answer (see :func:`with_conditions`)."""
    return with_conditions(keyed(operations_table, cat, rules_of(rules), fields), rules, fields)


def with_conditions(t: ir.Table, rules: RuleSet, fields: list[flat.FlatField]) -> ir.Table:
    """Rows of :func:`keyed` with what each operation's own conditions answer: ``storable`` (what ingestion
    checked before storing), ``met_*`` (its ``qualifies`` met, for each of the four answers about earlier
    reports) and ``first_ok``, both with nothing earlier seen, in one expression for the pass that counts every
    report. Whether its teacher or school is on the roster is not asked here (see :func:`prepare`)."""
    entries = rules_of(rules)
    # Only the actions whose conditions read the history answer differently with it: the other three answers
    # are worked out for those alone, and are the clean answer for the rest.
    t = t.mutate(met_clean=_per_rule(t, entries, lambda r: _met(r, Inputs(t, fields, *_no_history))))
    dry = Inputs(t, fields, *_no_history)
    reading = [e for e in entries if _reads_history(e.rule)]
    columns = {}
    for name, (duplicate, counted) in _HISTORY.items():
        if name != "clean":
            history = Inputs(t, fields, ibis.literal(duplicate), ibis.literal(counted))
            branches = [(t.rule_no == e.number, _met(e.rule, history)) for e in reading]
            columns[f"met_{name}"] = ibis.cases(*branches, else_=t.met_clean) if branches else t.met_clean
    return t.mutate(storable=_per_rule(t, entries, lambda r: _storable(r, dry)), **columns,
                    first_ok=_per_rule(t, entries, lambda r: _first_ok(r, dry)))


def known_subjects(roster: ir.Table) -> ir.Table:
    """(r_kind, r_code): the teachers and schools on the roster, once each."""
    return roster.select(r_kind=roster.kind, r_code=roster.code).distinct()


PREPARED = ("id", "month", "day", "teacher_id", "school_code", "subject_code", "cap",
            "received_us", "withdrawn_us", "indicator", "year", "content_key", "is_session", "met_clean",
            "met_duplicate", "met_counted", "met_both")


def prepare(operations_table: ir.Table, roster: ir.Table, cat: ir.Table, rules: RuleSet,
            fields: list[flat.FlatField]) -> ir.Table:
    """Every fact of each operation that does not depend on other operations' outcomes: one row per operation
    of the catalog (``cat``, from :func:`catalog`), with ``eligible`` (storable, subject on the roster) and
    ``met_*`` (see :func:`with_conditions`)."""
    return prepare_keyed(keyed(operations_table, cat, rules_of(rules), fields), roster, rules, fields)


def prepare_keyed(keys: ir.Table, roster: ir.Table, rules: RuleSet, fields: list[flat.FlatField],
                  *kept: str) -> ir.Table:
    """:func:`prepare` of rows of :func:`keyed`, keeping their columns ``kept`` as well."""
    t = with_conditions(keys, rules, fields)
    known = known_subjects(roster)
    t = t.left_join(known, [t.subject == known.r_kind, t.subject_code == known.r_code])
    return t.select(*PREPARED, *kept, eligible=t.subject_code.notnull() & t.r_code.notnull() & t.storable)


def _content_key(t: ir.Table, entries: list[Rule], fields: list[flat.FlatField]) -> ir.StringValue:
    """The content key an action claims when it qualifies (null for actions without unique content)."""
    branches = [(t.rule_no == e.number, t[flat.column_for(fields, e.rule.content_fields[0], "content")])
                for e in entries if e.rule.content_fields]
    if not branches:
        return ibis.null("string")
    return ibis.cases(*branches, else_=ibis.null("string"))


def _owner(t: ir.Table, entries: list[Rule], fields: list[flat.FlatField]) -> ir.StringValue:
    """Whose time a session takes (``jifen.ingest.antigaming.session_owner``): its teacher's, or for an action
    with a room, the school's room, as the school code and the room joined by a unit separator (no code holds
    one). Null for other reports."""
    rooms = [(t.rule_no == e.number, t.school_code.concat(ROOM_SEPARATOR, t[flat.column_for(fields, e.rule.room,
                                                                                          "room")]))
             for e in entries if e.rule.room is not None]
    return ibis.cases((t.subject == "teacher", t.teacher_id), *rooms, else_=ibis.null("string"))


def _visible(earlier_withdrawn_us: ir.IntegerValue, received_us: ir.IntegerValue) -> ir.BooleanValue:
    """Whether a report still counted when a later one was received: not withdrawn, or withdrawn since. A
    withdrawal at the very instant a report was received is taken to come after it (one lock orders them)."""
    return earlier_withdrawn_us.isnull() | (earlier_withdrawn_us >= received_us)


HOUR_US = 3_600_000_000
_HOURS = int(LONGEST_SESSION / timedelta(hours=1)) + 1  # the most hours a session's span can touch


def hour_steps() -> pa.Table:
    """0, 1, ... up to the most hours after its first that a session's span can touch: joined to the sessions,
    one row for each hour a span touches (see :func:`overlap_pairs`)."""
    return pa.table({"h": pa.array(range(_HOURS), pa.int64())})


def overlapping(sessions: ir.Table) -> ir.Table:
    """The sessions whose span may overlap another of their owner's (a teacher or a room, see :func:`_owner`):
    at least every session of an overlapping pair. In the order of their starts, a session overlaps one that
    starts before it only if the latest end before it is past its start, and one that starts after it only if the
    next start is before its end (the next one starts no later than any after it). Two sorted windows over the
    sessions, instead of the join below over every session: most sessions overlap none."""
    order = [sessions.start_us, sessions.id]
    before = ibis.window(group_by=sessions.owner, order_by=order, rows=(None, -1))
    t = sessions.mutate(latest_end=sessions.end_us.max().over(before),
                        next_start=sessions.start_us.lead().over(group_by=sessions.owner, order_by=order))
    return t.filter((t.latest_end > t.start_us) | (t.next_start < t.end_us))


def overlap_pairs(keys: ir.Table, hours: ir.Table) -> ir.Table:
    """(id, earlier): two sessions of one owner (a teacher or a room) whose spans overlap, ``earlier`` received
    first and not withdrawn when ``id`` was received (``keys``: :func:`keyed`; ``hours``: :func:`hour_steps` in
    the engine).
    Whether either could count is not asked here: a pair whose earlier session never counts changes nothing.

    Two spans that overlap share an instant, and so an hour (counted from the epoch) that both touch: the
    sessions are joined on (owner, hour touched), one row for each hour a span touches (most touch one or
    two, none more than a day's), rather than on the owner alone, which would pair each session with every
    other of the owner's months."""
    s = keys.filter(keys.is_session)
    s = overlapping(s.select("id", "received_us", "owner", "start_us", "end_us", "withdrawn_us"))
    s = s.select("id", "received_us", owner=s.owner, start=s.start_us, end=s.end_us, gone=s.withdrawn_us,
                 first_hour=s.start_us // HOUR_US,
                 last_hour=ibis.greatest(s.end_us - 1, s.start_us) // HOUR_US)  # the span's last instant
    touched = s.join(hours, hours.h <= s.last_hour - s.first_hour).mutate(touched=s.first_hour + hours.h)
    a = touched.select("id", "received_us", "owner", "start", "end", "touched")
    b = touched.select(earlier=touched.id, owner_b=touched.owner, start_b=touched.start, end_b=touched.end,
                       gone=touched.gone, touched_b=touched.touched)
    joined = a.join(b, [a.owner == b.owner_b, a.touched == b.touched_b, b.earlier < a.id, b.start_b < a.end,
                        a.start < b.end_b, _visible(b.gone, a.received_us)])
    return joined.select("id", "earlier").distinct()


def groups(keys: ir.Table, counting: list[str]) -> list[tuple[ir.Table, list[str]]]:
    """The groups of reports that can change an answer, each with the columns that name a group in ``keys``
    (:func:`keyed`): content claimed by two or more reports; a day holding more reports of a capped indicator
    than the cap (fewer can never fill it); a teacher's year of an indicator holding two or more reports, when
    one of its actions' conditions reads "counted this year" (the indicators ``counting``, from
    :func:`counting_indicators`). Every report is counted, eligible or not: that can only add groups that
    change nothing, and spares these passes the conditions' evaluation."""
    found = []
    content = keys.filter(keys.content_key.notnull())
    content = content.group_by("content_key").aggregate(n=content.count()).filter(lambda g: g.n > 1)
    found.append((content.select("content_key"), ["content_key"]))
    day = ["subject_code", "indicator_no", "day"]  # the indicator says whose code it is
    days = []
    for subject, column in (("teacher", "teacher_id"), ("school", "school_code")):  # by a column, not a choice
        capped = keys.filter(keys.cap.notnull() & (keys.subject == subject) & keys[column].notnull())
        counted = capped.group_by(subject_code=capped[column], indicator_no=capped.indicator_no, day=capped.day
                                  ).aggregate(n=capped.count(), cap=capped.cap.min())
        days.append(counted.filter(counted.n > counted.cap).select(day))
    found.append((days[0].union(days[1], distinct=False), day))
    if counting:  # the years of those indicators alone: a list, so the engines filter the scan
        taught = keys.filter(keys.teacher_id.notnull() & keys.indicator.isin(counting))
        year = ["teacher_id", "indicator", "year"]
        years = taught.group_by(year).aggregate(n=taught.count()).filter(lambda g: g.n > 1)
        found.append((years.select(year), year))
    return found


def dependent(keys: ir.Table, pairs: ir.Table, found: list[tuple[ir.Table, list[str]]]) -> ir.Table:
    """The rows of ``keys`` (:func:`keyed`) whose outcome may hinge on other reports' outcomes, and those they
    read, with ``grouped``; every other report is settled by ``first_guess``. ``found``: :func:`groups`.

    A report depends on others only through a group that can change an answer, or a pair of overlapping
    sessions. Every report of such a group is ``grouped``, so the windows of ``judge`` run over the grouped
    reports alone and still see every report that could fill them; both reports of an overlapping pair are
    dependent, so each round reads the earlier one's answer. The groups and the pairs are small: one pass over
    the operations picks the dependent reports out, and only those are then judged on their conditions."""
    paired = pairs.select(p_id=pairs.id).union(pairs.select(p_id=pairs.earlier), distinct=True)
    t = keys
    markers = []
    for n, (group, columns) in enumerate(found):
        marker = f"g{n}"
        group = group.mutate(**{marker: ibis.literal(True)}).rename({f"{marker}_{c}": c for c in columns})
        t = t.left_join(group, [t[c] == group[f"{marker}_{c}"] for c in columns])
        markers.append(marker)
    t = t.left_join(paired, t.id == paired.p_id)
    grouped = ibis.or_(*(t[marker].notnull() for marker in markers))
    t = t.filter(grouped | t.p_id.notnull())
    return t.select(*keys.columns, grouped=grouped)


def hidden_pairs(depending: ir.Table) -> ir.Table:
    """(id, earlier, kind): ``earlier`` shares ``id``'s day cap (kind 'cap') or year (kind 'year') and was
    withdrawn before ``id`` was received, so it no longer filled them for ``id``. Withdrawals are few; the
    running sums over all earlier reports are corrected by these pairs. Only the dependent reports are read: a
    day or a year that can change an answer is dependent whole, withdrawn reports included, and in any other
    the corrections change nothing."""
    gone = depending.filter(depending.withdrawn_us.notnull() & depending.eligible)
    g = gone.select(earlier=gone.id, gone=gone.withdrawn_us, g_subject=gone.subject_code,
                    g_teacher=gone.teacher_id, g_indicator=gone.indicator, g_day=gone.day, g_year=gone.year)
    parts = []
    for kind, keys in (("cap", [depending.subject_code == g.g_subject, depending.day == g.g_day]),
                       ("year", [depending.teacher_id == g.g_teacher, depending.year == g.g_year])):
        joined = depending.join(g, [*keys, depending.indicator == g.g_indicator, g.earlier < depending.id,
                                    ~_visible(g.gone, depending.received_us)])
        parts.append(joined.select("id", "earlier", kind=ibis.literal(kind)))
    return parts[0].union(parts[1])


def first_guess(static: ir.Table) -> ir.Table:
    """q0: every report that meets its conditions with nothing before it."""
    return static.select("id", qualified=static.eligible & static.met_clean)


def judge(static: ir.Table, pairs: ir.Table, hidden: ir.Table, guess: ir.Table) -> ir.Table:
    """One round: every report judged as ingestion would, taking ``guess`` for the reports received before it;
    ``changed`` where the answer differs from the guess."""
    counted_earlier = pairs.join(guess, pairs.earlier == guess.id).filter(guess.qualified)
    overlapped = counted_earlier.select(overlapped_id=counted_earlier.id).distinct()
    still = hidden.join(guess, hidden.earlier == guess.id).filter(guess.qualified)
    still = still.select(gone_id=still.id, cap=ibis.ifelse(still.kind == "cap", 1, 0),
                         year=ibis.ifelse(still.kind == "year", 1, 0))
    gone = still.group_by("gone_id").aggregate(gone_cap=still.cap.sum(), gone_year=still.year.sum())
    t = static.join(guess, "id")
    # The windows run over the reports in a group that matters (``grouped``, see :func:`dependent`); for the
    # others, in a group of one or one that cannot change an answer, nothing was claimed, counted or capped.
    g = t.filter(t.grouped).select("id", "qualified", "content_key", "teacher_id", "indicator", "year",
                                   "subject_code", "day", "cap", "met_clean", "met_duplicate", "met_counted",
                                   "met_both")  # what the windows read: they hold every column they are given
    g = g.left_join(gone, g.id == gone.gone_id)
    flag = ibis.ifelse(g.qualified, 1, 0).cast("int64")  # PostgreSQL casts no boolean to an integer

    def before(*keys: ir.Value) -> ir.IntegerValue:
        return flag.sum().over(ibis.window(group_by=list(keys), order_by=g.id, rows=(None, -1))).fill_null(0)

    def alone(key: ir.Value) -> ir.IntegerValue:
        """A report without the key in a partition of its own: one null partition would hold millions of
        reports, sorted as one (and, past a memory limit, not spilled)."""
        return ibis.ifelse(key.isnull(), g.id, ibis.literal(-1, "int64"))

    # a withdrawn report keeps its claim
    duplicate = g.content_key.notnull() & (before(g.content_key, alone(g.content_key)) > 0)
    counted = g.teacher_id.notnull() & (before(g.teacher_id, alone(g.teacher_id), g.indicator, g.year)
                                        - g.gone_year.fill_null(0) > 0)
    capped = g.cap.notnull() & (before(g.subject_code, g.indicator, g.day) - g.gone_cap.fill_null(0) >= g.cap)
    met = ibis.cases((duplicate & counted, g.met_both), (duplicate, g.met_duplicate), (counted, g.met_counted),
                     else_=g.met_clean)
    windows = g.select(w_id=g.id, w_met=met, w_capped=capped)
    t = t.left_join(windows, t.id == windows.w_id)
    t = t.left_join(overlapped, t.id == overlapped.overlapped_id)
    met = ibis.ifelse(t.w_id.isnull(), t.met_clean, t.w_met)
    overlap = t.is_session & t.overlapped_id.notnull()
    qualified = t.eligible & met & ~overlap & ~t.w_capped.fill_null(False)
    return t.select("id", qualified=qualified, changed=qualified != t.qualified)


def fixed_point(space: Scratch, prepared: Callable[[ir.Table], ir.Table], keys: ir.Table, counting: list[str],
                rounds: list[int] | None = None) -> tuple[ir.Table, ir.Table]:
    """The dependent reports (see :func:`dependent`), prepared, and their outcome: ``judge`` repeated over them
    until nothing changes (see the module docstring); every other report is settled by its first guess.
    ``prepared`` makes :func:`prepare_keyed`'s table of some rows of ``keys``, keeping ``grouped``; ``keys`` is
    :func:`keyed` of every operation; ``counting``: see :func:`groups`. ``rounds``, when given, receives the
    number of rounds (for tests and benchmarks)."""
    pairs = space.keep(overlap_pairs(keys, space.put(hour_steps(), "hours")))
    found = [(space.keep(group), columns) for group, columns in groups(keys, counting)]  # small: kept apart
    depending = space.keep(prepared(dependent(keys, pairs, found)))
    hidden = space.keep(hidden_pairs(depending))
    guess = space.keep(first_guess(depending))
    limit = scalar(space.con, depending.count()) + 2  # the longest chain is at most every dependent report
    for done in range(1, limit + 1):
        following = space.keep(judge(depending, pairs, hidden, guess))
        if scalar(space.con, following.filter(following.changed).count()) == 0:
            if rounds is not None:
                rounds.append(done)
            return depending, following
        space.release(guess)
        guess = space.keep(following.select("id", "qualified"))
    raise AssertionError("the recount did not reach its fixed point")  # unreachable: see the module docstring


def _under_each(t: ir.Table) -> ir.Table:
    """``n`` of rows (teacher_id, school_code, month, indicator, n) summed under each teacher and under each
    school, per month and indicator."""
    parts = []
    for kind, column in (("teacher", "teacher_id"), ("school", "school_code")):
        part = t.filter(t[column].notnull())
        part = part.group_by(code=part[column], month=part.month, indicator=part.indicator).aggregate(
            count=part.n.sum())
        parts.append(part.mutate(subject_kind=ibis.literal(kind)))
    return parts[0].union(parts[1], distinct=False)


def _first_guesses(operations: ir.Table, roster: ir.Table, cat: ir.Table) -> ir.Table:
    """Every report's first guess (see :func:`first_guess`) counted per (teacher_id, school_code, month,
    indicator), in one pass. ``operations``: :func:`judged`. The reports are grouped first, by the indicator's
    number rather than its name and subject, and the groups are then given those and asked about the roster (a
    group's subject is one of its keys): the roster is joined to the groups, not to every report."""
    t = operations.filter(operations.first_ok & operations.withdrawn_us.isnull())
    grouped = t.group_by("indicator_no", "teacher_id", "school_code", "month").aggregate(n=t.count())
    indicators = cat.select("indicator_no", "subject", indicator=cat.rule_indicator).distinct()
    grouped = grouped.join(indicators, "indicator_no")
    grouped = grouped.mutate(subject_code=ibis.ifelse(grouped.subject == "teacher", grouped.teacher_id,
                                                      grouped.school_code))
    known = known_subjects(roster)
    grouped = grouped.join(known, [grouped.subject == known.r_kind, grouped.subject_code == known.r_code])
    return grouped.select("teacher_id", "school_code", "month", "indicator", grouped.n.cast("int64"))


def counts(operations: ir.Table, roster: ir.Table, cat: ir.Table, depending: ir.Table, outcome: ir.Table
           ) -> ir.Table:
    """Qualified, not withdrawn operations under their teacher and under their school, as operation_counts
    without its zero rows. Every report's first guess is counted in one pass over the operations
    (``operations``: :func:`judged`; ``cat``: :func:`catalog`), and the dependent reports whose outcome
    (``outcome``) differs from it correct the count by one each way, before both go under each teacher and
    school."""
    def counting(qualified: ir.BooleanValue, t: ir.Table) -> ir.BooleanValue:
        return qualified & t.withdrawn_us.isnull()

    judged_ = outcome.select(o_id=outcome.id, o_qualified=outcome.qualified)
    t = depending.join(judged_, depending.id == judged_.o_id)
    was, now = counting(t.eligible & t.met_clean, t), counting(t.o_qualified, t)
    changed = t.filter(was != now)
    corrections = changed.select("teacher_id", "school_code", "month", "indicator",
                                 n=ibis.ifelse(now, 1, -1).cast("int64"))
    total = _under_each(_first_guesses(operations, roster, cat).union(corrections, distinct=False))
    total = total.filter(total["count"] > 0)
    return total.select("subject_kind", "code", "month", "indicator", total["count"].cast("int64"))


def recount(con: BaseBackend, operations_table: ir.Table, roster: ir.Table, rules: RuleSet,
            fields: list[flat.FlatField] | None = None, *, rounds: list[int] | None = None) -> pa.Table:
    """Counts per (subject_kind, code, month, indicator) of the operations given, as ``operation_counts`` holds
    them without its zero rows, in no particular order. ``operations_table`` has the schema of
    :func:`recount_store.input_schema`; ``roster`` has (kind 'teacher' or 'school', code) of the teachers and
    schools on the roster."""
    fields = flat.flat_fields(rules) if fields is None else fields
    with scratch(con) as space:
        cat = space.put(catalog(rules, rules_of(rules)), "catalog")

        def prepared(rows: ir.Table) -> ir.Table:
            return prepare_keyed(rows, roster, rules, fields, "grouped")

        keys = keyed(operations_table, cat, rules_of(rules), fields)
        depending, outcome = fixed_point(space, prepared, keys, counting_indicators(rules), rounds)
        every = judged(operations_table, cat, rules, fields)  # read by one pass, never kept whole
        found = backends.fetch(con, counts(every, roster, cat, depending, outcome))
        return found.select(COUNTS_SCHEMA.names).cast(COUNTS_SCHEMA)
