"""Seed the indicator catalogue with DESIGN.md's targets, and give the roles their rights."""

from django.db import migrations

from sqms.core.roles import sync_roles
from sqms.quality.catalogue import seed_catalogue


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]

    operations = [
        migrations.RunPython(seed_catalogue, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
