"""The 评分报表 table as the page shows it: sorted by any column and filtered by name/code and by band.

Pure: the sheet dataset's rows in, the rows to show out. Sorting and filtering come from the address's query
(``sort``, ``order``, ``q``, ``band``), so they work without a script and a link keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pypinyin import lazy_pinyin

FIXED = ("rank", "name", "code")
ENDINGS = ("adjustment", "total", "change")
BANDS = ("high", "middle", "low")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool


@dataclass(frozen=True)
class Query:
    sort: str = "rank"
    order: str = "asc"
    q: str = ""
    band: str = ""


@dataclass(frozen=True)
class Table:
    columns: list[Column]
    rows: list[dict[str, Any]]
    all_rows: int
    query: Query
    band_names: dict[str, str]


def columns(sheet: dict[str, Any], member_level: str) -> list[Column]:
    name = "姓名" if member_level == "teacher" else "名称"
    return ([Column("rank", "排名", True), Column("name", name, False), Column("code", "代码", False)]
            + [Column(i["code"], i["name"], True) for i in sheet["indicators"]]
            + ([Column("adjustment", "人工调整", True)] if sheet.get("adjusted") else [])
            + [Column("total", "总分", True), Column("change", "较上月", True)])


def band_names(leading: float, lower: float) -> dict[str, str]:
    return {"high": f"{leading:g} 分及以上", "middle": f"{lower:g}–{leading:g} 分", "low": f"{lower:g} 分以下"}


def in_band(total: float, band: str, leading: float, lower: float) -> bool:
    if band == "high":
        return total >= leading
    if band == "middle":
        return lower <= total < leading
    if band == "low":
        return total < lower
    return True


def in_pinyin_order(name: str) -> tuple[list[str], str]:
    """A Chinese name's place in the order people look names up in: by pinyin (贺兰县 before 兴庆区), not by
    code point."""
    return lazy_pinyin(name), name


def value(row: dict[str, Any], key: str) -> Any:
    if key in FIXED or key in ENDINGS:
        return row[key]
    return row["points"].get(key)


def table(sheet: dict[str, Any], member_level: str, query: Query, leading: float, lower: float) -> Table:
    """The rows to show: those matching ``q`` (in name or code) and the band, sorted by the column asked for
    (unknown columns sort by rank); empty values last whichever the order, ties by code."""
    cols = columns(sheet, member_level)
    keys = {c.key for c in cols}
    sort = query.sort if query.sort in keys else "rank"
    order = "desc" if query.order == "desc" else "asc"
    band = query.band if query.band in BANDS else ""
    needle = query.q.strip().lower()
    rows = [r for r in sheet["rows"]
            if (not needle or needle in str(r["name"]).lower() or needle in str(r["code"]).lower())
            and in_band(float(r["total"]), band, leading, lower)]
    present = [r for r in rows if value(r, sort) is not None]
    missing = sorted((r for r in rows if value(r, sort) is None), key=lambda r: r["code"])
    present.sort(key=lambda r: r["code"])
    by = (lambda r: in_pinyin_order(str(r["name"]))) if sort == "name" else (lambda r: value(r, sort))
    present.sort(key=by, reverse=order == "desc")
    return Table(cols, present + missing, len(sheet["rows"]), Query(sort, order, query.q.strip(), band),
                 band_names(leading, lower))


def sort_link(path: str, query: Query, key: str, extra: dict[str, str]) -> str:
    """The address that sorts by ``key``: ascending first (names, codes, ranks) or descending (points), and the
    other way when it is already sorted by it."""
    first = "asc" if key in FIXED else "desc"
    order = ("desc" if query.order == "asc" else "asc") if key == query.sort else first
    params = {**extra, "sort": key, "order": order, "q": query.q, "band": query.band}
    return f"{path}?{urlencode({k: v for k, v in params.items() if v})}"
