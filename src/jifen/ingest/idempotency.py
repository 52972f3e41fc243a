"""Idempotency: what makes two reports "the same content", and two requests "the same batch".

A report's fingerprint (``payload_sha256``) is the SHA-256 of a canonical JSON of the report *after* its
envelope fields are normalised the way ``inbound.parse_item`` reads them, so that resends which mean the same
thing match:

- ``id``, ``action``, ``teacher_id``, ``school_id``: stripped, and integer ids as strings;
- ``occurred_at``: the instant in UTC (``...+08:00`` and the same instant as ``...Z`` match);
- ``duration_s``: a whole number of seconds as an integer (``900`` and ``900.0`` match);
- ``attributes``: as sent (absent and ``null`` are ``{}``); nested values are the app's own and compared as sent.

Canonical JSON: keys sorted at every level, no whitespace, ``ensure_ascii=False``, UTF-8. Key order in the
request therefore never matters. A batch's fingerprint (``request_sha256``) is the same canonical JSON over the
list of items as sent (not normalised): a replay is the same request, byte-for-byte up to key order and spacing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from jifen.domain.operations import Report
from jifen.errors import InvalidInput


def canonical_json(value: Any) -> bytes:
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except RecursionError as exc:  # the parser admits a little deeper than the encoder goes
        message = "JSON is nested too deeply"
        raise InvalidInput(f"body is not valid JSON: {message}", details=[{"path": "", "message": message}]) from exc
    return text.encode("utf-8", "surrogatepass")  # JSON may carry lone surrogates (\ud800); hash them as sent


def payload_sha256(report: Report) -> str:
    """The fingerprint of a well-formed report, stored with it; a resend under its id must match."""
    duration = report.duration_s
    if isinstance(duration, float) and duration.is_integer():
        duration = int(duration)
    normalised = {
        "id": report.id,
        "action": report.action,
        "occurred_at": report.occurred_at.astimezone(UTC).isoformat(),
        "teacher_id": report.teacher_id,
        "school_id": report.school_id,
        "duration_s": duration,
        "attributes": report.attributes,
    }
    return hashlib.sha256(canonical_json(normalised)).hexdigest()


def request_sha256(items: list[Any]) -> str:
    """The fingerprint of a batch's items, stored with its batch id; a replay of the id must match."""
    return hashlib.sha256(canonical_json(items)).hexdigest()


def same_content(stored_sha256: str | None, resent_sha256: str | None) -> bool:
    """Whether a resend matches the first report. Reports stored before fingerprints (None) match any resend."""
    return stored_sha256 is None or stored_sha256 == resent_sha256
