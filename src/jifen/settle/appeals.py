"""Appeals (申诉): a teacher files one about their own report that did not count; the school's admin reviews it,
then the county's; an approved appeal becomes a manual adjustment, carried by the month's next settlement.

What an approved appeal credits: one more qualifying operation on the report's indicator, for that teacher and
month, worked out as points (the adjustments are points, added after scoring) from the month's latest settlement
when the county approves (``jifen.domain.appeals.credit``): on a relative indicator the points one more operation
adds at that settlement's region average (nothing past the monthly maximum), on a fixed or streak one what the
action adds with its caps and runs replayed (nothing in a week or year whose cap is already full). The entry is a
teacher adjustment on that indicator and month whose reason names the appeal (``申诉 #N``); the appeal keeps its id, the points and the settlement version they came from. Like any adjustment it
moves no average; the month's next settlement (version N+1) carries it. A credit of 0 (the indicator already at
its maximum, or a region average of 0) approves the appeal with no adjustment. The entry is written in the same
transaction as the county's decision, through the adjustments repository (which also marks the month's inputs
changed, so the schedule settles it again): an appeal is never approved without its entry, nor an entry made for
an appeal that another step overtook. ``jifen.settle.adjustments.add_adjustment`` opens a transaction of its own,
so it is not called here; the entry's values are valid by construction (a teacher indicator of the month's rule
set, points in cents, a reason, the county admin as author).

Appealable: a teacher's own report stored as ``not_qualified`` or ``pending`` and not withdrawn by its app (a
report refused as malformed is not stored as an operation, and one withdrawn was taken back by the app that sent
it). The school and county of an appeal are the teacher's when it was filed.

A pending report is credited once: one whose appeal was approved stays uncounted when its teacher comes onto the
roster (``jifen.ingest.service.Ingest.resolve_pending`` marks it ``not_qualified``, naming the appeal), and an
appeal whose report has qualified since cannot be approved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from jifen.access.scopes import covers
from jifen.domain import appeals as domain
from jifen.domain.appeals import REASON_MAX, REASON_MIN, Standing, State, Step
from jifen.domain.operations import Status
from jifen.domain.periods import Month
from jifen.errors import Conflict, Forbidden, InvalidInput, NotFound
from jifen.rules.loader import load_shipped
from jifen.rules.schema import Indicator, RuleSet
from jifen.settle import fixed
from jifen.settle.compute import FIXED
from jifen.store import adjustments as adjustments_repo
from jifen.store import appeals as repo
from jifen.store import operations as operations_repo
from jifen.store import rulesets as rulesets_repo
from jifen.store import settlements as settlements_repo
from jifen.store import teacher_operations
from jifen.store import units
from jifen.store.access import User
from jifen.store.database import Database
from jifen.store.tables import counties, operations

APPEALABLE = frozenset({Status.NOT_QUALIFIED, Status.PENDING})
DECISIONS = ("approve", "reject")
DECIDE_LOCK = 0x4A4946454E + 9  # county decisions one at a time: each reads the credits approved before it


@dataclass(frozen=True)
class OperationRef:
    """The report appealed: its stored id, or the app's code and the app's own id for it."""

    stored_id: int | None = None
    app_code: str | None = None
    external_id: str | None = None


def file_appeal(database: Database, user: User, ref: OperationRef, reason: Any, *, now: datetime,
                region_code: str) -> repo.Appeal:
    """A teacher's appeal about one of their own reports that did not count."""
    if user.role != "teacher":
        raise Forbidden(f"user {user.name} is a {user.role}; appeals are filed by the teacher whose report it is")
    text = _text("reason", reason, REASON_MIN, REASON_MAX)
    with database.transaction() as connection:
        try:
            operation = _operation(connection, ref)
        except NotFound:  # a teacher learns of their own reports only: a missing one is refused as another's
            operation = None
        if operation is None or operation.teacher_id != user.scope_code:
            raise Forbidden(f"{_what(ref)} is not one of the reports of teacher {user.scope_code} (user {user.name}); "
                            f"a teacher appeals only their own reports")
        if operation.status not in APPEALABLE:
            raise Conflict(f"operation {operation.id} is {operation.status}: only a report that did not count "
                           f"(not_qualified or pending) can be appealed",
                           details=[{"path": "operation", "message": f"status {operation.status}"}])
        if operation.withdrawn_at is not None:
            raise Conflict(f"operation {operation.id} was withdrawn by its app {operation.app_code}; it cannot be "
                           "appealed", details=[{"path": "operation", "message": "withdrawn by its app"}])
        held = repo.held_for(connection, operation.id)
        if held is not None:
            raise Conflict(f"operation {operation.id} already has appeal {held.id}, {held.state} "
                           f"({domain.STATE_NAMES[State(held.state)]})",
                           details=[{"path": "operation", "message": f"appeal {held.id} is {held.state}"}])
        chain = units.lineages(connection, "teacher", [user.scope_code], region_code).get(user.scope_code)
        if chain is None:
            raise Conflict(f"teacher {user.scope_code} is not on the roster: there is no school to review the appeal")
        values = {"operation_id": operation.id, "teacher_id": user.scope_code, "school_code": chain["school"],
                  "county_code": chain["county"], "month": operation.month, "indicator": operation.indicator,
                  "reason": text, "state": State.SUBMITTED.value, "filed_by": user.name, "filed_at": now,
                  "updated_at": now}
        return repo.add(connection, values, _step(Step.SUBMIT, State.SUBMITTED, user, None, now))


def withdraw_appeal(database: Database, user: User, appeal_id: int, *, now: datetime, region_code: str) -> repo.Appeal:
    """The teacher takes back their appeal while it is not decided."""
    with database.transaction() as connection:
        appeal = _visible(connection, user, appeal_id, region_code)
        if user.role != "teacher":
            raise Forbidden(f"user {user.name} is a {user.role}; only the teacher who filed appeal {appeal_id} "
                            "withdraws it")
        moved = domain.next_state(appeal.id, appeal.state, Step.WITHDRAW)
        _move(connection, appeal, moved, {}, _step(Step.WITHDRAW, moved, user, None, now), now)
        return _get(connection, appeal_id)


def review_appeal(database: Database, user: User, appeal_id: int, decision: Any, note: Any, *, now: datetime,
                  region_code: str, tz: ZoneInfo) -> repo.Appeal:
    """The school's review (approve: on to the county), then the county's decision (approve: credited). ``tz``:
    the region's, in which the entry names the day of the report."""
    if decision not in DECISIONS:
        raise _invalid("decision", f"{decision!r} is not one of approve, reject")
    approve = decision == "approve"
    text = _text("note", note, 1, domain.NOTE_MAX) if not approve or _given(note) else None
    with database.transaction() as connection, database.lock(connection, DECIDE_LOCK):
        appeal = _visible(connection, user, appeal_id, region_code)
        state = State(appeal.state)
        reviewing = user.role in ("school_admin", "county_admin")
        step = domain.review_step(state, approve, user.role if reviewing else None)
        # a decided appeal, or the school's step once the school has approved (the county's before it has): 409
        # naming the state, for a reviewer of either kind
        moved = domain.next_state(appeal.id, state, step)
        reviewer = domain.REVIEWER[state]
        unit = appeal.school_code if reviewer == "school_admin" else appeal.county_code
        if user.role != reviewer or user.scope_code != unit:
            who = f"the school admin of {unit}" if reviewer == "school_admin" else f"the county admin of {unit}"
            raise Forbidden(f"appeal {appeal.id} is {state.value} ({domain.STATE_NAMES[state]}): {who} reviews it "
                            f"now, not user {user.name} ({user.role})")
        if approve and appeal.operation_withdrawn_at is not None:
            raise Conflict(f"operation {appeal.operation_id} of appeal {appeal.id} was withdrawn by its app "
                           f"{appeal.app_code} since: it counts nowhere, so there is nothing to credit; reject the "
                           "appeal with a note", details=[{"path": "operation", "message": "withdrawn by its app"}])
        if approve and appeal.status not in APPEALABLE:  # a pending report qualified since (its teacher came back)
            raise Conflict(f"operation {appeal.operation_id} of appeal {appeal.id} is {appeal.status} now: it counts, "
                           "so there is nothing to credit; reject the appeal with a note",
                           details=[{"path": "operation", "message": f"status {appeal.status}"}])
        values: dict[str, Any] = {}
        if moved == State.APPROVED:
            values = _credit(connection, appeal, user, now, tz)
        _move(connection, appeal, moved, values, _step(step, moved, user, text, now), now)
        return _get(connection, appeal_id)


def list_appeals(database: Database, user: User | None, states: list[str] | None, *, region_code: str,
                 limit: int = 500, states_named: str = "query.state") -> list[repo.Appeal]:
    """The appeals the user may see, newest first: a teacher's own, a school's, a county's, a city's, all (the
    region's admins, and the operator at the command line: ``user`` None). ``states_named``: where the states
    were given, as a refusal names it (the API's query parameter, the command's option)."""
    if states is not None:
        unknown = [s for s in states if s not in State.__members__.values()]
        if unknown:
            raise _invalid("state", f"{unknown[0]!r} is not one of {', '.join(s.value for s in State)}",
                           path=states_named)
    with database.read() as connection:
        if user is None:
            return repo.listing(connection, states=states, limit=limit)
        if user.role == "teacher":
            return repo.listing(connection, teacher_id=user.scope_code, states=states, limit=limit)
        if user.role == "school_admin":
            return repo.listing(connection, school_code=user.scope_code, states=states, limit=limit)
        if user.role == "county_admin":
            return repo.listing(connection, county_code=user.scope_code, states=states, limit=limit)
        if user.role == "city_admin":
            found: list[repo.Appeal] = []
            for county in connection.scalars(select(counties.c.code).where(counties.c.city_code == user.scope_code)):
                found += repo.listing(connection, county_code=county, states=states, limit=limit)
            return sorted(found, key=lambda a: -a.id)[:limit]
        if user.role == "region_admin" and user.scope_code == region_code:
            return repo.listing(connection, states=states, limit=limit)
    raise Forbidden(f"user {user.name} ({user.role}) has no appeals to see")


def get_appeal(database: Database, user: User, appeal_id: int, *, region_code: str) -> repo.Appeal:
    with database.read() as connection:
        return _visible(connection, user, appeal_id, region_code)


def appeal_steps(database: Database, appeal_ids: list[int]) -> dict[int, list[repo.StepRow]]:
    with database.read() as connection:
        return repo.steps(connection, appeal_ids)


def appealable(database: Database, user: User, months: list[str]) -> list[tuple[repo.Uncounted, repo.Appeal | None]]:
    """A teacher's reports of these months that did not count, each with its open or approved appeal if any."""
    if user.role != "teacher":
        raise Forbidden(f"user {user.name} is a {user.role}; appeals are filed by teachers")
    with database.read() as connection:
        found = repo.uncounted(connection, user.scope_code, months, [s.value for s in APPEALABLE])
        held = repo.held_operations(connection, [r.id for r in found])
    return [(r, held.get(r.id)) for r in found]


def as_json(appeal: repo.Appeal, steps: list[repo.StepRow] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": appeal.id, "state": appeal.state, "state_name": domain.STATE_NAMES[State(appeal.state)],
        "teacher_id": appeal.teacher_id, "school_code": appeal.school_code, "county_code": appeal.county_code,
        "month": appeal.month, "indicator": appeal.indicator, "reason": appeal.reason,
        "filed_by": appeal.filed_by, "filed_at": appeal.filed_at.isoformat(),
        "updated_at": appeal.updated_at.isoformat(),
        "operation": {"id": appeal.operation_id, "app_code": appeal.app_code, "external_id": appeal.external_id,
                      "action": appeal.action,
                      "occurred_at": appeal.occurred_at.isoformat() if appeal.occurred_at else None,
                      "status": appeal.status, "reason": appeal.status_reason,
                      "withdrawn_at": appeal.operation_withdrawn_at.isoformat() if appeal.operation_withdrawn_at
                      else None},
        "credit": None if appeal.state != State.APPROVED else {
            "points": _number(appeal.points or Decimal(0)), "settlement_version": appeal.settlement_version,
            "adjustment_id": appeal.adjustment_id},
    }
    if steps is not None:
        data["steps"] = [{"step": s.step, "step_name": domain.STEP_NAMES[Step(s.step)], "state": s.state,
                          "actor": s.actor, "actor_role": s.actor_role, "note": s.note, "at": s.at.isoformat()}
                         for s in steps]
    return data


def _credit(connection: Connection, appeal: repo.Appeal, user: User, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """The adjustment an approved appeal makes (see the module's docstring), recorded in this transaction."""
    record = settlements_repo.find(connection, appeal.month)
    if record is None:
        raise Conflict(f"month {appeal.month} is not settled yet: the credit of appeal {appeal.id} is worked out "
                       "from the month's settlement; decide it once the month is settled")
    rules = _rules(connection, record)
    indicator = next((i for i in rules.indicators if i.code == appeal.indicator), None)
    row = next((r for r in settlements_repo.indicators(connection, record.id, "teacher", appeal.teacher_id)
                if r.indicator == appeal.indicator), None)
    if indicator is None or row is None:
        raise Conflict(f"teacher {appeal.teacher_id} has no {appeal.indicator} figures in {appeal.month} "
                       f"(version {record.version}); the appeal cannot be credited there, reject it with a note")
    standing = Standing(
        scoring=indicator.scoring, count=Fraction(row.count), average=Fraction(row.average),
        points=Fraction(row.points), maximum=None if indicator.monthly_max is None else Fraction(indicator.monthly_max),
        per_action=None if indicator.points is None else Fraction(indicator.points),
        full_at=Fraction(rules.scoring.full_at), assessment_full=Fraction(indicator.assessment_full_score))
    score = None
    if indicator.scoring in FIXED:
        standing = replace(standing, action_gain=_action_gain(connection, appeal, indicator, tz))
    if indicator.scoring == "assessment":
        standing = replace(standing, year_elsewhere=_year_elsewhere(connection, appeal, indicator))
        stored = operations_repo.get(connection, appeal.app_code, appeal.external_id)
        raw = stored.attributes.get(indicator.assessment_attribute) if stored is not None else None
        score = Fraction(str(raw)) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    earlier = repo.approved_credits(connection, appeal.teacher_id, appeal.month, appeal.indicator)
    points = domain.credit(standing, earlier, score)
    values: dict[str, Any] = {"points": points, "settlement_version": record.version}
    if points > 0:
        occurred = f"{appeal.occurred_at.astimezone(tz):%Y-%m-%d}" if appeal.occurred_at else ""  # the local day
        app = rules.app(appeal.app_code)
        source = f"{app.name}（{appeal.app_code}）" if app is not None else appeal.app_code
        entry = adjustments_repo.add(connection, {
            "month": appeal.month, "level": "teacher", "code": appeal.teacher_id, "indicator": appeal.indicator,
            "points": points, "author": user.name, "created_at": now,
            "reason": f"申诉 #{appeal.id} 通过：{source} 上报 {appeal.external_id}，{appeal.action}（{occurred}）"
                      f"补计一次达标操作，按第{record.version}版结算折算；申诉理由：{appeal.reason}",
        })
        values["adjustment_id"] = entry.id
    return values


def _action_gain(connection: Connection, appeal: repo.Appeal, indicator: Indicator, tz: ZoneInfo) -> Fraction:
    """The points the appealed report adds on a fixed or streak indicator, its caps and runs replayed: from as far
    back as they reach to the end of its year, with the teacher's qualifying actions and the reports of the appeals
    approved before (in any of those months), what the whole span scores with it less what it scores without.
    An action earlier than the one a full year's cap admitted would only take its place: it adds nothing."""
    if appeal.occurred_at is None:
        return Fraction(0)
    month = Month.parse(appeal.month)
    first = fixed.window_start(month, [indicator])
    span = Month(first.year, first.month).through(Month(month.year, 12))
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    months = [str(m) for m in span]
    actions = [op.occurred_at for op in teacher_operations.of_months(connection, appeal.teacher_id, months)
               if op.indicator == indicator.code and op.status == Status.QUALIFIED and op.withdrawn_at is None]
    actions += repo.approved_times(connection, appeal.teacher_id, months, appeal.indicator)
    local = [moment.astimezone(tz).replace(tzinfo=None) for moment in actions if moment >= start]
    appealed = appeal.occurred_at.astimezone(tz).replace(tzinfo=None)

    def total(moments: list[datetime]) -> Fraction:
        return sum((fixed.score(indicator, moments, m).points for m in span), Fraction(0))

    return total([*local, appealed]) - total(local)


def _year_elsewhere(connection: Connection, appeal: repo.Appeal, indicator: Indicator) -> Fraction:
    """The teacher's points on the appeal's (assessment) indicator in the other months of its year, with the
    adjustments made on them: a settled month's points in its latest settlement; a month not settled yet (the
    running one among them), what its counted assessment will score there."""
    month = Month.parse(appeal.month)
    others = [str(m) for m in Month(month.year, 1).through(Month(month.year, 12)) if m != month]
    settled = settlements_repo.latest_per_month(connection, others)
    total = Fraction(0)
    for other, record in settled.items():
        rows = settlements_repo.indicators(connection, record.id, "teacher", appeal.teacher_id)
        total += sum((Fraction(r.points) for r in rows if r.indicator == appeal.indicator), Fraction(0))
    full, maximum = Fraction(indicator.assessment_full_score), Fraction(indicator.monthly_max or 0)
    for op in teacher_operations.of_months(connection, appeal.teacher_id, [m for m in others if m not in settled]):
        if op.indicator == appeal.indicator and op.status == Status.QUALIFIED and op.withdrawn_at is None:
            score = op.attributes.get(indicator.assessment_attribute)
            if isinstance(score, int | float) and not isinstance(score, bool):
                total += maximum * min(max(Fraction(str(score)), Fraction(0)), full) / full
    for other in others:
        total += Fraction(adjustments_repo.unit_total(connection, other, "teacher", appeal.teacher_id,
                                                      appeal.indicator))
    return total


def _rules(connection: Connection, record: settlements_repo.SettlementRecord) -> RuleSet:
    stored = rulesets_repo.by_sha(connection, record.ruleset_sha256)
    return stored.rules if stored is not None else load_shipped(record.ruleset_name).rules


def _move(connection: Connection, appeal: repo.Appeal, moved: State, values: dict[str, Any],
          step: dict[str, Any], now: datetime) -> None:
    if not repo.move(connection, appeal.id, appeal.state, {**values, "state": moved.value, "updated_at": now}):
        current = _get(connection, appeal.id)  # another step was taken meanwhile
        raise domain.AppealStateError(appeal.id, State(current.state), Step(step["step"]))
    repo.add_step(connection, {**step, "appeal_id": appeal.id})


def _visible(connection: Connection, user: User, appeal_id: int, region_code: str) -> repo.Appeal:
    appeal = repo.get(connection, appeal_id)
    if appeal is None:  # told as such to the region's admins; to others, as any appeal outside their scope
        if user.role == "region_admin":
            raise NotFound(f"no appeal {appeal_id}")
        raise Forbidden(f"appeal {appeal_id} is outside the scope of user {user.name}")
    city = connection.scalar(select(counties.c.city_code).where(counties.c.code == appeal.county_code))
    chain = {"teacher": appeal.teacher_id, "school": appeal.school_code, "county": appeal.county_code,
             "city": city or "", "region": region_code}
    if not covers(user, chain):
        raise Forbidden(f"appeal {appeal_id} is outside the scope of user {user.name}")
    return appeal


def _operation(connection: Connection, ref: OperationRef) -> operations_repo.Stored:
    if ref.stored_id is not None:
        row = connection.execute(select(operations).where(operations.c.id == ref.stored_id)).first()
        found = operations_repo.Stored(**{k: row._mapping[k] for k in operations_repo.Stored.__dataclass_fields__}) \
            if row else None
    else:
        found = operations_repo.get(connection, ref.app_code or "", ref.external_id or "")
    if found is None:
        what = _what(ref)
        raise NotFound(f"no {what}", details=[{"path": "operation", "message": f"no {what}"}])
    return found


def _what(ref: OperationRef) -> str:
    if ref.stored_id is not None:
        return f"operation {ref.stored_id}"
    return f"operation {ref.external_id!r} of app {ref.app_code!r}"


def _get(connection: Connection, appeal_id: int) -> repo.Appeal:
    found = repo.get(connection, appeal_id)
    assert found is not None
    return found


def _step(step: Step, state: State, user: User, note: str | None, now: datetime) -> dict[str, Any]:
    return {"step": step.value, "state": state.value, "actor": user.name, "actor_role": user.role, "note": note,
            "at": now}


def _given(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _text(field: str, value: Any, least: int, most: int) -> str:
    if value is None:
        raise _invalid(field, f"is missing; give {least} to {most} characters")
    if not isinstance(value, str):
        raise _invalid(field, f"must be text of {least} to {most} characters, not {type(value).__name__}")
    text = value.strip()
    if len(text) < least or len(text) > most:
        raise _invalid(field, f"is {len(text)} characters; give {least} to {most}")
    return text


def _number(value: Decimal) -> int | float:
    return float(value) if value % 1 else int(value)


def _invalid(field: str, message: str, path: str | None = None) -> InvalidInput:
    return InvalidInput(f"{path or field}: {message}", details=[{"path": path or field, "message": message}])
