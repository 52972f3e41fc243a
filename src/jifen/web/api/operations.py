"""POST, GET and DELETE /api/v1/operations[/{id}]: apps report operations, read their status, withdraw them."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import msgspec
from fastapi import APIRouter, Request, Response

from jifen.errors import InvalidInput, NotFound, PayloadTooLarge, Unauthorized
from jifen.ingest import batches, envelope, inbound
from jifen.ingest.service import Submission
from jifen.ingest.withdrawal import withdraw
from jifen.ingest.writer import GroupWriter
from jifen.store import operations as repo
from jifen.web import api_docs
from jifen.web.body import read_body
from jifen.web.deps import RuntimeDep
from jifen.web.ratelimit import LimitedApp, StoringAppDep

router = APIRouter(prefix="/api/v1")  # every route takes the app authenticated, then rate-limited


def _envelope(body: bytes) -> envelope.Submission:
    try:
        data = inbound.loads(body)
    except RecursionError as exc:
        message = "JSON is nested too deeply"
        raise InvalidInput(f"body is not valid JSON: {message}", details=[{"path": "", "message": message}]) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"body is not valid JSON: {exc}", details=[{"path": "", "message": str(exc)}]) from exc
    return envelope.read(data)  # ours, {"operations", "batch_id"}, or the provincial {"count", "dataContent", "seqNO"}


@router.post("/operations", response_model=None, responses=api_docs.SUBMIT_RESPONSES,
             openapi_extra={**api_docs.SUBMIT_EXTRA, "security": api_docs.APP_SECURITY},
             summary="Report operations (one or a batch)")
async def submit(request: Request, app: StoringAppDep, runtime: RuntimeDep) -> Response:
    settings = runtime.settings
    submission = _envelope(await read_body(request, settings.max_body_bytes))
    if len(submission.items) > settings.max_batch_items:
        raise PayloadTooLarge(
            f"{submission.items_field} holds {len(submission.items)} items; "
            f"at most {settings.max_batch_items} per request"
        )
    writer: GroupWriter = request.app.state.ingest_writer  # stored with whatever else is waiting (group commit)
    future = writer.submit(Submission(app.code, submission.items, submission.batch_id, app.token_sha256))
    try:
        results = await asyncio.wrap_future(future)
    except Unauthorized:  # the token was removed since it was last seen (jifen.access.service.KnownAppTokens)
        if app.token_sha256 is not None:
            request.app.state.known_app_tokens.forget(app.token_sha256)
        raise
    return Response(_json(batches.answer(results, submission.batch_id)), media_type="application/json")


def _json(body: dict[str, Any]) -> bytes:
    try:
        return msgspec.json.encode(body)
    except UnicodeEncodeError:  # a lone surrogate, as JSON may carry (\ud800): escaped, as sent
        return json.dumps(body).encode()


@router.get("/operations/{external_id:path}", responses=api_docs.STORED_RESPONSES,
            openapi_extra={"security": api_docs.APP_SECURITY}, summary="Read a report's status")
def status(external_id: str, app_code: LimitedApp, runtime: RuntimeDep) -> dict[str, Any]:
    external_id = external_id.strip()  # as ingestion stores it (jifen.ingest.inbound.item_id)
    if not inbound.could_be_an_id(external_id):
        raise NotFound(f"no operation with id {external_id!r} from app {app_code}")
    with runtime.database.read() as connection:
        stored = repo.get(connection, app_code, external_id)
        rejected = None if stored else repo.last_rejection(connection, app_code, external_id)
    if stored is not None:
        return _stored_json(stored, runtime)
    if rejected is not None:
        return {"id": external_id, "status": "rejected", "indicator": rejected["indicator"], "reason": rejected["reason"],
                "action": rejected["action"], "received_at": rejected["received_at"].isoformat(), "withdrawn_at": None}
    raise NotFound(f"no operation with id {external_id!r} from app {app_code}")


@router.delete("/operations/{external_id:path}", responses=api_docs.WITHDRAWN_RESPONSES,
               openapi_extra={"security": api_docs.APP_SECURITY}, summary="Withdraw a report")
def withdrawal(external_id: str, app_code: LimitedApp, runtime: RuntimeDep) -> dict[str, Any]:
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
