"""The pages on a 375 px phone, in a real browser: every role's main pages fit the screen's width (a wide table
scrolls inside its own box, the page itself never sideways), the menu wraps whole words and the sign-out button
stays on screen. ``JIFEN_SCREENSHOTS=1`` saves screenshots under tests/web/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browsing import Confined, chromium, require_browser, serving, shot, sign_in
from test_admin_pages import resettle_with_a_late_report
from web_region import PASSWORD, Region, build_region

from jifen.runtime import Runtime

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTH = 375
PAGES = {  # who signs in: the pages they use most ({month}: last month, settled twice)
    "teacher1": ["/", "/?page=2", "/teachers/t1/months/{month}", "/rules", "/appeals"],
    "school1": ["/", "/units/school/S1?month={month}", "/appeals/review", "/appeals", "/schools/S1/usage"],
    "county1": ["/", "/settlements/{month}", "/appeals/review", "/appeals", "/bulletin",
                "/counties/C1/bulletin?month={month}", "/usage", "/schools/S1/usage"],
    "city1": ["/", "/settlements/{month}", "/units/county/C1?month={month}"],
    "region1": ["/", "/settlements/{month}", "/units/region/640000?month={month}", "/appeals"],
    "expert1": ["/", "/rules"],
}
MEASURE = """() => {
  const lineHeight = element => parseFloat(getComputedStyle(element).lineHeight) || 24;
  const links = [...document.querySelectorAll('nav.menu a')];
  const logout = document.querySelector("form[action='/logout'] button");
  return {
    width: document.documentElement.scrollWidth,
    broken: links.filter(a => a.getBoundingClientRect().height > 1.5 * lineHeight(a)).map(a => a.textContent),
    logout: logout ? logout.getBoundingClientRect().right : null,
  };
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Region]]:
    """``jifen serve`` over the settled region, last month settled a second time (so the versions page has a
    diff); its base URL and months."""
    require_browser()

    def prepare(runtime: Runtime) -> Region:
        region = build_region(runtime)
        resettle_with_a_late_report(runtime, region)
        return region

    with serving(tmp_path_factory.mktemp("phone-browser"), prepare) as (base, _env, region):
        yield base, region


def test_every_roles_main_pages_fit_a_375_px_phone(served: tuple[str, Region]) -> None:
    base, region = served
    month = str(region.last_month)
    misfits: list[str] = []
    with chromium() as browser:
        phones = Confined(browser, base)
        try:
            for name, paths in PAGES.items():
                page = phones.page(width=WIDTH, height=800)
                page.goto("/login")
                sign_in(page, name, PASSWORD)
                page.wait_for_url(f"{base}/")
                if name == "teacher1":
                    _appeal_the_uncounted_report(page, month)  # the school's and county's queues then hold one
                for path in paths:
                    address = path.format(month=month)
                    response = page.goto(address)
                    assert response is not None and response.status == 200, (name, address, response)
                    found = page.evaluate(MEASURE)
                    if found["width"] > WIDTH:
                        misfits.append(f"{name} {address}: the page is {found['width']} px wide")
                    if found["broken"]:
                        misfits.append(f"{name} {address}: menu items broken over lines: {found['broken']}")
                    if found["logout"] is None or found["logout"] > WIDTH:
                        misfits.append(f"{name} {address}: the sign-out button is off screen ({found['logout']})")
                    shot(page, f"phone-{name}-{address.strip('/').split('?')[0].replace('/', '-') or 'home'}")
        finally:
            phones.close()
    assert misfits == [], "\n".join(misfits)


def _appeal_the_uncounted_report(page: Any, month: str) -> None:
    page.goto(f"/teachers/t1/months/{month}")
    form = page.locator("details.appeal").first
    form.locator("summary").click()
    form.locator("textarea[name=reason]").fill("课件实际同步了三次，应用只上报了一次同步记录")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "申诉已提交" in page.get_by_test_id("appeal-done").inner_text()
