"""Give the roles their emergency-response permissions."""

from django.db import migrations

from sqms.core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("emergency", "0001_initial")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
