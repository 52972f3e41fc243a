"""Shared checks of the teacher-facing routers: query parameters named at fault, and scope refusals."""

from __future__ import annotations

from datetime import date

from jifen.access.scopes import covers, sees, told_missing
from jifen.domain.periods import Month, parse_day
from jifen.errors import Forbidden, InvalidInput, NotFound
from jifen.store.access import User
from jifen.store.tables import MAX_STORED_VERSION

# The largest id or count a request may name: beyond it the stores' 64-bit integers cannot hold it, and SQLite's
# driver would raise instead of answering "not found". A settlement's version is a 32-bit column.
MAX_NUMBER = 2**62
MAX_VERSION = MAX_STORED_VERSION


def month_query(month: str, name: str = "month", where: str = "query") -> Month:
    """A month given in the query (``where``: or the path) as ``name`` (``month``, ``to``); refused naming that
    parameter."""
    try:
        return Month.parse(month)
    except InvalidInput as exc:  # e.g. 2026-13: the pattern admits it, the calendar does not
        detail = {"path": f"{where}.{name}", "message": exc.message}
        raise InvalidInput(f"{where}.{name}: {exc.message}", details=[detail]) from exc


def month_path(month: str) -> Month:
    """A month given in the path, as /settlements/{month}."""
    return month_query(month, where="path")


def day_query(text: str, name: str = "on") -> date:
    """A date given in the query as ``name``; refused naming that parameter."""
    return parse_day(text, f"query.{name}")


def require_covered(user: User, chain: dict[str, str] | None, level: str, code: str, missing: str, *,
                    reading: bool = False) -> None:
    """Refuse a unit outside the user's scope; one that does not exist is 404 only to the region's admins. With
    ``reading``, what the user may read (an assessment expert reads the pages of their county: sees) is enough,
    as it is for the pages."""
    if chain is not None and (sees(user, chain) if reading else covers(user, chain)):
        return
    if chain is None and told_missing(user, level, code):
        raise NotFound(missing)
    raise Forbidden(f"{level} {code!r} is outside the scope of user {user.name}")
