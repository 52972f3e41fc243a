"""API tokens: random, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

APP_PREFIX = "jfa_"
USER_PREFIX = "jfu_"
UNKNOWN_APP_TOKEN = "unknown or revoked app token"  # the 401 message for a token the store does not hold


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
