"""A small identity provider the tests start on 127.0.0.1: OpenID Connect and CAS, as a platform would run them.

OpenID Connect: discovery, an authorization endpoint with a one-field sign-in form (any user name is accepted),
a token endpoint that checks the client's secret (HTTP Basic), the redirect URI and the PKCE verifier, RS256 ID
tokens signed with a key made for the run and published as JWKS, and UserInfo. CAS: ``/cas/login`` with the same
form, and ``/cas/p3/serviceValidate`` answering CAS 3.0 XML, each ticket once, for its service only.

Knobs for the failure tests: ``id_token_claims`` overrides claims of the next ID tokens (a wrong nonce, an expiry in
the past, another audience), ``sign_with_other_key`` signs them with a key that is not published, ``refuse_tickets``
answers every CAS validation with a failure, ``userinfo_only`` leaves the user name out of the ID token, and
``token_auth_method`` switches the client's authentication to ``client_secret_post`` or ``none``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from jifen.demo.server import free_port

CLIENT_ID = "jifen-web"
CLIENT_SECRET = "idp-test-client-secret"
CAS_NS = "http://www.yale.edu/tp/cas"


@dataclass
class IdentityProvider:
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    base_url: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "idp-1", "use": "sig"}))
    other_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "idp-1"}))
    id_token_claims: dict[str, Any] = field(default_factory=dict)
    extra_claims: dict[str, dict[str, Any]] = field(default_factory=dict)  # per user name
    cas_attributes: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # per user name
    sign_with_other_key: bool = False
    refuse_tickets: bool = False
    userinfo_only: bool = False
    token_auth_method: str = "client_secret_basic"
    token_requests: list[dict[str, str]] = field(default_factory=list)
    validations: list[dict[str, str]] = field(default_factory=list)
    _codes: dict[str, dict[str, str]] = field(default_factory=dict)
    _tokens: dict[str, str] = field(default_factory=dict)
    _tickets: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def cas_url(self) -> str:
        return f"{self.base_url}/cas"

    def reset(self) -> None:
        self.id_token_claims.clear()
        self.extra_claims.clear()
        self.cas_attributes.clear()
        self.sign_with_other_key = self.refuse_tickets = self.userinfo_only = False
        self.token_auth_method = "client_secret_basic"
        self.token_requests.clear()
        self.validations.clear()

    # OpenID Connect

    async def discovery(self, request: Request) -> Response:
        return JSONResponse({
            "issuer": self.issuer, "authorization_endpoint": f"{self.base_url}/authorize",
            "token_endpoint": f"{self.base_url}/token", "jwks_uri": f"{self.base_url}/jwks",
            "userinfo_endpoint": f"{self.base_url}/userinfo", "response_types_supported": ["code"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [self.token_auth_method]})

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    async def authorize_form(self, request: Request) -> Response:
        params = dict(request.query_params)
        if params.get("client_id") != self.client_id or params.get("response_type") != "code":
            return HTMLResponse("unknown client or response type", status_code=400)
        return _form("/authorize", params)

    async def authorize(self, request: Request) -> Response:
        form = dict(await request.form())
        code = secrets.token_urlsafe(16)
        self._codes[code] = form
        query = urlencode({"code": code, "state": form.get("state", "")})
        return RedirectResponse(f"{form['redirect_uri']}?{query}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append({**form, "authorization": request.headers.get("authorization", "")})
        if not self.client_authenticated(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self._codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None \
                or form.get("redirect_uri") != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant.get("code_challenge_method") != "S256" or challenge != grant.get("code_challenge"):
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, status_code=400)
        access_token = secrets.token_urlsafe(24)
        self._tokens[access_token] = grant["username"]
        return JSONResponse({"access_token": access_token, "token_type": "Bearer", "expires_in": 300,
                             "id_token": self.id_token(grant["username"], grant.get("nonce"))})

    def client_authenticated(self, request: Request, form: dict[str, str]) -> bool:
        if self.token_auth_method == "none":  # a public client: PKCE alone binds the code to it
            return form.get("client_id") == self.client_id and "authorization" not in request.headers
        if self.token_auth_method == "client_secret_post":
            return form.get("client_id") == self.client_id and form.get("client_secret") == self.client_secret
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def claims_of(self, username: str) -> dict[str, Any]:
        return {"sub": f"sub-{username}", "preferred_username": username, "name": f"{username} (platform)",
                **self.extra_claims.get(username, {})}

    def id_token(self, username: str, nonce: str | None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300,
                                  **self.claims_of(username)}
        if nonce:
            claims["nonce"] = nonce
        if self.userinfo_only:
            claims.pop("preferred_username")
        claims.update(self.id_token_claims)
        key = self.other_key if self.sign_with_other_key else self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    async def userinfo(self, request: Request) -> Response:
        username = self._tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        if username is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse(self.claims_of(username))

    # CAS

    async def cas_login_form(self, request: Request) -> Response:
        return _form("/cas/login", {"service": request.query_params.get("service", "")})

    async def cas_login(self, request: Request) -> Response:
        form = dict(await request.form())
        ticket = f"ST-{secrets.token_urlsafe(16)}"
        self._tickets[ticket] = (str(form["service"]), str(form["username"]))
        separator = "&" if "?" in str(form["service"]) else "?"
        return RedirectResponse(f"{form['service']}{separator}{urlencode({'ticket': ticket})}", status_code=302)

    async def cas_validate(self, request: Request) -> Response:
        service, ticket = request.query_params.get("service", ""), request.query_params.get("ticket", "")
        self.validations.append({"service": service, "ticket": ticket})
        found = self._tickets.pop(ticket, None)
        if self.refuse_tickets or found is None or found[0] != service:
            code = "INVALID_SERVICE" if found is not None and found[0] != service else "INVALID_TICKET"
            body = (f'<cas:serviceResponse xmlns:cas="{CAS_NS}"><cas:authenticationFailure code="{code}">'
                    f"Ticket {html.escape(ticket)} not recognized</cas:authenticationFailure></cas:serviceResponse>")
            return Response(body, media_type="application/xml")
        username = found[1]
        attributes = "".join(f"<cas:{name}>{html.escape(value)}</cas:{name}>"
                             for name, values in self.cas_attributes.get(username, {}).items() for value in values)
        body = (f'<cas:serviceResponse xmlns:cas="{CAS_NS}"><cas:authenticationSuccess>'
                f"<cas:user>{html.escape(username)}</cas:user><cas:attributes>{attributes}</cas:attributes>"
                "</cas:authenticationSuccess></cas:serviceResponse>")
        return Response(body, media_type="application/xml")

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/jwks", self.jwks),
            Route("/authorize", self.authorize_form, methods=["GET"]),
            Route("/authorize", self.authorize, methods=["POST"]),
            Route("/token", self.token, methods=["POST"]),
            Route("/userinfo", self.userinfo),
            Route("/cas/login", self.cas_login_form, methods=["GET"]),
            Route("/cas/login", self.cas_login, methods=["POST"]),
            Route("/cas/p3/serviceValidate", self.cas_validate),
        ])

    # What a person does at the provider, for the tests that drive it without a browser

    def sign_in(self, location: str, username: str) -> str:
        """Submit the sign-in form the provider shows at ``location``; returns where it sends the browser back."""
        page = httpx.get(location)
        assert page.status_code == 200, page.text
        parts = urlsplit(location)
        answer = httpx.post(f"{parts.scheme}://{parts.netloc}{parts.path}",
                            data={**dict(parse_qsl(parts.query)), "username": username})
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]


def _form(action: str, hidden: dict[str, str]) -> HTMLResponse:
    fields = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in hidden.items())
    return HTMLResponse(f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>统一身份认证</title>'
                        f'</head><body><h1>统一身份认证</h1><form method="post" action="{action}">{fields}'
                        '<label>平台账号 <input name="username" required></label>'
                        '<button type="submit" id="idp-submit">登录</button></form></body></html>')


@contextmanager
def running(provider: IdentityProvider) -> Iterator[IdentityProvider]:
    """The provider served by uvicorn in a thread on 127.0.0.1 and a free port, stopped on leaving."""
    port = free_port("127.0.0.1")
    provider.base_url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(provider.app(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", loop="asyncio", http="h11"))
    thread = threading.Thread(target=server.run, name="test-identity-provider", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the identity provider did not start"
        time.sleep(0.02)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
