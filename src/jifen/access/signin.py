"""Signing in to the web pages with a name and password, under the lock-out policy."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from jifen.access import passwords
from jifen.access.lockout import Policy
from jifen.errors import Unauthorized
from jifen.store import web_accounts as repo
from jifen.store.database import Database


class SignInRefused(Unauthorized):
    """A wrong name or password, or a locked name; the message is said to the person signing in."""

    code = "sign_in_refused"


def sign_in(database: Database, policy: Policy, name: str, password: str, now: datetime) -> repo.Account:
    """The account of a name and its password; failures are recorded and, past the policy's count, lock the name."""
    name = name.strip()
    with database.read() as connection:
        until = repo.locked_until(connection, name)
        found = repo.account(connection, name)
    if until is not None and until > now:
        raise SignInRefused(_locked_message(until - now))
    if found is not None and found.password_hash is not None and passwords.verify(found.password_hash, password):
        with database.transaction() as connection:
            repo.clear_failures(connection, name)
            repo.unlock(connection, name)
        return found
    if found is None or found.password_hash is None:
        passwords.verify(None, password)  # as long as a real check
    with database.transaction() as connection:  # committed before the refusal is raised
        repo.add_failure(connection, name, now)
        failures = repo.failures_since(connection, name, policy.window_start(now))
        locks = policy.locks_after(failures)
        if locks:
            repo.lock(connection, name, now + policy.lock)
            repo.clear_failures(connection, name)
            repo.prune(connection, now, policy.window_start(now))
    if locks:
        raise SignInRefused(_locked_message(policy.lock))
    left = policy.remaining(failures)
    raise SignInRefused(f"用户名或密码错误。再失败 {left} 次，账号将锁定 {policy.lock_minutes} 分钟。")


def _locked_message(left: timedelta) -> str:
    minutes = max(1, math.ceil(left.total_seconds() / 60))
    return f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试，或请管理员重设密码。"
