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
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

import msgspec
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, ColumnElement, Text, cast, select

from jifen.ingest.antigaming import LONGEST_SESSION
from jifen.rules.conditions import (
    MAX_CONTENT_KEY, AtLeast, Between, Equals, OneOf, Present, UniqueContent, room_key, walk,
)
from jifen.rules.schema import RuleSet
from jifen.store.streamed import driver_rows
from jifen.store.tables import operations

Kind = Literal["number", "string", "boolean", "present", "content", "room"]
PREFIX = "attributes."
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


_MICROSECOND = timedelta(microseconds=1)
_LONGEST_S = LONGEST_SESSION.total_seconds()


@lru_cache(maxsize=4096)  # a month's sessions share a few lengths
def _length_us(duration_s: float) -> int:
    """A session's length as ingestion adds it to its start (at most a day), in microseconds."""
    return timedelta(seconds=min(duration_s, _LONGEST_S)) // _MICROSECOND


_TIMESTAMPS = ("occurred_at", "received_at", "withdrawn_at")
_SELECTED = (*_STORED, "attributes")
_UTC_US = pa.timestamp("us", tz="UTC")


def to_batch(rows: Iterable[Mapping[str, Any]], fields: list[FlatField], target: pa.Schema) -> pa.RecordBatch:
    """Stored operations (rows of ``operations``, by column name) as one flattened Arrow batch."""
    return _batch([tuple(row[name] for name in _SELECTED) for row in rows], fields, target)


def _batch(rows: list[tuple[Any, ...]], fields: list[FlatField], target: pa.Schema) -> pa.RecordBatch:
    """Rows of the ``_SELECTED`` columns (timestamps as datetimes or SQLite's text, attributes as a dict or JSON
    text) as one flattened Arrow batch, built column by column."""
    columns = dict(zip(_SELECTED, zip(*rows, strict=True), strict=True)) if rows else dict.fromkeys(_SELECTED, ())
    arrays: dict[str, pa.Array] = {}
    for name in _STORED:
        values = columns[name]
        arrays[name] = _instants(values) if name in _TIMESTAMPS else pa.array(values, target.field(name).type)
    arrays["start_us"] = pc.cast(arrays["occurred_at"], pa.int64())
    lengths = [None if d is None else _length_us(d) for d in columns["duration_s"]]
    arrays["end_us"] = pc.add(arrays["start_us"], pa.array(lengths, pa.int64()))
    attributes = [_attributes(value) for value in columns["attributes"]]
    for field in fields:
        arrays[field.column] = pa.array([field.value(a) if a else None for a in attributes], _TYPES[field.kind])
    if "attributes" in target.names:
        arrays["attributes"] = pa.array(
            ["{}" if not a else json.dumps(a, ensure_ascii=False, sort_keys=True) for a in attributes], pa.string())
    return pa.RecordBatch.from_pydict({name: arrays[name] for name in target.names}, schema=target)


def _instants(values: tuple[Any, ...]) -> pa.Array:
    """Timestamps as UTC: SQLite's text ('YYYY-MM-DD HH:MM:SS.ffffff', UTC) parsed by Arrow, datetimes (naive
    ones UTC) converted; text Arrow cannot parse is read as the store reads it."""
    if any(isinstance(value, str) for value in values):
        try:
            return pc.cast(pa.array(values, pa.string()), pa.timestamp("us")).cast(_UTC_US)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            values = tuple(datetime.fromisoformat(v) if isinstance(v, str) else v for v in values)
    return pa.array(values, _UTC_US)  # aware datetimes converted to UTC, naive ones taken as UTC


_EMPTY: dict[str, Any] = {}


def _attributes(value: Any) -> dict[str, Any]:
    """A report's attributes from the column (JSON text, or already a dict); ``{}`` for none."""
    if value is None or value == "{}":
        return _EMPTY
    if isinstance(value, dict):
        return value
    try:
        parsed = msgspec.json.decode(value)
    except msgspec.DecodeError:  # what only the standard reader takes (lone surrogates, very large numbers)
        parsed = json.loads(value)
    return parsed if isinstance(parsed, dict) else _EMPTY


def batches(connection: Connection, fields: list[FlatField], *, where: ColumnElement[bool] | None = None,
            chunk: int = 50_000, with_attributes: bool = False) -> Iterator[pa.RecordBatch]:
    """The stored operations (those matching ``where``, which compares with text and numbers only) in received
    order, ``chunk`` rows per batch, streamed from the driver: at most one chunk is held in memory."""
    target = schema(fields, with_attributes=with_attributes)
    query = select(*(operations.c[name] for name in _STORED), cast(operations.c.attributes, Text)
                   ).order_by(operations.c.id)
    if where is not None:
        query = query.where(where)
    for rows in driver_rows(connection, query, chunk):
        yield _batch(rows, fields, target)
