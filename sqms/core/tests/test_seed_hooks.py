"""The apps' post_migrate seed hooks after a partial `migrate`."""

import pytest
from django.apps import apps
from django.db.migrations.state import ProjectState
from django.db.models.signals import post_migrate

from sqms.core.app_modules import seeding_apps

pytestmark = pytest.mark.django_db


def test_hooks_leave_apps_alone_that_the_migration_state_lacks() -> None:
    # What `migrate customers 0005` on a new database, or rolling back an app that others
    # depend on, hands to post_migrate: a state without the apps it left unmigrated. Their
    # hooks used to look their models up in it and fail the command after it had migrated.
    state = ProjectState().apps
    for app_config in apps.get_app_configs():
        post_migrate.send(
            sender=app_config,
            app_config=app_config,
            verbosity=0,
            interactive=False,
            using="default",
            apps=state,
            plan=[],
        )


def test_seeding_goes_through_the_state_migrate_hands_over() -> None:
    state = ProjectState.from_apps(apps).apps
    assert seeding_apps("quality", apps=state) is state
    assert seeding_apps("quality", apps=ProjectState().apps) is None
    # After a flush no state is given: the installed models.
    assert seeding_apps("quality", apps=None) is apps
