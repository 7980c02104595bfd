"""Seed the 3×3, 4×4 and 5×5 risk matrices."""

from django.db import migrations

from sqms.risk.seeds import seed, unseed


class Migration(migrations.Migration):
    dependencies = [("risk", "0002_roles")]

    operations = [migrations.RunPython(seed, unseed)]
