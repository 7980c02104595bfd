# The key's own index is covered by (org_unit, -created_at). Only the index is dropped: a plain
# AlterField would also drop and re-validate the foreign key, a full scan of a large table.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_single_indexes'),
        ('customers', '0005_blind_indexes_plain'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='customer',
                    name='org_unit',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.orgunit', verbose_name='org unit'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "customers_customer_org_unit_id_ff40f37e"',
                    reverse_sql='CREATE INDEX "customers_customer_org_unit_id_ff40f37e" ON "customers_customer" ("org_unit_id")',
                ),
            ],
        ),
    ]
