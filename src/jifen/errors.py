"""One exception tree. Every error the product raises on purpose is a JifenError with a status and a code."""

from __future__ import annotations

from typing import Any


class JifenError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class InvalidInput(JifenError):
    status = 422
    code = "invalid"


class RosterError(InvalidInput):
    """A roster file that cannot be imported; the message names file, row and column."""

    code = "invalid_roster"


class RuleSetError(JifenError):
    """A rule file that does not match the rule-set schema."""

    status = 500
    code = "invalid_ruleset"


class NotFound(JifenError):
    status = 404
    code = "not_found"


class NotSettled(NotFound):
    code = "not_settled"


class Unauthorized(JifenError):
    status = 401
    code = "unauthorized"


class Forbidden(JifenError):
    status = 403
    code = "forbidden"


class Conflict(JifenError):
    """A change the current state refuses: a version already published, or not the latest one."""

    status = 409
    code = "conflict"


class BatchConflict(JifenError):
    """A batch id already answered, sent again with other items."""

    status = 409
    code = "batch_conflict"


class PayloadTooLarge(JifenError):
    status = 413
    code = "payload_too_large"


class UnsupportedEncoding(JifenError):
    """A body sent compressed (Content-Encoding) where the API reads it as sent."""

    status = 415
    code = "unsupported_encoding"


class TooManyRequests(JifenError):
    """An app over its rate limit; ``headers`` carries Retry-After in whole seconds."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}
