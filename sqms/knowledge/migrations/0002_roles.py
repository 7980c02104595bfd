"""Give the roles their knowledge-base permissions."""

from django.db import migrations

from sqms.core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial"), ("core", "0003_calendars_notifications")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
