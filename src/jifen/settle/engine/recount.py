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
- overlap: an earlier qualified session of the same teacher overlaps this one (spans ``[start, end)``, at most a
  day long); the candidate pairs are one interval self-join, made once;
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

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from jifen.ingest.antigaming import is_session
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
    ("subject", pa.string()), ("session", pa.bool_()), ("cap", pa.int64()),
])
ROSTER_SCHEMA = pa.schema([("kind", pa.string()), ("code", pa.string())])
COUNTS_SCHEMA = pa.schema([("subject_kind", pa.string()), ("code", pa.string()), ("month", pa.string()),
                           ("indicator", pa.string()), ("count", pa.int64())])
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
    """app + action -> indicator, its subject, whether the action is a session, the indicator's daily cap."""
    rows = []
    for entry in entries:
        indicator = rules.indicator(entry.rule.indicator)
        rows.append({"rule_no": entry.number, "app_code": entry.app_code, "action": entry.rule.action,
                     "rule_indicator": indicator.code, "subject": indicator.subject,
                     "session": indicator.subject == "teacher" and is_session(entry.rule),
                     "cap": indicator.daily_cap.count if indicator.daily_cap else None})
    return pa.Table.from_pylist(rows, schema=CATALOG_SCHEMA)


def _per_rule(t: ir.Table, entries: list[Rule], value: Callable[[ActionRule], ir.BooleanValue]
              ) -> ir.BooleanValue:
    """A boolean that each action computes its own way: ``value(rule)`` for the operations of that action."""
    return ibis.cases(*((t.rule_no == e.number, value(e.rule)) for e in entries), else_=ibis.literal(False))


def _storable(rule: ActionRule, inputs: Inputs) -> ir.BooleanValue:
    """What ingestion checked before storing: ``requires`` met and ``qualifies`` with no field problem."""
    checks = [compile_condition(c, inputs) == MET for c in rule.requires]
    if rule.qualifies is not None:
        checks.append(compile_condition(rule.qualifies, inputs) != PROBLEM)
    return ibis.and_(*checks) if checks else ibis.literal(True)


_no_history = (ibis.literal(False), ibis.literal(False))  # nothing claimed, not counted this year


def _reads_history(rule: ActionRule) -> bool:
    return rule.qualifies is not None and any(isinstance(c, HISTORY_KINDS) for c in walk(rule.qualifies))


def counting_indicators(rules: RuleSet) -> list[str]:
    """The indicators one of whose actions' conditions reads "counted this year" (``first_of_year``)."""
    return sorted({rule.indicator for app in rules.apps for rule in app.actions if rule.once_a_year})


def _met(rule: ActionRule, inputs: Inputs) -> ir.BooleanValue:
    return ibis.literal(True) if rule.qualifies is None else compile_condition(rule.qualifies, inputs) == MET


def prepare(operations_table: ir.Table, roster: ir.Table, cat: ir.Table, rules: RuleSet,
            fields: list[flat.FlatField]) -> ir.Table:
    """Every fact of each operation that does not depend on other operations' outcomes: one row per operation
    of the catalog (``cat``, from :func:`catalog`), with ``eligible`` (storable, subject on the roster) and
    ``met_*`` (its ``qualifies`` met, for each of the four answers about earlier reports)."""
    entries = rules_of(rules)
    t = operations_table.join(cat, ["app_code", "action"])
    known = roster.select(r_kind=roster.kind, r_code=roster.code).distinct()
    subject_code = ibis.ifelse(t.subject == "teacher", t.teacher_id, t.school_code)
    t = t.mutate(subject_code=subject_code)
    t = t.left_join(known, [t.subject == known.r_kind, t.subject_code == known.r_code])
    # Only the actions whose conditions read the history answer differently with it: the other three answers
    # are worked out for those alone, and are the clean answer for the rest.
    t = t.mutate(met_clean=_per_rule(t, entries, lambda r: _met(r, Inputs(t, fields, *_no_history))))
    dry = Inputs(t, fields, *_no_history)
    reading = [e for e in entries if _reads_history(e.rule)]
    columns = {}
    for name, (duplicate, counted) in _HISTORY.items():
        history = Inputs(t, fields, ibis.literal(duplicate), ibis.literal(counted))
        branches = [(t.rule_no == e.number, _met(e.rule, history)) for e in reading]
        columns[f"met_{name}"] = ibis.cases(*branches, else_=t.met_clean) if branches and name != "clean" \
            else t.met_clean
    content = _content_key(t, entries, fields)
    return t.select(
        "id", "month", "day", "teacher_id", "school_code", "subject_code", "cap", "start_us", "end_us",
        "received_us", "withdrawn_us", indicator=t.rule_indicator, year=t.month.substr(0, 4), content_key=content,
        is_session=t.session & t.duration_s.notnull() & t.teacher_id.notnull(),
        eligible=t.subject_code.notnull() & t.r_code.notnull() & _per_rule(t, entries, lambda r: _storable(r, dry)),
        **columns,
    )


def _content_key(t: ir.Table, entries: list[Rule], fields: list[flat.FlatField]) -> ir.StringValue:
    """The content key an action claims when it qualifies (null for actions without unique content)."""
    branches = [(t.rule_no == e.number, t[flat.column_for(fields, e.rule.content_fields[0], "content")])
                for e in entries if e.rule.content_fields]
    if not branches:
        return ibis.null("string")
    return ibis.cases(*branches, else_=ibis.null("string"))


def _visible(earlier_withdrawn_us: ir.IntegerValue, received_us: ir.IntegerValue) -> ir.BooleanValue:
    """Whether a report still counted when a later one was received: not withdrawn, or withdrawn since. A
    withdrawal at the very instant a report was received is taken to come after it (one lock orders them)."""
    return earlier_withdrawn_us.isnull() | (earlier_withdrawn_us >= received_us)


def overlap_pairs(static: ir.Table) -> ir.Table:
    """(id, earlier): two sessions of one teacher whose spans overlap, ``earlier`` received first and not
    withdrawn when ``id`` was received."""
    s = static.filter(static.is_session & static.eligible)
    a = s.select("id", "received_us", teacher=s.teacher_id, start=s.start_us, end=s.end_us)
    b = s.select(earlier=s.id, teacher_b=s.teacher_id, start_b=s.start_us, end_b=s.end_us, gone=s.withdrawn_us)
    joined = a.join(b, [a.teacher == b.teacher_b, b.earlier < a.id, b.start_b < a.end, a.start < b.end_b,
                        _visible(b.gone, a.received_us)])
    return joined.select("id", "earlier")


def hidden_pairs(static: ir.Table) -> ir.Table:
    """(id, earlier, kind): ``earlier`` shares ``id``'s day cap (kind 'cap') or year (kind 'year') and was
    withdrawn before ``id`` was received, so it no longer filled them for ``id``. Withdrawals are few; the
    running sums over all earlier reports are corrected by these pairs."""
    gone = static.filter(static.withdrawn_us.notnull() & static.eligible)
    g = gone.select(earlier=gone.id, gone=gone.withdrawn_us, g_subject=gone.subject_code,
                    g_teacher=gone.teacher_id, g_indicator=gone.indicator, g_day=gone.day, g_year=gone.year)
    parts = []
    for kind, keys in (("cap", [static.subject_code == g.g_subject, static.day == g.g_day]),
                       ("year", [static.teacher_id == g.g_teacher, static.year == g.g_year])):
        joined = static.join(g, [*keys, static.indicator == g.g_indicator, g.earlier < static.id,
                                 ~_visible(g.gone, static.received_us)])
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


def counts(static: ir.Table, outcome: ir.Table) -> ir.Table:
    """Qualified, not withdrawn operations under their teacher and under their school, as operation_counts.
    ``outcome`` holds the dependent reports; every other report is qualified as its first guess says."""
    judged = outcome.select(o_id=outcome.id, o_qualified=outcome.qualified)
    t = static.left_join(judged, static.id == judged.o_id)
    qualified = ibis.ifelse(t.o_id.isnull(), t.eligible & t.met_clean, t.o_qualified)
    t = t.filter(qualified & t.withdrawn_us.isnull())
    parts = []
    for kind, column in (("teacher", "teacher_id"), ("school", "school_code")):
        part = t.filter(t[column].notnull()).group_by(code=t[column], month=t.month, indicator=t.indicator)
        parts.append(part.aggregate(count=t.id.count()).mutate(subject_kind=ibis.literal(kind)))
    union = parts[0].union(parts[1])
    return union.select("subject_kind", "code", "month", "indicator", union["count"].cast("int64"))


def dependent(static: ir.Table, pairs: ir.Table, counting: list[str]) -> ir.Table:
    """The reports whose outcome may hinge on earlier reports' outcomes: the rest are settled by ``first_guess``.

    A report depends on others only through a group it shares with them, and only when that group can change
    an answer: content claimed by two or more reports; a day holding more eligible reports of a capped
    indicator than the cap (fewer can never fill it); a teacher's year of an indicator holding two or more
    reports, one of whose conditions reads "counted this year" (of the indicators ``counting``, from
    :func:`counting_indicators`); or an earlier session overlapping it. Every report of such a group is
    dependent and ``grouped``, so the windows of ``judge`` run over the grouped reports alone and still see every report that could fill them; the earlier reports of a pair that are not
    dependent are settled, and come into each round with their first guess (:func:`anchors`)."""
    keyed = static.filter(static.content_key.notnull())
    content = keyed.group_by(d_content=keyed.content_key).aggregate(d_n=keyed.count()).filter(lambda g: g.d_n > 1)
    capped = static.filter(static.eligible & static.cap.notnull())
    days = capped.group_by(d_subject=capped.subject_code, d_indicator=capped.indicator, d_day=capped.day).aggregate(
        d_n=capped.count(), d_cap=capped.cap.max()).filter(lambda g: g.d_n > g.d_cap)
    overlapped = pairs.select(p_id=pairs.id).distinct()
    t = static.left_join(content, static.content_key == content.d_content)
    t = t.left_join(days, [t.subject_code == days.d_subject, t.indicator == days.d_indicator, t.day == days.d_day])
    markers = ["d_content", "d_subject"]
    if counting:  # the years of those indicators alone: a list, so the engines filter the scan
        reads = (static.met_counted != static.met_clean) | (static.met_both != static.met_duplicate)
        taught = static.filter(static.teacher_id.notnull() & static.indicator.isin(counting)).mutate(d_reads=reads)
        years = taught.group_by(y_teacher=taught.teacher_id, y_indicator=taught.indicator, y_year=taught.year
                                ).aggregate(y_n=taught.count(), y_reads=taught.d_reads.any()
                                            ).filter(lambda g: (g.y_n > 1) & g.y_reads)
        t = t.left_join(years, [t.teacher_id == years.y_teacher, t.indicator == years.y_indicator,
                                t.year == years.y_year])
        markers.append("y_teacher")
    t = t.left_join(overlapped, t.id == overlapped.p_id)
    grouped = ibis.or_(*(t[marker].notnull() for marker in markers))
    return t.filter(grouped | t.p_id.notnull()).select(*static.columns, grouped=grouped)


def anchors(static: ir.Table, depending: ir.Table, pairs: ir.Table, hidden: ir.Table) -> ir.Table:
    """The settled reports that a dependent one reads through a pair (an overlap, a withdrawal): their first
    guess, the same in every round."""
    earlier = pairs.select("earlier").union(hidden.select("earlier")).distinct()
    settled = earlier.anti_join(depending, earlier.earlier == depending.id)
    t = static.join(settled, static.id == settled.earlier)
    return first_guess(t)


def fixed_point(space: Scratch, static: ir.Table, counting: list[str], rounds: list[int] | None = None
                ) -> ir.Table:
    """The outcome of every report: ``judge`` repeated over the dependent reports until nothing changes (see
    the module docstring), every other report settled by its first guess. ``counting``: see :func:`dependent`.
    ``rounds``, when given, receives the number of rounds (for tests and benchmarks)."""
    pairs = space.keep(overlap_pairs(static))
    hidden = space.keep(hidden_pairs(static))
    depending = space.keep(dependent(static, pairs, counting))
    settled = space.keep(anchors(static, depending, pairs, hidden))
    guess = space.keep(first_guess(depending).union(settled))
    limit = scalar(space.con, depending.count()) + 2  # the longest chain is at most every dependent report
    for done in range(1, limit + 1):
        following = space.keep(judge(depending, pairs, hidden, guess))
        if scalar(space.con, following.filter(following.changed).count()) == 0:
            if rounds is not None:
                rounds.append(done)
            return following
        space.release(guess)
        guess = space.keep(following.select("id", "qualified").union(settled))
    raise AssertionError("the recount did not reach its fixed point")  # unreachable: see the module docstring


def recount(con: BaseBackend, operations_table: ir.Table, roster: ir.Table, rules: RuleSet,
            fields: list[flat.FlatField] | None = None, *, rounds: list[int] | None = None) -> pa.Table:
    """Counts per (subject_kind, code, month, indicator) of the operations given, as ``operation_counts`` holds
    them without its zero rows. ``operations_table`` has the schema of :func:`recount_store.input_schema`;
    ``roster`` has (kind 'teacher' or 'school', code) of the teachers and schools on the roster."""
    fields = flat.flat_fields(rules) if fields is None else fields
    with scratch(con) as space:
        cat = space.put(catalog(rules, rules_of(rules)), "catalog")
        static = space.keep(prepare(operations_table, roster, cat, rules, fields))
        outcome = fixed_point(space, static, counting_indicators(rules), rounds)
        found = backends.fetch(con, counts(static, outcome).order_by("subject_kind", "code", "month", "indicator"))
        return found.select(COUNTS_SCHEMA.names).cast(COUNTS_SCHEMA)
