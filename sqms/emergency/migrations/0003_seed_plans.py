"""Seed one approved emergency plan per event type for each existing organisation."""

from django.db import migrations

from sqms.emergency.seeds import seed


class Migration(migrations.Migration):
    dependencies = [("emergency", "0002_roles")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
