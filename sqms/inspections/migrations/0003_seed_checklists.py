"""The seed checklists: hall inspection, mystery-shopper script, ticket review."""

from django.db import migrations

from sqms.inspections.seeds import seed_checklists


class Migration(migrations.Migration):
    dependencies = [("inspections", "0002_roles")]

    operations = [migrations.RunPython(seed_checklists, migrations.RunPython.noop)]
