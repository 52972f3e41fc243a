"""Reading CAS ticket validation answers, safely, and the user name they give."""

from __future__ import annotations

import pytest

from jifen.access.cas import CasAnswer, CasConfig, login_url, parse_answer, platform_user
from jifen.access.unified import IdentityRefused, IdentityUnavailable
from jifen.config import Settings

NS = 'xmlns:cas="http://www.yale.edu/tp/cas"'
SUCCESS = f"""<cas:serviceResponse {NS}>
  <cas:authenticationSuccess>
    <cas:user>640104-li</cas:user>
    <cas:attributes>
      <cas:jifenName>teacher1</cas:jifenName>
      <cas:memberOf>教师</cas:memberOf>
      <cas:memberOf>班主任</cas:memberOf>
    </cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>""".encode()


def test_a_success_gives_the_user_and_every_attribute_value() -> None:
    answer = parse_answer(SUCCESS)
    assert answer == CasAnswer("640104-li", {"jifenName": ["teacher1"], "memberOf": ["教师", "班主任"]})


def test_a_cas_2_answer_without_attributes_is_read() -> None:
    answer = parse_answer(f"<cas:serviceResponse {NS}><cas:authenticationSuccess><cas:user> li </cas:user>"
                          "</cas:authenticationSuccess></cas:serviceResponse>".encode())
    assert answer == CasAnswer("li", {})


def test_a_failure_says_the_servers_code() -> None:
    with pytest.raises(IdentityRefused, match="INVALID_TICKET：Ticket ST-1 not recognized"):
        parse_answer(f'<cas:serviceResponse {NS}><cas:authenticationFailure code="INVALID_TICKET">'
                     "Ticket ST-1 not recognized</cas:authenticationFailure></cas:serviceResponse>".encode())


@pytest.mark.parametrize("body", [
    b"<html>not CAS</html>",
    b"not xml at all",
    f"<cas:serviceResponse {NS}><cas:authenticationSuccess/></cas:serviceResponse>".encode(),
    # entity expansion and external entities are refused, not expanded
    f'<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><cas:serviceResponse {NS}>'
    "<cas:authenticationSuccess><cas:user>&b;</cas:user></cas:authenticationSuccess></cas:serviceResponse>".encode(),
    f'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><cas:serviceResponse {NS}>'
    "<cas:authenticationSuccess><cas:user>&x;</cas:user></cas:authenticationSuccess></cas:serviceResponse>".encode(),
])
def test_anything_else_is_not_taken_for_an_answer(body: bytes) -> None:
    with pytest.raises(IdentityUnavailable):
        parse_answer(body)


def test_the_user_name_is_the_cas_user_or_the_configured_attribute() -> None:
    answer = parse_answer(SUCCESS)
    plain = CasConfig.of(Settings(cas_server_url="https://cas.example.edu.cn/cas/"))
    assert plain is not None and plain.server_url == "https://cas.example.edu.cn/cas"
    assert platform_user(plain, answer).name == "640104-li"
    by_attribute = CasConfig("https://cas.example.edu.cn/cas", "/p3/serviceValidate", "jifenName")
    assert platform_user(by_attribute, answer).name == "teacher1"
    with pytest.raises(IdentityRefused, match="属性 memberOf"):  # two values: which one is meant is not known
        platform_user(CasConfig("https://cas", "/p3/serviceValidate", "memberOf"), answer)
    with pytest.raises(IdentityRefused, match="属性 uid"):
        platform_user(CasConfig("https://cas", "/p3/serviceValidate", "uid"), answer)


def test_the_login_address_carries_the_service() -> None:
    config = CasConfig("https://cas.example.edu.cn/cas", "/p3/serviceValidate", None)
    assert login_url(config, "https://jifen.example/login/cas/callback") == (
        "https://cas.example.edu.cn/cas/login?service=https%3A%2F%2Fjifen.example%2Flogin%2Fcas%2Fcallback")
    assert CasConfig.of(Settings()) is None
