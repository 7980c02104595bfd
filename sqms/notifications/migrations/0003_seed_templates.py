"""Seed the notification templates: every event × transport × language (zh-Hans, English)."""

from django.db import migrations

from sqms.notifications.seeds import seed_templates


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_roles")]

    operations = [migrations.RunPython(seed_templates, migrations.RunPython.noop)]
