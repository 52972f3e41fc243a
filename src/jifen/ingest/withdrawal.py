"""Withdrawal: an app takes back one of its own reports (a resource deleted, a review revoked).

The operation stays on record with the time it was withdrawn, and from then on counts nowhere: not in
settlements, nor in the qualification history later reports are judged against (a withdrawn session no longer
overlaps, a withdrawn report no longer fills a daily cap or the once-a-year assessment). Reports already judged
are not judged again. A settled month keeps its stored settlement; the next re-settlement is a new version
without the withdrawn report.

What stays claimed: the app's id (a resend of it answers ``duplicate``) and the report's content hashes (the same
resource uploaded again is still a duplicate), so withdrawing and re-sending cannot earn a report twice.
Withdrawing twice answers the same: the first time stands. A report an approved appeal credited loses the credit
with it (an entry of the opposite points, naming the appeal).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from jifen.domain.appeals import State
from jifen.domain.operations import Status
from jifen.errors import NotFound
from jifen.ingest.inbound import could_be_an_id
from jifen.ingest.service import INGEST_LOCK
from jifen.store import adjustments as adjustments_repo
from jifen.store import appeals as appeals_repo
from jifen.store import operation_counts
from jifen.store import operations as repo
from jifen.store.database import Database


def withdraw(database: Database, app_code: str, external_id: str, now: datetime) -> repo.Stored:
    """The app's operation, withdrawn at ``now`` or earlier; NotFound when the app stored none with that id."""
    stored = None
    if could_be_an_id(external_id):  # else never stored
        with database.transaction() as connection, database.lock(connection, INGEST_LOCK):
            before = repo.get(connection, app_code, external_id)
            stored = repo.withdraw(connection, app_code, external_id, now)
            if before is not None and before.withdrawn_at is None and before.status == Status.QUALIFIED:
                operation_counts.apply(connection, operation_counts.deltas([before.counted], sign=-1))
            if before is not None and before.withdrawn_at is None:
                _cancel_credit(connection, before, now)
    if stored is None:
        raise NotFound(f"no operation with id {external_id!r} from app {app_code}")
    return stored


def _cancel_credit(connection: Connection, operation: repo.Stored, now: datetime) -> None:
    """A report its app withdraws counts nowhere: an approved appeal's credit for it is taken back by an entry of
    the opposite points (entries are never edited), in the withdrawal's transaction."""
    appeal = appeals_repo.held_operations(connection, [operation.id]).get(operation.id)
    if appeal is None or appeal.state != State.APPROVED or not appeal.adjustment_id or not appeal.points:
        return
    adjustments_repo.add(connection, {
        "month": appeal.month, "level": "teacher", "code": appeal.teacher_id, "indicator": appeal.indicator,
        "points": -appeal.points, "author": f"app:{operation.app_code}", "created_at": now,
        "reason": f"申诉 #{appeal.id} 的补计取消：{operation.app_code} 撤回了上报 {operation.external_id}",
    })
