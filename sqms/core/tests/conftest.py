"""Browser fixtures (Playwright driving Debian's Chromium against pytest-django's live
server), for the core app's browser tests and every later app's.

    @pytest.mark.browser
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_journey(browser_page, live_server, org, make_user):
        browser_page.goto(live_server.url + "/")

`serialized_rollback` matters: the live server needs committed data, so these tests run
outside a transaction and the database is flushed after them; the rollback restores what
migrations put there (the role groups) for the tests that follow.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Debian's Chromium: Playwright's own browser downloads are not available here.
CHROMIUM = os.environ.get("SQMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = Path(os.environ.get("SQMS_SCREENSHOT_DIR", tempfile.gettempdir()))


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the whole test session."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    # Playwright's sync API keeps an event loop running in this thread, which makes Django
    # refuse database calls from test code; the test code is not async, so allow them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser tab (own cookies) pointed at the live server, in Chinese as a Chinese
    user's browser would be."""
    context = chromium.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 1366, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def screenshot(browser_page: Any) -> Any:
    """screenshot("name") saves the page as SCREENSHOT_DIR/sqms-name.png and returns the
    path, for a person to look at."""

    def take(name: str) -> Path:
        path = SCREENSHOT_DIR / f"sqms-{name}.png"
        browser_page.screenshot(path=str(path), full_page=True)
        return path

    return take
