"""Operations moved out of the store column by column: the values each driver returns, made the same Arrow."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pyarrow as pa

from jifen.ingest.antigaming import Span
from jifen.rules.loader import load_shipped
from jifen.settle.engine import recount_fields as flat
from jifen.settle.engine.export import UNKNOWN_COUNTY, Counties

RULES = load_shipped("ningxia-2022").rules
FIELDS = flat.flat_fields(RULES)
WHEN = datetime(2026, 9, 3, 8, 0, 0, 123456, tzinfo=UTC)


def _row(ident: int, occurred_at: object, attributes: object = "{}", duration: float | None = None,
         **values: object) -> tuple[object, ...]:
    stored = {"id": ident, "app_code": "digital-school", "external_id": f"e{ident}", "action": "tutoring.session",
              "indicator": "tutoring", "teacher_id": "T1", "school_code": None, "occurred_at": occurred_at,
              "month": "2026-09", "day": "2026-09-03", "duration_s": duration, "status": "qualified",
              "received_at": occurred_at, "withdrawn_at": None, "attributes": attributes, **values}
    return tuple(stored[name] for name in flat._SELECTED)


def _batch(*rows: tuple[object, ...]) -> dict[str, list[object]]:
    return flat._batch(list(rows), FIELDS, flat.schema(FIELDS, with_attributes=True)).to_pydict()


def test_timestamps_read_alike_from_sqlite_text_and_from_datetimes() -> None:
    sqlite_text = WHEN.replace(tzinfo=None).isoformat(" ", "microseconds")  # as SQLAlchemy stores it on SQLite
    from_text = _batch(_row(1, sqlite_text))
    from_aware = _batch(_row(1, WHEN.astimezone(timezone(timedelta(hours=8)))))  # PostgreSQL's, in any zone
    from_naive = _batch(_row(1, WHEN.replace(tzinfo=None)))
    assert from_text["occurred_at"] == from_aware["occurred_at"] == from_naive["occurred_at"] == [WHEN]
    assert from_text["start_us"] == [(WHEN - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)]


def test_text_arrow_cannot_parse_is_read_as_the_store_reads_it() -> None:
    odd = [_row(1, "2026-09-03 08:00:00.123456"), _row(2, "2026-09-03T16:00:00.123456+08:00")]
    assert _batch(*odd)["occurred_at"] == [WHEN, WHEN]


def test_session_ends_are_ingestions_spans_to_the_microsecond() -> None:
    durations = [1500.0, 1200.0000005, 1200.0000015, 0.1234567, 90000.0, None]
    found = _batch(*(_row(i, WHEN, duration=d) for i, d in enumerate(durations, start=1)))
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    for duration, start, end in zip(durations, found["start_us"], found["end_us"], strict=True):
        if duration is None:
            assert end is None
            continue
        span = Span.of(WHEN, duration)  # at ingestion: capped at a day, rounded as timedelta rounds
        assert (start, end) == ((span.start - epoch) // timedelta(microseconds=1),
                                (span.end - epoch) // timedelta(microseconds=1))
    assert found["end_us"][4] - found["start_us"][4] == 86_400_000_000  # 25 hours count as a day


def test_attributes_from_json_text_or_objects_become_the_same_columns() -> None:
    given = {"content_sha256": " ABC ", "shared": True, "review": "approved", "score": 80, "big": 2**70}

    texts = _batch(_row(1, WHEN, json.dumps(given)))
    objects = _batch(_row(1, WHEN, given))
    assert texts == objects  # 2**70 is past msgspec: the standard reader takes it
    assert texts["attr_content_sha256"] == ["abc"] and texts["attr_shared"] == [True]
    assert texts["attr_score"] == [80.0] and json.loads(texts["attributes"][0]) == given
    empty = _batch(_row(1, WHEN, "{}"), _row(2, WHEN, None))
    assert empty["attributes"] == ["{}", "{}"] and empty["attr_score"] == [None, None]


def test_each_report_goes_to_its_subjects_county() -> None:
    counties = Counties({"T1": "640104"}, {"S2": "640202"}, {"tutoring": "teacher", "three_classrooms": "school"})
    rows = [("T1", "S2", "tutoring"), ("T1", "S2", "three_classrooms"), ("X9", "S2", "tutoring"),
            ("T1", None, "unheard_of"), (None, "S2", "unheard_of"), (None, None, "unheard_of"),
            (None, "S9", "three_classrooms")]
    batch = pa.RecordBatch.from_pydict({name: [r[i] for r in rows] for i, name in
                                        enumerate(["teacher_id", "school_code", "indicator"])})
    assert counties.column(batch).to_pylist() == ["640104", "640202", UNKNOWN_COUNTY, "640104", "640202",
                                                  UNKNOWN_COUNTY, UNKNOWN_COUNTY]
