"""Inbound operation items: lax at the edge. Each raw item becomes a Report, or a reason it is rejected."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from jifen.domain.operations import Report

ENVELOPE_FIELDS = {"id", "action", "teacher_id", "school_id", "occurred_at", "duration_s", "attributes"}
_IN_ORDER = tuple(sorted(ENVELOPE_FIELDS))  # the order faults are looked for in
MAX_ID_LENGTH = 128
MAX_CODE_LENGTH = 64
MAX_DURATION_S = 24 * 3600  # no session runs longer than a day
# a day's margin either side, so that every accepted instant converts to any time zone
_EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
_LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


@dataclass(frozen=True)
class Malformed:
    """An item that cannot become a Report; ``id`` is the app's id when it could be read."""

    id: str | None
    reason: str
    action: str | None = None


def item_id(raw: Any) -> str | None:
    """The app's id of an item, when it has a usable one."""
    if not isinstance(raw, dict):
        return None
    value = raw.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str) and value.strip() and len(value.strip()) <= MAX_ID_LENGTH and storable(value):
        return value.strip()
    return None


def could_be_an_id(text: str) -> bool:
    """Whether an app's id could have been stored (see item_id): one that could not is looked up nowhere (a
    PostgreSQL query cannot even carry a NUL character)."""
    return bool(text) and len(text) <= MAX_ID_LENGTH and storable(text)


def storable(text: str) -> bool:
    """Whether a text column can hold it: no NUL (U+0000) and no lone surrogate (JSON can carry ``\\ud800``)."""
    if text.isascii():
        return "\x00" not in text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def parse_item(raw: Any) -> Report | Malformed:
    if not isinstance(raw, dict):
        return Malformed(None, "item must be a JSON object")
    ident = item_id(raw)
    if ident is None:
        if isinstance(raw.get("id"), str) and not storable(raw["id"]):
            fault = "NUL characters" if "\x00" in raw["id"] else "lone surrogates"
            return Malformed(None, f"id must not contain {fault}")
        return Malformed(None, f"id is {'missing' if raw.get('id') is None else 'not a string of 1-128 characters'}")
    action = raw.get("action")
    if not isinstance(action, str) or not action.strip():
        return Malformed(ident, "action is missing" if action is None else "action must be a string")
    action = action.strip()
    if not ENVELOPE_FIELDS.issuperset(raw):
        extra = sorted(set(raw) - ENVELOPE_FIELDS)
        return Malformed(ident, f"field {extra[0]!r} is not part of the envelope; put it in attributes", action)
    holding_nul = _nul_field(raw)
    if holding_nul:
        return Malformed(ident, f"{holding_nul} must not contain NUL characters", action)
    for name in ("action", "teacher_id", "school_id", "occurred_at"):
        value = raw.get(name)
        if isinstance(value, str) and not storable(value):
            return Malformed(ident, f"{name} must not contain lone surrogates", action)
    attributes_fault = _attributes_fault(raw.get("attributes"))
    if attributes_fault:
        return Malformed(ident, attributes_fault, action)
    subject: dict[str, str | None] = {}
    for name in ("teacher_id", "school_id"):
        value = raw.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > MAX_CODE_LENGTH):
            return Malformed(ident, f"{name} must be a non-empty string of at most {MAX_CODE_LENGTH} characters",
                             action)
        subject[name] = value.strip() if isinstance(value, str) else None
    occurred_at = _instant(raw.get("occurred_at"))
    if isinstance(occurred_at, str):
        return Malformed(ident, occurred_at, action)
    duration = raw.get("duration_s")
    if duration is not None:
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not _finite(duration):
            return Malformed(ident, "duration_s must be a number of seconds", action)
        if duration < 0:
            return Malformed(ident, "duration_s must not be negative", action)
        if duration > MAX_DURATION_S:
            return Malformed(ident, f"duration_s must be at most {MAX_DURATION_S} (24 hours)", action)
    attributes = raw.get("attributes", {})
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, dict):
        return Malformed(ident, "attributes must be a JSON object", action)
    return Report(
        id=ident,
        action=action,
        occurred_at=occurred_at,
        teacher_id=subject["teacher_id"],
        school_id=subject["school_id"],
        duration_s=duration,
        attributes=attributes,
    )


def _finite(number: int | float) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an int too large for a float
        return False


def _nul_field(raw: dict[str, Any]) -> str | None:
    """The field holding a NUL character (U+0000) anywhere inside it: PostgreSQL text cannot store one."""
    for name in _IN_ORDER:
        if name not in raw:
            continue
        value = raw[name]
        if name == "attributes" and isinstance(value, dict):
            for key, inner in value.items():
                if _holds_nul(key) or _holds_nul(inner):
                    return f"attributes.{key}" if "\x00" not in key else "attributes"
        elif _holds_nul(value):
            return name
    return None


def _attributes_fault(attributes: Any) -> str | None:
    """What no engine can take in an attribute, named: a lone surrogate (JSON can carry ``\\ud800``; no UTF-8
    text holds it, so neither a look-up of its content nor an export could), or a whole number beyond 64 bits.
    (NUL characters are found before, with the other fields'.)"""
    if not isinstance(attributes, dict):
        return None
    for key, value in attributes.items():
        if not (key.isascii() or storable(key)):
            return "attributes must not contain lone surrogates"
        fault = _value_fault(value)
        if fault:
            return f"attributes.{key} {fault}"
    return None


def _value_fault(value: Any) -> str | None:
    for item in _leaves(value):
        if isinstance(item, str):
            if not (item.isascii() or storable(item)):
                return "must not contain lone surrogates"
        elif isinstance(item, int) and not isinstance(item, bool):
            if not _INT64_MIN <= item <= _INT64_MAX:
                return f"is out of range: whole numbers go up to {_INT64_MAX:,} either way"
    return None


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):  # most are: no walk for them
        return "\x00" in value
    return any(isinstance(item, str) and "\x00" in item for item in _leaves(value))


def _leaves(value: Any) -> Iterator[Any]:
    """Every key and value inside a JSON value that is not an object or array, at any depth (iterative: attributes
    may nest as deep as the JSON parser allows)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            yield item


def _instant(value: Any) -> datetime | str:
    """A timezone-aware datetime, or the reason the value is not one."""
    if value is None:
        return "occurred_at is missing"
    if not isinstance(value, str):
        return "occurred_at must be an ISO 8601 string with offset"
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return f"occurred_at {value!r} is not ISO 8601"
    if parsed.tzinfo is None:
        return f"occurred_at {value!r} has no UTC offset"
    try:
        utc: datetime | None = parsed.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not _EARLIEST <= utc <= _LATEST:
        return f"occurred_at {value!r} is out of range"
    return parsed


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"number {text if len(text) <= 32 else text[:32] + '...'} is out of range")
    return number


def loads(text: str | bytes) -> Any:
    """JSON as apps send it, refusing what no database column can hold: NaN, Infinity, 1e400.

    msgspec reads what it can, several times faster; whatever it refuses goes to the standard reader, which
    names the fault precisely or takes what only it accepts (lone surrogates such as ``\\ud800``)."""
    try:
        return msgspec.json.decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        pass
    return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
