"""The request envelopes an app may send its reports in, read into one shape.

- ours: ``{"operations": [...], "batch_id": "..."}``, ``batch_id`` optional;
- the provincial platforms' 数据上报 envelope: ``{"count": N, "dataContent": [...], "seqNO": "..."}``, where
  ``count`` must equal the number of items and ``seqNO`` (optional) is the batch id.

Other top-level fields are allowed and ignored, as before. A body holding both ``operations`` and
``dataContent`` is refused rather than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from jifen.errors import InvalidInput
from jifen.ingest.inbound import storable

MAX_BATCH_ID_LENGTH = 128


@dataclass(frozen=True)
class Submission:
    items: list[Any]
    batch_id: str | None = None
    items_field: str = "operations"  # where the items came: "operations", or "dataContent" for 数据上报


def read(data: Any) -> Submission:
    """The items and batch id of a decoded request body; InvalidInput naming the field at fault."""
    if not isinstance(data, dict):
        _invalid("", "body must be a JSON object with an 'operations' list (or 'count', 'dataContent', 'seqNO')")
    if "operations" in data and "dataContent" in data:
        _invalid("", "body holds both 'operations' and 'dataContent'; send one envelope")
    if "operations" not in data and ("dataContent" in data or "seqNO" in data or "count" in data):
        return _provincial(data)
    items = data.get("operations")
    if "operations" not in data:
        _invalid("operations", "operations is missing: send {\"operations\": [...]}")
    if not isinstance(items, list):
        _invalid("operations", "operations must be a list of items")
    return Submission(items, _batch_id(data, "batch_id"))


def _provincial(data: dict[str, Any]) -> Submission:
    items = data.get("dataContent")
    if "dataContent" not in data:
        _invalid("dataContent", "dataContent is missing: the 数据上报 envelope carries its items there")
    if not isinstance(items, list):
        _invalid("dataContent", "dataContent must be a list of items")
    count = data.get("count")
    if isinstance(count, str) and count.strip().isdigit():
        count = int(count.strip())
    if "count" not in data or count is None:
        _invalid("count", "count is missing: the 数据上报 envelope states how many items dataContent holds")
    if isinstance(count, bool) or not isinstance(count, int):
        _invalid("count", "count must be a whole number")
    if count != len(items):
        _invalid("count", f"count is {count} but dataContent holds {len(items)} items")
    return Submission(items, _batch_id(data, "seqNO"), "dataContent")


def _batch_id(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_BATCH_ID_LENGTH:
        _invalid(name, f"{name} must be a string of 1-{MAX_BATCH_ID_LENGTH} characters")
    if "\x00" in value:
        _invalid(name, f"{name} must not contain NUL characters")
    if not storable(value):
        _invalid(name, f"{name} must not contain lone surrogates")
    return value.strip()


def _invalid(path: str, message: str) -> NoReturn:
    raise InvalidInput(f"{path}: {message}" if path else message, details=[{"path": path, "message": message}])
