"""OpenID Connect sign-in: the authorization code flow with PKCE (S256), state and nonce.

The provider is found by discovery (``{issuer}/.well-known/openid-configuration``, whose ``issuer`` must be the one
configured); its metadata and keys (JWKS) are kept for an hour, and the keys fetched again once when a token names a
key id they lack. The ID token's signature is checked against those keys with an asymmetric algorithm the provider
announces, then its issuer, audience (and ``azp``), expiry and issue time (a minute's leeway) and the nonce of this
sign-in. The user name is the configured claim of the ID token, or of the UserInfo answer when the ID token lacks it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import httpx2
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (BadSignatureError, ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError,
                            MissingClaimError)
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from jifen.access.unified import IdentityRefused, IdentityUnavailable, PlatformUser, platform_name
from jifen.config import Settings
from jifen.errors import InvalidInput

VIA = "OpenID Connect"
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
LEEWAY_S = 60
METADATA_TTL_S = 3600
TIMEOUT_S = 10.0
CLAIM_MEANINGS = {"iss": "签发者", "aud": "接收方", "azp": "授权方", "nonce": "nonce", "sub": "用户标识",
                  "iat": "签发时间", "exp": "有效期", "nbf": "生效时间"}
AGAIN = "请回到登录页重新登录。"


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str | None
    scopes: str
    username_claim: str

    @classmethod
    def of(cls, settings: Settings) -> OidcConfig | None:
        """The provider the settings name, or None when OpenID Connect is off."""
        if not settings.oidc_issuer:
            return None
        if not settings.oidc_client_id:
            raise InvalidInput("JIFEN_OIDC_ISSUER is set but JIFEN_OIDC_CLIENT_ID is not: give the client id "
                               "registered with the provider")
        scopes = settings.oidc_scopes.split()
        if "openid" not in scopes:
            scopes.insert(0, "openid")
        secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
        return cls(settings.oidc_issuer.rstrip("/"), settings.oidc_client_id, secret or None, " ".join(scopes),
                   settings.oidc_username_claim)


@dataclass(frozen=True)
class Metadata:
    """What discovery says about the provider, as far as this flow needs it."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    algorithms: tuple[str, ...]
    token_auth_methods: tuple[str, ...]

    @classmethod
    def parse(cls, document: object, issuer: str) -> Metadata:
        if not isinstance(document, dict):
            raise IdentityUnavailable(f"统一身份认证服务的发现文档（{issuer}）不是 JSON 对象。")
        missing = [k for k in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
                   if not isinstance(document.get(k), str)]
        if missing:
            raise IdentityUnavailable(f"统一身份认证服务的发现文档缺少 {', '.join(missing)}。")
        if document["issuer"].rstrip("/") != issuer:
            raise IdentityUnavailable(f"统一身份认证服务自称 {document['issuer']}，与配置的 JIFEN_OIDC_ISSUER {issuer} 不符。")
        announced = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = tuple(a for a in SIGNING_ALGORITHMS if a in announced)
        if not algorithms:
            raise IdentityUnavailable(f"统一身份认证服务签发身份令牌的算法（{', '.join(map(str, announced))}）"
                                      "都不是本系统接受的非对称签名算法。")
        userinfo = document.get("userinfo_endpoint")
        return cls(document["issuer"], document["authorization_endpoint"], document["token_endpoint"],
                   document["jwks_uri"], userinfo if isinstance(userinfo, str) else None, algorithms,
                   tuple(document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]))


@dataclass(frozen=True)
class Pending:
    """What one sign-in keeps between leaving for the provider and coming back (in the browser, encrypted)."""

    state: str
    nonce: str
    code_verifier: str

    @classmethod
    def new(cls) -> Pending:
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48))

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Pending:
        return cls(str(values["state"]), str(values["nonce"]), str(values["code_verifier"]))


def verify_id_token(id_token: str, keys: KeySet, *, issuer: str, client_id: str, nonce: str,
                    algorithms: tuple[str, ...], access_token: str | None = None,
                    now: float | None = None) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, times and nonce hold; else IdentityRefused."""
    try:
        token = jwt.decode(id_token, keys, registry=JWSRegistry(algorithms=list(algorithms)))
    except BadSignatureError:
        raise IdentityRefused("身份令牌（ID Token）的签名无法用统一身份认证服务公布的密钥验证，登录被拒绝。" + AGAIN) from None
    except InvalidKeyIdError:
        raise  # the caller fetches the keys again once
    except (JoseError, ValueError) as exc:
        raise IdentityRefused(f"身份令牌（ID Token）无法解析或算法不被接受（{exc}），登录被拒绝。" + AGAIN) from None
    options = {"iss": {"essential": True, "value": issuer}, "aud": {"essential": True, "value": client_id}}
    params = {"nonce": nonce, "client_id": client_id, "access_token": access_token}
    claims = CodeIDToken(token.claims, token.header, options, params)
    try:
        claims.validate(now=int(now if now is not None else time.time()), leeway=LEEWAY_S)
    except ExpiredTokenError:
        raise IdentityRefused("身份令牌（ID Token）已过期，登录被拒绝。" + AGAIN) from None
    except ClaimError as exc:
        meaning = CLAIM_MEANINGS.get(exc.claim, exc.claim)
        state = "缺少" if isinstance(exc, MissingClaimError) else "不符"
        raise IdentityRefused(f"身份令牌（ID Token）的 {exc.claim}（{meaning}）{state}，登录被拒绝。" + AGAIN) from None
    return dict(claims)


class OidcProvider:
    """The configured provider: starts a sign-in and finishes it. Metadata and keys are kept between sign-ins."""

    def __init__(self, config: OidcConfig, *, clock: Callable[[], float] = time.time,
                 transport: httpx2.BaseTransport | None = None) -> None:
        self.config = config
        self.clock = clock
        self.transport = transport
        self._metadata: tuple[float, Metadata] | None = None
        self._keys: KeySet | None = None

    def _client(self, **kwargs: Any) -> OAuth2Client:
        return OAuth2Client(self.config.client_id, self.config.client_secret, scope=self.config.scopes,
                            code_challenge_method="S256", timeout=TIMEOUT_S, transport=self.transport, **kwargs)

    def _get_json(self, url: str, what: str, **kwargs: Any) -> Any:
        try:
            with httpx2.Client(timeout=TIMEOUT_S, transport=self.transport) as http:
                response = http.get(url, **kwargs)
                response.raise_for_status()
                return response.json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise IdentityUnavailable(f"无法从统一身份认证服务取得{what}（{url}：{exc}），请稍后再试或联系系统管理员。") from None

    def metadata(self) -> Metadata:
        now = self.clock()
        if self._metadata is None or now - self._metadata[0] > METADATA_TTL_S:
            document = self._get_json(f"{self.config.issuer}/.well-known/openid-configuration", "发现文档")
            self._metadata = (now, Metadata.parse(document, self.config.issuer))
            self._keys = None
        return self._metadata[1]

    def keys(self, *, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            document = self._get_json(self.metadata().jwks_uri, "签名公钥（JWKS）")
            try:
                self._keys = KeySet.import_key_set(document)
            except (JoseError, ValueError, KeyError, TypeError) as exc:
                raise IdentityUnavailable(f"统一身份认证服务公布的签名公钥（JWKS）无法读取（{exc}）。") from None
        return self._keys

    def begin(self, redirect_uri: str) -> tuple[str, Pending]:
        """Where to send the browser, and what to keep until it comes back."""
        pending = Pending.new()
        with self._client(redirect_uri=redirect_uri) as client:
            url, _state = client.create_authorization_url(self.metadata().authorization_endpoint,
                                                          state=pending.state, code_verifier=pending.code_verifier,
                                                          nonce=pending.nonce)
        return url, pending

    def finish(self, pending: Pending | None, params: Mapping[str, str], redirect_uri: str) -> PlatformUser:
        """The platform user of the provider's answer at the callback; IdentityRefused when anything does not hold."""
        if pending is None or not secrets.compare_digest(pending.state.encode(), params.get("state", "").encode()):
            raise IdentityRefused("登录请求已过期，或不是从本系统的登录页发起的（state 不符），登录被拒绝。" + AGAIN)
        if "error" in params:
            described = params.get("error_description") or params["error"]
            raise IdentityRefused(f"统一身份认证没有完成登录（{described}）。" + AGAIN)
        code = params.get("code")
        if not code:
            raise IdentityRefused("统一身份认证的回调缺少授权码（code）。" + AGAIN)
        token = self._exchange(code, pending, redirect_uri)
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise IdentityRefused("统一身份认证没有返回身份令牌（ID Token），请联系系统管理员检查客户端的 scope 配置（需含 openid）。")
        claims = self._verified(id_token, pending.nonce, token.get("access_token"))
        claim = self.config.username_claim
        value = claims.get(claim)
        if value is None and self.metadata().userinfo_endpoint and isinstance(token.get("access_token"), str):
            value = self._userinfo(token["access_token"], claims["sub"]).get(claim)
        return PlatformUser(platform_name(value, f"声明 {claim}"), VIA)

    def _exchange(self, code: str, pending: Pending, redirect_uri: str) -> dict[str, Any]:
        metadata = self.metadata()
        method = None
        if self.config.client_secret and "client_secret_basic" not in metadata.token_auth_methods \
                and "client_secret_post" in metadata.token_auth_methods:
            method = "client_secret_post"
        try:
            with self._client(redirect_uri=redirect_uri, token_endpoint_auth_method=method) as client:
                token: dict[str, Any] = client.fetch_token(metadata.token_endpoint, grant_type="authorization_code",
                                                           code=code, code_verifier=pending.code_verifier)
        except AuthlibBaseError as exc:
            raise IdentityRefused(f"统一身份认证没有接受本次登录的授权码（{exc.error}）。" + AGAIN) from None
        except httpx2.HTTPError as exc:
            raise IdentityUnavailable(f"无法连接统一身份认证服务换取令牌（{exc}），请稍后再试。") from None
        except ValueError as exc:
            raise IdentityUnavailable(f"统一身份认证服务的令牌应答无法读取（{exc}）。") from None
        return token

    def _verified(self, id_token: str, nonce: str, access_token: object) -> dict[str, Any]:
        metadata = self.metadata()
        arguments: dict[str, Any] = {
            "issuer": metadata.issuer, "client_id": self.config.client_id, "nonce": nonce,
            "algorithms": metadata.algorithms, "now": self.clock(),
            "access_token": access_token if isinstance(access_token, str) else None}
        try:
            return verify_id_token(id_token, self.keys(), **arguments)
        except InvalidKeyIdError:
            pass  # the provider may have rolled its keys
        try:
            return verify_id_token(id_token, self.keys(refresh=True), **arguments)
        except InvalidKeyIdError:
            raise IdentityRefused("身份令牌（ID Token）所用的签名密钥不在统一身份认证服务公布的公钥中，登录被拒绝。" + AGAIN) from None

    def _userinfo(self, access_token: str, subject: object) -> dict[str, Any]:
        endpoint = self.metadata().userinfo_endpoint
        assert endpoint is not None
        found = self._get_json(endpoint, "用户信息", headers={"Authorization": f"Bearer {access_token}"})
        if not isinstance(found, dict) or found.get("sub") != subject:
            raise IdentityRefused("统一身份认证返回的用户信息与身份令牌不是同一用户（sub 不符），登录被拒绝。" + AGAIN)
        return found
