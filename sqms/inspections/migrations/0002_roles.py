"""Give the roles their inspection permissions."""

from django.db import migrations

from sqms.core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial"), ("core", "0003_calendars_notifications")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
