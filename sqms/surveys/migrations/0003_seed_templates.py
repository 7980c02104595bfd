"""The seeded templates: post-service (CSAT, NPS, CES, four dimensions, comment) and SERVQUAL."""

from django.db import migrations

from sqms.surveys.seed import seed_templates


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_roles")]

    operations = [migrations.RunPython(seed_templates, migrations.RunPython.noop)]
