"""The main menu: a registry each app fills from its AppConfig.ready(), filtered per user.

An app adds its entries once, next to its other start-up wiring::

    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="tickets",
            label=_("Tickets"),
            url_name="ticket_list",
            icon="ticket-detailed",
            permission="servicedesk.view_ticket",
            order=100,
        )
    )

`order` places it (core uses 0–99, later apps 100 and up, the admin site comes last); the
entry is shown only to users holding `permission` (or to superusers when `superuser_only`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    icon: str = "circle"
    # Shown on the home page's card for this entry; entries without one get no card.
    description: str | Promise = ""
    permission: str | None = None
    # Any of these permissions is enough (for pages several roles reach by different rights).
    any_permissions: tuple[str, ...] = ()
    superuser_only: bool = False
    order: int = 100
    # Extra check for rules a permission cannot express (e.g. "has an org unit").
    visible: Callable[[Any], bool] | None = field(default=None, compare=False)

    def allowed(self, user: Any) -> bool:
        if not user.is_authenticated:
            return False
        if self.superuser_only and not user.is_superuser:
            return False
        if self.permission and not user.has_perm(self.permission):
            return False
        if self.any_permissions and not any(user.has_perm(p) for p in self.any_permissions):
            return False
        return self.visible is None or bool(self.visible(user))


@dataclass(frozen=True)
class NavEntry:
    """One rendered menu entry."""

    key: str
    label: str | Promise
    url: str
    icon: str
    active: bool
    description: str | Promise = ""


# Filled once at start-up (AppConfig.ready) and only read afterwards, so it is not mutable
# state shared between requests.
_registry: dict[str, NavItem] = {}


def register(*items: NavItem) -> None:
    """Add (or replace, by key) menu entries; called from AppConfig.ready()."""
    for item in items:
        _registry[item.key] = item


def registered() -> list[NavItem]:
    return sorted(_registry.values(), key=lambda item: (item.order, item.key))


def _is_active(url: str, path: str) -> bool:
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


def entries_for(request: HttpRequest) -> list[NavEntry]:
    """The entries the request's user may see, with the current page's entry marked active."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    result = []
    for item in registered():
        if not item.allowed(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            # An app registered an entry whose URLs are not mounted (e.g. disabled): skip it
            # rather than break every page.
            continue
        result.append(
            NavEntry(
                key=item.key,
                label=item.label,
                url=url,
                icon=item.icon,
                active=_is_active(url, request.path),
                description=item.description,
            )
        )
    return result


def register_core_items() -> None:
    """The core app's entries (called from CoreConfig.ready)."""
    from django.utils.translation import gettext_lazy as _

    register(
        NavItem(
            key="home",
            label=_("Home"),
            url_name="home",
            icon="house",
            order=0,
        ),
        NavItem(
            key="org_units",
            label=_("Org units"),
            url_name="orgunit_list",
            icon="diagram-3",
            description=_("Browse the organisation tree of your unit and the units below it."),
            permission="core.view_orgunit",
            order=80,
        ),
        NavItem(
            key="users",
            label=_("Users"),
            url_name="user_list",
            icon="people",
            description=_("Staff accounts: profiles, roles, lock-outs and two-factor."),
            permission="core.view_user",
            order=85,
        ),
        NavItem(
            key="audit_log",
            label=_("Audit log"),
            url_name="auditevent_list",
            icon="journal-text",
            description=_("Who did what, when and from where; filter and export it."),
            permission="core.view_auditevent",
            order=90,
        ),
        NavItem(
            key="admin_site",
            label=_("Admin site"),
            url_name="admin:index",
            icon="gear",
            description=_("Django's administration site, for superusers."),
            superuser_only=True,
            order=10_000,
        ),
    )
