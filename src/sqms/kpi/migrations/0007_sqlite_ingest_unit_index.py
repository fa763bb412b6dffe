"""The single-column index on ``kpi_servicerecord.org_unit_id`` goes: ``kpi_sr_unit_requested``
``(org_unit_id, requested_at)`` serves every look-up by unit (PROTECT checks, list filters, rollup
rebuilds), and each ingested row had to update both (measured on SQLite: 5–15 % of the insert cost).

SQLite rebuilds the table to alter a foreign key (a copy of every record: minutes for millions of rows);
PostgreSQL drops the index (on the partitioned table of 0006, with its partitions' indexes)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kpi", "0006_pg_partitions"),
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="servicerecord",
            name="org_unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="service_records",
                to="org.orgunit",
                verbose_name="org unit",
            ),
        ),
    ]
