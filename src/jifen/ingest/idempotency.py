"""Idempotency: what makes two reports "the same content", and two requests "the same batch".

A report's fingerprint (``payload_sha256``) is the SHA-256 of a canonical JSON of the report *after* its
envelope fields are normalised the way ``inbound.parse_item`` reads them, so that resends which mean the same
thing match:

- ``id``, ``action``, ``teacher_id``, ``school_id``: stripped, and integer ids as strings;
- ``occurred_at``: the instant in UTC (``...+08:00`` and the same instant as ``...Z`` match);
- ``duration_s``: a whole number of seconds as an integer (``900`` and ``900.0`` match);
- ``attributes``: as sent (absent and ``null`` are ``{}``); nested values are the app's own and compared as sent.

Canonical JSON: keys sorted at every level, no whitespace, ``ensure_ascii=False``, UTF-8. Key order in the
request therefore never matters. A batch's fingerprint (``batch_sha256``) is the SHA-256 of its items' fingerprints
in order (of an item that is not a well-formed report, the SHA-256 of its canonical JSON as sent): a replay is the
same items as the per-item check sees them. Batches answered before kept the fingerprint of the canonical JSON of
the items as sent (``request_sha256``), which a replay of them still matches.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from jifen.domain.operations import Report
from jifen.errors import InvalidInput


# What json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False) does, with
# the encoder made once instead of on every call (it keeps no state between calls).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_STRING = json.encoder.encode_basestring  # how that encoder writes a string
_EPOCH, _NAIVE_EPOCH = datetime(1970, 1, 1, tzinfo=UTC), datetime(1970, 1, 1)


def canonical_json(value: Any) -> bytes:
    return _canonical_text(value).encode("utf-8", "surrogatepass")  # JSON may carry lone surrogates (\ud800)


def _canonical_text(value: Any) -> str:
    try:
        return _CANONICAL.encode(value)
    except RecursionError as exc:  # the parser admits a little deeper than the encoder goes
        message = "JSON is nested too deeply"
        raise InvalidInput(f"body is not valid JSON: {message}", details=[{"path": "", "message": message}]) from exc


def payload_sha256(report: Report) -> str:
    """The fingerprint of a well-formed report, stored with it; a resend under its id must match.

    The canonical JSON of {"id", "action", "occurred_at" (in UTC, isoformat), "teacher_id", "school_id",
    "duration_s", "attributes"}, written a field at a time in the order of its sorted keys: the same text as
    canonical_json of that dict, without sorting and walking the envelope on every report."""
    duration = report.duration_s
    if isinstance(duration, float) and duration.is_integer():
        duration = int(duration)
    text = "".join((
        '{"action":', _scalar(report.action),
        ',"attributes":', "{}" if type(report.attributes) is dict and not report.attributes else (
            _canonical_text(report.attributes)),
        ',"duration_s":', _scalar(duration),
        ',"id":', _scalar(report.id),
        ',"occurred_at":', _STRING(_utc_text(report.occurred_at)),
        ',"school_id":', _scalar(report.school_id),
        ',"teacher_id":', _scalar(report.teacher_id),
        "}",
    ))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _utc_text(moment: datetime) -> str:
    """``moment.astimezone(UTC).isoformat()``, for an aware moment in cheaper calls (no time zone conversion)."""
    if moment.tzinfo is None:
        return moment.astimezone(UTC).isoformat()
    return (_NAIVE_EPOCH + (moment - _EPOCH)).isoformat() + "+00:00"


def _scalar(value: Any) -> str:
    """A value as the canonical encoder writes it: strings, None and integers directly, anything else by it."""
    if type(value) is str:
        return _STRING(value)
    if value is None:
        return "null"
    if type(value) is int:
        return int.__repr__(value)
    return _canonical_text(value)


def request_sha256(items: list[Any]) -> str:
    """The fingerprint batches answered before were stored with: the canonical JSON of the items as sent."""
    return hashlib.sha256(canonical_json(items)).hexdigest()


def batch_sha256(fingerprints: list[str | None], items: list[Any]) -> str:
    """The fingerprint of a batch's items, stored with its batch id; a replay of the id must match. ``fingerprints``:
    each item's payload_sha256, None for an item that is not a well-formed report."""
    digest = hashlib.sha256()
    for fingerprint, item in zip(fingerprints, items, strict=True):
        digest.update((fingerprint or "raw:" + hashlib.sha256(canonical_json(item)).hexdigest()).encode("ascii"))
        digest.update(b"\n")
    return digest.hexdigest()


def same_content(stored_sha256: str | None, resent_sha256: str | None) -> bool:
    """Whether a resend matches the first report. Reports stored before fingerprints (None) match any resend."""
    return stored_sha256 is None or stored_sha256 == resent_sha256
