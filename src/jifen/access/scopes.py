"""Roles and scopes: a user sees the unit named by their scope and everything below it."""

from __future__ import annotations

from jifen.store.access import User

ROLE_LEVELS = {
    "teacher": "teacher",
    "school_admin": "school",
    "county_admin": "county",
    "city_admin": "city",
    "region_admin": "region",
}


def covers(user: User, lineage: dict[str, str]) -> bool:
    """Whether the user's scope contains a unit, given the unit's chain of codes up to the region."""
    level = ROLE_LEVELS.get(user.role)
    return level is not None and lineage.get(level) == user.scope_code
