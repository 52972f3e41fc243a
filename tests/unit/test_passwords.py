"""Password hashing and the lock-out policy: no database, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from jifen.access import passwords
from jifen.access.lockout import Policy
from jifen.config import Settings
from jifen.errors import InvalidInput
from jifen.web import sessions


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "hasher", lambda: fast)


def test_a_password_is_stored_as_an_argon2id_hash() -> None:
    hashed = passwords.hash_password("correct-horse-9")
    assert hashed.startswith("$argon2id$") and "correct-horse-9" not in hashed
    assert passwords.verify(hashed, "correct-horse-9")
    assert not passwords.verify(hashed, "correct-horse-8")
    assert hashed != passwords.hash_password("correct-horse-9")  # salted


def test_no_hash_or_a_broken_one_never_matches() -> None:
    assert not passwords.verify(None, "jifen-decoy-password")
    assert not passwords.verify("not-a-hash", "anything")


@pytest.mark.parametrize("weak", ["short", " padded-password ", "x" * 1025])
def test_weak_passwords_are_refused(weak: str) -> None:
    with pytest.raises(InvalidInput, match="password"):
        passwords.hash_password(weak)


def test_the_lock_out_policy() -> None:
    policy = Policy(max_failures=5, window=timedelta(minutes=15), lock=timedelta(minutes=15))
    assert [policy.locks_after(n) for n in range(1, 7)] == [False] * 4 + [True] * 2
    assert [policy.remaining(n) for n in (1, 4, 5, 9)] == [4, 1, 0, 0]
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert policy.window_start(now) == now - timedelta(minutes=15)
    configured = Policy.from_settings(Settings(login_max_failures=3, login_window_minutes=5, login_lock_minutes=60))
    assert (configured.max_failures, configured.window, configured.lock_minutes) == (3, timedelta(minutes=5), 60)


def test_signed_values_refuse_any_change() -> None:
    secret = b"s" * 40
    signed = sessions.sign(secret, "abc")
    assert sessions.unsign(secret, signed) == "abc"
    assert sessions.unsign(b"t" * 40, signed) is None
    assert sessions.unsign(secret, "abd" + signed[3:]) is None
    assert sessions.unsign(secret, None) is None and sessions.unsign(secret, "nodot") is None


def test_the_session_secret_is_never_a_default(tmp_path) -> None:  # type: ignore[no-untyped-def]
    made = sessions.session_secret(Settings(data_dir=tmp_path))
    assert len(made) >= 32 and (tmp_path / "session.key").stat().st_mode & 0o777 == 0o600
    assert sessions.session_secret(Settings(data_dir=tmp_path)) == made  # read back, not made again
    assert sessions.session_secret(Settings(data_dir=tmp_path, session_secret="k" * 40)) == b"k" * 40
    with pytest.raises(InvalidInput, match="JIFEN_SESSION_SECRET"):
        sessions.session_secret(Settings(data_dir=tmp_path, session_secret="short"))
