"""Give the roles their staff permissions."""

from django.db import migrations

from sqms.core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("staff", "0001_initial"), ("servicedesk", "0002_roles")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
