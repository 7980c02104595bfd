"""Seed the problem-type tree, the impact × urgency matrix and the SLA policies."""

from django.db import migrations

from sqms.servicedesk.seeds import seed, unseed


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0002_roles")]

    operations = [migrations.RunPython(seed, unseed)]
