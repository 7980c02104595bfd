"""The roles of DESIGN.md as Django groups, with the permissions each grants.

Each app adds its permissions here and a data migration that calls `sync_roles`, so a fresh
database and an upgraded one end with the same groups.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

ROLE_LABELS = {
    "agent": _("Agent"),
    "unit_manager": _("Unit manager"),
    "quality_manager": _("Quality manager"),
    "quality_inspector": _("Quality inspector"),
    "trainer": _("Trainer"),
    "emergency_officer": _("Emergency officer"),
    "auditor": _("Auditor"),
    "admin": _("Administrator"),
}

_EVERYONE = ["core.view_orgunit"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "agent": [*_EVERYONE],
    "unit_manager": [*_EVERYONE, "core.reveal_personal_data"],
    "quality_manager": [*_EVERYONE],
    "quality_inspector": [*_EVERYONE],
    "trainer": [*_EVERYONE],
    "emergency_officer": [*_EVERYONE],
    "auditor": [
        *_EVERYONE,
        "core.view_all_units",
        "core.view_user",
        "core.view_auditevent",
        "core.export_auditevent",
        "core.view_apitoken",
        "core.reveal_personal_data",
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
    ],
}


def sync_roles(apps: Any, schema_editor: Any = None) -> None:
    """Create the role groups and set their permissions exactly (for use in data migrations).

    Permissions of models created in the same `migrate` run do not exist yet when data
    migrations run (Django makes them after all migrations), so create them first.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, which create_permissions skips.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".", 1)
            wanted.append(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
