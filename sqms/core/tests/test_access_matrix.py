"""The authorisation matrix: every role against every page and every API endpoint that takes
no parameter.

- Each page of the main menu answers 200 to exactly the roles its menu entry is shown to and
  refuses the others (403, or 404 for a page that hides what exists).
- No page or endpoint answers any role, or an anonymous visitor, with a server error.
- An anonymous visitor is sent to the log-in page (UI) or refused (API), except on the pages
  meant for the public.
"""

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from sqms.core import navigation
from sqms.core.roles import ROLE_LABELS
from sqms.core.tests.web import web_login

pytestmark = pytest.mark.django_db

# Names of parameter-free routes the public may open (no account by design).
PUBLIC_NAMES = {
    "healthz",
    "login",
    "set_language",
    "switch_language",
    "service_status",
    "api-schema",
    "api-docs",
    "api-redoc",
    "javascript-catalog",
}
# Path prefixes meant for the public (customer-facing apps).
PUBLIC_PREFIXES = ("/portal/", "/api/portal/", "/status/", "/api/intake/", "/surveys/a/")
# Routes a GET must not be sent to in this sweep (they act or stream; covered elsewhere).
SKIPPED_NAMES = {"logout", "admin:logout"}
# The same for every role and slow to build (the OpenAPI schema): fetched anonymously only.
HEAVY_NAMES = {"api-schema", "api-docs", "api-redoc", "healthz"}


def _named_routes(
    patterns: list[Any] | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[str]:
    """Names of the routes without parameters, namespaced ("admin:index")."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_routes(pattern.url_patterns, prefix + route, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            if "<" in prefix + route or "(?P" in prefix + route or re.search(r"\(", route):
                continue
            yield f"{namespace}{pattern.name}"


def _urls() -> list[tuple[str, str]]:
    found = {}
    for name in _named_routes():
        if name in SKIPPED_NAMES or name.startswith("admin:"):
            continue
        with contextlib.suppress(NoReverseMatch):  # a name needing arguments after all
            found[reverse(name)] = name
    return sorted((url, name) for url, name in found.items())


@pytest.fixture
def users(org: Any, make_user: Any) -> dict[str, Any]:
    # At a branch: the widest scope below head office that a role-holder usually has.
    return {role: make_user(role, unit=org.branch1) for role in ROLE_LABELS}


def test_menu_pages_open_to_exactly_the_roles_they_are_shown_to(users: dict[str, Any]) -> None:
    wrong = []
    for role, user in users.items():
        client = web_login(Client(), user)
        for item in navigation.registered():
            if item.superuser_only:
                continue
            status = client.get(reverse(item.url_name)).status_code
            if item.allowed(user):
                # 302: a page that leads on to the user's own record.
                if status not in (200, 302):
                    wrong.append((role, item.key, "shown", status))
            elif (
                item.permission and not user.has_perm(item.permission) and status not in (403, 404)
            ):
                wrong.append((role, item.key, "refused", status))
            # A page hidden from a user who holds its permission is left out of the menu to
            # keep the menu short; the page itself is allowed.
    assert not wrong, wrong


def _anonymous_ok(url: str, name: str, status: int) -> bool:
    if name in PUBLIC_NAMES or url.startswith(PUBLIC_PREFIXES):
        return status < 500 or name == "healthz"  # health answers 503 when unhealthy
    if status == 405:  # a POST-only route refuses the method before anything else
        return True
    return status in ((401, 403) if url.startswith("/api/") else (302, 403, 404))


def test_no_route_answers_anyone_with_a_server_error(users: dict[str, Any]) -> None:
    urls = _urls()
    assert len(urls) > 50  # the sweep really walks the routes
    anonymous = Client(raise_request_exception=False)
    failures = [
        ("anonymous", url, status)
        for url, name in urls
        if not _anonymous_ok(url, name, status := anonymous.get(url).status_code)
    ]
    for role, user in users.items():
        client = web_login(Client(raise_request_exception=False), user)
        for url, name in urls:
            if name in HEAVY_NAMES:
                continue
            status = client.get(url).status_code
            if status >= 500:
                failures.append((role, url, status))
    assert not failures, failures


# Hostile values for whatever filters a list reads: script, SQL, a bad page, a huge number.
HOSTILE_QUERY = (
    "?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&search=%27%20OR%20%271%27%3D%271"
    "&status=x%27--&page=abc&org_unit=99999999999999999999&ordering=-password&day=2026-02-30"
)


def test_hostile_filter_values_are_answered_cleanly_and_escaped(users: dict[str, Any]) -> None:
    # The quality manager reaches the most lists.
    client = web_login(Client(raise_request_exception=False), users["quality_manager"])
    failures: list[tuple[str, Any]] = []
    for url, name in _urls():
        if name in HEAVY_NAMES:
            continue
        response = client.get(url + HOSTILE_QUERY)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
        elif b"<script>alert(1)</script>" in response.content:
            failures.append((url, "unescaped"))
    assert not failures, failures


@pytest.mark.parametrize(
    ("address", "main"),
    [
        ("/insight/", "insight_models"),
        ("/intake/", "intake_message_list"),
        ("/notifications/", "notifications_message_list"),
        ("/staff/", "staff_me"),
    ],
)
def test_an_apps_own_address_leads_to_its_main_page(
    users: dict[str, Any], address: str, main: str
) -> None:
    anonymous = Client().get(address)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    answer = web_login(Client(), users["admin"]).get(address)
    assert answer.status_code == 302 and answer["Location"] == reverse(main)
