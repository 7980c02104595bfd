"""Find an optional module (roles.py, demo.py …) in each installed sqms app after core, and the
models an app's post_migrate seed hook works with."""

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any


def later_app_modules(submodule: str) -> Iterator[ModuleType]:
    """Yield `sqms.<app>.<submodule>` for every installed sqms app but core that has one."""
    from django.apps import apps

    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("sqms.") or app_config.label == "core":
            continue
        name = f"{app_config.name}.{submodule}"
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as error:
            # Only a missing module is "not there"; a broken import inside it must surface.
            if error.name != name:
                raise


def seeding_apps(label: str, **post_migrate_kwargs: Any) -> Any | None:
    """The models a post_migrate hook of app `label` seeds through: the migration state that
    `migrate` hands over, or the installed apps after a flush. None when that state holds no
    models of the app: a `migrate APP TARGET` that left it unmigrated (on a new database, or by
    rolling back what it depends on) leaves nothing to seed, and its tables may not exist."""
    from django.apps import apps as installed

    apps = post_migrate_kwargs.get("apps") or installed
    try:
        apps.get_app_config(label)
    except LookupError:
        return None
    return apps
