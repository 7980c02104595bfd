"""Find an optional module (roles.py, demo.py …) in each installed sqms app after core."""

import importlib
from collections.abc import Iterator
from types import ModuleType


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
