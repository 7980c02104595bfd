"""Fixtures shared by every app's tests: a small org tree and one user per role.

Tree:  HQ (company)
       ├── BR1 (branch) ── H1 (hall) ── C1 (counter)
       │                └─ CC1 (call centre)
       └── BR2 (branch) ── H2 (hall)
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from sqms.core.choices import OrgUnitKind
from sqms.core.models import OrgUnit
from sqms.core.tests.factories import TEST_PASSWORD, UserFactory, make_unit

# Property tests check what the code computes, not how fast: on a loaded 2-core machine
# hypothesis's timing checks (per-example deadline, slow input generation) fail at random.
hypothesis_settings.register_profile(
    "sqms", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("sqms")


@dataclass
class Org:
    hq: OrgUnit
    branch1: OrgUnit
    hall1: OrgUnit
    counter1: OrgUnit
    call_centre: OrgUnit
    branch2: OrgUnit
    hall2: OrgUnit


def build_org() -> Org:
    hq = make_unit("HQ", "总公司", OrgUnitKind.COMPANY, name_en="Head office")
    branch1 = make_unit("BR1", "一分公司", OrgUnitKind.BRANCH, hq, "Branch 1")
    hall1 = make_unit("H1", "一号营业厅", OrgUnitKind.HALL, branch1, "Hall 1")
    counter1 = make_unit("C1", "一号窗口", OrgUnitKind.COUNTER, hall1, "Counter 1")
    call_centre = make_unit("CC1", "呼叫中心", OrgUnitKind.CALL_CENTRE, branch1, "Call centre")
    branch2 = make_unit("BR2", "二分公司", OrgUnitKind.BRANCH, hq, "Branch 2")
    hall2 = make_unit("H2", "二号营业厅", OrgUnitKind.HALL, branch2, "Hall 2")
    return Org(hq, branch1, hall1, counter1, call_centre, branch2, hall2)


@pytest.fixture
def org(db: Any) -> Org:
    return build_org()


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD


@pytest.fixture
def make_user(org: Org) -> Any:
    """make_user("agent", unit=org.hall1) → a user with that role in that unit."""

    def make(*roles: str, unit: OrgUnit | None = None, **kwargs: Any) -> Any:
        return UserFactory(org_unit=unit or org.hall1, roles=list(roles), **kwargs)

    return make


# --- browser tests ---------------------------------------------------------------------
# Browser fixtures (Playwright driving Debian's Chromium against pytest-django's live
# server), for the core app's browser tests and every later app's.
#
#     @pytest.mark.browser
#     @pytest.mark.django_db(transaction=True)
#     def test_journey(browser_page, live_server, org, make_user):
#         browser_page.goto(live_server.url + "/")
#
# The live server needs committed data, so these tests run outside a transaction and the
# database is flushed after them; post_migrate hooks then restore what the data migrations
# made (roles, seed data). Do not use serialized_rollback: its flush skips post_migrate and
# leaves the tables empty for the tests that follow on the same worker.

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
        # `make test` installs Debian's chromium; a missing browser is a broken set-up, not a
        # reason to skip the journeys.
        pytest.fail(f"no Chromium at {CHROMIUM}; install Debian's chromium package")
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


# --- benchmarks at a tiny scale ------------------------------------------------------------


@pytest.fixture(scope="session")
def bench_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated database of the suite's vendor that every bench run by the tests starts
    from (bench/_harness.py), so each bench's own migrate has nothing to do: the environment
    variables naming it."""
    import subprocess
    import sys
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    from django.conf import settings

    suite_url = os.environ.get("DATABASE_URL", "")
    work = tmp_path_factory.mktemp("bench-template")
    env = {**os.environ, "SQMS_VAR_DIR": str(work / "var"), "PYTHONPATH": str(settings.BASE_DIR)}
    if not suite_url.startswith("postgres"):
        path = work / "template.sqlite3"
        migrate = {**env, "DATABASE_URL": f"sqlite:///{path}"}
        subprocess.run(
            [sys.executable, "-m", "sqms.cli", "migrate", "-v0"], env=migrate, check=True
        )
        yield {"SQMS_BENCH_SQLITE_TEMPLATE": str(path)}
        return
    import psycopg

    name = f"sqms_bench_template_{uuid.uuid4().hex[:10]}"
    server = urlsplit(suite_url)
    admin = urlunsplit(server._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        migrate = {**env, "DATABASE_URL": urlunsplit(server._replace(path=f"/{name}"))}
        subprocess.run(
            [sys.executable, "-m", "sqms.cli", "migrate", "-v0"], env=migrate, check=True
        )
        yield {"SQMS_BENCH_PG_TEMPLATE": name}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- fault injection ---------------------------------------------------------------------


@pytest.fixture
def shared_db(transactional_db: Any, tmp_path: Path) -> Any:
    """The test database shared with real sqms child processes (see core/tests/processes.py);
    the test's data must be committed, so this implies a transactional test."""
    from sqms.core.tests.processes import SharedDatabase

    return SharedDatabase(tmp_path)


@pytest.fixture
def full_media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """MEDIA_ROOT on a real file system of 64 KiB (a tmpfs mounted for the test): a larger
    upload fills it in the middle of the write."""
    import subprocess

    root = tmp_path / "full-media"
    root.mkdir()
    mounted = subprocess.run(  # noqa: S603 - fixed arguments
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(root)],  # noqa: S607
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    settings.MEDIA_ROOT = root
    try:
        yield root
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)  # noqa: S603, S607
