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

`order` places it (core uses 0–99, later apps 100 and up, the admin site comes last) and
puts it in a menu section: each app has a range of a hundred or fifty (see SECTIONS), and a
section with more than one entry the user may see becomes a drop-down. The entry is shown
only to users holding `permission` (or to superusers when `superuser_only`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


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


@dataclass(frozen=True)
class NavSection:
    """A group of entries: one link when it holds one, a drop-down when it holds more."""

    key: str
    label: str | Promise
    icon: str
    entries: list[NavEntry]

    @property
    def active(self) -> bool:
        return any(entry.active for entry in self.entries)


# (first order, key, label, icon): an entry belongs to the last section starting at or below
# its order. Apps keep to their ranges: servicedesk 100, customers 150, quality 200,
# surveys 250, staff 300, risk and improvement 400, emergency 450, knowledge/insight 500.
SECTIONS: list[tuple[int, str, Promise, str]] = [
    (0, "home", _("Home"), "house"),
    (80, "system", _("System"), "gear"),
    (100, "service_desk", _("Service desk"), "ticket-detailed"),
    (150, "customers", _("Customers"), "person-vcard"),
    (200, "quality", _("Quality"), "graph-up"),
    (250, "surveys", _("Surveys and inspections"), "clipboard-check"),
    (300, "staff", _("Staff"), "mortarboard"),
    (400, "improvement", _("Risk and improvement"), "shield-check"),
    (450, "emergency", _("Emergency"), "exclamation-octagon"),
    (500, "knowledge", _("Knowledge"), "book"),
    (550, "insight", _("Insight"), "lightbulb"),
    (10_000, "system", _("System"), "gear"),
]


def _section_of(order: int) -> tuple[int, str, Promise, str]:
    return [section for section in SECTIONS if section[0] <= order][-1]


def sections_for(request: HttpRequest) -> list[NavSection]:
    """The menu: the user's entries grouped into sections, in the order of their first entry."""
    by_key: dict[str, NavSection] = {}
    orders = {item.key: item.order for item in _registry.values()}
    for entry in entries_for(request):
        _start, key, label, icon = _section_of(orders[entry.key])
        if key not in by_key:
            by_key[key] = NavSection(key=key, label=label, icon=icon, entries=[])
        by_key[key].entries.append(entry)
    return list(by_key.values())


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
