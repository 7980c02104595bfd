"""Customers and data protection: encrypted customer records, masked views with audited
reveal, consent, retention and erasure."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # A flush (transactional tests) empties the tables, then sends post_migrate: put the
    # default retention rules back (idempotent).
    from sqms.core.app_modules import seeding_apps
    from sqms.customers.retention import seed_rules

    if seeding_apps(sender.label, **kwargs) is not None:
        seed_rules(None, None)


class CustomersConfig(AppConfig):
    name = "sqms.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from sqms.core import navigation, periodic
        from sqms.customers import tasks

        periodic.register(tasks.retention_purge, every_seconds=tasks.RETENTION_EVERY_SECONDS)
        post_migrate.connect(_seed_after_migrate, sender=self)
        navigation.register(
            navigation.NavItem(
                key="customers",
                label=_("Customers"),
                url_name="customer_list",
                icon="person-vcard",
                description=_(
                    "Customer records, their history before serving, consent and look-up."
                ),
                permission="customers.view_customer",
                order=150,
            ),
            navigation.NavItem(
                key="customer_retention",
                label=_("Retention"),
                url_name="customer_retention",
                icon="hourglass-split",
                description=_("Retention rules and the log of what was anonymised or destroyed."),
                permission="customers.view_destructionlog",
                order=155,
            ),
        )
