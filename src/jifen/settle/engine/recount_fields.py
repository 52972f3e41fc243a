"""Operations moved out of the store as Arrow, with the attributes the conditions read as typed columns.

The ``attributes`` JSON is read differently by every engine (DuckDB, SQLite, PostgreSQL, Spark), so engines never
read it: while the operations are moved out of the store, each attribute a condition of the rule set reads becomes
one plain column typed for its use, holding null where the condition would find the value missing or of the wrong
type (that is what makes a report ``rejected``). The kinds:

- ``number`` (at_least, between): float64; booleans are not numbers, as at ingestion;
- ``string`` (one_of, equals a string) and ``boolean`` (equals true/false);
- ``present``: the value as text (JSON for a non-string), null when absent or a blank string;
- ``room`` (an action's ``room``): the room as sessions are compared (``jifen.rules.conditions.room_key``);
- ``content`` (unique_content): the content key ingestion stores (the string stripped and lower-cased), null when
  it is not a non-empty string of at most 128 characters. Made here, in Python, so every engine compares the
  same strings (SQL ``trim`` and Python ``strip`` disagree on the ideographic space).

Sessions also get their span in epoch microseconds, computed as ``jifen.ingest.antigaming.Span`` does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pyarrow as pa
from sqlalchemy import Connection, ColumnElement, select

from jifen.ingest.antigaming import LONGEST_SESSION
from jifen.rules.conditions import (
    MAX_CONTENT_KEY, AtLeast, Between, Equals, OneOf, Present, UniqueContent, room_key, walk,
)
from jifen.rules.schema import RuleSet
from jifen.store.tables import operations

Kind = Literal["number", "string", "boolean", "present", "content", "room"]
PREFIX = "attributes."
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TYPES: dict[str, pa.DataType] = {"number": pa.float64(), "string": pa.string(), "boolean": pa.bool_(),
                                  "present": pa.string(), "content": pa.string(), "room": pa.string()}

# The operation's own fields, as every engine reads them. Timestamps are UTC; ``day`` and ``month`` local.
BASE_SCHEMA = pa.schema([
    ("id", pa.int64()), ("app_code", pa.string()), ("external_id", pa.string()), ("action", pa.string()),
    ("indicator", pa.string()), ("teacher_id", pa.string()), ("school_code", pa.string()),
    ("occurred_at", pa.timestamp("us", tz="UTC")), ("month", pa.string()), ("day", pa.string()),
    ("duration_s", pa.float64()), ("start_us", pa.int64()), ("end_us", pa.int64()),
    ("status", pa.string()), ("received_at", pa.timestamp("us", tz="UTC")),
    ("withdrawn_at", pa.timestamp("us", tz="UTC")),
])
_STORED = ["id", "app_code", "external_id", "action", "indicator", "teacher_id", "school_code", "occurred_at",
           "month", "day", "duration_s", "status", "received_at", "withdrawn_at"]


@dataclass(frozen=True)
class FlatField:
    """One attribute as one typed column: ``name`` in ``attributes``, read as ``kind``, stored as ``column``."""

    name: str
    kind: Kind
    column: str

    @property
    def path(self) -> str:
        return PREFIX + self.name

    def value(self, attributes: dict[str, Any]) -> Any:
        """The typed value, or None where a condition would find it missing or of the wrong type."""
        return _READERS[self.kind](attributes.get(self.name))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _present(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):  # blank: not given, as at ingestion
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _content(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_CONTENT_KEY:
        return None
    return value.strip().lower()


_READERS = {"number": _number, "string": _string, "boolean": _boolean, "present": _present, "content": _content,
            "room": room_key}


def _uses(condition: Any) -> Iterator[tuple[str, Kind]]:
    """(attribute path, kind) of each leaf of a condition tree that reads an attribute."""
    for leaf in walk(condition):
        path = getattr(leaf, "field", None)
        if not isinstance(path, str) or not path.startswith(PREFIX):
            continue
        if isinstance(leaf, (AtLeast, Between)):
            yield path, "number"
        elif isinstance(leaf, OneOf):
            yield path, "string"
        elif isinstance(leaf, Equals):
            yield path, "boolean" if isinstance(leaf.value, bool) else "string"
        elif isinstance(leaf, Present):
            yield path, "present"
        elif isinstance(leaf, UniqueContent):
            yield path, "content"


def flat_fields(rules: RuleSet) -> list[FlatField]:
    """Every attribute the rule set's conditions read, once per kind of use, in a stable order.

    The column is ``attr_NAME``; an attribute read with two kinds gets ``attr_NAME__KIND`` for each."""
    uses: dict[str, list[Kind]] = {}
    for app in rules.apps:
        for rule in app.actions:
            roots = [*rule.requires, *([rule.qualifies] if rule.qualifies is not None else [])]
            room = [(rule.room, "room")] if rule.room is not None and rule.room.startswith(PREFIX) else []
            for path, kind in [*(use for root in roots for use in _uses(root)), *room]:
                kinds = uses.setdefault(path[len(PREFIX):], [])
                if kind not in kinds:
                    kinds.append(kind)
    fields: list[FlatField] = []
    for name in sorted(uses):
        safe = re.sub(r"\W", "_", name, flags=re.ASCII)
        for kind in sorted(uses[name]):
            column = f"attr_{safe}" if len(uses[name]) == 1 else f"attr_{safe}__{kind}"
            fields.append(FlatField(name, kind, column))
    if len({f.column for f in fields}) != len(fields):
        raise ValueError(f"rule set {rules.name}: attribute names collide once made column names")
    return fields


def column_for(fields: Iterable[FlatField], path: str, kind: Kind) -> str:
    """The column holding ``path`` read as ``kind`` (``duration_s`` is the operation's own column)."""
    if path == "duration_s":
        return "duration_s"
    return next(f.column for f in fields if f.path == path and f.kind == kind)


def schema(fields: list[FlatField], *, with_attributes: bool = False) -> pa.Schema:
    """The Arrow schema of flattened operations; ``with_attributes`` keeps the whole JSON too (exports)."""
    extra = [pa.field(f.column, _TYPES[f.kind]) for f in fields]
    if with_attributes:
        extra.append(pa.field("attributes", pa.string()))
    return pa.schema([*BASE_SCHEMA, *extra])


def _span_us(occurred_at: datetime, duration_s: float | None) -> tuple[int | None, int | None]:
    """The session span as ingestion takes it (at most a day long), in microseconds since the epoch."""
    start = (occurred_at - _EPOCH) // timedelta(microseconds=1)
    if duration_s is None:
        return start, None
    length = timedelta(seconds=min(duration_s, LONGEST_SESSION.total_seconds()))
    return start, (occurred_at + length - _EPOCH) // timedelta(microseconds=1)


def _as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_TIMESTAMPS = ("occurred_at", "received_at", "withdrawn_at")


def to_batch(rows: Iterable[Mapping[str, Any]], fields: list[FlatField], target: pa.Schema) -> pa.RecordBatch:
    """Stored operations (rows of ``operations``, by column name) as one flattened Arrow batch."""
    columns: dict[str, list[Any]] = {name: [] for name in target.names}
    for values in rows:
        for name in _STORED:
            columns[name].append(_as_utc(values[name]) if name in _TIMESTAMPS else values[name])
        start, end = _span_us(columns["occurred_at"][-1], values["duration_s"])
        columns["start_us"].append(start)
        columns["end_us"].append(end)
        attributes = values["attributes"] or {}
        for field in fields:
            columns[field.column].append(field.value(attributes))
        if "attributes" in columns:
            columns["attributes"].append(json.dumps(attributes, ensure_ascii=False, sort_keys=True))
    return pa.RecordBatch.from_pydict(columns, schema=target)


def batches(connection: Connection, fields: list[FlatField], *, where: ColumnElement[bool] | None = None,
            chunk: int = 50_000, with_attributes: bool = False) -> Iterator[pa.RecordBatch]:
    """The stored operations (those matching ``where``) in received order, ``chunk`` rows per batch, streamed:
    at most one chunk is held in memory."""
    target = schema(fields, with_attributes=with_attributes)
    query = select(*(operations.c[name] for name in _STORED), operations.c.attributes).order_by(operations.c.id)
    if where is not None:
        query = query.where(where)
    result = connection.execution_options(stream_results=True, yield_per=chunk).execute(query)
    for part in result.partitions(chunk):
        yield to_batch((row._mapping for row in part), fields, target)
