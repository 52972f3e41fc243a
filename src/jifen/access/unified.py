"""Signing in through the platform's unified identity (统一身份认证): OpenID Connect or CAS.

The platform user becomes the Jifen user whose name equals the name the provider gives (a claim or attribute the
settings choose). Signing in never makes an account: a platform user without one is told who to ask, and the
account is added with ``jifen users add`` under the same name. Password lock-outs are not consulted: the provider
checked the person, not a Jifen password.
"""

from __future__ import annotations

from dataclasses import dataclass

from jifen.config import Settings
from jifen.errors import Forbidden, JifenError, Unauthorized
from jifen.store import web_accounts as repo
from jifen.store.database import Database

NAME_MAX_CHARS = 200


class IdentityRefused(Unauthorized):
    """The provider's answer does not sign anyone in (state, ticket, token or claim at fault); said to the person."""

    code = "identity_refused"


class NoAccount(Forbidden):
    """A platform user the provider vouches for, with no Jifen account of that name."""

    code = "no_account"


class IdentityUnavailable(JifenError):
    """The provider could not be reached, or answered with something other than its protocol."""

    status = 502
    code = "identity_unavailable"


@dataclass(frozen=True)
class PlatformUser:
    """Who the provider says signed in: the name matched to Jifen's users, and the protocol that said so."""

    name: str
    via: str


@dataclass(frozen=True)
class Provider:
    """A configured way to sign in through the platform, as the sign-in page offers it."""

    kind: str  # "oidc" or "cas": the path /login/KIND starts it
    label: str


def configured(settings: Settings) -> list[Provider]:
    """The unified-identity providers the settings turn on, in the order the sign-in page shows them."""
    found = []
    if settings.oidc_issuer:
        found.append(Provider("oidc", "OpenID Connect"))
    if settings.cas_server_url:
        found.append(Provider("cas", "CAS"))
    return found


def platform_name(value: object, source: str) -> str:
    """The user name a provider gave in ``source`` (a claim or attribute), or a refusal saying it is missing."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value) > NAME_MAX_CHARS:
        raise IdentityRefused(f"统一身份认证没有提供可用的用户名（{source}），无法确定是哪位用户。请联系系统管理员检查统一身份认证的配置。")
    return value.strip()


def account_of(database: Database, user: PlatformUser) -> repo.Account:
    """The Jifen account the platform user signs in as; a clear refusal when there is none."""
    with database.read() as connection:
        found = repo.account(connection, user.name)
    if found is None:
        raise NoAccount(f"统一身份认证账号“{user.name}”已通过验证，但积分系统中没有同名账号，所以无法登录。"
                        f"请联系本校的学校管理员（或所在县区教育局的管理员），请其在积分系统中添加用户名为“{user.name}”的账号，"
                        "开通后再用统一身份认证登录。")
    return found
