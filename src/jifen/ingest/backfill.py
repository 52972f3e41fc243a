"""Back-fill: a JSONL or CSV file of app reports streamed through the ingestion service, a chunk at a time.

Each chunk is one ``Ingest.submit`` (one transaction), so an interrupted run keeps every chunk it committed;
running the file again is safe because ids already stored come back ``duplicate``.

JSONL: one item per line, exactly the JSON object an app would POST; blank lines are skipped.
CSV (UTF-8, a BOM is allowed): a header row naming the envelope columns ``id, action, teacher_id, school_id,
occurred_at, duration_s``; every other column is an attribute, named either ``NAME`` or ``attributes.NAME``.
An empty cell is a field the report does not carry. ``duration_s`` is read as a number. Attribute cells are
read as ``true``/``false`` (any case) -> boolean, an integer without leading zeros (``12``, ``-3``) -> int,
a decimal (``2.5``) -> float, anything else -> the text as written (so codes such as ``007`` stay text).

A line that cannot be read (bad JSON, not UTF-8, a CSV row with too many cells) becomes a rejected item,
reported with the file and line like every item the service rejects; it never stops the run. Such lines are
not sent to the service, so they are not in the rejections table (nothing in them could be read as an item).
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from jifen.domain.operations import Status
from jifen.errors import InvalidInput
from jifen.ingest import inbound
from jifen.ingest.inbound import ENVELOPE_FIELDS
from jifen.ingest.results import ItemResult
from jifen.ingest.service import Ingest
from jifen.rules.schema import RuleSet
from jifen.store.access import app_exists
from jifen.store.database import Database

CHUNK_ITEMS = 1000
MAX_PROBLEMS = 100  # rejected or conflicting lines kept for the report; the counts cover them all
PROBLEMS = {Status.REJECTED, Status.CONFLICT}  # a conflict: the id was stored before with other content
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
CSV_ENVELOPE = ("id", "action", "teacher_id", "school_id", "occurred_at", "duration_s")
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+([eE][-+]?[0-9]+)?")


@dataclass(frozen=True)
class Line:
    """One item read from the file, or the reason its line could not be read."""

    number: int
    item: Any = None
    unreadable: str | None = None


@dataclass(frozen=True)
class Problem:
    """A rejected or conflicting line: where it is in the file, the item's id when it has one, and why."""

    status: Status
    file: str
    line: int
    id: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.status} {self.file} line {self.line}{f' (id {self.id})' if self.id else ''}: {self.reason}"


@dataclass
class Summary:
    path: Path
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)  # the first MAX_PROBLEMS rejected or conflicting lines

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, line: int, result: ItemResult) -> None:
        self.counts[str(result.status)] += 1
        if result.status in PROBLEMS and len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(result.status, self.path.name, line, result.id, result.reason or ""))


def require_registered(database: Database, app_code: str, catalog: Sequence[RuleSet] = ()) -> None:
    """Refuse an app not registered: saying how to register it, or (not in ``catalog``, the rule sets in use)
    that it cannot be, with the apps that can."""
    with database.read() as connection:
        if app_exists(connection, app_code):
            return
    if catalog and all(rules.app(app_code) is None for rules in catalog):
        known = ", ".join(sorted({a.code for rules in catalog for a in rules.apps}))
        raise InvalidInput(f"app {app_code!r} is not registered, nor in the catalog of the rule sets in use; "
                           f"the apps of the catalog: {known}")
    raise InvalidInput(f"app {app_code!r} is not registered; register it first with `jifen apps add {app_code}`")


def file_format(path: Path) -> str:
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise InvalidInput(f"{path.name}: cannot tell the format from the name; use a file ending in "
                           f"{', '.join(FORMATS)}")
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    return found


def backfill(ingest: Ingest, app_code: str, path: Path, now: Callable[[], datetime], *,
             advance: Callable[[int], None] = lambda _bytes: None, chunk_items: int = CHUNK_ITEMS) -> Summary:
    """Send every item of the file through ``ingest``, ``chunk_items`` per transaction; ``advance`` gets bytes read."""
    kind = file_format(path)
    summary = Summary(path)
    with path.open("rb") as raw:
        counted = _counted(raw, advance)
        lines = read_jsonl(counted) if kind == "jsonl" else read_csv(counted, path.name)
        for chunk in _chunks(lines, chunk_items):
            readable = [line for line in chunk if line.unreadable is None]
            results = iter(ingest.submit(app_code, [line.item for line in readable], now()) if readable else [])
            for line in chunk:
                if line.unreadable is not None:
                    summary.add(line.number, ItemResult(None, Status.REJECTED, None, line.unreadable))
                else:
                    summary.add(line.number, next(results))
    return summary


def read_jsonl(raw: Iterable[bytes]) -> Iterator[Line]:
    for number, data in enumerate(raw, start=1):
        if not data.strip():
            continue
        try:
            text = data.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield Line(number, unreadable=f"not UTF-8 ({exc.reason} at byte {exc.start})")
            continue
        try:
            item = inbound.loads(text)
        except (ValueError, RecursionError) as exc:
            yield Line(number, unreadable=f"not valid JSON ({exc})")
            continue
        if not isinstance(item, dict):
            yield Line(number, unreadable=f"an item must be a JSON object, not {type(item).__name__}")
            continue
        yield Line(number, item)


def read_csv(raw: Iterable[bytes], name: str) -> Iterator[Line]:
    """CSV rows as items. The file is UTF-8 (with or without BOM) or, as Chinese Excel saves it, GB18030: the
    first line that is not plain ASCII decides, and a row that is not in that encoding is rejected alone."""
    text = _Decoded(raw)
    reader = csv.reader(text, strict=True)  # a quote left open is an error, not a cell swallowing the lines after
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        return
    header[0:1] = [header[0].lstrip("\ufeff").strip()] if header else []
    while header and not header[-1]:  # a trailing separator, as spreadsheets save an empty last column
        header.pop()
    header = [title.lower() if title.lower() in CSV_ENVELOPE else title for title in header]  # ID, Action
    columns = _columns(header, name)
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number, start = start, reader.line_num + 1
            spanned = f"; lines {number}-{reader.line_num} were read as one row: a quoted cell was left open" if (
                reader.line_num > number) else ""
            yield Line(number, unreadable=f"not a CSV row ({exc}){spanned}")
            continue
        number, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if any(_undecodable(cell) for cell in cells):
            yield Line(number, unreadable=f"not {text.encoding_name}")
        elif len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns):]):
            yield Line(number, unreadable=f"{len(cells)} cells but the header names {len(columns)} columns")
        else:
            yield Line(number, _csv_item(columns, cells[:len(columns)]))


def _columns(header: list[str], name: str) -> list[tuple[bool, str]]:
    """(is an attribute, field name) per column."""
    missing = [c for c in ("id", "action", "occurred_at") if c not in header]
    if missing:
        raise InvalidInput(f"{name} line 1: the header lacks {', '.join(missing)}; the columns are "
                           f"{', '.join(CSV_ENVELOPE)} and any attributes")
    columns: list[tuple[bool, str]] = []
    for title in header:
        if title in CSV_ENVELOPE:
            columns.append((False, title))
        elif title.startswith("attributes.") and len(title) > len("attributes."):
            columns.append((True, title.removeprefix("attributes.")))
        elif title in ENVELOPE_FIELDS or not title:
            raise InvalidInput(f"{name} line 1: column {title!r} cannot be read; name attribute columns "
                               f"NAME or attributes.NAME")
        else:
            columns.append((True, title))
    names = [n for _, n in columns]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InvalidInput(f"{name} line 1: column {twice[0]!r} appears twice")
    return columns


def _csv_item(columns: list[tuple[bool, str]], cells: list[str]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for (attribute, name), cell in zip(columns, cells, strict=False):
        if not cell.strip():
            continue
        if attribute:
            attributes[name] = cell_value(cell)
        elif name == "duration_s":
            item[name] = _number(cell.strip())
        else:
            item[name] = cell
    item["attributes"] = attributes
    return item


def cell_value(cell: str) -> Any:
    """An attribute cell as the JSON value it stands for: boolean, number, or the text itself."""
    text = cell.strip()
    if text.lower() in {"true", "false"}:
        return text.lower() == "true"
    if _INTEGER.fullmatch(text) or _DECIMAL.fullmatch(text):
        return _number(text)
    return cell


def _number(text: str) -> Any:
    """An int or finite float, or the text unchanged (the service then names the field as malformed)."""
    if _INTEGER.fullmatch(text):
        try:
            return int(text)
        except ValueError:  # more digits than Python converts (4300): no whole number in range has as many
            return text
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _undecodable(cell: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in cell)


class _Decoded:
    """A CSV file's lines as text, in the encoding its first line beyond ASCII shows (UTF-8 unless that line is
    GB18030 and not UTF-8); bytes not in it survive as lone surrogates, so that the row can be rejected alone."""

    NAMES = {"utf-8": "UTF-8", "gb18030": "GB18030"}

    def __init__(self, raw: Iterable[bytes]) -> None:
        self._raw = iter(raw)
        self.encoding: str | None = None  # decided by the first line that is not ASCII

    @property
    def encoding_name(self) -> str:
        return self.NAMES[self.encoding or "utf-8"]

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        data = next(self._raw)
        if self.encoding is None and not data.isascii():
            self.encoding = "utf-8" if _decodes(data, "utf-8") or not _decodes(data, "gb18030") else "gb18030"
        return data.decode(self.encoding or "utf-8", errors="surrogateescape")


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _chunks(lines: Iterable[Line], size: int) -> Iterator[list[Line]]:
    chunk: list[Line] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _counted(raw: BinaryIO, advance: Callable[[int], None]) -> Iterator[bytes]:
    """The file's lines, telling ``advance`` how many bytes each took (for the progress bar)."""
    for data in raw:
        advance(len(data))
        yield data
