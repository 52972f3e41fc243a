"""Signed requests: HMAC-SHA256 over method, path, timestamp, nonce and body hash. Pure: no I/O.

The canonical text is five lines joined by ``\\n``: the method in capitals, the path (plus ``?`` and the raw
query string when there is one), the Unix timestamp in seconds, the nonce, and the lowercase hex SHA-256 of
the body. The signature is the lowercase hex HMAC-SHA256 of that text under the app's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass

from jifen.errors import Unauthorized

KEY_HEADER = "X-Jifen-Key"
TIMESTAMP_HEADER = "X-Jifen-Timestamp"
NONCE_HEADER = "X-Jifen-Nonce"
SIGNATURE_HEADER = "X-Jifen-Signature"
HEADERS = (KEY_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
MAX_SKEW_S = 300
MAX_NONCE_CHARS = 128


@dataclass(frozen=True)
class SignedRequest:
    """What a signed request carries; built from its headers by :func:`from_headers`."""

    key: str
    timestamp: int
    nonce: str
    signature: str
    method: str
    target: str  # path, plus "?" and the raw query string when there is one
    body: bytes


def is_signed(headers: Mapping[str, str]) -> bool:
    """Whether the request means to be signed: it carries any of the four signing headers (``headers``: keys
    in lower case, or a mapping that ignores case, as a request's headers do)."""
    return any(name.lower() in headers for name in HEADERS)


def target(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def canonical(method: str, target: str, timestamp: int | str, nonce: str, body: bytes) -> str:
    return "\n".join([method.upper(), target, str(timestamp), nonce, hashlib.sha256(body).hexdigest()])


def sign(secret: str, text: str) -> str:
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def from_headers(headers: dict[str, str], method: str, target: str, body: bytes) -> SignedRequest:
    """Read the signing headers (keys in lower case); refuse a missing one, a bad timestamp or nonce."""
    missing = [name for name in HEADERS if not headers.get(name.lower(), "").strip()]
    if missing:
        raise Unauthorized(f"signed request: missing header {', '.join(missing)}")
    stamp = headers[TIMESTAMP_HEADER.lower()].strip()
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise Unauthorized(f"signed request: {TIMESTAMP_HEADER} must be Unix seconds, not {stamp[:20]!r}")
    nonce = headers[NONCE_HEADER.lower()].strip()
    if len(nonce) > MAX_NONCE_CHARS:
        raise Unauthorized(f"signed request: {NONCE_HEADER} is {len(nonce)} characters; at most {MAX_NONCE_CHARS}")
    return SignedRequest(key=headers[KEY_HEADER.lower()].strip(), timestamp=int(stamp), nonce=nonce,
                         signature=headers[SIGNATURE_HEADER.lower()].strip().lower(), method=method,
                         target=target, body=body)


def check_timestamp(request: SignedRequest, now_s: float) -> None:
    """Within ±MAX_SKEW_S of the server's clock, both counted in whole seconds (as the header is), so that the
    window is as wide behind as ahead."""
    skew = request.timestamp - math.floor(now_s)
    if abs(skew) > MAX_SKEW_S:
        where = "ahead of" if skew > 0 else "behind"
        raise Unauthorized(f"signed request: {TIMESTAMP_HEADER} {request.timestamp} is {abs(skew)} s {where} "
                           f"the server's clock, outside ±{MAX_SKEW_S} s")


def check_signature(request: SignedRequest, secret: str) -> bool:
    expected = sign(secret, canonical(request.method, request.target, request.timestamp, request.nonce, request.body))
    return hmac.compare_digest(expected, request.signature)
