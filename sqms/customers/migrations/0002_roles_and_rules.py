"""Give the roles their customer permissions and seed the default retention rules."""

from django.db import migrations

from sqms.core.roles import sync_roles
from sqms.customers.retention import seed_rules


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("servicedesk", "0002_roles"),
    ]

    operations = [
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
        migrations.RunPython(seed_rules, migrations.RunPython.noop),
    ]
