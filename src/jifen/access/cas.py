"""CAS sign-in (CAS protocol 2.0 and 3.0): the browser goes to ``{server}/login?service=...``, comes back with a
service ticket, and the ticket is validated once, server to server, at ``{server}{validate_path}``.

The validation answer is XML, parsed with defusedxml (no entities, no external references). The user is
``cas:user``, or one of the ``cas:attributes`` (CAS 3.0) when the settings name an attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

import httpx2
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from jifen.access.unified import IdentityRefused, IdentityUnavailable, PlatformUser, platform_name
from jifen.config import Settings

VIA = "CAS"
NS = "{http://www.yale.edu/tp/cas}"
TIMEOUT_S = 10.0
MAX_ANSWER_BYTES = 256 * 1024
AGAIN = "请回到登录页重新登录。"


@dataclass(frozen=True)
class CasConfig:
    server_url: str
    validate_path: str
    username_attribute: str | None

    @classmethod
    def of(cls, settings: Settings) -> CasConfig | None:
        if not settings.cas_server_url:
            return None
        path = settings.cas_validate_path
        return cls(settings.cas_server_url.rstrip("/"), path if path.startswith("/") else f"/{path}",
                   settings.cas_username_attribute or None)


@dataclass(frozen=True)
class CasAnswer:
    """A successful validation: the CAS user and its attributes (every value a list, as an attribute may repeat)."""

    user: str
    attributes: dict[str, list[str]] = field(default_factory=dict)


def login_url(config: CasConfig, service: str) -> str:
    return f"{config.server_url}/login?{urlencode({'service': service})}"


def parse_answer(body: bytes) -> CasAnswer:
    """The ``cas:serviceResponse`` of a validation; IdentityRefused for a failure, IdentityUnavailable for other XML."""
    try:
        root = fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise IdentityUnavailable(f"CAS 服务器的票据验证应答不是可接受的 XML（{exc}）。") from None
    if root.tag != f"{NS}serviceResponse":
        raise IdentityUnavailable(f"CAS 服务器的票据验证应答不是 cas:serviceResponse（而是 {root.tag}）。")
    failure = root.find(f"{NS}authenticationFailure")
    if failure is not None:
        code = failure.get("code", "")
        said = (failure.text or "").strip()
        raise IdentityRefused(f"CAS 服务器没有接受本次登录的票据（{code}{'：' + said if said else ''}）。" + AGAIN)
    success = root.find(f"{NS}authenticationSuccess")
    user = success.find(f"{NS}user") if success is not None else None
    if success is None or user is None or not (user.text or "").strip():
        raise IdentityUnavailable("CAS 服务器的票据验证应答既不是成功也不是失败（缺少 cas:user）。")
    return CasAnswer((user.text or "").strip(), _attributes(success.find(f"{NS}attributes")))


def _attributes(element: Element | None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for child in element if element is not None else ():
        if child.tag.startswith(NS):
            found.setdefault(child.tag[len(NS):], []).append((child.text or "").strip())
    return found


def platform_user(config: CasConfig, answer: CasAnswer) -> PlatformUser:
    if config.username_attribute is None:
        return PlatformUser(platform_name(answer.user, "CAS 用户"), VIA)
    value = answer.attributes.get(config.username_attribute)
    return PlatformUser(platform_name(value, f"属性 {config.username_attribute}"), VIA)


def validate(config: CasConfig, service: str, params: Mapping[str, str],
             transport: httpx2.BaseTransport | None = None) -> PlatformUser:
    """The platform user of the ticket the browser brought back to ``service``, validated at the CAS server."""
    ticket = params.get("ticket", "")
    if not ticket:
        raise IdentityRefused("CAS 的回调缺少票据（ticket）。" + AGAIN)
    url = f"{config.server_url}{config.validate_path}"
    try:
        with httpx2.Client(timeout=TIMEOUT_S, transport=transport) as http:
            response = http.get(url, params={"service": service, "ticket": ticket})
            response.raise_for_status()
            body = response.content
    except httpx2.HTTPError as exc:
        raise IdentityUnavailable(f"无法连接 CAS 服务器验证票据（{url}：{exc}），请稍后再试或联系系统管理员。") from None
    if len(body) > MAX_ANSWER_BYTES:
        raise IdentityUnavailable("CAS 服务器的票据验证应答过大。")
    return platform_user(config, parse_answer(body))
