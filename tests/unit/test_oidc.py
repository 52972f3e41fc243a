"""ID token verification and discovery of the OpenID Connect sign-in, without a provider: tokens made here."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from jifen.access.oidc import Metadata, OidcConfig, Pending, verify_id_token
from jifen.access.unified import IdentityRefused, IdentityUnavailable
from jifen.config import Settings
from jifen.errors import InvalidInput

ISSUER = "https://idp.example.edu.cn"
CLIENT = "jifen-web"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
PUBLISHED = KeySet.import_key_set(KeySet([KEY]).as_dict(private=False))


def token(key: Any = KEY, alg: str = "RS256", kid: str = "k1", **changes: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "u-1", "aud": CLIENT, "iat": now, "exp": now + 300, "nonce": "n-1",
              "preferred_username": "teacher1", **changes}
    return jwt.encode({"alg": alg, "kid": kid}, {k: v for k, v in claims.items() if v is not None}, key)


def verify(id_token: str, **changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {"issuer": ISSUER, "client_id": CLIENT, "nonce": "n-1", "algorithms": ("RS256",),
                                 **changes}
    return verify_id_token(id_token, PUBLISHED, **arguments)


def test_a_good_id_token_gives_its_claims() -> None:
    claims = verify(token())
    assert claims["preferred_username"] == "teacher1" and claims["sub"] == "u-1"
    assert verify(token(aud=[CLIENT, "another"], azp=CLIENT))["sub"] == "u-1"


@pytest.mark.parametrize(("made", "phrase"), [
    (lambda: token(nonce="n-2"), "nonce（nonce）不符"),
    (lambda: token(nonce=None), "nonce（nonce）缺少"),
    (lambda: token(aud="another"), "aud（接收方）不符"),
    (lambda: token(aud=["another", CLIENT], azp="another"), "azp（授权方）不符"),
    (lambda: token(iss="https://evil.example"), "iss（签发者）不符"),
    (lambda: token(exp=int(time.time()) - 120, iat=int(time.time()) - 600), "已过期"),
    (lambda: token(sub=None), "sub（用户标识）缺少"),
    (lambda: token(key=RSAKey.generate_key(2048)), "签名无法"),
    (lambda: token(key=OctKey.generate_key(256), alg="HS256"), "算法不被接受"),
    (lambda: "not.a.token", "无法解析"),
])
def test_an_id_token_that_does_not_hold_is_refused(made: Any, phrase: str) -> None:
    with pytest.raises(IdentityRefused) as refused:
        verify(made())
    assert phrase in refused.value.message


def test_a_minute_of_clock_difference_is_tolerated() -> None:
    assert verify(token(exp=int(time.time()) - 30))["sub"] == "u-1"


def test_discovery_must_name_the_configured_issuer_and_an_asymmetric_algorithm() -> None:
    document = {"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/a", "token_endpoint": f"{ISSUER}/t",
                "jwks_uri": f"{ISSUER}/k", "id_token_signing_alg_values_supported": ["HS256", "RS256", "none"]}
    assert Metadata.parse(document, ISSUER).algorithms == ("RS256",)
    assert Metadata.parse({**document, "id_token_signing_alg_values_supported": None}, ISSUER).algorithms == (
        "RS256",)
    with pytest.raises(IdentityUnavailable, match="不符"):
        Metadata.parse({**document, "issuer": "https://evil.example"}, ISSUER)
    with pytest.raises(IdentityUnavailable, match="非对称"):
        Metadata.parse({**document, "id_token_signing_alg_values_supported": ["HS256", "none"]}, ISSUER)
    with pytest.raises(IdentityUnavailable, match="jwks_uri"):
        Metadata.parse({k: v for k, v in document.items() if k != "jwks_uri"}, ISSUER)


def test_the_settings_make_the_config() -> None:
    assert OidcConfig.of(Settings()) is None
    config = OidcConfig.of(Settings(oidc_issuer=f"{ISSUER}/", oidc_client_id=CLIENT, oidc_scopes="profile email"))
    assert config is not None
    assert config.issuer == ISSUER and config.scopes == "openid profile email" and config.client_secret is None
    assert config.username_claim == "preferred_username"
    with pytest.raises(InvalidInput, match="JIFEN_OIDC_CLIENT_ID"):
        OidcConfig.of(Settings(oidc_issuer=ISSUER))


def test_each_sign_in_has_its_own_secrets() -> None:
    first, second = Pending.new(), Pending.new()
    assert len({first.state, first.nonce, first.code_verifier, second.state, second.nonce}) == 5
    assert 43 <= len(first.code_verifier) <= 128  # RFC 7636
    assert Pending.from_dict(first.as_dict()) == first
