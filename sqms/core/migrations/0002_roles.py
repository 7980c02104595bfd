"""Create the role groups of DESIGN.md with their permissions, and the audit chain head."""

from django.db import migrations

from sqms.core.roles import sync_roles


def create_chain_head(apps, schema_editor):
    apps.get_model("core", "AuditChainHead").objects.get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
        migrations.RunPython(create_chain_head, migrations.RunPython.noop),
    ]
