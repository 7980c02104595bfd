"""The roles of DESIGN.md as Django groups, with the permissions each grants.

Core and the service desk list theirs here; a later app lists its own in `sqms/<app>/roles.py`
as a `ROLE_PERMISSIONS` dict of the same shape, which `role_permissions()` merges in. Each app
adds a data migration that calls `sync_roles`, so a fresh database and an upgraded one end with
the same groups.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.app_modules import later_app_modules

ROLE_LABELS = {
    "agent": _("Agent"),
    "unit_manager": _("Unit manager"),
    "quality_manager": _("Quality manager"),
    "quality_inspector": _("Quality inspector"),
    "trainer": pgettext_lazy("role", "Trainer"),
    "emergency_officer": _("Emergency officer"),
    "auditor": _("Auditor"),
    "admin": _("Administrator"),
}

_EVERYONE = ["core.view_orgunit"]

_READ_SERVICE_DESK = [
    "servicedesk.view_ticket",
    "servicedesk.view_category",
    "servicedesk.view_priorityrule",
    "servicedesk.view_slapolicy",
    "servicedesk.view_countervisit",
    "servicedesk.view_attachment",
    "core.view_businesscalendar",
]
_WORK_TICKETS = [
    *_READ_SERVICE_DESK,
    "servicedesk.add_ticket",
    "servicedesk.change_ticket",
    "servicedesk.add_countervisit",
    "servicedesk.change_countervisit",
    "servicedesk.add_attachment",
]
_CONFIGURE_SERVICE_DESK = [
    "servicedesk.add_category",
    "servicedesk.change_category",
    "servicedesk.add_priorityrule",
    "servicedesk.change_priorityrule",
    "servicedesk.add_slapolicy",
    "servicedesk.change_slapolicy",
    "core.add_businesscalendar",
    "core.change_businesscalendar",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "agent": [*_EVERYONE, *_WORK_TICKETS],
    "unit_manager": [
        *_EVERYONE,
        *_WORK_TICKETS,
        "core.reveal_personal_data",
        "servicedesk.verify_ticket",
        "servicedesk.import_ticket",
        "servicedesk.hold_sla",
    ],
    "quality_manager": [*_EVERYONE, *_READ_SERVICE_DESK, *_CONFIGURE_SERVICE_DESK],
    "quality_inspector": [
        *_EVERYONE,
        *_READ_SERVICE_DESK,
        "servicedesk.verify_ticket",
        "servicedesk.view_all_tickets",
    ],
    "trainer": [*_EVERYONE],
    "emergency_officer": [*_EVERYONE, "servicedesk.view_ticket", "servicedesk.hold_sla"],
    "auditor": [
        *_EVERYONE,
        "core.view_all_units",
        "core.view_user",
        "core.view_auditevent",
        "core.export_auditevent",
        "core.view_apitoken",
        "core.reveal_personal_data",
        *_READ_SERVICE_DESK,
    ],
    "admin": [
        *_EVERYONE,
        "core.view_all_units",
        "core.add_orgunit",
        "core.change_orgunit",
        "core.delete_orgunit",
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "core.view_apitoken",
        "core.delete_apitoken",
        "core.reveal_personal_data",
        *_READ_SERVICE_DESK,
        *_CONFIGURE_SERVICE_DESK,
    ],
}


def role_permissions() -> dict[str, list[str]]:
    """Every role's permissions: the ones above plus those each installed app's roles.py adds."""
    merged = {role: list(names) for role, names in ROLE_PERMISSIONS.items()}
    for module in later_app_modules("roles"):
        for role, names in module.ROLE_PERMISSIONS.items():
            merged.setdefault(role, []).extend(names)
    return merged


def sync_roles(apps: Any, schema_editor: Any = None) -> None:
    """Create the role groups and set their permissions exactly (for use in data migrations).

    Permissions of models created in the same `migrate` run do not exist yet when data
    migrations run (Django makes them after all migrations), so create them first.
    """
    from django.contrib.auth.management import create_permissions

    roles = role_permissions()
    labels = {name.split(".", 1)[0] for names in roles.values() for name in names}
    for app_config in apps.get_app_configs():
        if app_config.label not in labels:
            continue  # no role grants its permissions: nothing to create ahead of time
        # Historical app configs have no models module, which create_permissions skips.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    # An app migrated later has no permissions yet; its own roles migration (and the
    # post_migrate hook) adds them when it gets there.
    existing = {
        f"{permission.content_type.app_label}.{permission.codename}": permission
        for permission in permission_model.objects.filter(
            content_type__app_label__in=labels
        ).select_related("content_type")
    }
    for role, names in roles.items():
        group, _created = group_model.objects.get_or_create(name=role)
        group.permissions.set([existing[name] for name in names if name in existing])
