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
# An assessment expert (评估专家) fills the on-site items of the county assessment: scoped to the region or a county.
EXPERT = "assessment_expert"
EXPERT_LEVELS = ("county", "region")
ROLES = (*ROLE_LEVELS, EXPERT)
ROLE_NAMES = {"teacher": "教师", "school_admin": "学校管理员", "county_admin": "县区管理员", "city_admin": "市管理员",
              "region_admin": "自治区管理员", EXPERT: "评估专家"}


def scope_level(role: str, scope_code: str, region_code: str) -> str | None:
    """The level of the unit a user's scope names (None: no such role)."""
    if role == EXPERT:
        return "region" if scope_code == region_code else "county"
    return ROLE_LEVELS.get(role)


def covers(user: User, lineage: dict[str, str]) -> bool:
    """Whether the user's scope contains a unit, given the unit's chain of codes up to the region.

    An admin's scope: what they read and what they may change (adjustments, figures). An assessment expert covers
    nothing here: they change nothing, and read through :func:`sees` only."""
    level = ROLE_LEVELS.get(user.role)
    return level is not None and lineage.get(level) == user.scope_code


def sees(user: User, lineage: dict[str, str]) -> bool:
    """Whether the user may read a unit's pages: their scope covers it, or they are an expert of its county or
    of the region."""
    if user.role == EXPERT:
        return any(lineage.get(level) == user.scope_code for level in EXPERT_LEVELS)
    return covers(user, lineage)


def told_missing(user: User, level: str, code: str) -> bool:
    """Whether a unit missing from a settlement is answered "not found" to the user rather than "outside your
    scope": to the region's admins, who may ask after any unit, and to anyone asking after their own unit (a county
    admin, or expert, before the county's first settlement); others learn nothing of units outside their scope."""
    if user.role == "region_admin":
        return True
    own_level = ROLE_LEVELS.get(user.role) if user.role != EXPERT else (level if level in EXPERT_LEVELS else None)
    return own_level == level and user.scope_code == code
