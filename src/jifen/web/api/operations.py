"""POST, GET and DELETE /api/v1/operations[/{id}]: apps report operations, read their status, withdraw them."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from jifen.errors import InvalidInput, NotFound, PayloadTooLarge
from jifen.ingest import batches, envelope, inbound
from jifen.ingest.service import Ingest
from jifen.ingest.withdrawal import withdraw
from jifen.store import operations as repo
from jifen.web.body import read_body
from jifen.web.deps import AppCode, RuntimeDep
from jifen.web.ratelimit import limit_app

router = APIRouter(prefix="/api/v1", dependencies=[Depends(limit_app)])  # authenticated, then rate-limited


def _envelope(body: bytes) -> envelope.Submission:
    try:
        data = inbound.loads(body)
    except RecursionError as exc:
        message = "JSON is nested too deeply"
        raise InvalidInput(f"body is not valid JSON: {message}", details=[{"path": "", "message": message}]) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"body is not valid JSON: {exc}", details=[{"path": "", "message": str(exc)}]) from exc
    return envelope.read(data)  # ours, {"operations", "batch_id"}, or the provincial {"count", "dataContent", "seqNO"}


@router.post("/operations")
async def submit(request: Request, app_code: AppCode, runtime: RuntimeDep) -> dict[str, Any]:
    settings = runtime.settings
    submission = _envelope(await read_body(request, settings.max_body_bytes))
    if len(submission.items) > settings.max_batch_items:
        raise PayloadTooLarge(
            f"{submission.items_field} holds {len(submission.items)} items; "
            f"at most {settings.max_batch_items} per request"
        )
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz,
                    future_tolerance_s=settings.future_tolerance_s, retention_months=settings.retention_months)
    results = await run_in_threadpool(
        partial(ingest.submit, batch_id=submission.batch_id), app_code, submission.items, datetime.now(UTC))
    return batches.answer(results, submission.batch_id)


@router.get("/operations/{external_id:path}")
def status(external_id: str, app_code: AppCode, runtime: RuntimeDep) -> dict[str, Any]:
    external_id = external_id.strip()  # as ingestion stores it (jifen.ingest.inbound.item_id)
    with runtime.database.read() as connection:
        stored = repo.get(connection, app_code, external_id)
        rejected = None if stored else repo.last_rejection(connection, app_code, external_id)
    if stored is not None:
        return _stored_json(stored, runtime)
    if rejected is not None:
        return {"id": external_id, "status": "rejected", "indicator": rejected["indicator"], "reason": rejected["reason"],
                "action": rejected["action"], "received_at": rejected["received_at"].isoformat(), "withdrawn_at": None}
    raise NotFound(f"no operation with id {external_id!r} from app {app_code}")


@router.delete("/operations/{external_id:path}")
def withdrawal(external_id: str, app_code: AppCode, runtime: RuntimeDep) -> dict[str, Any]:
    stored = withdraw(runtime.database, app_code, external_id.strip(), datetime.now(UTC))
    return _stored_json(stored, runtime)


def _stored_json(stored: repo.Stored, runtime: RuntimeDep) -> dict[str, Any]:
    return {"id": stored.external_id, "status": stored.status, "indicator": stored.indicator,
            "reason": stored.reason, "action": stored.action, "month": _month(stored.occurred_at, runtime),
            "occurred_at": stored.occurred_at.isoformat(), "received_at": stored.received_at.isoformat(),
            "withdrawn_at": stored.withdrawn_at.isoformat() if stored.withdrawn_at else None}


def _month(instant: datetime, runtime: RuntimeDep) -> str:
    local = instant.astimezone(runtime.tz)
    return f"{local.year:04d}-{local.month:02d}"
