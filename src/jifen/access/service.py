"""Registering apps and users, and recognising their tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from jifen.access.scopes import ROLES, scope_level
from jifen.access.tokens import APP_PREFIX, UNKNOWN_APP_TOKEN, USER_PREFIX, new_token, token_hash
from jifen.errors import InvalidInput, NotFound, Unauthorized
from jifen.rules.schema import RuleSet
from jifen.store import access as repo
from jifen.store.database import Database
from jifen.store.tables import cities, counties, schools, teachers

SCOPE_TABLES = {"teacher": teachers.c.id, "school": schools.c.code, "county": counties.c.code, "city": cities.c.code}


def register_app(database: Database, rules: RuleSet | Sequence[RuleSet], code: str, now: datetime) -> str:
    """Register an app of the catalog (again: a further token) and return a new API token.

    ``rules``: the rule set, or the rule sets in force from now on; the app must be in one of their catalogs.
    """
    name = catalog_name(rules, code)
    token = new_token(APP_PREFIX)
    with database.transaction() as connection:
        if not repo.app_exists(connection, code):
            repo.add_app(connection, code, name, now)
        repo.add_app_token(connection, code, token_hash(token), now)
    return token


def revoke_app_token(database: Database, token: str) -> str:
    """Remove an app's API token at once (requests bearing it are refused from then on); returns its app."""
    with database.transaction() as connection:
        code = repo.remove_app_token(connection, token_hash(token.strip()))
    if code is None:
        raise NotFound(f"no app token {token.strip()[:8]}... is registered (removed already, or never issued)")
    return code


def catalog_name(rules: RuleSet | Sequence[RuleSet], code: str) -> str:
    """The app's name in the catalog of the rule set(s); refuses an app that none of them lists."""
    catalogs = [rules] if isinstance(rules, RuleSet) else list(rules)
    app = next((found for r in catalogs if (found := r.app(code)) is not None), None)
    if app is None:
        known = ", ".join(sorted({a.code for r in catalogs for a in r.apps}))
        names = ", ".join(r.name for r in catalogs)
        raise InvalidInput(f"app {code!r} is not in the catalog of rule set {names}; known apps: {known}")
    return app.name


def add_user(database: Database, name: str, role: str, scope: str, region_code: str, now: datetime) -> str:
    if not name.strip():
        raise InvalidInput("user name must not be empty")
    level = scope_level(role, scope, region_code)
    if level is None:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    with database.transaction() as connection:
        if repo.user_exists(connection, name):
            raise InvalidInput(f"user {name!r} already exists")
        if level == "region":
            if scope != region_code:
                raise InvalidInput(f"scope {scope!r} is not the region; the region's code is {region_code}")
        else:
            column = SCOPE_TABLES[level]
            if connection.scalar(column.table.select().with_only_columns(column).where(column == scope)) is None:
                raise InvalidInput(f"scope {scope!r}: no {level} with that code on the roster")
        token = new_token(USER_PREFIX)
        repo.add_user(connection, repo.User(name, role, scope), token_hash(token), now)
    return token


def app_for(database: Database, token: str | None) -> str:
    if not token:
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer TOKEN'")
    code = repo.app_for_token(database, token_hash(token))
    if code is None and token.startswith(USER_PREFIX):
        raise Unauthorized("a user token is not an app's: the app endpoints take an app token (jifen apps add APP_CODE) "
                        "or a signed request (jifen apps credentials APP_CODE)")
    if code is None:
        raise Unauthorized(UNKNOWN_APP_TOKEN)
    return code


class KnownAppTokens:
    """The app tokens this process has found in the store, for the way reports come in.

    Looking a token up for every request costs PostgreSQL a round trip while the request waits, one request at a
    time. A request to store reports instead takes its token's app from here once the token has been seen, and
    carries the token's hash to the writer, which checks every token of a group in the transaction that stores
    the group, before storing anything (jifen.ingest.service.Ingest): a token removed a moment ago is refused
    there, as it would be here. Only tokens found are remembered; the first request with a new token reads the
    store, so a token issued a moment ago works at once.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity  # tokens remembered at most: apps have a few each
        self._apps: dict[str, str] = {}

    def app_for(self, database: Database, token: str | None) -> tuple[str, str]:
        """The app of a token and the token's hash; refused as app_for refuses."""
        sha = token_hash(token) if token else ""
        code = self._apps.get(sha)
        if code is None:
            code = app_for(database, token)
            if len(self._apps) >= self.capacity:
                self._apps.clear()
            self._apps[sha] = code
        return code, sha

    def forget(self, token_sha256: str) -> None:
        """A token the store no longer holds."""
        self._apps.pop(token_sha256, None)


def user_for(database: Database, token: str | None) -> repo.User:
    if not token:
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer TOKEN'")
    with database.read() as connection:
        user = repo.user_for_token(connection, token_hash(token))
    if user is None:
        raise Unauthorized("unknown user token")
    return user
