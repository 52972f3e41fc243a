"""What the browser tests share: a real ``jifen serve`` over a prepared store, Debian's Chromium through
Playwright, pages that may ask the server under test (and hosts named) and nothing else, and screenshots.

``JIFEN_TEST_BROWSER=require`` turns a missing Chromium or ECharts into a failure instead of a skip;
``JIFEN_SCREENSHOTS=1`` saves screenshots under tests/web/screenshots/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from jifen.config import Settings
from jifen.demo.server import free_port
from jifen.runtime import Runtime
from jifen.web.pages import vendor

CHROMIUM = Path("/usr/bin/chromium")
JIFEN = Path(sys.executable).parent / "jifen"
SCREENSHOTS = Path(__file__).parent / "screenshots"


def needs(what: str) -> None:
    if os.environ.get("JIFEN_TEST_BROWSER") == "require":
        pytest.fail(f"{what}; JIFEN_TEST_BROWSER=require")
    pytest.skip(f"{what}; skipping the browser tests (set JIFEN_TEST_BROWSER=require to fail instead)")


def require_browser(charts: bool = True) -> None:
    if not CHROMIUM.exists():
        needs(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    if charts and not vendor.available("echarts"):
        needs(f"ECharts is not installed ({vendor.NPM_COMMAND})")


@contextmanager
def serving(folder: Path, prepare: Callable[[Runtime], Any], env: dict[str, str] | None = None
            ) -> Iterator[tuple[str, dict[str, str], Any]]:
    """``jifen serve`` on a free port over a SQLite store in ``folder`` that ``prepare`` filled; yields the base
    URL, the server's environment and what ``prepare`` returned."""
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder}/jifen.sqlite3")
    runtime = Runtime.open(settings)
    try:
        prepared = prepare(runtime)
    finally:
        runtime.close()
    port = free_port("127.0.0.1")
    environment = {**os.environ, "JIFEN_DATA_DIR": str(folder), "JIFEN_DATABASE_URL": settings.resolved_database_url(),
                   "JIFEN_AUTO_SETTLE": "false", **(env or {})}
    log = folder / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen([str(JIFEN), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   env=environment, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/login", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start within 30 s"
                time.sleep(0.2)
        yield base, environment, prepared
    finally:
        process.terminate()
        process.wait(timeout=15)


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield launched
        finally:
            launched.close()


class Confined:
    """Browser contexts that may ask only the server under test (and the hosts given): any other request is
    aborted and remembered, and ``close`` fails the test when there was one."""

    def __init__(self, browser: Any, base: str, *also: str) -> None:
        self.browser, self.base, self.allowed = browser, base, (base, *also)
        self.contexts: list[Any] = []
        self.elsewhere: list[str] = []

    def page(self, width: int = 1280, height: int = 900) -> Any:
        context = self.browser.new_context(base_url=self.base, locale="zh-CN",
                                           viewport={"width": width, "height": height})
        context.route("**/*", self._only_here)
        self.contexts.append(context)
        return context.new_page()

    def _only_here(self, route: Any) -> None:
        if route.request.url.startswith(self.allowed):
            route.continue_()
        else:
            self.elsewhere.append(route.request.url)
            route.abort()

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        assert self.elsewhere == [], f"the pages asked other hosts for {self.elsewhere}"


@contextmanager
def confined_page(browser: Any, base: str, *also: str) -> Iterator[Any]:
    pages = Confined(browser, base, *also)
    yield pages.page()
    pages.close()


def shot(page: Any, name: str) -> None:
    if os.environ.get("JIFEN_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, name: str, password: str) -> None:
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
